/**
 * One archive pass: every closed binlog of the source that a storage does not hold yet goes to that
 * storage; the active file only with `include_active`, and then only as a `.partial` copy cut at an
 * event boundary. Already archived = a manifest in the storage names the file with the same size and
 * the same head checksum, and its object is there. A file whose archived copy differs (same name,
 * other bytes: the server's logs were reset) is reported, never overwritten.
 */
import { describeError } from '../errors.js';
import type { Storage } from '../storages/types.js';
import type { Logger } from '../util/log.js';
import { MANIFEST_SUFFIX } from '../pipeline/manifest.js';
import { HEAD_BYTES, loadArchiveIndex, type ArchiveIndex, type BinlogManifest } from './archive-index.js';
import { uploadBinlog } from './archive-upload.js';
import { headDigest } from './hash.js';
import { readHead, type BinlogSource, type SourceFile } from './source.js';

export interface ArchivePassOptions {
  job: string;
  source: BinlogSource;
  storages: Storage[];
  prefix: string;
  compression: 'gzip' | 'none';
  includeActive: boolean;
  signal: AbortSignal;
  log: Logger;
  dryRun?: boolean;
  /** Identities (`name size head`) already checked in this process; closed files never change. */
  verified?: Set<string>;
  /** Manifests already read (follow mode). */
  manifestCache?: Map<string, BinlogManifest>;
}

export interface ArchivedFile {
  file: string;
  partial: boolean;
  storages: string[];
  bytes: number;
}

export interface ArchivePassReport {
  uploaded: ArchivedFile[];
  /** Closed files every storage already held. */
  skipped: number;
  failed: { file: string; storage?: string; error: string }[];
  /** The active file at listing time. */
  active?: string;
}

export async function archivePass(o: ArchivePassOptions): Promise<ArchivePassReport> {
  const files = await o.source.list(o.signal);
  const only = new Set(files.map((f) => f.name));
  const indexes = await Promise.all(o.storages.map((s) => loadArchiveIndex(s, o.prefix, { signal: o.signal, only, cache: o.manifestCache })));
  const report: ArchivePassReport = { uploaded: [], skipped: 0, failed: [], active: files.at(-1)?.name };
  for (const file of files.filter((f) => !f.active)) {
    o.signal.throwIfAborted();
    try {
      await archiveClosed(o, file, indexes, report);
    } catch (err) {
      if (o.signal.aborted) throw err;
      report.failed.push({ file: file.name, error: describeError(err) });
    }
  }
  const active = files.at(-1);
  if (o.includeActive && active?.active) {
    try {
      await archiveActive(o, active, indexes, report);
    } catch (err) {
      if (o.signal.aborted) throw err;
      report.failed.push({ file: active.name, error: describeError(err) });
    }
  }
  return report;
}

async function archiveClosed(o: ArchivePassOptions, file: SourceFile, indexes: ArchiveIndex[], report: ArchivePassReport): Promise<void> {
  const missing: Storage[] = [];
  let head: string | undefined;
  for (const idx of indexes) {
    const entry = idx.closed.get(file.name);
    if (!entry?.present) {
      if (entry) o.log.warn(`${idx.storage.name}: archived ${file.name} is missing or has the wrong size; uploading it again`);
      missing.push(idx.storage);
      continue;
    }
    const m = entry.manifest;
    const identity = `${file.name} ${m.size} ${m.head_sha256}`;
    if (m.size === file.size && o.verified?.has(identity)) continue;
    head ??= m.size === file.size ? headDigest(await readHead(o.source, file, HEAD_BYTES, o.signal)) : '';
    if (m.size !== file.size || m.head_sha256 !== head) {
      report.failed.push({
        file: file.name, storage: idx.storage.name,
        error: `${file.name} on ${o.source.description} (${file.size} bytes) differs from the copy archived in ${idx.storage.name} (${m.size} bytes${m.size === file.size ? ', other content' : ''}): were the server's binary logs reset (RESET MASTER)? archive into a new prefix`,
      });
      continue;
    }
    o.verified?.add(identity);
  }
  if (!missing.length) {
    report.skipped++;
    await dropPartials(o, file.name, indexes);
    return;
  }
  if (o.dryRun) {
    report.uploaded.push({ file: file.name, partial: false, storages: missing.map((s) => s.name), bytes: file.size });
    return;
  }
  const up = await uploadBinlog({ ...o, file, closed: true, storages: missing });
  for (const f of up.failed) report.failed.push({ file: file.name, ...f });
  if (up.stored.length) {
    report.uploaded.push({ file: file.name, partial: false, storages: up.stored.map((s) => s.storage.name), bytes: up.bytes });
    o.log.info(`archived ${file.name} (${file.size} bytes) to ${up.stored.map((s) => s.storage.name).join(', ')}`);
    for (const s of up.stored) indexes.find((i) => i.storage === s.storage)?.closed.set(file.name, { storage: s.storage, manifest: s.manifest, present: true });
  }
  await dropPartials(o, file.name, indexes);
}

/** Once a storage holds the closed file, its partial copy of it goes. */
async function dropPartials(o: ArchivePassOptions, name: string, indexes: ArchiveIndex[]): Promise<void> {
  for (const idx of indexes) {
    const partial = idx.partial.get(name);
    if (!partial || !idx.closed.get(name)?.present || o.dryRun) continue;
    await idx.storage.delete(partial.manifest.key + MANIFEST_SUFFIX);
    await idx.storage.delete(partial.manifest.key);
    idx.partial.delete(name);
  }
}

async function archiveActive(o: ArchivePassOptions, file: SourceFile, indexes: ArchiveIndex[], report: ArchivePassReport): Promise<void> {
  const length = o.source.completeLength ? await o.source.completeLength(file, o.signal) : undefined;
  if (length !== undefined && length <= 4) return;
  const known = length ?? file.size;
  const stale = indexes.filter((idx) => {
    const p = idx.partial.get(file.name);
    return !p?.present || p.manifest.size < known;
  });
  if (!stale.length) return;
  if (o.dryRun) {
    report.uploaded.push({ file: file.name, partial: true, storages: stale.map((s) => s.storage.name), bytes: known });
    return;
  }
  const up = await uploadBinlog({ ...o, file, closed: false, length, storages: stale.map((i) => i.storage) });
  for (const f of up.failed) report.failed.push({ file: file.name, ...f });
  if (up.stored.length) {
    const size = up.stored[0]!.manifest.size;
    report.uploaded.push({ file: file.name, partial: true, storages: up.stored.map((s) => s.storage.name), bytes: up.bytes });
    o.log.info(`archived the active ${file.name} up to position ${size} (partial) to ${up.stored.map((s) => s.storage.name).join(', ')}`);
  }
}
