/**
 * The Storage contract. Every backend (local, s3, sftp, gdrive, dropbox) implements it and passes
 * the shared conformance suite in test/conformance/storage.
 *
 * Keys are `/`-separated relative paths (no leading `/`, no `..`), interpreted under the storage's
 * configured root (path, bucket+prefix, folder).
 */
import type { Readable } from 'node:stream';
import type { Logger } from '../util/log.js';

/** A checksum as the backend reports it. `sha256` and `md5` values are lower-case hex. */
export interface Checksum {
  algo: 'sha256' | 'md5' | 'dropbox-content-hash';
  value: string;
}

export interface ObjectInfo {
  /** Key relative to the storage root. */
  key: string;
  size: number;
  modified: Date;
  /** The backend's native checksum, when it has one for this object (e.g. not for S3 multipart uploads). */
  checksum?: Checksum;
}

export interface PutOptions {
  /** Aborting MUST cancel the upload and leave no object (nor a partial one) visible at `key`. */
  signal?: AbortSignal;
  /** Length in bytes when known in advance (lets some backends pick a single-request upload). */
  size?: number;
}

export interface GetOptions {
  signal?: AbortSignal;
  /** Inclusive byte range. */
  range?: { start: number; end?: number };
}

export interface Storage {
  /** The name given in the job file (e.g. `nightly-s3`); used in every message about it. */
  readonly name: string;
  /** The implementation (`local`, `s3`, ...). */
  readonly type: string;

  /**
   * Stores `body` at `key`. MUST be atomic: readers see either the previous object (or none) or the
   * complete new one, never a partial one. On failure or abort, MUST leave nothing new visible at `key`
   * and clean up temporary state (temp files, multipart uploads) best-effort. An existing object at
   * `key` is replaced. Resolves with the stored object's info once it is durable.
   */
  put(key: string, body: Readable, opts?: PutOptions): Promise<ObjectInfo>;

  /** Reads an object as a stream. MUST reject with `NotFoundError` when `key` does not exist. */
  get(key: string, opts?: GetOptions): Promise<Readable>;

  /** Info for `key`, or `undefined` when it does not exist (never throws for not-found). */
  stat(key: string): Promise<ObjectInfo | undefined>;

  /**
   * Every object whose key starts with `prefix` (recursively), streamed page by page so that large
   * listings never sit in memory at once. Order is unspecified.
   */
  list(prefix: string, opts?: { signal?: AbortSignal }): AsyncIterable<ObjectInfo>;

  /** Deletes `key`. Idempotent: deleting a missing key succeeds. */
  delete(key: string): Promise<void>;

  /** Releases connections. Safe to call more than once. */
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
  /** Creates a connected storage. Heavy SDKs MUST be imported lazily here, not at module load. */
  create(name: string, config: C & { type: string }, ctx: StorageContext): Promise<Storage>;
}
