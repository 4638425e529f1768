/** Finding the stored backups of a dump job: every file in its storages that has a manifest. */
import { MANIFEST_SUFFIX, readManifest, type Manifest } from '../pipeline/manifest.js';
import type { Storage } from '../storages/types.js';
import { describeError } from '../errors.js';

export interface BackupEntry {
  storage: string;
  key: string;
  size: number;
  modified: Date;
  manifest: Manifest;
}

/** The fixed part of a file name template before its first placeholder other than {job}. */
export function templatePrefix(template: string, job: string): string {
  const withJob = template.replace(/\{job\}/g, job);
  const i = withJob.indexOf('{');
  return i < 0 ? withJob : withJob.slice(0, i);
}

/**
 * Backups of `job` in `storage`, newest first (by the manifest's finish time). A file whose manifest
 * is damaged is not a backup (never restored, never counted by retention, never deleted by it); `warn`
 * hears about each one.
 */
export async function listBackups(storage: Storage, job: string, prefix: string, warn?: (message: string) => void): Promise<BackupEntry[]> {
  const files = new Map<string, { size: number; modified: Date }>();
  const manifests: string[] = [];
  for await (const o of storage.list(prefix)) {
    if (o.key.endsWith(MANIFEST_SUFFIX)) manifests.push(o.key);
    else files.set(o.key, { size: o.size, modified: o.modified });
  }
  const out: BackupEntry[] = [];
  for (const mkey of manifests) {
    const key = mkey.slice(0, -MANIFEST_SUFFIX.length);
    const file = files.get(key);
    if (!file) continue;
    const manifest = await readManifest(storage, key).catch((err: unknown) => void warn?.(`${describeError(err)}; ${storage.name}:${key} is not counted as a backup`));
    if (!manifest || manifest.job !== job) continue;
    out.push({ storage: storage.name, key, size: file.size, modified: file.modified, manifest });
  }
  return out.sort((a, b) => b.manifest.finished.localeCompare(a.manifest.finished));
}
