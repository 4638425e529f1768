/**
 * `onedump restore`: pick a backup (a path, or a job's latest/named backup), verify it against its
 * manifest before touching anything, and load it through the driver that made it.
 */
import { DatabaseError, JobError, UsageError } from '../errors.js';
import { databaseDrivers } from '../dumpers/registry.js';
import type { DatabaseDriver, RestoreResult } from '../dumpers/types.js';
import type { Config, DumpJobConfig } from '../config/types.js';
import { storageKinds } from '../storages/registry.js';
import { targetsOf } from '../jobs/dump.js';
import type { Logger } from '../util/log.js';
import type { Writable } from 'node:stream';
import { listBackups, templatePrefix, type BackupEntry } from './backups.js';
import { openDump, verifySource, type RestoreSource } from './source.js';

/** Driver for a DSN when no manifest says which one made the dump. */
export function driverForDsn(dsn: string): DatabaseDriver {
  const scheme = /^([a-z0-9+]+):/i.exec(dsn)?.[1]?.toLowerCase();
  const byScheme: Record<string, string> = { mysql: 'mysql', mariadb: 'mysql', postgres: 'postgres', postgresql: 'postgres', sqlite: 'sqlite', sqlite3: 'sqlite' };
  const name = (scheme && byScheme[scheme]) ?? (/\.(db|sqlite3?)$/i.test(dsn) ? 'sqlite' : undefined);
  if (!name || !databaseDrivers.has(name)) throw new UsageError(`cannot tell the database type of --to "${dsn}" (use mysql://, postgres:// or sqlite:)`);
  return databaseDrivers.get(name);
}

export function dumpJobOf(config: Config, name: string): DumpJobConfig {
  const job = config.jobs.find((j) => j.name === name);
  if (!job) throw new UsageError(`unknown job "${name}" (jobs in ${config.file}: ${config.jobs.map((j) => j.name).join(', ')})`);
  if (job.type !== 'dump') throw new UsageError(`job "${name}" is a ${job.type} job, not a dump job`);
  return job as DumpJobConfig;
}

/** Every backup of a dump job across its storages (or one storage), newest first. */
export async function jobBackups(config: Config, job: DumpJobConfig, log: Logger, storageName?: string): Promise<BackupEntry[]> {
  const targets = targetsOf(job).filter((t) => !storageName || t.storage === storageName);
  if (!targets.length) throw new UsageError(`job "${job.name}" does not deliver to storage "${storageName}"`);
  const all: BackupEntry[] = [];
  for (const t of targets) {
    const cfg = config.storages[t.storage]!;
    const storage = await storageKinds.get(cfg.type).create(t.storage, cfg as never, { baseDir: config.baseDir, log });
    try {
      all.push(...(await listBackups(storage, job.name, templatePrefix(t.filename, job.name), (m) => log.warn(m))));
    } finally {
      await storage.close();
    }
  }
  return all.sort((a, b) => b.manifest.finished.localeCompare(a.manifest.finished));
}

/** DSNs of the databases that job files mark `protected: true`. */
export function protectedDsns(config: Config): string[] {
  return config.jobs.filter((j) => j.type === 'dump' && (j as DumpJobConfig).database.protected === true).map((j) => (j as DumpJobConfig).database.dsn);
}

const DEFAULT_PORTS: Record<string, string> = { mysql: '3306', mariadb: '3306', postgres: '5432', postgresql: '5432' };

/** True when two DSNs name the same server (host and port) and database; file databases by path. */
export function sameDatabase(a: string, b: string): boolean {
  const norm = (dsn: string) => {
    try {
      const u = new URL(dsn);
      const scheme = u.protocol.replace(/:$/, '').toLowerCase();
      const family = scheme === 'mariadb' ? 'mysql' : scheme === 'postgresql' ? 'postgres' : scheme;
      const host = ['localhost', '::1', '[::1]'].includes(u.hostname) ? '127.0.0.1' : u.hostname.toLowerCase();
      return `${family}://${host}:${u.port || DEFAULT_PORTS[scheme] || ''}/${decodeURIComponent(u.pathname.replace(/^\/+/, ''))}`;
    } catch {
      return dsn;
    }
  };
  return norm(a) === norm(b);
}

export interface RestoreRequest {
  source: RestoreSource;
  /** Target DSN. */
  to: string;
  tables?: string[];
  dryRun?: boolean;
  safetyBackup?: boolean;
  /** Refuse: the target is marked `protected: true`. */
  protectedTarget?: boolean;
  baseDir: string;
  log: Logger;
  signal: AbortSignal;
  out?: Writable;
  /** Connect here instead of the target's own host and port (SSH tunnel). */
  endpoint?: { host: string; port: number };
}

export async function restore(req: RestoreRequest): Promise<RestoreResult> {
  if (req.protectedTarget && !req.dryRun) throw new JobError('restore', `target ${req.to} is protected (protected: true); refusing to restore into it`);
  const driver = req.source.manifest ? databaseDrivers.get(req.source.manifest.driver) : driverForDsn(req.to);
  if (req.source.manifest) {
    req.log.info(`verifying ${req.source.storage.name}:${req.source.key} against its manifest`);
    await verifySource(req.source, req.signal);
  } else {
    req.log.warn(`${req.source.key}: no manifest beside it; the file cannot be verified before restoring`);
  }
  const input = await openDump(req.source, req.signal);
  req.log.info(`restoring ${req.source.key} into ${req.to} with driver ${driver.name}${req.dryRun ? ' (dry run)' : ''}`);
  try {
    return await driver.restore(input, req.to, {
      signal: req.signal, log: req.log, tables: req.tables, dryRun: req.dryRun, out: req.out,
      safetyBackup: req.safetyBackup, baseDir: req.baseDir, reopen: () => openDump(req.source, req.signal),
      ...(req.endpoint ? { endpoint: req.endpoint } : {}),
    });
  } catch (err) {
    // name the file, so that "line N" in the driver's message points somewhere
    if (err instanceof DatabaseError) throw new DatabaseError(driver.name, `${req.source.key}: ${err.message.replace(/^\w+: /, '')}`, { cause: err.cause ?? err });
    throw err;
  } finally {
    input.destroy();
  }
}
