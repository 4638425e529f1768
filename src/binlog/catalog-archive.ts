/** A restore's binlogs from the archive of a binlog job: its manifests, and downloads checked against them. */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { VerifyError, describeError } from '../errors.js';
import type { Storage } from '../storages/types.js';
import { HEAD_BYTES, loadArchiveIndex, type ArchiveEntry } from './archive-index.js';
import type { BinlogCatalog, CatalogFile, FetchedFile } from './catalog.js';
import { BinlogHasher } from './hash.js';
import { parseBinlogName } from './names.js';
import { BinlogScanStream } from './scanner.js';
import { privateDir } from './tool.js';

export class ArchiveCatalog implements BinlogCatalog {
  readonly description: string;
  /** Per file, the storages' entries that hold it, in the job's `to` order. */
  private entries?: Map<string, ArchiveEntry[]>;
  private readonly fetched = new Map<string, FetchedFile>();
  private dir?: { path: string; cleanup(): Promise<void> };

  constructor(private readonly storages: Storage[], private readonly prefix: string, private readonly tmpRoot?: string) {
    this.description = `storage${storages.length > 1 ? 's' : ''} ${storages.map((s) => s.name).join(', ')} under "${prefix}"`;
  }

  async list(signal?: AbortSignal): Promise<CatalogFile[]> {
    if (!this.entries) {
      this.entries = new Map();
      for (const storage of this.storages) {
        const index = await loadArchiveIndex(storage, this.prefix, { signal });
        for (const e of [...index.closed.values(), ...index.partial.values()]) {
          if (!e.present) continue;
          const list = this.entries.get(e.manifest.file) ?? [];
          list.push(e);
          this.entries.set(e.manifest.file, list);
        }
      }
      // a closed copy anywhere beats partial copies
      for (const [name, list] of this.entries) {
        const closed = list.filter((e) => e.manifest.closed);
        this.entries.set(name, closed.length ? closed : list.sort((a, b) => b.manifest.size - a.manifest.size));
      }
    }
    return [...this.entries.values()]
      .map(([e]) => e!.manifest)
      .map((m) => ({
        name: m.file, seq: parseBinlogName(m.file)!.seq, closed: m.closed,
        ...(m.created ? { created: Date.parse(m.created) / 1000 } : {}),
        ...(m.gtid_start !== undefined ? { gtidStart: m.gtid_start } : {}),
      }))
      .sort((a, b) => a.seq - b.seq);
  }

  async fetch(name: string, signal?: AbortSignal): Promise<FetchedFile> {
    const cached = this.fetched.get(name);
    if (cached) return cached;
    await this.list(signal);
    const entries = this.entries!.get(name);
    if (!entries?.length) throw new VerifyError(`binlog ${name} is not in the archive (${this.description})`);
    this.dir ??= await privateDir('onedump-pitr-');
    const errors: string[] = [];
    for (const e of entries) {
      try {
        const file = await this.download(e, signal);
        this.fetched.set(name, file);
        return file;
      } catch (err) {
        if (signal?.aborted) throw err;
        errors.push(describeError(err));
      }
    }
    throw new VerifyError(`archived binlog ${name} cannot be used: ${errors.join('; ')}`);
  }

  private async download(e: ArchiveEntry, signal?: AbortSignal): Promise<FetchedFile> {
    const m = e.manifest;
    const path = join(this.dir!.path, m.file);
    const scan = new BinlogScanStream(m.file, { allowTail: !m.closed });
    const hasher = new BinlogHasher(HEAD_BYTES);
    const body = await e.storage.get(m.key, { signal });
    const out = createWriteStream(path, { mode: 0o600 });
    if (m.compression === 'gzip') await pipeline(body, createGunzip(), hasher, scan, out, { signal });
    else await pipeline(body, hasher, scan, out, { signal });
    const { sha256 } = hasher.digests();
    if (hasher.bytes !== m.size || sha256 !== m.sha256) {
      throw new VerifyError(`${e.storage.name}: ${m.key}: does not match its manifest (${hasher.bytes} bytes, sha256 ${sha256.slice(0, 12)}…; manifest: ${m.size} bytes, ${m.sha256.slice(0, 12)}…)`);
    }
    return { name: m.file, path, summary: scan.scanner.summary, closed: m.closed };
  }

  async close(): Promise<void> {
    await this.dir?.cleanup();
  }
}
