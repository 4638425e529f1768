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

/** Rejects a byte range that is not `0 <= start <= end` in whole numbers. */
export function checkRange(storage: string, key: string, range?: { start: number; end?: number }): void {
  if (!range) return;
  const { start, end } = range;
  const ok = Number.isInteger(start) && start >= 0 && (end === undefined || (Number.isInteger(end) && end >= start));
  if (!ok) throw new StorageError(storage, 'get', key, `invalid byte range ${start}-${end ?? ''}`);
}

/** The HTTP `Range` header value for a range. */
export function rangeHeader(range: { start: number; end?: number }): string {
  return `bytes=${range.start}-${range.end ?? ''}`;
}

/** A hidden temp name beside `key` (same directory), for backends that upload then rename. */
export function tempKeyFor(key: string, random: string): string {
  const slash = key.lastIndexOf('/');
  return `${key.slice(0, slash + 1)}.${key.slice(slash + 1)}${TEMP_MARKER}${random}`;
}

/** `a/b/c.txt` → `['a/b', 'c.txt']`; a top-level key has the directory `''`. */
export function splitKey(key: string): [dir: string, name: string] {
  const slash = key.lastIndexOf('/');
  return slash < 0 ? ['', key] : [key.slice(0, slash), key.slice(slash + 1)];
}

/**
 * The directory part of a list prefix (`a/b/c` → `a/b`, `abc` → `''`): where a listing starts before
 * filtering by the whole prefix. Refuses `.`, `..` and empty segments.
 */
export function prefixDir(storage: string, prefix: string): string {
  const dir = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
  if (dir && dir.split('/').some((s) => !s || s === '.' || s === '..')) throw new StorageError(storage, 'list', prefix, 'invalid prefix');
  return dir;
}
