/**
 * Checks the schema cannot express: unique names, references that resolve, cron expressions and time
 * zones that parse, and each job kind's own checks.
 */
import { Cron } from 'croner';
import type { ConfigIssue } from '../errors.js';
import { jobKinds } from '../jobs/registry.js';
import { notifierKinds } from '../notifiers/registry.js';
import { storageKinds } from '../storages/registry.js';
import type { Config } from './types.js';
import type { JobKind } from '../jobs/types.js';
import type { PathSegment } from './positions.js';

type At = (path: PathSegment[], message: string, key?: boolean) => ConfigIssue;
type Raw = Record<string, unknown>;

/** Jobs, notifiers (indexes) and storages (names) that failed the schema: their kind's own checks are skipped. */
export interface Broken {
  jobs: Set<PathSegment | undefined>;
  notifiers: Set<PathSegment | undefined>;
  storages: Set<PathSegment | undefined>;
}

export function semanticIssues(root: Raw, broken: Broken, at: At): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const jobs = Array.isArray(root.jobs) ? (root.jobs as Raw[]) : [];
  const storages = root.storages && typeof root.storages === 'object' ? (root.storages as Raw) : {};
  const notifiers = Array.isArray(root.notifiers) ? (root.notifiers as Raw[]) : [];

  duplicates(jobs.map((j) => j?.name), (i, first) => issues.push(at(['jobs', i, 'name'], `duplicate job name "${String(jobs[i]!.name)}" (also job #${first + 1})`)));
  duplicates(notifiers.map((n) => n?.name ?? n?.type), (i, first) => issues.push(at(['notifiers', i], `duplicate notifier name "${String(notifiers[i]!.name ?? notifiers[i]!.type)}" (also notifier #${first + 1}); give each a distinct \`name\``)));
  const notifierNames = new Set(notifiers.map((n) => String(n?.name ?? n?.type)));
  notifiers.forEach((n, i) => {
    if (broken.notifiers.has(i) || !notifierKinds.has(String(n?.type))) return;
    for (const message of notifierKinds.get(String(n.type)).check?.(n as never) ?? []) issues.push(at(['notifiers', i], message));
  });

  for (const [name, cfg] of Object.entries(storages)) {
    const type = String((cfg as Raw | undefined)?.type);
    if (broken.storages.has(name) || !storageKinds.has(type)) continue;
    for (const issue of storageKinds.get(type).check?.(cfg as never) ?? []) issues.push(at(['storages', name, ...splitPath(issue.path)], issue.message));
  }

  jobs.forEach((job, i) => {
    if (!job || typeof job !== 'object') return;
    // checks that look at one well-typed key run even when other keys of the job are broken, so that
    // a single `validate` shows every problem
    issues.push(...checkSchedule(job, i, at));
    (Array.isArray(job.notify) ? (job.notify as unknown[]) : []).forEach((n, k) => {
      if (typeof n === 'string' && !notifierNames.has(n)) issues.push(at(['jobs', i, 'notify', k], `unknown notifier "${n}"${list(notifierNames)}`));
    });
    if (!jobKinds.has(String(job.type))) return;
    const kind = jobKinds.get(String(job.type));
    for (const ref of storageRefsOf(kind, job)) {
      if (!Object.hasOwn(storages, ref.name)) {
        issues.push(at(['jobs', i, ...splitPath(ref.path)], `unknown storage "${ref.name}"${list(Object.keys(storages))}`));
      }
    }
    if (broken.jobs.has(i)) return; // a kind's own checks may rely on the schema's shape
    for (const issue of kind.check?.(job as never, { storages, jobs } as unknown as Config) ?? []) {
      issues.push(at(['jobs', i, ...splitPath(issue.path)], issue.message));
    }
  });
  return issues;
}

/** A job kind's storage references, tolerating a job that failed the schema elsewhere. */
function storageRefsOf(kind: JobKind<never>, job: Raw): { path: string; name: string }[] {
  try {
    return (kind.storageRefs?.(job as never) ?? []).filter((r) => typeof r?.name === 'string');
  } catch {
    return []; // the reference keys themselves are malformed: the schema error says so
  }
}

function checkSchedule(job: Raw, i: number, at: At): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  let tzOk = true;
  if (typeof job.timezone === 'string') {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: job.timezone });
    } catch {
      tzOk = false;
      out.push(at(['jobs', i, 'timezone'], `unknown time zone "${job.timezone}" (use an IANA name such as Europe/Berlin)`));
    }
  }
  if (typeof job.schedule === 'string') {
    try {
      const c = new Cron(job.schedule, { paused: true, timezone: tzOk ? (job.timezone as string | undefined) : undefined });
      c.stop();
    } catch (err) {
      out.push(at(['jobs', i, 'schedule'], `invalid cron expression "${job.schedule}": ${(err as Error).message}`));
    }
  }
  return out;
}

function duplicates(values: unknown[], report: (index: number, firstIndex: number) => void): void {
  const first = new Map<string, number>();
  values.forEach((v, i) => {
    if (typeof v !== 'string') return;
    const seen = first.get(v);
    if (seen === undefined) first.set(v, i);
    else report(i, seen);
  });
}

function list(names: Iterable<string>): string {
  const all = [...names];
  return all.length ? ` (defined: ${all.join(', ')})` : ' (none defined)';
}

/** `to[1].storage` → ['to', 1, 'storage'] */
export function splitPath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  for (const part of path.split('.').filter(Boolean)) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(m[1]);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}
