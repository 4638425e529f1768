/**
 * The dump's output stream as several producers see it: DDL written as text or raw bytes (awaiting
 * backpressure), and INSERT chunks from the row encoders of one or more workers (whole statements, so
 * they may interleave). Counts bytes.
 */
import type { Writable } from 'node:stream';
import { AbortError } from '../../errors.js';
import { drained } from '../sql-writer.js';

export class DumpOutput {
  bytes = 0;
  private waiting?: Promise<void>;

  constructor(private readonly out: Writable, private readonly signal: AbortSignal) {}

  /** Writes text (UTF-8) or bytes and waits if the stream is full. */
  async write(data: string | Buffer): Promise<void> {
    if (!this.push(typeof data === 'string' ? Buffer.from(data, 'utf8') : data)) await this.drained();
  }

  /** Writes a chunk without waiting; false means the caller should pause until `drained()`. */
  push(chunk: Buffer): boolean {
    if (this.signal.aborted) throw new AbortError('aborted', { cause: this.signal.reason });
    if (this.out.destroyed) throw new AbortError('output closed');
    this.bytes += chunk.length;
    return this.out.write(chunk);
  }

  /** Resolves once the stream has room (shared by every paused producer). */
  drained(): Promise<void> {
    if (!this.out.writableNeedDrain) return Promise.resolve();
    this.waiting ??= drained(this.out, this.signal).finally(() => (this.waiting = undefined));
    return this.waiting;
  }
}
