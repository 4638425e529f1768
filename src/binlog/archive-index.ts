/**
 * The archive's own index, kept in each storage beside the files: one small manifest per archived
 * binlog (`<prefix><file>[.partial][.gz].manifest.json`), written after the file itself is stored and
 * verified. It records name, size and checksums, so "already archived?" is answered by the storage
 * alone (no local state), and what a restore needs to check the chain (next file, GTIDs, times)
 * without downloading anything.
 *
 * A partial manifest (`closed: false`) describes a copy of the active file, cut at an event boundary;
 * it is replaced as the file grows and deleted once the closed file is archived.
 */
import { Readable } from 'node:stream';
import type { Storage } from '../storages/types.js';
import { VERSION } from '../version.js';
import { MANIFEST_SUFFIX } from '../pipeline/manifest.js';
import { parseBinlogName } from './names.js';
import type { BinlogSummary } from './scanner.js';

export const BINLOG_MANIFEST_FORMAT = 'onedump-binlog/1';
/** How much of a file's start `head_sha256` covers: the format description (creation time, server version) and more. */
export const HEAD_BYTES = 64 * 1024;

export interface BinlogManifest {
  format: typeof BINLOG_MANIFEST_FORMAT;
  job: string;
  /** The binlog file name on the server. */
  file: string;
  /** The stored object's key in this storage. */
  key: string;
  /** False for a copy of the active file (never used as if it were the whole file). */
  closed: boolean;
  /** Bytes of binlog archived (a partial copy ends at an event boundary). */
  size: number;
  sha256: string;
  /** sha256 of the first min(size, 64 KiB) bytes: identifies the file cheaply (it holds its creation time). */
  head_sha256: string;
  stored_size: number;
  stored_sha256: string;
  compression: 'gzip' | 'none';
  server_id?: number;
  server_version?: string;
  /** ISO times: first event (file creation), newest event, rotate/stop event. */
  created?: string;
  last_event?: string;
  closed_at?: string;
  /** How the file ends: `rotate` (to `next_file`), `stop` (server shut down), `open` (active, or a crash). */
  end: BinlogSummary['end'];
  next_file?: string;
  gtid_start?: string;
  first_gtid?: string;
  last_gtid?: string;
  /** MariaDB `encrypt_binlog`: stored as written, but it cannot be replayed (see locate.ts). */
  encrypted?: true;
  events: number;
  archived: string;
  onedump_version: string;
}

/** Stored object key of an archived binlog. */
export function archiveKey(prefix: string, file: string, closed: boolean, compression: 'gzip' | 'none'): string {
  return `${prefix}${file}${closed ? '' : '.partial'}${compression === 'gzip' ? '.gz' : ''}`;
}

const iso = (s?: number) => (s ? new Date(s * 1000).toISOString() : undefined);

export function buildBinlogManifest(a: {
  job: string; file: string; key: string; closed: boolean; summary: BinlogSummary; sha256: string; headSha256: string;
  storedSize: number; storedSha256: string; compression: 'gzip' | 'none';
}): BinlogManifest {
  const s = a.summary;
  const optional = {
    server_id: s.serverId, server_version: s.serverVersion, created: iso(s.created), last_event: iso(s.lastTimestamp),
    closed_at: iso(s.closedAt), next_file: s.nextFile, gtid_start: s.gtidStart, first_gtid: s.firstGtid, last_gtid: s.lastGtid,
    encrypted: s.encrypted || undefined,
  };
  return {
    format: BINLOG_MANIFEST_FORMAT, job: a.job, file: a.file, key: a.key, closed: a.closed,
    size: s.lastBoundary, sha256: a.sha256, head_sha256: a.headSha256, stored_size: a.storedSize, stored_sha256: a.storedSha256,
    compression: a.compression, end: s.end, events: s.events,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined && v !== '')),
    archived: new Date().toISOString(), onedump_version: VERSION,
  } as BinlogManifest;
}

export async function writeBinlogManifest(storage: Storage, m: BinlogManifest, signal?: AbortSignal): Promise<void> {
  const body = Buffer.from(JSON.stringify(m, null, 2) + '\n');
  await storage.put(m.key + MANIFEST_SUFFIX, Readable.from([body]), { signal, size: body.length });
}

/** One storage's view of the archive: manifests by file, with whether their object is present. */
export interface ArchiveEntry {
  storage: Storage;
  manifest: BinlogManifest;
  /** The stored object exists with the size the manifest names. */
  present: boolean;
}

export interface ArchiveIndex {
  storage: Storage;
  closed: Map<string, ArchiveEntry>;
  partial: Map<string, ArchiveEntry>;
}

async function readJson(storage: Storage, key: string, signal?: AbortSignal): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of await storage.get(key, { signal })) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** The binlog file a manifest key belongs to (`<prefix>mysql-bin.000042.partial.gz.manifest.json` → `mysql-bin.000042`). */
export function fileOfManifestKey(prefix: string, key: string): string | undefined {
  if (!key.startsWith(prefix) || !key.endsWith(MANIFEST_SUFFIX)) return undefined;
  const name = key.slice(prefix.length, -MANIFEST_SUFFIX.length).replace(/\.gz$/, '').replace(/\.partial$/, '');
  return parseBinlogName(name) ? name : undefined;
}

export interface IndexOptions {
  signal?: AbortSignal;
  /** Read only the manifests of these files (the archive may hold many more). */
  only?: Set<string>;
  /** Manifests read before, by `key size mtime` of the manifest object (follow mode re-lists often). */
  cache?: Map<string, BinlogManifest>;
}

/** Reads the binlog manifests under `prefix` (one level: the archive is flat). */
export async function loadArchiveIndex(storage: Storage, prefix: string, opts: IndexOptions = {}): Promise<ArchiveIndex> {
  const sizes = new Map<string, number>();
  const manifests: { key: string; tag: string }[] = [];
  for await (const o of storage.list(prefix, { signal: opts.signal })) {
    if (o.key.slice(prefix.length).includes('/')) continue;
    const file = fileOfManifestKey(prefix, o.key);
    if (file) {
      if (!opts.only || opts.only.has(file)) manifests.push({ key: o.key, tag: `${o.key} ${o.size} ${o.modified.getTime()}` });
    } else {
      sizes.set(o.key, o.size);
    }
  }
  const index: ArchiveIndex = { storage, closed: new Map(), partial: new Map() };
  for (const { key, tag } of manifests) {
    let m = opts.cache?.get(tag);
    if (!m) {
      m = (await readJson(storage, key, opts.signal).catch(() => undefined)) as BinlogManifest | undefined;
      if (!m || m.format !== BINLOG_MANIFEST_FORMAT || !parseBinlogName(m.file) || m.key + MANIFEST_SUFFIX !== key) continue;
      opts.cache?.set(tag, m);
    }
    const entry = { storage, manifest: m, present: sizes.get(m.key) === m.stored_size };
    (m.closed ? index.closed : index.partial).set(m.file, entry);
  }
  return index;
}
