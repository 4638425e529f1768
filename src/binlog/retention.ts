/**
 * Retention of archived binlogs. A closed binlog is deleted only when both hold:
 *  - it is older than `keep_days` (by the time the file was closed), and
 *  - no kept dump needs it: every dump of `dump_job` still in its storages starts (its recorded binlog
 *    coordinates) in a later file. Replaying from the oldest kept dump needs its file and every file after.
 * Without any dump that records binlog coordinates nothing is deleted: there is no way to tell what a
 * future restore needs. Partial copies are never touched here (the archive pass replaces them).
 */
import { MANIFEST_SUFFIX } from '../pipeline/manifest.js';
import type { BackupEntry } from '../restore/backups.js';
import type { Logger } from '../util/log.js';
import { loadArchiveIndex } from './archive-index.js';
import { parseBinlogName } from './names.js';
import { dumpCoordinate } from './dumps.js';
import type { Storage } from '../storages/types.js';

export interface RetentionPolicy {
  keepDays: number;
}

/** The first binlog file the oldest kept dump needs, or undefined when no dump records one. */
export function oldestNeededFile(dumps: BackupEntry[], log: Logger): string | undefined {
  let oldest: { file: string; seq: number } | undefined;
  for (const d of dumps) {
    const c = dumpCoordinate(d.manifest);
    if (!c) {
      log.warn(`dump ${d.storage}:${d.key} records no binlog position; binlog retention ignores it`);
      continue;
    }
    const seq = parseBinlogName(c.file)!.seq;
    if (!oldest || seq < oldest.seq) oldest = { file: c.file, seq };
  }
  return oldest?.file;
}

/** Deletes what the policy allows in one storage; returns the binlog files deleted. */
export async function applyRetention(a: {
  storage: Storage; prefix: string; policy: RetentionPolicy; neededFrom: string | undefined; now?: Date; log: Logger; signal?: AbortSignal;
}): Promise<string[]> {
  if (!a.neededFrom) {
    a.log.warn(`binlog retention: no dump with a recorded binlog position found; keeping every archived binlog in ${a.storage.name}`);
    return [];
  }
  const neededSeq = parseBinlogName(a.neededFrom)!.seq;
  const cutoff = (a.now ?? new Date()).getTime() - a.policy.keepDays * 86_400_000;
  const index = await loadArchiveIndex(a.storage, a.prefix, { signal: a.signal });
  const deleted: string[] = [];
  for (const [name, entry] of index.closed) {
    const m = entry.manifest;
    const when = Date.parse(m.closed_at ?? m.last_event ?? m.archived);
    if (parseBinlogName(name)!.seq >= neededSeq || when >= cutoff) continue;
    // the manifest goes first: a file without one is not in the archive any more
    await a.storage.delete(m.key + MANIFEST_SUFFIX);
    await a.storage.delete(m.key);
    deleted.push(name);
  }
  if (deleted.length) a.log.info(`binlog retention: deleted ${deleted.length} file(s) from ${a.storage.name} (oldest kept dump needs ${a.neededFrom} onwards)`);
  return deleted.sort();
}
