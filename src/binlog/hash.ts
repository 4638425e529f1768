/**
 * sha256 of a whole stream and of its first bytes, in one pass (the bytes pass through unchanged).
 * The head digest ignores the "in use" flag of the format description event (bit 0 of byte 21): the
 * server clears it a moment after it has closed the file, and it says nothing about the content.
 */
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
      this.head.update(maskInUse(part, this.bytes));
      this.headLeft -= part.length;
    }
    this.bytes += chunk.length;
    cb(null, chunk);
  }

  digests(): { sha256: string; headSha256: string } {
    return { sha256: this.full.digest('hex'), headSha256: this.head.digest('hex') };
  }
}

/** The head digest of a file's first bytes (as `BinlogHasher` computes it). */
export function headDigest(head: Buffer): string {
  return createHash('sha256').update(maskInUse(head, 0)).digest('hex');
}

/** Offset of the flags byte holding LOG_EVENT_BINLOG_IN_USE_F in the first event's header. */
const IN_USE_BYTE = 4 + 17;

/** `part` (starting at `offset` in the file) with the in-use flag cleared. */
function maskInUse(part: Buffer, offset: number): Buffer {
  const at = IN_USE_BYTE - offset;
  if (at < 0 || at >= part.length || (part[at]! & 1) === 0) return part;
  const copy = Buffer.from(part);
  copy[at] = copy[at]! & ~1;
  return copy;
}
