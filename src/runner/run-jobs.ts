/** Runs a set of jobs once through a p-queue (`concurrency`); one failure never stops the others. */
import PQueue from 'p-queue';
import { UsageError } from '../errors.js';
import { runJob } from './run-job.js';
import { createNotifiers } from './notifiers.js';
import type { Config, JobConfig } from '../config/types.js';
import type { JobResult } from '../jobs/types.js';
import type { Logger } from '../util/log.js';

export interface RunJobsOptions {
  /** Only these jobs (names); all when empty. Unknown names are a UsageError. */
  only?: string[];
  dryRun?: boolean;
  signal?: AbortSignal;
  log: Logger;
}

export function selectJobs(config: Config, only: string[] = []): JobConfig[] {
  if (!only.length) return config.jobs;
  const known = new Set(config.jobs.map((j) => j.name));
  const unknown = only.filter((n) => !known.has(n));
  if (unknown.length) throw new UsageError(`unknown job ${unknown.map((u) => `"${u}"`).join(', ')} (jobs in ${config.file}: ${[...known].join(', ')})`);
  return config.jobs.filter((j) => only.includes(j.name));
}

export async function runJobs(config: Config, opts: RunJobsOptions): Promise<JobResult[]> {
  const jobs = selectJobs(config, opts.only);
  const notifiers = createNotifiers(config, opts.log);
  const queue = new PQueue({ concurrency: config.concurrency });
  const results = await Promise.all(
    jobs.map((job) => queue.add(() => runJob(job, { config, log: opts.log, signal: opts.signal, dryRun: opts.dryRun, notifiers }))),
  );
  return results as JobResult[];
}
