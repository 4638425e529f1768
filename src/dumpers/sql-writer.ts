/** Buffered, backpressure-aware writing of SQL text to a stream. */
import type { Writable } from 'node:stream';
import { AbortError } from '../errors.js';

/** Collects small strings into ~256 KiB chunks and waits for 'drain' when the stream is full. */
export class SqlWriter {
  private parts: string[] = [];
  private size = 0;
  bytes = 0;

  constructor(private readonly out: Writable, private readonly signal?: AbortSignal, private readonly chunk = 256 * 1024) {}

  /** Appends text; flushes (and maybe waits) when the buffer is full. */
  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= this.chunk) await this.flush();
  }

  /** Writes bytes as they are (after any buffered text), waiting for 'drain' when the stream is full. */
  async writeBuffer(buf: Buffer): Promise<void> {
    if (this.size) await this.flush();
    if (this.signal?.aborted) throw new AbortError('aborted', { cause: this.signal.reason });
    if (this.out.destroyed) throw new AbortError('output closed');
    this.bytes += buf.length;
    if (!this.out.write(buf)) await drained(this.out, this.signal);
  }

  async flush(): Promise<void> {
    if (this.signal?.aborted) throw new AbortError('aborted', { cause: this.signal.reason });
    if (!this.size) return;
    const buf = Buffer.from(this.parts.join(''), 'utf8');
    this.parts = [];
    this.size = 0;
    this.bytes += buf.length;
    if (this.out.destroyed) throw new AbortError('output closed');
    if (!this.out.write(buf)) await drained(this.out, this.signal);
  }
}

/** Resolves on 'drain'; rejects if the stream errors or closes first, or the signal aborts. */
export function drained(out: Writable, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
    };
    const onDrain = () => (cleanup(), resolve());
    const onError = (err: Error) => (cleanup(), reject(err));
    const onClose = () => (cleanup(), reject(new AbortError('output closed')));
    const onAbort = () => (cleanup(), reject(new AbortError('aborted', { cause: signal?.reason })));
    out.once('drain', onDrain);
    out.once('error', onError);
    out.once('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
