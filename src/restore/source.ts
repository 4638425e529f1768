/**
 * Where a restore reads from: a stored object plus its manifest. Opens the byte stream, verifies it
 * against the manifest, and undoes compression.
 */
import { createHash } from 'node:crypto';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { UsageError, VerifyError } from '../errors.js';
import { maybeDecrypt } from '../pipeline/encrypt.js';
import { storageFromUrl } from '../storages/url.js';
import type { Logger } from '../util/log.js';
import { readManifest, type Manifest } from '../pipeline/manifest.js';
import { LocalStorage } from '../storages/local.js';
import type { Storage } from '../storages/types.js';

export interface RestoreSource {
  storage: Storage;
  key: string;
  manifest?: Manifest;
  /** age identities, for encrypted backups. */
  identities?: string[];
}

/** A local path or `file://` URL as a source (storage URLs are resolved by `storageFromUrl`). */
export async function localSource(pathOrUrl: string): Promise<RestoreSource> {
  const path = pathOrUrl.startsWith('file://') ? fileURLToPath(pathOrUrl) : resolve(pathOrUrl);
  const storage = new LocalStorage('file', dirname(path));
  const key = basename(path);
  return { storage, key, manifest: await readManifest(storage, key) };
}

/** A storage URL (`s3://bucket/key`, `sftp://…`, see storages/url.ts) as a source. */
export async function urlSource(url: string, log: Logger): Promise<RestoreSource> {
  const { storage, key } = await storageFromUrl(url, { log });
  if (!key) throw new UsageError(`${url}: names no file`);
  return { storage, key, manifest: await readManifest(storage, key) };
}

/** Streams the whole object and checks size and sha256 against the manifest. */
export async function verifySource(src: RestoreSource, signal?: AbortSignal): Promise<void> {
  if (!src.manifest) return;
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of await src.storage.get(src.key, { signal })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  const sha = hash.digest('hex');
  if (size !== src.manifest.size || sha !== src.manifest.sha256) {
    throw new VerifyError(
      `${src.storage.name}:${src.key}: does not match its manifest (size ${size} vs ${src.manifest.size}, sha256 ${sha.slice(0, 12)}… vs ${src.manifest.sha256.slice(0, 12)}…); refusing to restore`,
    );
  }
}

/** The uncompressed dump stream; gzip is detected by its magic bytes, not the file name. */
export async function openDump(src: RestoreSource, signal?: AbortSignal): Promise<Readable> {
  const raw = await maybeDecrypt(await src.storage.get(src.key, { signal }), src.identities, `${src.storage.name}:${src.key}`);
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  let first = true;
  const sniff = new PassThrough();
  void (async () => {
    try {
      for await (const chunk of raw) {
        if (first) {
          first = false;
          const b = chunk as Buffer;
          const gz = b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
          if (gz) {
            const gunzip = createGunzip();
            pipeline(sniff, gunzip, out).catch((err) => out.destroy(err));
          } else {
            pipeline(sniff, out).catch((err) => out.destroy(err));
          }
        }
        if (!sniff.write(chunk)) await new Promise((r) => sniff.once('drain', r));
      }
      if (first) out.end();
      sniff.end();
    } catch (err) {
      out.destroy(err as Error);
    }
  })();
  return out;
}
