/**
 * Reads a remote file with many SFTP READ requests in flight (ssh2's own read stream sends one at a
 * time, which caps a download at a few tens of MB/s). Pieces are emitted in order; memory stays
 * below WINDOW × PIECE plus the stream's buffer.
 */
import { Readable } from 'node:stream';
import type { SFTPWrapper } from 'ssh2';

const PIECE = 64 * 1024;
const WINDOW = 16;

interface Pending {
  offset: number;
  length: number;
  data: Promise<Buffer>;
}

export class SftpReadStream extends Readable {
  private next: number;
  private readonly inflight: Pending[] = [];
  private reading = false;

  /** Reads bytes [start, end) of the file open as `handle`; the handle is closed at the end. */
  constructor(private readonly sftp: SFTPWrapper, private readonly handle: Buffer, start: number, private readonly end: number) {
    super({ highWaterMark: 256 * 1024 });
    this.next = start;
  }

  private request(offset: number, length: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.sftp.read(this.handle, Buffer.allocUnsafe(length), 0, length, offset, (err, bytes, data) => {
        if (err) reject(err);
        else resolve(bytes === length ? data : data.subarray(0, bytes));
      });
    });
  }

  private fill(): void {
    while (this.inflight.length < WINDOW && this.next < this.end) {
      const length = Math.min(PIECE, this.end - this.next);
      const data = this.request(this.next, length);
      data.catch(() => undefined); // observed in order by _read
      this.inflight.push({ offset: this.next, length, data });
      this.next += length;
    }
  }

  override _read(): void {
    if (this.reading) return;
    this.reading = true;
    void this.pump().finally(() => (this.reading = false));
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        this.fill();
        const head = this.inflight.shift();
        if (!head) {
          this.push(null);
          return;
        }
        let data = await head.data;
        if (data.length === 0) throw new Error(`file ended at byte ${head.offset}, before the ${this.end} bytes it had when opened`);
        // a short read (the server may return less than asked): fetch the rest before going on
        while (data.length < head.length) {
          const more = await this.request(head.offset + data.length, head.length - data.length);
          if (more.length === 0) throw new Error(`file ended at byte ${head.offset + data.length}, before the ${this.end} bytes it had when opened`);
          data = Buffer.concat([data, more]);
        }
        if (!this.push(data)) return;
      }
    } catch (err) {
      this.destroy(err as Error);
    }
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.inflight.length = 0;
    try {
      this.sftp.close(this.handle, () => cb(err));
    } catch {
      cb(err); // the connection is gone, and the handle with it
    }
  }
}
