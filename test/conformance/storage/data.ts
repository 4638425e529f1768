/**
 * Test data for storages: deterministic generated streams of any size (checksums computed as they are
 * produced, nothing held in memory), optional failure halfway, and an RSS sampler.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { createHasher, type Hasher } from '../../../src/storages/checksum.js';
import type { ChecksumAlgo } from '../../../src/storages/types.js';

const CHUNK = 1 << 20;
const BASE = randomBytes(CHUNK);

export interface Generated {
  stream: Readable;
  /** Bytes emitted so far. */
  emitted(): number;
  /** Checksum of everything emitted, once the stream has ended. */
  checksum(algo: ChecksumAlgo | 'sha256'): string;
}

export interface GenerateOptions {
  /** After this many bytes, the stream fails with `Error('source failed halfway')`. */
  failAt?: number;
  /** Called once when this many bytes have been emitted. */
  at?: { bytes: number; run(): void };
}

/** `size` bytes: a random 1 MiB block repeated, each copy stamped with its index (so parts differ). */
export function generate(size: number, opts: GenerateOptions = {}): Generated {
  const hashers = new Map<string, Hasher>((['sha256', 'md5', 'dropbox-content-hash'] as ChecksumAlgo[]).map((a) => [a, createHasher(a)]));
  const digests = new Map<string, string>();
  let emitted = 0;
  let index = 0;
  const stream = new Readable({
    highWaterMark: CHUNK,
    read() {
      if (opts.failAt !== undefined && emitted >= opts.failAt) {
        this.destroy(new Error('source failed halfway'));
        return;
      }
      if (emitted >= size) {
        this.push(null);
        return;
      }
      const n = Math.min(CHUNK, size - emitted, opts.failAt !== undefined ? Math.max(1, opts.failAt - emitted) : CHUNK);
      const chunk = Buffer.from(BASE.subarray(0, n));
      if (n >= 4) chunk.writeUInt32BE(index >>> 0, 0);
      index++;
      for (const h of hashers.values()) h.update(chunk);
      emitted += n;
      if (opts.at && emitted >= opts.at.bytes) {
        const run = opts.at.run;
        opts.at = undefined;
        setImmediate(run);
      }
      this.push(chunk);
    },
  });
  return {
    stream,
    emitted: () => emitted,
    checksum(algo) {
      if (!digests.has(algo)) digests.set(algo, hashers.get(algo)!.digest());
      return digests.get(algo)!;
    },
  };
}

/** Reads a whole (small) stream. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** sha256 and size of a stream, read with bounded memory. */
export async function digest(stream: Readable): Promise<{ size: number; sha256: string }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const c of stream) {
    h.update(c as Buffer);
    size += (c as Buffer).length;
  }
  return { size, sha256: h.digest('hex') };
}

/** Samples the process RSS every 10 ms; `stop()` returns the peak growth over the starting value. */
export function watchMemory(): { stop(): number } {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage().rss);
      return peak - base;
    },
  };
}
