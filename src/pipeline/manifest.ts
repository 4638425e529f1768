/**
 * The manifest written beside every backup (`<file>.manifest.json`), after the file is stored and
 * verified. A backup without a manifest is incomplete by definition.
 */
import { Readable } from 'node:stream';
import type { Checksum, Storage } from '../storages/types.js';
import type { DumpInfo } from '../dumpers/types.js';
import { VERSION } from '../version.js';

export const MANIFEST_SUFFIX = '.manifest.json';
export const MANIFEST_FORMAT = 'onedump-manifest/1';

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  job: string;
  file: string;
  driver: string;
  server_version?: string;
  databases?: string[];
  started: string;
  finished: string;
  /** Consistency coordinates (binlog file/position/GTID, WAL LSN). */
  snapshot?: Record<string, unknown>;
  tables: Record<string, number>;
  /** Size and sha256 of the stored bytes (after compression and encryption). */
  size: number;
  sha256: string;
  /** Size of the uncompressed dump. */
  raw_size: number;
  compression: 'gzip' | 'none';
  /** `age` when the stored bytes are an age file. */
  encryption?: string;
  /** The age public keys it was encrypted to. */
  age_recipients?: string[];
  /** This storage's own checksum of the stored object, as it reported it (e.g. S3 MD5, Dropbox content hash). */
  native_checksum?: Checksum;
  onedump_version: string;
}

export function manifestKey(key: string): string {
  return key + MANIFEST_SUFFIX;
}

export function buildManifest(a: {
  job: string; file: string; info: DumpInfo; started: Date; finished: Date; size: number; sha256: string;
  rawSize: number; compression: 'gzip' | 'none'; encryption?: string; recipients?: string[]; nativeChecksum?: Checksum;
}): Manifest {
  return {
    format: MANIFEST_FORMAT,
    job: a.job,
    file: a.file,
    driver: a.info.driver,
    ...(a.info.serverVersion ? { server_version: a.info.serverVersion } : {}),
    ...(a.info.databases ? { databases: a.info.databases } : {}),
    started: a.started.toISOString(),
    finished: a.finished.toISOString(),
    ...(a.info.snapshot ? { snapshot: a.info.snapshot } : {}),
    tables: a.info.tables,
    size: a.size,
    sha256: a.sha256,
    raw_size: a.rawSize,
    compression: a.compression,
    ...(a.encryption ? { encryption: a.encryption } : {}),
    ...(a.recipients?.length ? { age_recipients: a.recipients } : {}),
    ...(a.nativeChecksum ? { native_checksum: a.nativeChecksum } : {}),
    onedump_version: VERSION,
  };
}

export async function writeManifest(storage: Storage, m: Manifest, signal?: AbortSignal): Promise<void> {
  const body = Buffer.from(JSON.stringify(m, null, 2) + '\n');
  await storage.put(manifestKey(m.file), Readable.from([body]), { signal, size: body.length });
}

/** Reads a manifest; undefined when absent. */
export async function readManifest(storage: Storage, file: string): Promise<Manifest | undefined> {
  if (!(await storage.stat(manifestKey(file)))) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of await storage.get(manifestKey(file))) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Manifest;
}
