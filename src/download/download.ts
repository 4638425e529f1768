/**
 * `onedump download SRC DIR`: copies an object, or everything under a prefix, from any storage into a
 * local directory, several files at once. A file already in DIR with the same checksum is skipped
 * (the storage's native checksum from the listing, else the sha256 of a manifest beside the file);
 * without a checksum to compare, the file is fetched again. Each file is written to a temp name and
 * renamed into place after its checksum was checked, so DIR never holds a partial file. With
 * identities, age-encrypted files are decrypted and lose their `.age` suffix.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import PQueue from 'p-queue';
import { describeError, VerifyError } from '../errors.js';
import { MANIFEST_SUFFIX, readManifest } from '../pipeline/manifest.js';
import { AGE_EXTENSION, openPlaintext } from '../pipeline/encrypt.js';
import { ChecksumMeter, createHasher } from '../storages/checksum.js';
import { LocalStorage } from '../storages/local.js';
import type { Checksum, ObjectInfo, Storage } from '../storages/types.js';
import type { Logger } from '../util/log.js';

export interface DownloadOptions {
  /** Files in flight at once. */
  transfers: number;
  /** age identities: decrypt encrypted files. */
  identities?: string[];
  signal: AbortSignal;
  log: Logger;
}

export interface DownloadReport {
  downloaded: string[];
  skipped: string[];
  failed: { key: string; error: string }[];
  bytes: number;
}

interface Item {
  object: ObjectInfo;
  /** Relative path under DIR. */
  rel: string;
}

/** A relative path that stays inside DIR, or undefined for a key that would not. */
function safeRelative(rel: string): string | undefined {
  const parts = rel.split('/');
  return rel && parts.every((p) => p && p !== '.' && p !== '..') && !rel.includes('\\') && !rel.includes('\0') ? rel : undefined;
}

/** The objects SRC names: one object, or everything under `key/`. */
async function* itemsOf(storage: Storage, key: string): AsyncGenerator<Item> {
  const single = key ? await storage.stat(key) : undefined;
  if (single) {
    yield { object: single, rel: key.slice(key.lastIndexOf('/') + 1) };
    return;
  }
  const prefix = key ? `${key}/` : '';
  for await (const object of storage.list(prefix)) yield { object, rel: object.key.slice(prefix.length) };
}

/** The checksum to compare a local copy with, when there is one without reading the object. */
async function expectedChecksum(storage: Storage, o: ObjectInfo): Promise<Checksum | undefined> {
  if (o.checksum) return o.checksum;
  if (o.key.endsWith(MANIFEST_SUFFIX)) return undefined;
  const manifest = await readManifest(storage, o.key).catch(() => undefined);
  return manifest && manifest.size === o.size ? { algo: 'sha256', value: manifest.sha256 } : undefined;
}

async function sameLocal(path: string, o: ObjectInfo, want: Checksum | undefined): Promise<boolean> {
  const st = await stat(path).catch(() => undefined);
  if (!st?.isFile() || st.size !== o.size || !want) return false;
  const h = createHasher(want.algo);
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(c as Buffer);
  return h.digest() === want.value;
}

async function fetchOne(storage: Storage, item: Item, local: LocalStorage, o: DownloadOptions, report: DownloadReport): Promise<void> {
  const want = await expectedChecksum(storage, item.object);
  if (!o.identities && (await sameLocal(join(local.root, ...item.rel.split('/')), item.object, want))) {
    report.skipped.push(item.rel);
    return;
  }
  const meter = new ChecksumMeter(['sha256', want?.algo]);
  const raw = await storage.get(item.object.key, { signal: o.signal });
  raw.once('error', (err) => meter.destroy(err));
  const { stream, encrypted } = await openPlaintext(raw.pipe(meter), o.identities, `${storage.name}:${item.object.key}`);
  const rel = encrypted && item.rel.endsWith(AGE_EXTENSION) ? item.rel.slice(0, -AGE_EXTENSION.length) : item.rel;
  async function* checkedAtEnd(source: AsyncIterable<Buffer>) {
    yield* source;
    // the stored bytes (before any decryption) must be what the storage or the manifest says
    if (meter.bytes !== item.object.size) throw new VerifyError(`read ${meter.bytes} bytes, the listing says ${item.object.size}`);
    if (want && meter.checksum(want.algo).value !== want.value) throw new VerifyError(`${want.algo} of the bytes read does not match ${want.value.slice(0, 16)}…`);
  }
  await local.put(rel, Readable.from(checkedAtEnd(stream)), { signal: o.signal });
  report.downloaded.push(rel);
  report.bytes += meter.bytes;
  o.log.info(`downloaded ${storage.name}:${item.object.key} → ${join(local.root, rel)}`);
}

/** Downloads what `key` names in `storage` into `dir`. Never throws for one file: see `failed`. */
export async function download(storage: Storage, key: string, dir: string, o: DownloadOptions): Promise<DownloadReport> {
  const local = new LocalStorage('download', dir);
  const report: DownloadReport = { downloaded: [], skipped: [], failed: [], bytes: 0 };
  const queue = new PQueue({ concurrency: o.transfers });
  for await (const item of itemsOf(storage, key)) {
    o.signal.throwIfAborted();
    const rel = safeRelative(item.rel);
    if (!rel) {
      report.failed.push({ key: item.object.key, error: 'key would leave the target directory; skipped' });
      continue;
    }
    await queue.onSizeLessThan(o.transfers * 2);
    void queue.add(() => fetchOne(storage, { ...item, rel }, local, o, report).catch((err: unknown) => {
      report.failed.push({ key: item.object.key, error: describeError(err) });
      o.log.warn(`download ${storage.name}:${item.object.key} failed: ${describeError(err)}`);
    }));
  }
  await queue.onIdle();
  return report;
}
