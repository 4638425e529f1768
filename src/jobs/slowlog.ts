/**
 * Job kind `slowlog`: analyse slow-query logs (local files, directories, globs — or objects in a
 * named storage) and report the top query classes. The top N go to the notifiers as the `summary`
 * (plain text, fits a Slack message); `details` carries the overall figures and the top classes.
 */
import { resolve } from 'node:path';
import { JobError } from '../errors.js';
import { analyzeSlowLogs } from '../slowlog/analyze.js';
import { localSources, type LogSource } from '../slowlog/input.js';
import { storageSources } from '../slowlog/storage-input.js';
import { SORT_KEYS, type SlowReport, type SortKey } from '../slowlog/report.js';
import { summaryText } from '../slowlog/summary.js';
import { parseTimeBound } from '../slowlog/time.js';
import type { JobConfig } from '../config/types.js';
import type { JobCheckIssue, JobContext, JobKind, JobOutcome } from './types.js';

type FilterKey = 'db' | 'user' | 'host';

export interface SlowlogJobConfig extends JobConfig {
  type: 'slowlog';
  logs: string[];
  storage?: string;
  log_type: 'auto' | 'mysql' | 'postgres';
  top: number;
  sort: SortKey;
  since?: string;
  until?: string;
  filter?: Partial<Record<FilterKey, string | string[]>>;
  mask: boolean;
}

const names = (what: string) => ({ oneOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 }], description: `${what}: one name or a list (exact match).` });
const timeBound = 'A duration counted back from the start of the run (`24h`, `7d`), or a date-time (`2024-05-01T00:00:00Z`; without a zone: local time).';

export const slowlogJob: JobKind<SlowlogJobConfig> = {
  name: 'slowlog',
  description: 'Analyse MySQL/MariaDB slow-query logs or PostgreSQL duration logs and report the top query classes to the notifiers.',
  schema: {
    properties: {
      logs: {
        type: 'array', minItems: 1, items: { type: 'string', minLength: 1 },
        description: 'Log files (plain or gzip, detected by content), directories (every file in them) or glob patterns (`*`, `?`, `[…]`, `{a,b}`, `**`). Relative paths resolve against the job file\'s directory; with `storage`, these are keys, prefixes or key patterns in that storage.',
        examples: [['/var/log/mysql/mariadb-slow.log', '/var/log/mysql/mariadb-slow.log.*.gz']],
      },
      storage: { type: 'string', minLength: 1, description: 'Read `logs` from this storage (a name from `storages:`) instead of the local file system.' },
      log_type: { enum: ['auto', 'mysql', 'postgres'], default: 'auto', description: 'Log format; `auto` detects it per file.' },
      top: { type: 'integer', minimum: 1, maximum: 1000, default: 10, description: 'How many query classes the report lists.' },
      sort: { enum: [...SORT_KEYS], default: 'total', description: 'Rank classes by total, average, maximum or p95 query time, or by count.' },
      since: { type: 'string', minLength: 1, description: `Only entries at or after this time. ${timeBound}` },
      until: { type: 'string', minLength: 1, description: `Only entries before this time. ${timeBound}` },
      filter: {
        type: 'object', additionalProperties: false,
        properties: { db: names('Databases'), user: names('Users'), host: names('Client hosts') },
        description: 'Only entries whose database, user or host is one of the given names (keys combine with AND).',
      },
      mask: { type: 'boolean', default: true, description: 'Replace literal values in example queries with `?` (so that notifications carry no data).' },
    },
    required: ['logs'],
  },
  storageRefs(job) {
    return job.storage ? [{ path: 'storage', name: job.storage }] : [];
  },
  check(job) {
    const issues: JobCheckIssue[] = [];
    for (const key of ['since', 'until'] as const) {
      const v = job[key];
      if (v === undefined) continue;
      try {
        parseTimeBound(v, Date.now());
      } catch (err) {
        issues.push({ path: key, message: (err as Error).message });
      }
    }
    return issues;
  },
  run: runSlowlog,
};

async function runSlowlog(job: SlowlogJobConfig, ctx: JobContext): Promise<JobOutcome> {
  const now = Date.now();
  const sources = await jobSources(job, ctx);
  if (ctx.dryRun) return { summary: `would analyse ${sources.length} log${sources.length === 1 ? '' : 's'}: ${sources.map((s) => s.name).join(', ')}` };
  const filter = Object.fromEntries(Object.entries(job.filter ?? {}).map(([k, v]) => [k, typeof v === 'string' ? [v] : v]));
  const { report } = await analyzeSlowLogs(sources, {
    top: job.top, sort: job.sort, mask: job.mask, filter, format: job.log_type, signal: ctx.signal,
    since: job.since === undefined ? undefined : parseTimeBound(job.since, now),
    until: job.until === undefined ? undefined : parseTimeBound(job.until, now),
  });
  for (const m of report.malformed.slice(0, 10)) ctx.log.warn(`${m.source}:${m.line}: malformed entry: ${m.reason}`);
  if (report.summary.entries_parsed === 0) throw new JobError(job.name, `no entry could be parsed from ${sources.map((s) => s.name).join(', ')}`);
  return { summary: summaryText(report), details: details(report) };
}

/** What notifiers (e.g. a webhook) receive besides the summary: the overview and the top classes. */
function details(r: SlowReport): Record<string, unknown> {
  return {
    ...r.summary,
    sources: r.sources.map((s) => s.name),
    top: r.classes.map((c) => ({
      rank: c.rank, id: c.id, fingerprint: c.fingerprint, count: c.count, time_share: c.time_share,
      query_time: c.query_time, databases: c.databases.map((d) => d.name), example: c.example.query,
    })),
  };
}

async function jobSources(job: SlowlogJobConfig, ctx: JobContext): Promise<LogSource[]> {
  if (!job.storage) {
    try {
      return await localSources(job.logs.map((l) => resolve(ctx.config.baseDir, l)));
    } catch (err) {
      throw new JobError(job.name, (err as Error).message, { cause: err });
    }
  }
  const storage = await ctx.storage(job.storage);
  const sources: LogSource[] = [];
  for (const pattern of job.logs) {
    try {
      sources.push(...(await storageSources(storage, pattern, ctx.signal)));
    } catch (err) {
      throw new JobError(job.name, (err as Error).message, { cause: err });
    }
  }
  return sources;
}
