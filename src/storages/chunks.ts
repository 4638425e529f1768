/**
 * Cuts a stream into chunks of an exact size for chunked upload protocols (Google Drive resumable
 * uploads, Dropbox upload sessions), reading one chunk ahead of the network so that the last chunk is
 * known to be the last one before it is sent — also when the size is an exact multiple of the chunk.
 */
import type { Readable } from 'node:stream';

export class ChunkReader {
  private readonly it: AsyncIterator<Buffer>;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private ended = false;

  constructor(body: Readable) {
    this.it = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  /** Up to `size` bytes: exactly `size` unless the stream ends first (then possibly 0). */
  async read(size: number): Promise<Buffer> {
    while (this.heldBytes < size && !this.ended) {
      const r = await this.it.next();
      if (r.done) this.ended = true;
      else {
        this.held.push(r.value);
        this.heldBytes += r.value.length;
      }
    }
    const all = this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held, this.heldBytes);
    const out = all.subarray(0, Math.min(size, all.length));
    const rest = all.subarray(out.length);
    this.held = rest.length ? [rest] : [];
    this.heldBytes = rest.length;
    return out;
  }

  /** True once the stream has ended and every byte was read. Call after `read`. */
  async done(): Promise<boolean> {
    if (this.heldBytes > 0) return false;
    while (!this.ended && this.heldBytes === 0) {
      const r = await this.it.next();
      if (r.done) this.ended = true;
      else {
        this.held.push(r.value);
        this.heldBytes += r.value.length;
      }
    }
    return this.ended && this.heldBytes === 0;
  }

  /** Stops reading (destroys the source). */
  async cancel(): Promise<void> {
    await this.it.return?.();
  }
}
