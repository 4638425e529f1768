/** Storage keys: `/`-separated relative paths. Rejects anything that could escape the storage root. */
import { StorageError } from '../errors.js';

export function checkKey(storage: string, op: string, key: string): string {
  const bad =
    key.length === 0 ||
    key.startsWith('/') ||
    key.includes('\\') ||
    key.includes('\0') ||
    key.split('/').some((seg) => seg === '..' || seg === '.' || seg === '');
  if (bad) throw new StorageError(storage, op, key, 'invalid key (must be a relative path without "." or ".." segments)');
  return key;
}

/** Joins a configured prefix and a key with exactly one `/` between them. */
export function joinKey(prefix: string | undefined, key: string): string {
  if (!prefix) return key;
  return prefix.endsWith('/') ? prefix + key : `${prefix}/${key}`;
}

/** Marks temporary objects so that listings can hide them. */
export const TEMP_MARKER = '.onedump-tmp-';

export function isTempName(name: string): boolean {
  return name.includes(TEMP_MARKER);
}
