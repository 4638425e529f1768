/**
 * Job kind `dump`: dump a database → compress → fan out to the job's storages → verify → manifest.
 */
import { PartialDeliveryError } from '../errors.js';
import { databaseDrivers } from '../dumpers/registry.js';
import { DEFAULT_FILENAME, renderFilename, templateProblems } from '../pipeline/filename.js';
import { deliver, type Destination } from '../pipeline/deliver.js';
import { AGE_EXTENSION, ageEncryptStream, encryptSchema } from '../pipeline/encrypt.js';
import type { DumpJobConfig } from '../config/types.js';
import type { DatabaseDriver, DumpInfo } from '../dumpers/types.js';
import { tunnelFor } from '../ssh/tunnel.js';
import { retentionLines, settleDestinations } from './dump-destinations.js';
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
        description: 'Stored file name template (a relative path). Placeholders: {job} {driver} {db} {date} {time} {timestamp} {unix} {year} {month} {day} {hour} {minute} {second} {ext} (`.sql.gz`, ...). Times are UTC unless `timezone` is set; {timestamp} ends in `Z`, or in the zone\'s offset such as `+0200`.',
      },
      to: {
        type: 'array', minItems: 1,
        items: {
          oneOf: [
            { type: 'string', minLength: 1 },
            {
              type: 'object',
              properties: {
                storage: { type: 'string', minLength: 1, description: 'A storage name from `storages:`.' },
                filename: { type: 'string', minLength: 1, description: 'File name template for this storage only (instead of `filename`).' },
              },
              required: ['storage'],
              additionalProperties: false,
            },
          ],
        },
        description: 'Storages (names from `storages:`) that receive the file; `{storage, filename}` overrides the file name for one of them.',
      },
      on_destination_failure: {
        enum: ['fail', 'continue'], default: 'fail',
        description: '`fail`: a destination that fails aborts the delivery everywhere (nothing stored; `retries` re-runs the dump). `continue`: the others finish and keep a complete backup with its manifest, a destination that failed transiently gets the backup again from one that has it (3 attempts), and the job still reports failure if one is left without it.',
      },
      encrypt: encryptSchema,
      retention: {
        type: 'object',
        minProperties: 1,
        description: 'Which backups to keep in each storage after a successful run (the newest is always kept). A backup is kept when any rule keeps it.',
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
    if (!Array.isArray(job.to)) return [];
    return (job.to as DumpTarget[]).map((t, i) => ({ path: typeof t === 'string' ? `to[${i}]` : `to[${i}].storage`, name: typeof t === 'string' ? t : t.storage }));
  },
  check(job) {
    const issues: JobCheckIssue[] = [];
    const db = job.database;
    if (db.schema_only && db.data_only) issues.push({ path: 'database.data_only', message: 'schema_only and data_only exclude each other' });
    targetsOf(job).forEach((t, i) => {
      const own = typeof (job.to as DumpTarget[])[i] === 'object' && (job.to as { filename?: string }[])[i]!.filename !== undefined;
      for (const message of templateProblems(t.filename)) issues.push({ path: own ? `to[${i}].filename` : 'filename', message });
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
  const recipients = job.encrypt?.age_recipients;
  const destinations = await destinationsOf(job, driver, ctx);
  const where = destinations.map((d) => `${d.storage.name}:${d.key}`).join(', ');
  if (ctx.dryRun) {
    const plan = await retentionLines(job, destinations, ctx, true);
    return {
      destinations: destinations.map((d) => ({ storage: d.storage.name, key: d.key, ok: true })),
      summary: [`would dump ${job.database.driver} database to ${where}${recipients ? ' (age-encrypted)' : ''}`, ...plan].join('\n'),
      details: { retention: plan },
    };
  }
  ctx.log.debug(`dumping with driver ${driver.name} (${job.database.dsn}) to ${where}`);
  const started = new Date();
  const result = await dumpAndDeliver(job, driver, destinations, ctx);
  const destResults = await settleDestinations({ job, result, started, finished: new Date(), recipients, ctx });
  requireDelivered(job, destResults, result.bytes);
  const retention = await retentionLines(job, destinations, ctx, false);
  const rows = Object.values(result.produced.tables).reduce((a, b) => a + b, 0);
  return {
    bytes: result.bytes,
    destinations: destResults,
    summary: [`${Object.keys(result.produced.tables).length} tables, ${rows} rows`, ...retention].join('\n'),
    details: { sha256: result.sha256, raw_bytes: result.rawBytes, tables: result.produced.tables, snapshot: result.produced.snapshot, ...(retention.length ? { retention } : {}) },
  };
}

/** Dumps the database (through an SSH tunnel when configured) into every destination at once, encrypted when asked. */
async function dumpAndDeliver(job: DumpJobConfig, driver: DatabaseDriver, destinations: Destination[], ctx: JobContext) {
  const recipients = job.encrypt?.age_recipients;
  const transforms = recipients ? [await ageEncryptStream(recipients)] : [];
  const tunnel = await tunnelFor(job.database, driver.endpoint(job.database), { baseDir: ctx.config.baseDir, log: ctx.log });
  try {
    const endpoint = tunnel ? { host: tunnel.host, port: tunnel.port } : undefined;
    const dumper = await driver.createDumper(job.database, { log: ctx.log, baseDir: ctx.config.baseDir, endpoint });
    return await deliver<DumpInfo>({
      destinations,
      compress: job.compress,
      transforms: () => transforms,
      onDestinationFailure: job.on_destination_failure ?? 'fail',
      signal: ctx.signal,
      log: ctx.log,
      produce: (out, signal) => dumper.dump(out, { signal }),
    });
  } finally {
    await tunnel?.close();
  }
}

/** Each `to:` entry as a storage (opened by the runner), the rendered file name and its template. */
async function destinationsOf(job: DumpJobConfig, driver: DatabaseDriver, ctx: JobContext): Promise<(Destination & { filename: string })[]> {
  const ext = driver.extension(job.database) + (job.compress === 'gzip' ? '.gz' : '') + (job.encrypt ? AGE_EXTENSION : '');
  const vars = { job: job.name, driver: driver.name, db: dbName(job.database.dsn, driver.family), ext, now: new Date(), timeZone: job.timezone };
  const out: (Destination & { filename: string })[] = [];
  for (const t of targetsOf(job)) out.push({ storage: await ctx.storage(t.storage), key: renderFilename(t.filename, vars), filename: t.filename });
  return out;
}

/** Fails the job unless every destination holds the backup. */
function requireDelivered(job: DumpJobConfig, results: DestinationResult[], bytes: number): void {
  const failed = results.filter((d) => !d.ok);
  const why = failed.map((f) => `${f.storage}: ${f.error}`).join('; ');
  // the result lists every destination either way (PartialDeliveryError carries them to the report)
  if (failed.length === results.length) throw new PartialDeliveryError(job.name, `no destination received the dump: ${why}`, results);
  // on_destination_failure: continue — the others hold a complete backup, but the job still fails
  if (failed.length) throw new PartialDeliveryError(job.name, `${failed.length} of ${results.length} destinations failed: ${why}`, results, bytes);
}

/** Kept here for callers that check stored objects like the dump job does (binlog archives). */
export { verifyStored } from './dump-destinations.js';

/** The database name for `{db}`: the DSN's path (a SQLite file's name without extension) or host. */
function dbName(dsn: string, family: string): string {
  if (family === 'sqlite') return dsn.replace(/^sqlite3?:/i, '').split(/[\\/]/).pop()?.replace(/\.[^.]*$/, '') ?? '';
  try {
    const u = new URL(dsn);
    return decodeURIComponent(u.pathname.replace(/^\/+/, '').split('/').pop() ?? '') || u.hostname;
  } catch {
    return dsn.split(/[\\/]/).pop() ?? '';
  }
}
