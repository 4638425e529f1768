/**
 * The manifest written beside every backup (`<file>.manifest.json`), after the file is stored and
 * verified. A backup without a manifest is incomplete by definition.
 */
import { Readable } from 'node:stream';
import type { Checksum, Storage } from '../storages/types.js';
import type { DumpInfo } from '../dumpers/types.js';
import { VerifyError } from '../errors.js';
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

/** Reads a manifest; undefined when absent. A manifest that is not one (damaged, foreign) is a VerifyError. */
export async function readManifest(storage: Storage, file: string): Promise<Manifest | undefined> {
  if (!(await storage.stat(manifestKey(file)))) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of await storage.get(manifestKey(file))) {
    size += (c as Buffer).length;
    if (size > MAX_MANIFEST_BYTES) throw new VerifyError(`${storage.name}:${manifestKey(file)}: larger than ${MAX_MANIFEST_BYTES} bytes; not a onedump manifest`);
    chunks.push(c as Buffer);
  }
  return parseManifest(Buffer.concat(chunks).toString('utf8'), `${storage.name}:${manifestKey(file)}`);
}

/** Tables make a manifest grow; this is far above any real one and far below harm. */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

/**
 * Checks the fields a restore, verify or retention decision relies on, so a damaged manifest is
 * never taken as "no manifest" or trusted with wrong types. `where` names it in the error.
 */
export function parseManifest(text: string, where: string): Manifest {
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new VerifyError(`${where}: damaged manifest (${(err as Error).message})`, { cause: err });
  }
  const bad = (what: string): never => {
    throw new VerifyError(`${where}: damaged manifest: ${what}`);
  };
  if (m === null || typeof m !== 'object' || Array.isArray(m)) bad('not a JSON object');
  if (m.format !== MANIFEST_FORMAT) bad(`format is ${JSON.stringify(m.format)}, expected "${MANIFEST_FORMAT}"`);
  for (const k of ['job', 'file', 'driver', 'started', 'finished'] as const) {
    if (typeof m[k] !== 'string' || m[k] === '') bad(`"${k}" is missing or not a string`);
  }
  for (const k of ['started', 'finished'] as const) {
    if (Number.isNaN(Date.parse(m[k] as string))) bad(`"${k}" is not a date: ${JSON.stringify(m[k])}`);
  }
  for (const k of ['size', 'raw_size'] as const) {
    if (!Number.isSafeInteger(m[k]) || (m[k] as number) < 0) bad(`"${k}" is not a byte count`);
  }
  if (typeof m.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.sha256)) bad('"sha256" is not a sha256 hex digest');
  if (m.compression !== 'gzip' && m.compression !== 'none') bad(`"compression" is ${JSON.stringify(m.compression)}`);
  const tables = m.tables;
  if (tables === null || typeof tables !== 'object' || Array.isArray(tables)) bad('"tables" is not an object');
  return m as unknown as Manifest;
}
