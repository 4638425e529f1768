/**
 * S3 ETags computed on our side while the bytes stream to S3: the MD5 of a single-part object, and
 * `md5(md5(part1) ‖ md5(part2) ‖ …)-N` of a multipart one (parts cut every `partSize` bytes, as
 * `@aws-sdk/lib-storage` cuts them).
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export class PartMd5Meter extends Transform {
  bytes = 0;
  private readonly whole = createHash('md5');
  private part: Hash = createHash('md5');
  private inPart = 0;
  private readonly partDigests: Buffer[] = [];

  constructor(private readonly partSize: number) {
    super({ highWaterMark: 1 << 20 });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.whole.update(chunk);
    this.bytes += chunk.length;
    for (let pos = 0; pos < chunk.length; ) {
      const take = Math.min(this.partSize - this.inPart, chunk.length - pos);
      this.part.update(chunk.subarray(pos, pos + take));
      this.inPart += take;
      pos += take;
      if (this.inPart === this.partSize) this.finishPart();
    }
    cb(null, chunk);
  }

  private finishPart(): void {
    this.partDigests.push(this.part.digest());
    this.part = createHash('md5');
    this.inPart = 0;
  }

  /** The ETag S3 gives the object: multipart form when `multipart`. Call once, after the end. */
  etag(multipart: boolean): string {
    if (!multipart) return this.whole.digest('hex');
    if (this.inPart > 0) this.finishPart();
    const combined = createHash('md5');
    for (const d of this.partDigests) combined.update(d);
    return `${combined.digest('hex')}-${this.partDigests.length}`;
  }
}
