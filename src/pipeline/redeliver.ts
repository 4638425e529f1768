/**
 * Per-destination retries after a fan-out: a destination that failed with a transient error gets the
 * backup again, copied from a destination that stored it (the dump itself is not run twice), with
 * backoff, and checked against the size and sha256 of the delivery.
 */
import { describeError, isTransient } from '../errors.js';
import { ChecksumMeter } from '../storages/checksum.js';
import type { ObjectInfo, Storage } from '../storages/types.js';
import { backoffDelay, sleep } from '../util/backoff.js';
import type { Logger } from '../util/log.js';
import { pipeline } from 'node:stream/promises';
import { PassThrough } from 'node:stream';

export interface Copy {
  storage: Storage;
  key: string;
}

export interface RedeliverOptions {
  /** Attempts after the first failure. */
  retries: number;
  baseMs: number;
  size: number;
  sha256: string;
  signal: AbortSignal;
  log: Logger;
}

/** Copies `from` to `to` until it works or the error is not transient; rejects with the last error. */
export async function redeliver(to: Copy, from: Copy, firstError: unknown, o: RedeliverOptions): Promise<ObjectInfo> {
  let last = firstError;
  for (let attempt = 1; attempt <= o.retries && isTransient(last) && !o.signal.aborted; attempt++) {
    const wait = backoffDelay(attempt, o.baseMs);
    o.log.warn(`destination ${to.storage.name} failed (${describeError(last)}); copying the backup from ${from.storage.name} in ${wait} ms (retry ${attempt}/${o.retries})`);
    await sleep(wait, o.signal);
    try {
      return await copyChecked(to, from, o);
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

async function copyChecked(to: Copy, from: Copy, o: RedeliverOptions): Promise<ObjectInfo> {
  const meter = new ChecksumMeter(['sha256']);
  const body = new PassThrough({ highWaterMark: 1 << 20 });
  const source = await from.storage.get(from.key, { signal: o.signal });
  const copying = pipeline(source, meter, body, { signal: o.signal });
  const [info] = await Promise.all([to.storage.put(to.key, body, { signal: o.signal, size: o.size }), copying]);
  const sha = meter.checksum('sha256').value;
  if (meter.bytes !== o.size || sha !== o.sha256 || info.size !== o.size) {
    await to.storage.delete(to.key).catch(() => undefined);
    throw new Error(`copy from ${from.storage.name} does not match the delivery (${meter.bytes} bytes, sha256 ${sha.slice(0, 12)}…)`);
  }
  return info;
}
