/**
 * The delivery pipeline: producer → compress (once) → hash (once) → fan-out to every destination.
 * Backpressure end to end: the slowest live destination sets the pace; nothing is buffered beyond
 * each stream's high-water mark. A destination that fails is cut off; with `continue` the others go on,
 * with `fail` everything is aborted. Storages' atomic `put` guarantees a failed destination shows
 * nothing. Only after the producer has finished successfully are the destinations' streams ended.
 */
import { createGzip } from 'node:zlib';
import { PassThrough, Writable, type Duplex, type Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AbortError, describeError } from '../errors.js';
import { HashMeter } from '../storages/checksum.js';
import type { ObjectInfo, Storage } from '../storages/types.js';
import type { Logger } from '../util/log.js';

export interface Destination {
  storage: Storage;
  key: string;
}

export interface DestinationOutcome {
  storage: Storage;
  key: string;
  ok: boolean;
  info?: ObjectInfo;
  error?: unknown;
}

export interface DeliveryResult {
  /** Bytes produced before compression. */
  rawBytes: number;
  /** Bytes delivered (after compression/encryption). */
  bytes: number;
  sha256: string;
  outcomes: DestinationOutcome[];
}

export interface DeliveryOptions<T> {
  destinations: Destination[];
  compress: 'gzip' | 'none';
  /** Extra transforms after compression (e.g. encryption), created fresh per delivery. */
  transforms?: () => Duplex[];
  onDestinationFailure?: 'fail' | 'continue';
  signal: AbortSignal;
  log: Logger;
  /** Writes the content into `out` (must not end it) and resolves with its metadata. */
  produce(out: PassThrough, signal: AbortSignal): Promise<T>;
}

const HWM = 1 << 20;

/** Counts bytes that pass through. */
class Counter extends PassThrough {
  bytes = 0;
  constructor() {
    super({ highWaterMark: HWM });
    this.on('data', (c: Buffer) => (this.bytes += c.length));
  }
}

interface Branch {
  dest: Destination;
  stream: PassThrough;
  abort: AbortController;
  done: Promise<ObjectInfo>;
  failed?: unknown;
}

/** A Writable that writes each chunk to every live branch and waits until all of them have room. */
class FanOut extends Writable {
  constructor(private readonly branches: Branch[], private readonly onFail: (b: Branch, err: unknown) => void) {
    super({ highWaterMark: HWM });
  }

  private live(): Branch[] {
    return this.branches.filter((b) => !b.failed);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const waits: Promise<void>[] = [];
    for (const b of this.live()) {
      // an upload that gave up destroys its stream before its promise rejects: skip it from then on
      if (b.stream.destroyed) continue;
      if (!b.stream.write(chunk)) {
        waits.push(new Promise<void>((resolve) => {
          const done = () => { b.stream.off('drain', done); b.stream.off('close', done); resolve(); };
          b.stream.on('drain', done);
          b.stream.on('close', done);
          if (b.stream.destroyed) done();
        }));
      }
    }
    if (!waits.length) return cb();
    Promise.all(waits).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    for (const b of this.live()) b.stream.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    // also called after a normal finish (autoDestroy): only an error or an early close aborts uploads
    if (err || !this.writableFinished) {
      const reason = err ?? new AbortError('delivery closed early');
      for (const b of this.live()) {
        b.abort.abort(reason);
        b.stream.destroy(reason);
      }
    }
    cb(err);
  }
}

export async function deliver<T>(opts: DeliveryOptions<T>): Promise<DeliveryResult & { produced: T }> {
  const runAbort = new AbortController();
  const onOuterAbort = () => runAbort.abort(opts.signal.reason);
  opts.signal.addEventListener('abort', onOuterAbort, { once: true });
  // hashed once, before the fan-out; storages whose checksum is a sha256 of ours reuse it
  const meter = new HashMeter();
  const branches = opts.destinations.map((dest) => openBranch(dest, runAbort.signal, meter.sha256));
  const fail = (b: Branch, err: unknown) => {
    if (b.failed) return;
    b.failed = err ?? new Error('failed');
    // once the whole run is aborting (producer failed, timeout, shutdown), each destination's abort is
    // a consequence, not news
    if (!runAbort.signal.aborted) opts.log.warn(`destination ${b.dest.storage.name} failed: ${describeError(err)}`);
    b.abort.abort(err);
    b.stream.destroy();
    if ((opts.onDestinationFailure ?? 'fail') === 'fail' || branches.every((x) => x.failed)) runAbort.abort(err);
  };
  for (const b of branches) b.done.catch((err) => fail(b, err));

  const source = new PassThrough({ highWaterMark: HWM });
  const raw = new Counter();
  const stages: (Readable | Duplex | Writable)[] = [source, raw];
  if (opts.compress === 'gzip') stages.push(createGzip({ level: 6, chunkSize: 64 * 1024 }));
  stages.push(...(opts.transforms?.() ?? []), meter, new FanOut(branches, fail));
  const flow = pipeline(stages as [Readable, ...Transform[], Writable], { signal: runAbort.signal });
  flow.catch(() => undefined); // observed below

  let produced: T;
  try {
    produced = await opts.produce(source, runAbort.signal);
    if (runAbort.signal.aborted) throw runAbort.signal.reason;
    source.end();
    await flow;
  } catch (err) {
    runAbort.abort(err);
    source.destroy();
    await Promise.allSettled(branches.map((b) => b.done));
    throw firstCause(err, branches);
  } finally {
    opts.signal.removeEventListener('abort', onOuterAbort);
  }
  const outcomes = await Promise.all(branches.map(outcomeOf));
  return { rawBytes: raw.bytes, bytes: meter.bytes, sha256: await meter.sha256, outcomes, produced };
}

/** Starts the upload to one destination; it reads from the branch's stream. */
function openBranch(dest: Destination, runSignal: AbortSignal, sha256: Promise<string>): Branch {
  const abort = new AbortController();
  const stream = new PassThrough({ highWaterMark: HWM });
  // the storage may attach to the stream only after some async setup: an abort before then must not
  // surface as an unhandled 'error' event (the put's own promise reports the failure)
  stream.on('error', () => undefined);
  const done = dest.storage.put(dest.key, stream as Readable, { signal: AbortSignal.any([abort.signal, runSignal]), sha256 });
  return { dest, stream, abort, done };
}

async function outcomeOf(b: Branch): Promise<DestinationOutcome> {
  try {
    const info = await b.done;
    if (b.failed) return { storage: b.dest.storage, key: b.dest.key, ok: false, error: b.failed };
    return { storage: b.dest.storage, key: b.dest.key, ok: true, info };
  } catch (error) {
    return { storage: b.dest.storage, key: b.dest.key, ok: false, error: b.failed ?? error };
  }
}

/** When every destination failed, the destination's error says more than the pipeline's abort. */
function firstCause(err: unknown, branches: Branch[]): unknown {
  if (err instanceof AbortError || (err as Error)?.name === 'AbortError') {
    const failed = branches.find((b) => b.failed);
    if (failed) return failed.failed;
  }
  return err;
}
