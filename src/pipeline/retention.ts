/**
 * Retention: which backups of a job to keep in one storage. The rules are restic's `forget` rules,
 * and a backup is kept when any rule keeps it:
 *   keep_last N     the N newest
 *   keep_days N     those finished less than N days ago
 *   keep_daily N    the newest of each of the last N days that have a backup (likewise
 *   keep_weekly N   ISO weeks, and
 *   keep_monthly N  months, in the job's time zone or UTC)
 * The newest backup is always kept. Only complete backups (with a manifest naming the job) are ever
 * considered; a deleted backup takes its manifest with it (file first, so a half-done deletion never
 * leaves a manifest without its file being listed as a backup).
 */
import { describeError } from '../errors.js';
import { listBackups, type BackupEntry } from '../restore/backups.js';
import type { RetentionConfig } from '../config/types.js';
import type { Storage } from '../storages/types.js';
import type { Logger } from '../util/log.js';
import { manifestKey } from './manifest.js';

export interface Dated {
  key: string;
  time: Date;
}

export interface RetentionPlan<T extends Dated> {
  /** Newest first, with the rules that keep each one. */
  keep: { item: T; reasons: string[] }[];
  /** Newest first. */
  remove: T[];
}

const DAY = 86_400_000;

function localDate(t: Date, timeZone = 'UTC'): { y: number; m: number; d: number } {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(t);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return { y: get('year'), m: get('month'), d: get('day') };
}

/** `2024-W07` for the ISO week of a calendar date. */
export function isoWeek(y: number, m: number, d: number): string {
  const date = new Date(Date.UTC(y, m - 1, d));
  const dow = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - dow); // the Thursday of this week decides its year
  const year = date.getUTCFullYear();
  const week = Math.ceil(((date.getTime() - Date.UTC(year, 0, 1)) / DAY + 1) / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

type Bucket = (t: Date) => string;

function buckets(timeZone?: string): Record<'daily' | 'weekly' | 'monthly', Bucket> {
  return {
    daily: (t) => { const { y, m, d } = localDate(t, timeZone); return `${y}-${m}-${d}`; },
    weekly: (t) => { const { y, m, d } = localDate(t, timeZone); return isoWeek(y, m, d); },
    monthly: (t) => { const { y, m } = localDate(t, timeZone); return `${y}-${m}`; },
  };
}

/** True when the policy keeps everything (no rule set). */
export function retentionIsEmpty(policy: RetentionConfig | undefined): boolean {
  return !policy || Object.values(policy).every((v) => v === undefined);
}

/** Splits `items` into those to keep and those to remove under `policy` at time `now`. */
export function planRetention<T extends Dated>(items: T[], policy: RetentionConfig, now: Date, timeZone?: string): RetentionPlan<T> {
  const sorted = [...items].sort((a, b) => b.time.getTime() - a.time.getTime());
  const reasons = new Map<T, string[]>(sorted.map((i) => [i, []]));
  const keep = (i: T, why: string) => reasons.get(i)!.push(why);
  if (sorted[0]) keep(sorted[0], 'newest');
  sorted.slice(0, policy.keep_last ?? 0).forEach((i) => keep(i, 'last'));
  if (policy.keep_days) sorted.filter((i) => now.getTime() - i.time.getTime() < policy.keep_days! * DAY).forEach((i) => keep(i, 'days'));
  const b = buckets(timeZone);
  for (const [rule, n] of [['daily', policy.keep_daily], ['weekly', policy.keep_weekly], ['monthly', policy.keep_monthly]] as const) {
    if (!n) continue;
    const seen = new Set<string>();
    for (const i of sorted) {
      const bucket = b[rule](i.time);
      if (seen.has(bucket)) continue;
      if (seen.size >= n) break;
      seen.add(bucket);
      keep(i, rule);
    }
  }
  return {
    keep: sorted.filter((i) => reasons.get(i)!.length).map((item) => ({ item, reasons: reasons.get(item)! })),
    remove: sorted.filter((i) => !reasons.get(i)!.length),
  };
}

export interface RetentionOutcome {
  storage: string;
  kept: number;
  /** Keys deleted (or, in a dry run, that would be). */
  removed: string[];
  /** Deletions that failed (the backup stays; the next run tries again). */
  errors: string[];
}

/**
 * Applies `policy` to the backups of `job` under `prefix` in `storage`. `pending` (dry runs): the key
 * of the backup the run would make, planned as the newest.
 */
export async function applyRetention(a: {
  storage: Storage; job: string; prefix: string; policy: RetentionConfig; now: Date; timeZone?: string; dryRun: boolean; log: Logger; pending?: string;
}): Promise<RetentionOutcome> {
  const backups = await listBackups(a.storage, a.job, a.prefix, (m) => a.log.warn(m));
  const dated = backups.map((b: BackupEntry) => ({ key: b.key, time: new Date(b.manifest.finished) }));
  if (a.pending && !dated.some((d) => d.key === a.pending)) dated.push({ key: a.pending, time: a.now });
  const plan = planRetention(dated, a.policy, a.now, a.timeZone);
  const out: RetentionOutcome = { storage: a.storage.name, kept: plan.keep.length, removed: [], errors: [] };
  for (const { key } of plan.remove) {
    if (a.dryRun) {
      out.removed.push(key);
      continue;
    }
    try {
      await a.storage.delete(key);
      await a.storage.delete(manifestKey(key));
      out.removed.push(key);
      a.log.info(`retention: deleted ${a.storage.name}:${key}`);
    } catch (err) {
      out.errors.push(`${key}: ${describeError(err)}`);
      a.log.warn(`retention: could not delete ${a.storage.name}:${key}: ${describeError(err)}`);
    }
  }
  return out;
}

/** One line per storage, for the job summary. */
export function describeRetention(o: RetentionOutcome, dryRun: boolean): string {
  const verb = dryRun ? 'would delete' : 'deleted';
  const list = o.removed.length ? `: ${o.removed.join(', ')}` : '';
  const errors = o.errors.length ? `; ${o.errors.length} deletion(s) failed` : '';
  return `retention ${o.storage}: keep ${o.kept}, ${verb} ${o.removed.length}${list}${errors}`;
}
