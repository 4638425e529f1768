/**
 * Job kind `binlog`: archive a MySQL/MariaDB server's closed binary logs to the job's storages, from a
 * local directory (`mode: files`) or over the replication protocol (`mode: replication`); once per run
 * (`onedump run`, or on `schedule` in the daemon) or continuously in the daemon (`follow: true`).
 * With `retention`, archived binlogs that no kept dump of `dump_job` needs are deleted.
 */
import { resolve } from 'node:path';
import { JobError, OnedumpError, UsageError } from '../errors.js';
import type { Config, JobConfig } from '../config/types.js';
import { archivePass } from '../binlog/archive.js';
import { follow, passFailure } from '../binlog/follow.js';
import { applyRetention, oldestNeededFile } from '../binlog/retention.js';
import { binlogServer } from '../binlog/connection.js';
import { DirectorySource } from '../binlog/source-files.js';
import { ReplicationSource } from '../binlog/source-replication.js';
import type { BinlogSource } from '../binlog/source.js';
import { dumpJobOf, jobBackups } from '../restore/restore.js';
import { parseDuration } from '../util/duration.js';
import type { JobCheckIssue, JobContext, JobKind, JobOutcome } from './types.js';

export interface BinlogJobConfig extends JobConfig {
  type: 'binlog';
  mode: 'files' | 'replication';
  dir?: string;
  basename?: string;
  dsn?: string;
  binlog_tool?: string;
  to: string[];
  prefix: string;
  compress: 'gzip' | 'none';
  include_active: boolean;
  follow: boolean;
  poll_interval: string | number;
  active_interval: string | number;
  dump_job?: string;
  retention?: { keep_days: number };
}

/** Key prefix in the storages: `{job}` expanded, always ending in `/`. */
export function binlogPrefix(job: Pick<BinlogJobConfig, 'name' | 'prefix'>): string {
  const p = (job.prefix ?? '{job}/').replace(/\{job\}/g, job.name).replace(/^\/+/, '');
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}

export function binlogSource(job: BinlogJobConfig, config: Pick<Config, 'baseDir'>): BinlogSource {
  if (job.mode === 'files') return new DirectorySource(resolve(config.baseDir, job.dir!), job.basename);
  return new ReplicationSource(binlogServer(job.dsn!), job.binlog_tool);
}

export const binlogJob: JobKind<BinlogJobConfig> = {
  name: 'binlog',
  description: 'Archive a MySQL/MariaDB server\'s binary logs to storages (for point-in-time restore with `onedump binlog restore`).',
  schema: {
    properties: {
      mode: { enum: ['files', 'replication'], description: '`files`: read binlogs from a local directory (`dir`). `replication`: read them from the server over the replication protocol (`dsn`), as `mariadb-binlog --read-from-remote-server --raw` does.' },
      dir: { type: 'string', minLength: 1, description: '`mode: files`: the directory holding the binlogs and their `.index` file (the server\'s datadir or `log_bin` directory).' },
      basename: { type: 'string', minLength: 1, description: '`mode: files`: the binlog series (`mysql-bin` for `mysql-bin.000042`); needed only when `dir` holds several.' },
      dsn: { type: 'string', minLength: 1, description: '`mode: replication`: `mysql://user:pass@host:3306/`. The user needs REPLICATION SLAVE and REPLICATION CLIENT (MariaDB ≥ 10.5: BINLOG MONITOR).' },
      binlog_tool: { type: 'string', minLength: 1, description: '`mode: replication`: the binlog client to run (name on PATH or path). Default: `mariadb-binlog`, else `mysqlbinlog`. Use MySQL\'s `mysqlbinlog` for MySQL 8 servers.' },
      to: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 }, uniqueItems: true, description: 'Storages (names from `storages:`) that receive the binlogs.' },
      prefix: { type: 'string', default: '{job}/', description: 'Key prefix in the storages (`{job}` = the job name). Binlogs are stored flat under it as `<file>[.gz]` with a `<file>[.gz].manifest.json` each.' },
      compress: { enum: ['gzip', 'none'], default: 'gzip', description: 'Compression of the stored files.' },
      include_active: { type: 'boolean', default: false, description: 'Also archive the file the server is still writing, as `<file>.partial[.gz]` cut at the last complete event (never as if it were closed); replaced as it grows, deleted once the file is closed and archived.' },
      follow: { type: 'boolean', default: false, description: 'In the daemon: keep running, archiving each file as soon as the server rotates to the next (checked every `poll_interval`). `onedump run` does one pass.' },
      poll_interval: { $ref: '#/$defs/duration', default: '10s', description: 'With `follow`: how often to look for newly closed files.' },
      active_interval: { $ref: '#/$defs/duration', default: '5m', description: 'With `follow` and `include_active`: how often to refresh the partial copy of the active file.' },
      dump_job: { type: 'string', minLength: 1, description: 'The dump job whose dumps these binlogs extend: `onedump binlog restore` starts from its dumps, and `retention` keeps every binlog its oldest kept dump needs.' },
      retention: {
        type: 'object',
        description: 'Delete archived binlogs that are older than `keep_days` AND that no kept dump of `dump_job` needs (see docs/binlog.md).',
        properties: { keep_days: { type: 'integer', minimum: 0, description: 'Keep binlogs closed within the last N days even if no dump needs them (0: keep only what dumps need).' } },
        required: ['keep_days'],
        additionalProperties: false,
      },
    },
    required: ['mode', 'to'],
  },
  storageRefs(job) {
    return job.to.map((name, i) => ({ path: `to[${i}]`, name }));
  },
  check: checkBinlogJob,
  continuous: (job) => job.follow === true,
  run: runBinlog,
};

function checkBinlogJob(job: BinlogJobConfig, config: Config): JobCheckIssue[] {
  const issues: JobCheckIssue[] = [];
  if (job.mode === 'files' && !job.dir) issues.push({ path: 'mode', message: 'mode: files needs `dir` (the directory with the binlogs)' });
  if (job.mode === 'replication' && !job.dsn) issues.push({ path: 'mode', message: 'mode: replication needs `dsn` (mysql://user:pass@host:3306/)' });
  if (job.mode === 'files' && job.dsn) issues.push({ path: 'dsn', message: '`dsn` is for mode: replication; mode: files reads `dir`' });
  if (job.mode === 'replication' && (job.dir || job.basename)) issues.push({ path: job.dir ? 'dir' : 'basename', message: '`dir`/`basename` are for mode: files' });
  if (job.dsn && !/^(mysql|mariadb):\/\//i.test(job.dsn)) issues.push({ path: 'dsn', message: 'binlogs come from MySQL/MariaDB: the dsn must start with mysql://' });
  if (job.retention && !job.dump_job) issues.push({ path: 'retention', message: 'retention needs `dump_job`: a binlog is deleted only when no kept dump needs it' });
  const jobs = (config.jobs ?? []) as { name?: unknown; type?: unknown }[];
  if (job.dump_job) {
    const target = jobs.find((j) => j?.name === job.dump_job);
    if (!target) issues.push({ path: 'dump_job', message: `unknown job "${job.dump_job}"` });
    else if (target.type !== 'dump') issues.push({ path: 'dump_job', message: `job "${job.dump_job}" is a ${String(target.type)} job, not a dump job` });
  }
  return issues;
}

async function runBinlog(job: BinlogJobConfig, ctx: JobContext): Promise<JobOutcome> {
  const source = binlogSource(job, ctx.config);
  const storages = await Promise.all(job.to.map((n) => ctx.storage(n)));
  const prefix = binlogPrefix(job);
  const base = {
    job: job.name, source, storages, prefix, compression: job.compress ?? 'gzip', includeActive: job.include_active === true,
    signal: ctx.signal, log: ctx.log, dryRun: ctx.dryRun,
  } as const;
  const retain = async () => {
    if (!job.retention || ctx.dryRun) return [];
    const dumps = await jobBackups(ctx.config, dumpJobOf(ctx.config, job.dump_job!), ctx.log);
    const neededFrom = oldestNeededFile(dumps, ctx.log);
    const deleted: string[] = [];
    for (const storage of storages) {
      deleted.push(...(await applyRetention({ storage, prefix, policy: { keepDays: job.retention.keep_days }, neededFrom, log: ctx.log, signal: ctx.signal })));
    }
    return deleted;
  };
  try {
    if (ctx.follow && job.follow) {
      const totals = await follow({
        ...base, stop: ctx.follow, pollMs: parseDuration(job.poll_interval ?? '10s'), activeMs: parseDuration(job.active_interval ?? '5m'),
        afterUpload: async () => void (await retain()),
      });
      return { summary: `followed ${source.description}: ${totals.passes} passes, ${totals.uploaded} files archived`, details: { ...totals } };
    }
    const report = await archivePass(base);
    if (report.failed.length) throw passFailure(job.name, report);
    const deleted = await retain();
    const closed = report.uploaded.filter((u) => !u.partial);
    const verb = ctx.dryRun ? 'would archive' : 'archived';
    return {
      bytes: report.uploaded.reduce((a, u) => a + u.bytes, 0),
      destinations: report.uploaded.flatMap((u) => u.storages.map((s) => ({ storage: s, key: u.file + (u.partial ? ' (partial)' : ''), ok: true }))),
      summary: `${verb} ${closed.length} binlog file(s)${report.uploaded.length > closed.length ? ' and the active one (partial)' : ''}; ${report.skipped} already archived${deleted.length ? `; retention deleted ${deleted.length}` : ''}`,
      details: { uploaded: report.uploaded, skipped: report.skipped, active: report.active, deleted },
    };
  } catch (err) {
    if (err instanceof OnedumpError) throw err;
    throw new JobError(job.name, (err as Error).message, { cause: err });
  } finally {
    await source.close();
  }
}

/**
 * The binlog job named `name` — or, when `name` is a dump job, the binlog job whose `dump_job` it is
 * (so `--job` may name either side of the pair).
 */
export function binlogJobOf(config: Config, name: string): BinlogJobConfig {
  const job = config.jobs.find((j) => j.name === name);
  if (!job) throw new UsageError(`unknown job "${name}" (jobs in ${config.file}: ${config.jobs.map((j) => j.name).join(', ')})`);
  if (job.type === 'binlog') return job as BinlogJobConfig;
  const pair = config.jobs.filter((j) => j.type === 'binlog' && (j as BinlogJobConfig).dump_job === name);
  if (job.type === 'dump' && pair.length === 1) return pair[0] as BinlogJobConfig;
  if (pair.length > 1) throw new UsageError(`several binlog jobs extend dump job "${name}" (${pair.map((j) => j.name).join(', ')}); name one of them`);
  throw new UsageError(`job "${name}" is a ${job.type} job, and no binlog job names it as dump_job`);
}
