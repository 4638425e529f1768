/**
 * Where archived binlogs come from: a local directory (`mode: files`) or a server over the replication
 * protocol (`mode: replication`). Both list the binlog series in log order and hand out byte streams.
 */
import type { Readable } from 'node:stream';

export interface SourceFile {
  name: string;
  /** Size when listed. Final for closed files; the active one may have grown since. */
  size: number;
  /** The newest file of the series: the server may still be writing it. */
  active: boolean;
}

export interface SourceRead {
  stream: Readable;
  /** Settles once the bytes are all read: rejects when the source failed even if the stream ended. */
  done: Promise<void>;
}

export interface BinlogSource {
  /** For messages: `dir /var/lib/mysql` or `server 10.0.0.5:3306`. */
  readonly description: string;
  /** The series' files in log order (oldest first); the last one is the active file. */
  list(signal?: AbortSignal): Promise<SourceFile[]>;
  /**
   * The file's bytes from its start. For a closed file exactly `file.size` bytes. For the active file
   * the bytes are whatever is there now; `length` caps them (files mode reads up to an event boundary
   * found beforehand).
   */
  read(file: SourceFile, opts: { signal?: AbortSignal; length?: number }): Promise<SourceRead>;
  /**
   * For the active file: how many bytes from the start form complete events right now, or undefined
   * when the source only ever delivers complete events (replication).
   */
  completeLength?(file: SourceFile, signal?: AbortSignal): Promise<number>;
  close(): Promise<void>;
}

/** Reads at most `bytes` from the start of a source file (then stops the read). */
export async function readHead(source: BinlogSource, file: SourceFile, bytes: number, signal?: AbortSignal): Promise<Buffer> {
  const { stream, done } = await source.read(file, { signal, length: Math.min(bytes, file.size) });
  const parts: Buffer[] = [];
  let got = 0;
  for await (const chunk of stream) {
    parts.push(chunk as Buffer);
    got += (chunk as Buffer).length;
    if (got >= bytes) break;
  }
  stream.destroy();
  if (got < bytes) await done;
  else done.catch(() => undefined);
  return Buffer.concat(parts).subarray(0, bytes);
}
