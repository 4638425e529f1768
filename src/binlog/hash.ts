/** sha256 of a whole stream and of its first bytes, in one pass (the bytes pass through unchanged). */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export class BinlogHasher extends Transform {
  private readonly full = createHash('sha256');
  private readonly head = createHash('sha256');
  private headLeft: number;
  bytes = 0;

  constructor(headBytes: number) {
    super({ highWaterMark: 1 << 20 });
    this.headLeft = headBytes;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.full.update(chunk);
    if (this.headLeft > 0) {
      const part = chunk.subarray(0, this.headLeft);
      this.head.update(part);
      this.headLeft -= part.length;
    }
    this.bytes += chunk.length;
    cb(null, chunk);
  }

  digests(): { sha256: string; headSha256: string } {
    return { sha256: this.full.digest('hex'), headSha256: this.head.digest('hex') };
  }
}

export function sha256Hex(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}
