/**
 * Writes a stream to a remote file with many SFTP WRITE requests in flight (like OpenSSH's sftp and
 * rclone), and survives a dropped connection: it reconnects, reopens the file without truncating it,
 * checks that the server holds at least every acknowledged byte, and resends what was not
 * acknowledged (held in memory: at most WINDOW × PIECE bytes). After a resume the whole file is read
 * back and its sha256 compared with the one computed while sending.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { SFTPWrapper, Stats } from 'ssh2';
import { AbortError } from '../errors.js';
import { backoffDelay, sleep } from '../util/backoff.js';
import type { Logger } from '../util/log.js';
import type { SftpSession } from './sftp-session.js';

const PIECE = 64 * 1024;
const WINDOW = 32;
const MAX_RESUMES = 4;

export interface UploadResult {
  bytes: number;
  sha256: string;
  resumes: number;
}

function call<T>(fn: (cb: (err: Error | undefined | null, v: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))));
}

class Writer {
  private sftp!: SFTPWrapper;
  private handle!: Buffer;
  private generation = 0;
  /** Offset → bytes sent but not yet acknowledged. */
  private readonly pending = new Map<number, Buffer>();
  private next = 0;
  private failure?: Error;
  private wake?: () => void;
  resumes = 0;

  constructor(private readonly session: SftpSession, private readonly path: string, private readonly log: Logger, private readonly signal?: AbortSignal) {
    signal?.addEventListener('abort', () => this.wake?.(), { once: true });
  }

  async open(flags: 'w' | 'r+'): Promise<void> {
    this.sftp = await this.session.sftp();
    this.generation = this.session.generation;
    this.handle = await call<Buffer>((cb) => this.sftp.open(this.path, flags, 0o600, cb));
  }

  private acknowledged(): number {
    let low = this.next;
    for (const off of this.pending.keys()) low = Math.min(low, off);
    return low;
  }

  private send(offset: number, piece: Buffer): void {
    this.pending.set(offset, piece);
    const generation = this.generation;
    const done = (err?: Error | null) => {
      if (generation !== this.generation) return; // a callback of a connection we gave up on
      if (err) this.failure ??= err;
      else this.pending.delete(offset);
      this.wake?.();
    };
    try {
      this.sftp.write(this.handle, piece, 0, piece.length, offset, done);
    } catch (err) {
      done(err as Error);
    }
  }

  /** Waits until fewer than `limit` writes are in flight, resuming after a dropped connection. */
  private async drain(limit: number): Promise<void> {
    for (;;) {
      if (this.signal?.aborted) throw new AbortError('upload aborted', { cause: this.signal.reason });
      if (this.failure) await this.resume();
      if (this.pending.size < limit) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  async write(chunk: Buffer): Promise<void> {
    for (let pos = 0; pos < chunk.length; pos += PIECE) {
      await this.drain(WINDOW);
      const piece = chunk.subarray(pos, Math.min(pos + PIECE, chunk.length));
      this.send(this.next, piece);
      this.next += piece.length;
    }
  }

  async finish(): Promise<void> {
    await this.drain(1);
    if (this.sftp.ext_openssh_fsync) await call<void>((cb) => this.sftp.ext_openssh_fsync(this.handle, cb)).catch(() => undefined);
    await call<void>((cb) => this.sftp.close(this.handle, cb));
  }

  /** After a failed write: give up unless the connection dropped; else reconnect and resend. */
  private async resume(): Promise<void> {
    const failure = this.failure!;
    if (!this.connectionLost(failure) || this.resumes >= MAX_RESUMES) throw failure;
    this.resumes++;
    const from = this.acknowledged();
    this.log.warn(`sftp: connection lost while writing ${this.path} at byte ${from} (${failure.message}); reconnecting to resume (attempt ${this.resumes}/${MAX_RESUMES})`);
    await this.session.drop();
    await sleep(backoffDelay(this.resumes, 300), this.signal);
    this.generation = -1; // ignore callbacks of the dead connection from here on
    try {
      await this.open('r+');
    } catch (err) {
      this.failure = err as Error;
      return this.resume();
    }
    this.failure = undefined;
    const st = await call<Stats>((cb) => this.sftp.fstat(this.handle, cb));
    if (st.size < from) throw new Error(`cannot resume ${this.path}: the server holds ${st.size} bytes, ${from} were acknowledged`, { cause: failure });
    const resend = [...this.pending].sort((a, b) => a[0] - b[0]);
    this.pending.clear();
    for (const [off, piece] of resend) this.send(off, piece);
  }

  /** ssh2 fails every outstanding request with "No response from server" when the connection closes. */
  private connectionLost(err: Error): boolean {
    const code = (err as NodeJS.ErrnoException).code;
    return !this.session.isAlive(this.generation) || /no response from server|not connected|channel|socket|connection/i.test(err.message) ||
      code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT';
  }

  async closeQuietly(): Promise<void> {
    if (this.session.isAlive(this.generation)) await call<void>((cb) => this.sftp.close(this.handle, cb)).catch(() => undefined);
  }
}

/**
 * Streams `body` into `path` (created or truncated). Rejects without cleaning up `path`. `known`: the
 * body's sha256 from the caller (not computed again).
 */
export async function uploadResumable(session: SftpSession, path: string, body: Readable, log: Logger, signal?: AbortSignal, known?: Promise<string>): Promise<UploadResult> {
  const writer = new Writer(session, path, log, signal);
  const hash = known ? undefined : createHash('sha256');
  let bytes = 0;
  await writer.open('w');
  try {
    for await (const chunk of body) {
      const b = chunk as Buffer;
      hash?.update(b);
      bytes += b.length;
      await writer.write(b);
    }
    await writer.finish();
  } catch (err) {
    await writer.closeQuietly();
    throw err;
  }
  const sha256 = hash ? hash.digest('hex') : await known!;
  if (writer.resumes) await checkReadBack(session, path, bytes, sha256);
  return { bytes, sha256, resumes: writer.resumes };
}

/** Reads the remote file back and compares size and sha256. */
async function checkReadBack(session: SftpSession, path: string, bytes: number, sha256: string): Promise<void> {
  const sftp = await session.sftp();
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of sftp.createReadStream(path, { highWaterMark: 256 * 1024 })) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  const got = h.digest('hex');
  if (size !== bytes || got !== sha256) {
    throw new Error(`after resuming, ${path} holds ${size} bytes with sha256 ${got.slice(0, 12)}…, but ${bytes} bytes with sha256 ${sha256.slice(0, 12)}… were sent`);
  }
}
