/**
 * `onedump binlog restore`: point-in-time restore = plan (everything verified, nothing touched) →
 * restore the base dump (the ordinary restore path) → replay the binlogs up to the stop point.
 */
import type { Writable } from 'node:stream';
import { UsageError } from '../errors.js';
import type { Config, DumpJobConfig } from '../config/types.js';
import type { BinlogJobConfig } from '../jobs/binlog.js';
import { binlogPrefix } from '../jobs/binlog.js';
import { readManifest } from '../pipeline/manifest.js';
import { jobBackups, protectedDsns, restore, sameDatabase } from '../restore/restore.js';
import { storageKinds } from '../storages/registry.js';
import type { Storage } from '../storages/types.js';
import type { BackupEntry } from '../restore/backups.js';
import type { Logger } from '../util/log.js';
import { ArchiveCatalog } from './catalog-archive.js';
import { DirectoryCatalog } from './catalog-dir.js';
import type { BinlogCatalog } from './catalog.js';
import { parseMysqlDsn, redactedDsn } from '../dumpers/mysql/dsn.js';
import { dumpCoordinate } from './dumps.js';
import { formatCoordinate } from './names.js';
import { planRestore, type RestorePlan } from './plan.js';
import { checkScope } from './scope.js';
import { checkGtidDomains } from './domains.js';
import { printReplay, replay, replayArgs } from './replay.js';
import type { StopPoint } from './stop-point.js';
import { findBinlogTool } from './tool.js';

export interface PitrRequest {
  config: Config;
  /** The archive to read; optional with `fromDir`. */
  binlogJob?: BinlogJobConfig;
  dumpJob: DumpJobConfig;
  /** Target DSN. */
  to: string;
  stop: StopPoint;
  /** Use binlogs from this directory instead of the archive. */
  fromDir?: string;
  dryRun: boolean;
  safetyBackup: boolean;
  tool?: string;
  /** Replay only this database's events (see scope.ts). */
  database?: string;
  out: Writable;
  log: Logger;
  signal: AbortSignal;
}

export interface PitrResult {
  plan: RestorePlan;
  statements?: number;
}

export async function pointInTimeRestore(req: PitrRequest): Promise<PitrResult> {
  checkTarget(req.to);
  const protectedTarget = protectedDsns(req.config).some((dsn) => sameDatabase(dsn, req.to));
  if (!req.dryRun && protectedTarget) {
    throw new UsageError(`target ${redactedDsn(req.to)} is protected (protected: true in ${req.config.file}); restore into another server`);
  }
  const tool = await findBinlogTool(req.tool);
  const storages = new StorageSet(req);
  let catalog: BinlogCatalog | undefined;
  try {
    const dumps = await jobBackups(req.config, req.dumpJob, req.log);
    catalog = await catalogFor(req, dumps, storages);
    const plan = await planRestore({ catalog, dumps, stop: req.stop, log: req.log, signal: req.signal, dumpJob: req.dumpJob.name });
    await checkReplay(plan, req);
    if (req.dryRun) {
      req.out.write(describePlan(plan, req, tool));
      await printReplay(tool, plan, req.out, req.signal);
      return { plan };
    }
    const storage = await storages.open(plan.dump.storage);
    const base = await restore({
      source: { storage, key: plan.dump.key, manifest: await readManifest(storage, plan.dump.key) },
      to: req.to, baseDir: req.config.baseDir, log: req.log, signal: req.signal, safetyBackup: req.safetyBackup, protectedTarget,
    });
    req.log.info(`base dump restored (${base.statements} statements); replaying binlogs`);
    const replayed = await replay(tool, plan, req.to, { signal: req.signal, log: req.log });
    req.log.info(`point-in-time restore done: ${replayed.statements} statements replayed`);
    return { plan, statements: replayed.statements };
  } finally {
    await catalog?.close();
    await storages.close();
  }
}

/** Storages of the job file, opened on demand and closed together. */
class StorageSet {
  private readonly opened: Storage[] = [];
  constructor(private readonly req: Pick<PitrRequest, 'config' | 'log'>) {}

  async open(name: string): Promise<Storage> {
    const cfg = this.req.config.storages[name]!;
    const s = await storageKinds.get(cfg.type).create(name, cfg as never, { baseDir: this.req.config.baseDir, log: this.req.log });
    this.opened.push(s);
    return s;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.opened.map((s) => s.close()));
  }
}

/** The binlogs to use: a directory (`--from-dir`, the dumps' series), or the binlog job's archive. */
async function catalogFor(req: PitrRequest, dumps: BackupEntry[], storages: StorageSet): Promise<BinlogCatalog> {
  if (req.fromDir) {
    const series = dumps.map((d) => dumpCoordinate(d.manifest)).find((c) => c)?.file.replace(/\.\d+$/, '');
    return new DirectoryCatalog(req.fromDir, series);
  }
  if (!req.binlogJob) throw new UsageError('name the binlog job whose archive to use, or give --from-dir');
  return new ArchiveCatalog(await Promise.all(req.binlogJob.to.map((n) => storages.open(n))), binlogPrefix(req.binlogJob));
}

/** The checks on what the replay would do, after planning and before anything is changed. */
async function checkReplay(plan: RestorePlan, req: PitrRequest): Promise<void> {
  checkTargetName(req.to, plan);
  await checkScope(plan, req.database, req.signal);
  await checkGtidDomains(plan, req.stop, req.signal);
  if (req.database) {
    plan.database = req.database;
    req.log.warn(`replaying only events of database ${req.database}: statements run under another default database (or none) are skipped, as with mysqlbinlog --database`);
  }
  const to = plan.stop.atEnd ? `the end of ${plan.files.at(-1)!.name}` : formatCoordinate(plan.stop.coordinate);
  req.log.info(`replay: ${plan.files.length} binlog file(s) from ${formatCoordinate(plan.start)} to ${to}`);
}

/** Binlog events name their databases: a replay cannot move them to another name. */
function checkTargetName(to: string, plan: RestorePlan): void {
  const target = parseMysqlDsn(to).database;
  const dumped = plan.dump.manifest.databases;
  if (!target || !dumped?.length || dumped.includes(target)) return;
  throw new UsageError(`cannot restore ${dumped.join(', ')} as "${target}": replayed binlog statements name their databases, so the database must keep its name; restore into ${dumped.length === 1 ? `"${dumped[0]}" ` : ''}on a scratch server instead`);
}

function checkTarget(to: string): void {
  if (!/^(mysql|mariadb):\/\//i.test(to)) throw new UsageError(`--to must be a MySQL/MariaDB DSN (mysql://user@host:3306/db), got "${to.split('@').pop()}"`);
  parseMysqlDsn(to);
}

/** The plan as SQL comments, so a dry run's whole output stays valid SQL. */
export function describePlan(plan: RestorePlan, req: Pick<PitrRequest, 'to' | 'stop'>, tool: string): string {
  const lines = [
    'onedump binlog restore — dry run: nothing was changed',
    `target:      ${redactedDsn(req.to)}`,
    `stop:        ${req.stop.text} → ${plan.stop.note}`,
    `base dump:   ${plan.dump.storage}:${plan.dump.key} (finished ${plan.dump.manifest.finished}, binlog position ${formatCoordinate(plan.start)})`,
    `binlogs:     ${plan.files.map((f) => `${f.name}${f.closed ? '' : ' (partial)'}`).join(', ')}`,
    `replay:      ${tool.split('/').pop()} ${replayArgs(plan).map((a) => (a.includes('/') ? a.split('/').pop() : a)).join(' ')}`,
    'SQL stream of the replay follows.',
  ];
  return lines.map((l) => `-- ${l}`).join('\n') + '\n';
}
