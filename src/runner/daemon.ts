/**
 * The scheduler behind `onedump daemon`: croner per job `schedule` (+ `timezone`).
 *
 * - A job never overlaps itself: a tick that comes while the previous run of the same job is still
 *   queued or running is skipped and logged (not queued), so a slow job cannot pile up runs.
 * - `concurrency` limits how many different jobs run at once; ticks beyond it wait in the queue.
 * - `stop()` (SIGTERM/SIGINT): no new ticks; queued runs are dropped; running jobs get `shutdown_grace`
 *   to finish, then they are aborted (each cleans up: no partial files) and `stop()` resolves.
 *   `abortNow()` (a second signal) aborts them at once.
 * - `reload()` (SIGHUP): a valid new file replaces the schedule (running jobs finish with the old
 *   config and keep blocking their own next tick); an invalid one is logged and the old schedule kept.
 * - Continuous jobs (`JobKind.continuous`, e.g. a binlog job with `follow: true`) start at once and
 *   start again when they end (after `retry_delay` when they failed). On stop or reload they are told
 *   to wind down (`JobContext.follow`) instead of waiting for the grace period.
 */
import { Cron } from 'croner';
import PQueue from 'p-queue';
import { ConfigError, describeError, formatIssue } from '../errors.js';
import { loadConfig } from '../config/load.js';
import { formatDuration } from '../util/duration.js';
import { jobKinds } from '../jobs/registry.js';
import { runJob } from './run-job.js';
import { createNotifiers, type ConfiguredNotifier } from './notifiers.js';
import type { Config, JobConfig } from '../config/types.js';
import type { JobResult } from '../jobs/types.js';
import type { Logger } from '../util/log.js';

export interface DaemonOptions {
  log: Logger;
  /** Called after every run (tests, health endpoint). */
  onResult?: (r: JobResult) => void;
}

/** What `/healthz` shows per job. */
export interface JobState {
  running: boolean;
  schedule?: string;
  last?: { status: string; startedAt: Date; finishedAt: Date; error?: string };
  next?: Date | null;
}

export class Daemon {
  private config!: Config;
  private notifiers: ConfiguredNotifier[] = [];
  private crons: { job: string; cron: Cron }[] = [];
  private queue?: PQueue;
  private readonly active = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  /** Tells the continuous runs started under the current config to wind down. */
  private follow = new AbortController();
  private stopping = false;
  readonly states = new Map<string, JobState>();

  constructor(private readonly file: string, private readonly opts: DaemonOptions) {}

  /** Loads the file (throws ConfigError when invalid) and starts the schedule. */
  start(): Config {
    this.install(loadConfig(this.file));
    return this.config;
  }

  private install(config: Config): void {
    for (const c of this.crons) c.cron.stop();
    this.follow.abort();
    this.follow = new AbortController();
    this.config = config;
    this.notifiers = createNotifiers(config, this.opts.log);
    // one queue for the daemon's life: runs started before a reload still count against `concurrency`
    if (this.queue) this.queue.concurrency = config.concurrency;
    else this.queue = new PQueue({ concurrency: config.concurrency });
    // a continuous job runs all the time; its schedule (if any) would only produce skipped ticks
    const scheduled = config.jobs.filter((j) => j.schedule && !isContinuous(j));
    this.crons = scheduled.map((job) => ({ job: job.name, cron: new Cron(job.schedule!, { timezone: job.timezone }, () => this.tick(job)) }));
    for (const name of this.states.keys()) {
      if (!config.jobs.some((j) => j.name === name) && !this.active.has(name)) this.states.delete(name);
    }
    for (const job of config.jobs) {
      const state = this.states.get(job.name) ?? { running: false };
      state.schedule = job.schedule;
      this.states.set(job.name, state);
    }
    this.refreshNext();
    const continuous = config.jobs.filter((j) => isContinuous(j));
    for (const job of continuous) {
      this.opts.log.info(`continuous job ${job.name}: running until the daemon stops`);
      if (!this.active.has(job.name)) this.tick(job);
    }
    if (!scheduled.length && !continuous.length) this.opts.log.warn(`${config.file}: no job has a schedule; the daemon is idle until reloaded`);
    for (const job of scheduled) {
      const next = this.states.get(job.name)?.next?.toISOString() ?? 'never';
      this.opts.log.info(`scheduled job ${job.name}: "${job.schedule}"${job.timezone ? ` (${job.timezone})` : ''}, next run ${next}`);
    }
  }

  private refreshNext(): void {
    for (const { job, cron } of this.crons) {
      const st = this.states.get(job);
      if (st) st.next = cron.nextRun();
    }
  }

  /** A scheduled tick: skipped when this job's previous run has not finished. */
  private tick(job: JobConfig): void {
    this.refreshNext();
    if (this.stopping) return;
    if (this.active.has(job.name)) {
      this.opts.log.warn(`job ${job.name}: previous run still in progress; this tick is skipped`, { job: job.name });
      return;
    }
    const config = this.config;
    const notifiers = this.notifiers;
    const follow = isContinuous(job) ? this.follow.signal : undefined;
    const state = this.states.get(job.name)!;
    let failed = false;
    const task = async () => {
      if (this.stopping) return; // queued when the shutdown began: dropped
      state.running = true;
      const result = await runJob(job, { config, log: this.opts.log, signal: this.abort.signal, notifiers, follow });
      failed = result.status !== 'success';
      state.last = { status: result.status, startedAt: result.startedAt, finishedAt: result.finishedAt, ...(result.error ? { error: result.error } : {}) };
      this.opts.onResult?.(result);
    };
    // continuous runs never end on their own: they must not hold one of the `concurrency` slots
    const run = (follow ? task() : this.queue!.add(task))
      .catch((err: unknown) => {
        failed = true;
        this.opts.log.error(`job ${job.name}: ${describeError(err)}`, { job: job.name });
      })
      .finally(() => {
        state.running = false;
        this.active.delete(job.name);
        if (follow) this.restartContinuous(job.name, failed);
      });
    this.active.set(job.name, run);
  }

  /** A continuous run ended: start the job again (from the current config), after a delay if it failed. */
  private restartContinuous(name: string, failed: boolean): void {
    const job = this.config.jobs.find((j) => j.name === name);
    if (this.stopping || !job || !isContinuous(job)) return;
    const delay = failed ? Math.max(1000, job.retryDelayMs) : 0;
    if (failed) this.opts.log.warn(`job ${name}: continuous run ended with an error; starting it again in ${delay / 1000}s`, { job: name });
    setTimeout(() => {
      if (!this.stopping && !this.active.has(name)) this.tick(this.config.jobs.find((j) => j.name === name) ?? job);
    }, delay).unref();
  }

  /** Re-reads the job file; keeps the current schedule if the new file is invalid. Returns success. */
  reload(): boolean {
    let next: Config;
    try {
      next = loadConfig(this.file);
    } catch (err) {
      const problems = err instanceof ConfigError ? err.issues.map(formatIssue) : [describeError(err)];
      const n = problems.length;
      this.opts.log.error(`reload failed, keeping the current schedule (${n} problem${n === 1 ? '' : 's'}): ${problems.join('; ')}`);
      return false;
    }
    this.install(next);
    this.opts.log.info(`reloaded ${this.file}: ${next.jobs.length} job${next.jobs.length === 1 ? '' : 's'}`);
    return true;
  }

  /** Stops scheduling, waits up to `shutdown_grace` for running jobs, then aborts them and waits. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const c of this.crons) c.cron.stop();
    this.follow.abort();
    const running = [...this.active.values()];
    if (!running.length) return;
    const grace = this.config.shutdownGraceMs;
    this.opts.log.info(`waiting up to ${formatDuration(grace)} for ${running.length} running job(s) to finish`);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), grace)));
    const outcome = await Promise.race([Promise.allSettled(running).then(() => 'done' as const), graceOver]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.abortNow('grace period over');
    await Promise.allSettled([...this.active.values()]);
  }

  /** Aborts every running job now (each still cleans up after itself). */
  abortNow(why: string): void {
    if (this.abort.signal.aborted) return;
    if (this.active.size) this.opts.log.warn(`${why}: aborting ${this.active.size} running job(s)`);
    this.abort.abort(new Error('shutdown'));
  }
}

function isContinuous(job: JobConfig): boolean {
  return jobKinds.has(job.type) && (jobKinds.get(job.type).continuous?.(job as never) ?? false);
}
