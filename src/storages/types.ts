/**
 * The Storage contract. Every backend (local, s3, sftp, gdrive, dropbox) implements it and passes
 * the shared conformance suite in test/conformance/storage.
 *
 * Keys are `/`-separated relative paths (no leading `/`, no `.`/`..` segments, no empty segments),
 * interpreted under the storage's configured root (path, bucket+prefix, folder). Implementations MUST
 * reject other keys with a `StorageError` before touching the backend (`checkKey` in keys.ts).
 *
 * Errors: every failure is a `StorageError` (or `NotFoundError`) naming the storage, the operation and
 * the key, with the backend's error as `cause`; errors worth retrying (network resets, timeouts, HTTP
 * 429/5xx) are marked with `markTransient`. Retries themselves are the job of the `withRetry` decorator
 * and of the backends' own chunk-level retries, never of callers guessing.
 */
import type { Readable } from 'node:stream';
import type { Logger } from '../util/log.js';

/** Checksum algorithms a backend may report natively. */
export type ChecksumAlgo = 'sha256' | 'md5' | 'dropbox-content-hash';

/** A checksum as the backend reports it. Values are lower-case hex. */
export interface Checksum {
  algo: ChecksumAlgo;
  value: string;
}

export interface ObjectInfo {
  /** Key relative to the storage root. */
  key: string;
  size: number;
  modified: Date;
  /**
   * The backend's native checksum, when it has one for this object: S3 MD5 (ETag of a single-part
   * upload; absent for multipart objects), Google Drive `md5Checksum`, Dropbox `content_hash`. `put`
   * of local and sftp reports the sha256 computed on our side while writing; their `stat`/`list` do not
   * (it would mean reading the whole file).
   */
  checksum?: Checksum;
}

export interface PutOptions {
  /**
   * Aborting MUST cancel the upload promptly (the promise rejects) and leave no object, partial object
   * or temporary object visible at `key` or in listings.
   */
  signal?: AbortSignal;
  /** Length in bytes when known in advance (lets some backends pick a single-request upload). */
  size?: number;
  /**
   * The sha256 of `body`, computed by the caller as it streams, resolving once the body has ended.
   * Backends whose native checksum is a sha256 computed on our side (local, sftp) use it instead of
   * hashing every byte a second time.
   */
  sha256?: Promise<string>;
}

export interface GetOptions {
  /** Aborting destroys the returned stream with the abort reason. */
  signal?: AbortSignal;
  /** Inclusive byte range; `end` defaults to the last byte. */
  range?: { start: number; end?: number };
}

/** What a backend can do beyond the contract; absent fields mean "no". */
export interface StorageFeatures {
  /** The algorithm of `ObjectInfo.checksum` that `put` reports (and `stat`/`list` when `listChecksums`). */
  checksum?: ChecksumAlgo;
  /** `stat` and `list` carry the native checksum without reading the object. */
  listChecksums?: boolean;
}

export interface Storage {
  /** The name given in the job file (e.g. `nightly-s3`); used in every message about it. */
  readonly name: string;
  /** The implementation (`local`, `s3`, ...). */
  readonly type: string;
  /** Optional abilities; a missing record means none. */
  readonly features?: StorageFeatures;

  /**
   * Stores `body` at `key`, consuming it to the end. MUST be atomic: readers see either the previous
   * object (or none) or the complete new one, never a partial one. MUST stream with bounded memory
   * whatever the size (a few chunks at most). On failure or abort, MUST leave nothing new visible at
   * `key`, destroy `body`, and clean up temporary state (temp files, multipart uploads, upload sessions)
   * best-effort. An existing object at `key` is replaced (never duplicated). Parent "directories" are
   * created as needed. Resolves with the stored object's info once it is durable; when the backend
   * reports a native checksum, it MUST have been compared with the one computed while sending (a
   * mismatch rejects and removes the object).
   */
  put(key: string, body: Readable, opts?: PutOptions): Promise<ObjectInfo>;

  /**
   * Reads an object as a stream (bounded memory). MUST reject with `NotFoundError` when `key` does not
   * exist (also when it names a "directory").
   */
  get(key: string, opts?: GetOptions): Promise<Readable>;

  /** Info for `key`, or `undefined` when it does not exist (never throws for not-found). */
  stat(key: string): Promise<ObjectInfo | undefined>;

  /**
   * Every object whose key starts with `prefix` (a plain string prefix, recursively), streamed page by
   * page so that large listings never sit in memory at once. Temporary objects of unfinished uploads
   * are never listed. Order is unspecified. A prefix that matches nothing yields nothing.
   */
  list(prefix: string, opts?: { signal?: AbortSignal }): AsyncIterable<ObjectInfo>;

  /** Deletes `key`. Idempotent: deleting a missing key succeeds. */
  delete(key: string): Promise<void>;

  /** Releases connections. Safe to call more than once; the storage is unusable afterwards. */
  close(): Promise<void>;
}

export interface StorageContext {
  /** Directory of the job file; relative paths in the storage config resolve against it. */
  baseDir: string;
  log: Logger;
}

/** A storage implementation as registered: its name, config schema fragment and factory. */
export interface StorageKind<C = Record<string, unknown>> {
  readonly name: string;
  readonly description: string;
  /** JSON-schema `properties` (without `type`) and `required` for this storage's config block. */
  readonly schema: { properties: Record<string, unknown>; required?: string[] };
  /**
   * Checks the schema cannot express (e.g. exactly one way to authenticate), run once at load on a
   * config that passed the schema. `path` is relative to the storage block (e.g. `key_file`).
   */
  check?(config: C & { type: string }): { path: string; message: string }[];
  /** Creates a connected storage. Heavy SDKs MUST be imported lazily here, not at module load. */
  create(name: string, config: C & { type: string }, ctx: StorageContext): Promise<Storage>;
}
