/**
 * Job kind `dump`: dump a database → compress → fan out to the job's storages → verify → manifest.
 */
import { JobError, PartialDeliveryError, VerifyError, describeError } from '../errors.js';
import { databaseDrivers } from '../dumpers/registry.js';
import { DEFAULT_FILENAME, renderFilename, unknownPlaceholders } from '../pipeline/filename.js';
import { deliver, type Destination } from '../pipeline/deliver.js';
import { buildManifest, writeManifest } from '../pipeline/manifest.js';
import type { DumpJobConfig } from '../config/types.js';
import type { DumpInfo } from '../dumpers/types.js';
import { tunnelFor } from '../ssh/tunnel.js';
import type { DestinationResult, JobCheckIssue, JobContext, JobKind, JobOutcome } from './types.js';

/** A `to:` entry: a storage name, or `{storage, filename}` to use another file name there. */
export type DumpTarget = string | { storage: string; filename?: string };

export function targetsOf(job: DumpJobConfig): { storage: string; filename: string }[] {
  return (job.to as DumpTarget[]).map((t) =>
    typeof t === 'string' ? { storage: t, filename: job.filename } : { storage: t.storage, filename: t.filename ?? job.filename },
  );
}

export const dumpJob: JobKind<DumpJobConfig> = {
  name: 'dump',
  description: 'Dump a database to a compressed file and deliver it to one or more storages.',
  schema: {
    properties: {
      database: { $ref: '#/$defs/database' },
      compress: { enum: ['gzip', 'none'], default: 'gzip', description: 'Compression of the stored file.' },
      filename: {
        type: 'string', minLength: 1, default: DEFAULT_FILENAME,
        description: 'Stored file name template. Placeholders: {job} {driver} {db} {date} {time} {timestamp} {year} {month} {day} {hour} {minute} {second} {ext} (`.sql.gz`, ...). Times are UTC unless `timezone` is set.',
      },
      to: {
        type: 'array', minItems: 1,
        items: {
          oneOf: [
            { type: 'string', minLength: 1 },
            { type: 'object', properties: { storage: { type: 'string', minLength: 1 }, filename: { type: 'string', minLength: 1 } }, required: ['storage'], additionalProperties: false },
          ],
        },
        description: 'Storages (names from `storages:`) that receive the file; `{storage, filename}` overrides the file name for one of them.',
      },
      retention: {
        type: 'object',
        description: 'Which backups to keep in each storage after a successful run (the newest is always kept).',
        properties: {
          keep_last: { type: 'integer', minimum: 1, description: 'Keep the newest N backups.' },
          keep_days: { type: 'integer', minimum: 1, description: 'Keep backups younger than N days.' },
          keep_daily: { type: 'integer', minimum: 1, description: 'Keep the newest backup of each of the last N days that have one.' },
          keep_weekly: { type: 'integer', minimum: 1, description: 'Keep the newest backup of each of the last N ISO weeks that have one.' },
          keep_monthly: { type: 'integer', minimum: 1, description: 'Keep the newest backup of each of the last N months that have one.' },
        },
        additionalProperties: false,
      },
    },
    required: ['database', 'to'],
  },
  storageRefs(job) {
    return (job.to as DumpTarget[]).map((t, i) => ({ path: typeof t === 'string' ? `to[${i}]` : `to[${i}].storage`, name: typeof t === 'string' ? t : t.storage }));
  },
  check(job) {
    const issues: JobCheckIssue[] = [];
    const db = job.database;
    if (db.schema_only && db.data_only) issues.push({ path: 'database.data_only', message: 'schema_only and data_only exclude each other' });
    targetsOf(job).forEach((t, i) => {
      const bad = unknownPlaceholders(t.filename);
      if (bad.length) issues.push({ path: typeof (job.to as DumpTarget[])[i] === 'string' ? 'filename' : `to[${i}].filename`, message: `unknown placeholder {${bad[0]}} in file name` });
    });
    if (db && databaseDrivers.has(db.driver)) {
      for (const i of databaseDrivers.get(db.driver).check?.(db) ?? []) issues.push({ path: `database.${i.path}`, message: i.message });
    }
    for (const table of Object.keys(db.where ?? {})) {
      if (db.tables && !db.tables.includes(table)) issues.push({ path: `database.where.${table}`, message: `table "${table}" has a where filter but is not in tables` });
    }
    const driver = databaseDrivers.has(db.driver) ? databaseDrivers.get(db.driver) : undefined;
    issues.push(...(driver?.check?.(db) ?? []));
    if (db.ssh && driver && driver.family === 'sqlite') issues.push({ path: 'database.ssh', message: `driver ${db.driver} reads a local file; an SSH tunnel does not apply` });
    return issues;
  },
  run: runDump,
};

async function runDump(job: DumpJobConfig, ctx: JobContext): Promise<JobOutcome> {
  const driver = databaseDrivers.get(job.database.driver);
  const ext = driver.extension(job.database) + (job.compress === 'gzip' ? '.gz' : '');
  const now = new Date();
  const db = dbName(job.database.dsn);
  const targets = targetsOf(job);
  const destinations: Destination[] = [];
  for (const t of targets) {
    const key = renderFilename(t.filename, { job: job.name, driver: driver.name, db, ext, now, timeZone: job.timezone });
    destinations.push({ storage: await ctx.storage(t.storage), key });
  }
  if (ctx.dryRun) {
    return {
      destinations: destinations.map((d) => ({ storage: d.storage.name, key: d.key, ok: true })),
      summary: `would dump ${job.database.driver} database to ${destinations.map((d) => `${d.storage.name}:${d.key}`).join(', ')}`,
    };
  }
  const started = new Date();
  const tunnel = await tunnelFor(job.database, driver.endpoint(job.database), { baseDir: ctx.config.baseDir, log: ctx.log });
  let result: Awaited<ReturnType<typeof deliver<DumpInfo>>>;
  try {
    const endpoint = tunnel ? { host: tunnel.host, port: tunnel.port } : undefined;
    const dumper = await driver.createDumper(job.database, { log: ctx.log, baseDir: ctx.config.baseDir, endpoint });
    result = await deliver<DumpInfo>({
      destinations,
      compress: job.compress,
      onDestinationFailure: (job.on_destination_failure as 'fail' | 'continue' | undefined) ?? 'fail',
      signal: ctx.signal,
      log: ctx.log,
      produce: (out, signal) => dumper.dump(out, { signal }),
    });
  } finally {
    await tunnel?.close();
  }
  const finished = new Date();
  const destResults: DestinationResult[] = [];
  for (const o of result.outcomes) {
    if (!o.ok) {
      destResults.push({ storage: o.storage.name, key: o.key, ok: false, error: describeError(o.error) });
      continue;
    }
    try {
      verifyStored(o.storage.name, o.key, o.info!, result.bytes, result.sha256);
      const manifest = buildManifest({
        job: job.name, file: o.key, info: result.produced, started, finished, size: result.bytes, sha256: result.sha256,
        rawSize: result.rawBytes, compression: job.compress,
      });
      await writeManifest(o.storage, manifest, ctx.signal);
      destResults.push({ storage: o.storage.name, key: o.key, ok: true, bytes: result.bytes });
    } catch (err) {
      await o.storage.delete(o.key).catch(() => undefined);
      destResults.push({ storage: o.storage.name, key: o.key, ok: false, error: describeError(err) });
    }
  }
  const failed = destResults.filter((d) => !d.ok);
  if (failed.length === destResults.length) {
    throw new JobError(job.name, `no destination received the dump: ${failed.map((f) => `${f.storage}: ${f.error}`).join('; ')}`);
  }
  if (failed.length) {
    // on_destination_failure: continue — the others hold a complete backup, but the job still fails
    throw new PartialDeliveryError(job.name, `${failed.length} of ${destResults.length} destinations failed: ${failed.map((f) => `${f.storage}: ${f.error}`).join('; ')}`, destResults, result.bytes);
  }
  const rows = Object.values(result.produced.tables).reduce((a, b) => a + b, 0);
  return {
    bytes: result.bytes,
    destinations: destResults,
    summary: `${Object.keys(result.produced.tables).length} tables, ${rows} rows`,
    details: { sha256: result.sha256, raw_bytes: result.rawBytes, tables: result.produced.tables, snapshot: result.produced.snapshot },
  };
}

/** The stored object must have exactly the bytes we sent. */
function verifyStored(storage: string, key: string, info: { size: number; checksum?: { algo: string; value: string } }, size: number, sha256: string): void {
  if (info.size !== size) throw new VerifyError(`storage ${storage}: ${key}: stored ${info.size} bytes, sent ${size}`);
  if (info.checksum?.algo === 'sha256' && info.checksum.value !== sha256) {
    throw new VerifyError(`storage ${storage}: ${key}: sha256 mismatch (stored ${info.checksum.value}, sent ${sha256})`);
  }
}

function dbName(dsn: string): string {
  try {
    const u = new URL(dsn);
    return decodeURIComponent(u.pathname.replace(/^\/+/, '').split('/').pop() ?? '') || u.hostname;
  } catch {
    return dsn.split(/[\\/]/).pop()?.replace(/\.[^.]*$/, '') ?? '';
  }
}
