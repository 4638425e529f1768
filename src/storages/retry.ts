/**
 * Decorator: retries a storage's idempotent operations (get, stat, delete) on transient errors with
 * exponential backoff. `put` consumes a one-shot stream, so it is not retried here: backends retry
 * their own chunks (S3 parts, SFTP resume, Drive and Dropbox chunks), a dump job re-delivers from a
 * good copy (pipeline/redeliver.ts), and the runner retries whole runs.
 */
import { isTransient } from '../errors.js';
import { backoffDelay, sleep } from '../util/backoff.js';
import type { GetOptions, ObjectInfo, PutOptions, Storage } from './types.js';
import type { Readable } from 'node:stream';

export interface RetryOptions {
  retries: number;
  baseMs: number;
}

export function withRetry(inner: Storage, opts: RetryOptions = { retries: 3, baseMs: 500 }): Storage {
  async function attempt<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await fn();
      } catch (err) {
        if (i >= opts.retries || !isTransient(err) || signal?.aborted) throw err;
        await sleep(backoffDelay(i + 1, opts.baseMs), signal);
      }
    }
  }
  return {
    name: inner.name,
    type: inner.type,
    features: inner.features,
    put: (key: string, body: Readable, o?: PutOptions) => inner.put(key, body, o),
    get: (key: string, o?: GetOptions) => attempt(() => inner.get(key, o), o?.signal),
    stat: (key: string): Promise<ObjectInfo | undefined> => attempt(() => inner.stat(key)),
    list: (prefix: string, o?: { signal?: AbortSignal }) => inner.list(prefix, o),
    delete: (key: string) => attempt(() => inner.delete(key)),
    close: () => inner.close(),
  };
}
