/**
 * Checksums computed on our side while bytes stream past: sha256 (what manifests record), MD5 (S3,
 * Google Drive) and Dropbox's content hash (sha256 of the concatenated sha256 digests of 4 MiB blocks).
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { Checksum, ChecksumAlgo } from './types.js';

export interface Hasher {
  update(chunk: Buffer): void;
  /** Lower-case hex. Call once. */
  digest(): string;
}

const DROPBOX_BLOCK = 4 * 1024 * 1024;

/** https://www.dropbox.com/developers/reference/content-hash */
export class DropboxContentHasher implements Hasher {
  private readonly overall = createHash('sha256');
  private block: Hash = createHash('sha256');
  private inBlock = 0;

  update(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      const take = Math.min(DROPBOX_BLOCK - this.inBlock, chunk.length - pos);
      this.block.update(chunk.subarray(pos, pos + take));
      this.inBlock += take;
      pos += take;
      if (this.inBlock === DROPBOX_BLOCK) this.finishBlock();
    }
  }

  private finishBlock(): void {
    this.overall.update(this.block.digest());
    this.block = createHash('sha256');
    this.inBlock = 0;
  }

  digest(): string {
    if (this.inBlock > 0) this.finishBlock();
    return this.overall.digest('hex');
  }
}

export function createHasher(algo: ChecksumAlgo): Hasher {
  if (algo === 'dropbox-content-hash') return new DropboxContentHasher();
  const h = createHash(algo);
  return { update: (c) => h.update(c), digest: () => h.digest('hex') };
}

/** Computes sha256 and length of what passes through (what the delivery pipeline and manifests use). */
export class HashMeter extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;
  /** The hex sha256, resolved as soon as the input has ended (before the output is fully read). */
  readonly sha256: Promise<string>;
  private resolve!: (hex: string) => void;

  constructor() {
    super();
    this.sha256 = new Promise((resolve) => (this.resolve = resolve));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.resolve(this.hash.digest('hex'));
    cb();
  }
}

/** Computes the checksums of `algos` (each at most once) and the length of what passes through. */
export class ChecksumMeter extends Transform {
  private readonly hashers: Map<ChecksumAlgo, Hasher>;
  private results?: Map<ChecksumAlgo, string>;
  bytes = 0;

  constructor(algos: (ChecksumAlgo | undefined)[], highWaterMark = 1 << 20) {
    super({ highWaterMark });
    this.hashers = new Map(algos.filter((a): a is ChecksumAlgo => !!a).map((a) => [a, createHasher(a)]));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    for (const h of this.hashers.values()) h.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }

  /** The checksum of `algo` over everything that passed; only after the stream has ended. */
  checksum(algo: ChecksumAlgo): Checksum {
    this.results ??= new Map([...this.hashers].map(([a, h]) => [a, h.digest()]));
    const value = this.results.get(algo);
    if (value === undefined) throw new Error(`checksum ${algo} was not computed`);
    return { algo, value };
  }
}

/** Reads a stream to its end, returning its length and checksums (bounded memory). */
export async function checksumStream(body: Readable, algos: ChecksumAlgo[]): Promise<{ size: number; checksums: Checksum[] }> {
  const hashers = algos.map((a) => [a, createHasher(a)] as const);
  let size = 0;
  for await (const chunk of body) {
    const b = chunk as Buffer;
    size += b.length;
    for (const [, h] of hashers) h.update(b);
  }
  return { size, checksums: hashers.map(([algo, h]) => ({ algo, value: h.digest() })) };
}

/** True when both are present, of the same algorithm, and differ. */
export function checksumsDiffer(a: Checksum | undefined, b: Checksum | undefined): boolean {
  return !!a && !!b && a.algo === b.algo && a.value.toLowerCase() !== b.value.toLowerCase();
}
