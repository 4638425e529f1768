/**
 * Slow logs kept in a storage: a key, every key under a prefix (`dir` or `dir/`), or the keys matching a
 * glob, each read as a stream through the Storage contract (`s3://…/slow.log*`, `sftp://…`, a job's
 * named storage, …).
 */
import { storageFromUrl, isStorageUrl } from '../storages/url.js';
import { globPrefix, globRegExp, hasGlob } from '../util/glob.js';
import type { Storage } from '../storages/types.js';
import { localSources, type LogSource } from './input.js';

/** The keys a pattern names, sorted; empty when nothing matches. */
export async function storageKeys(storage: Storage, pattern: string, signal?: AbortSignal): Promise<string[]> {
  if (!hasGlob(pattern) && pattern && !pattern.endsWith('/') && (await storage.stat(pattern))) return [pattern];
  const prefix = hasGlob(pattern) ? globPrefix(pattern) : pattern ? pattern.replace(/\/?$/, '/') : '';
  const re = hasGlob(pattern) ? globRegExp(pattern) : undefined;
  const keys: string[] = [];
  for await (const info of storage.list(prefix, { signal })) if (!re || re.test(info.key)) keys.push(info.key);
  return keys.sort();
}

/** One source per key matching `pattern` in `storage`; throws naming the storage when none does. */
export async function storageSources(storage: Storage, pattern: string, signal?: AbortSignal): Promise<LogSource[]> {
  const keys = await storageKeys(storage, pattern, signal);
  if (!keys.length) throw new Error(`storage ${storage.name}: nothing matches "${pattern}"`);
  return keys.map((key) => ({ name: `${storage.name}:${key}`, open: (s?: AbortSignal) => storage.get(key, { signal: s }) }));
}

/**
 * Sources for command-line arguments: storage URLs (`s3://bucket/logs/slow.log*`, `sftp://…`,
 * `gdrive://…`, `dropbox:///…`) through their storages, everything else as local paths, globs or `-`.
 * `close()` releases the storages once the logs have been read.
 */
export async function commandLineSources(args: string[]): Promise<{ sources: LogSource[]; close(): Promise<void> }> {
  const opened: Storage[] = [];
  const sources: LogSource[] = [];
  const close = async () => {
    await Promise.allSettled(opened.map((s) => s.close()));
  };
  try {
    for (const arg of args) {
      if (!isStorageUrl(arg) || /^file:/i.test(arg)) {
        sources.push(...(await localSources([arg.replace(/^file:\/\//i, '')])));
        continue;
      }
      const { storage, key } = await storageFromUrl(arg);
      opened.push(storage);
      sources.push(...(await storageSources(storage, key)));
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { sources, close };
}
