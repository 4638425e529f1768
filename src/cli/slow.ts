/**
 * `onedump slow LOG... [--top N] [--sort …] [--since/--until] [--filter k=v] [--format …] [--mask]`:
 * slow-query log analysis (MySQL/MariaDB slow logs, PostgreSQL duration logs). Exit 1 when no entry
 * could be parsed.
 */
import type { CommandModule } from 'yargs';
import { UsageError } from '../errors.js';
import { analyzeSlowLogs } from '../slowlog/analyze.js';
import { commandLineSources } from '../slowlog/storage-input.js';
import { markdownReport } from '../slowlog/markdown.js';
import { SORT_KEYS, type SlowReport, type SortKey } from '../slowlog/report.js';
import { tableReport } from '../slowlog/table.js';
import { parseTimeBound } from '../slowlog/time.js';
import type { LogFormat } from '../slowlog/types.js';

interface Args {
  logs?: string[];
  top: number;
  sort: SortKey;
  since?: string;
  until?: string;
  filter?: string[];
  format: 'table' | 'json' | 'markdown';
  mask: boolean;
  'log-type': LogFormat | 'auto';
}

const FILTER_KEYS = ['db', 'user', 'host'] as const;
const WARNINGS_SHOWN = 10;

export const slowCommand: CommandModule<object, Args> = {
  command: 'slow [logs..]',
  describe: 'Analyse slow-query logs (MySQL/MariaDB, PostgreSQL): query classes, counts and latency statistics',
  builder: (y) =>
    y
      .positional('logs', { type: 'string', array: true, describe: 'Log files (plain or gzip), directories, glob patterns, storage URLs (s3://, sftp://, gdrive://, dropbox:///); none (or -) reads stdin' })
      .option('top', { type: 'number', default: 20, describe: 'Show the top N classes (0: all)' })
      .option('sort', { choices: SORT_KEYS, default: 'total' as SortKey, describe: 'Rank classes by total, average, maximum or p95 query time, or by count' })
      .option('since', { type: 'string', describe: 'Only entries at or after this time: a duration back from now (24h) or a date-time (2024-05-01T00:00:00Z)' })
      .option('until', { type: 'string', describe: 'Only entries before this time (same forms as --since)' })
      .option('filter', { type: 'string', array: true, describe: 'Only entries with db=NAME, user=NAME or host=NAME (repeatable; comma-separated values are alternatives)' })
      .option('format', { choices: ['table', 'json', 'markdown'] as const, default: 'table' as const, describe: 'Report format' })
      .option('mask', { type: 'boolean', default: false, describe: 'Replace literal values in the example queries with ?' })
      .option('log-type', { choices: ['auto', 'mysql', 'postgres'] as const, default: 'auto' as const, describe: 'Log format (auto: detected per file)' })
      .example('$0 slow /var/log/mysql/mariadb-slow.log', 'top 20 classes by total time')
      .example("$0 slow '/var/log/mysql/slow.log*' --since 24h --sort p95 --top 10", 'rotated and gzipped logs, last day')
      .example('$0 slow slow.log --filter db=shop --format json > report.json', 'one database, machine-readable')
      .example("$0 slow 's3://logs/db1/slow.log*'", 'logs kept in S3 (credentials from the AWS chain), or sftp://, gdrive://, dropbox://')
      .example('ssh db1 cat /var/log/mysql/slow.log | $0 slow --top 5', 'from stdin')
      .example('$0 slow /var/log/postgresql/postgresql-15-main.log --mask --format markdown', 'PostgreSQL log_min_duration_statement') as never,
  handler: async (args) => {
    const now = Date.now();
    const since = timeBound('--since', args.since, now);
    const until = timeBound('--until', args.until, now);
    const filter = parseFilters(args.filter ?? []);
    if (!Number.isInteger(args.top) || args.top < 0) throw new UsageError(`--top must be a whole number ≥ 0, not ${args.top}`);
    // yargs drops a lone `-` from positionals: no log at all means stdin, as for pt-query-digest
    const logs = args.logs?.length ? args.logs : ['-'];
    if (logs[0] === '-' && process.stdin.isTTY) throw new UsageError('name a log file, or pipe a log to stdin');
    const { sources, close } = await commandLineSources(logs).catch((err: Error) => {
      throw err instanceof UsageError ? err : new UsageError(err.message);
    });
    const { report } = await analyzeSlowLogs(sources, { top: args.top, sort: args.sort, mask: args.mask, since, until, filter, format: args['log-type'] }).finally(close);
    warnMalformed(report);
    process.stdout.write(render(report, args.format));
    if (report.summary.entries_parsed === 0) {
      process.stderr.write(`onedump slow: no entry could be parsed from ${logs.join(', ')}\n`);
      process.exitCode = 1;
    } else process.exitCode = 0;
  },
};

export function render(report: SlowReport, format: Args['format']): string {
  if (format === 'json') return JSON.stringify(report, null, 2) + '\n';
  return format === 'markdown' ? markdownReport(report) : tableReport(report);
}

function timeBound(flag: string, value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseTimeBound(value, now);
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
}

/** `db=shop`, `user=app,report` → `{db: ['shop'], user: ['app', 'report']}`; repeated keys add values. */
export function parseFilters(specs: string[]): Partial<Record<(typeof FILTER_KEYS)[number], string[]>> {
  const out: Partial<Record<(typeof FILTER_KEYS)[number], string[]>> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const key = spec.slice(0, eq) as (typeof FILTER_KEYS)[number];
    if (eq < 1 || !FILTER_KEYS.includes(key) || eq === spec.length - 1) {
      throw new UsageError(`--filter ${JSON.stringify(spec)}: use db=NAME, user=NAME or host=NAME`);
    }
    (out[key] ??= []).push(...spec.slice(eq + 1).split(','));
  }
  return out;
}

function warnMalformed(report: SlowReport): void {
  for (const m of report.malformed.slice(0, WARNINGS_SHOWN)) process.stderr.write(`${m.source}:${m.line}: malformed entry: ${m.reason}\n`);
  const rest = report.summary.malformed - Math.min(WARNINGS_SHOWN, report.malformed.length);
  if (rest > 0) process.stderr.write(`… and ${rest} more malformed entries (see the report)\n`);
}
