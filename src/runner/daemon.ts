/**
 * The scheduler behind `onedump daemon`: croner per job `schedule` (+ `timezone`).
 *
 * - A job never overlaps itself: a tick that comes while the previous run of the same job is still
 *   queued or running is skipped and logged (not queued), so a slow job cannot pile up runs.
 * - `concurrency` limits how many different jobs run at once; ticks beyond it wait in the queue.
 * - `stop()` (SIGTERM/SIGINT): no new ticks; running jobs get `shutdown_grace` to finish, then they are
 *   aborted (each cleans up: no partial files) and `stop()` resolves.
 * - `reload()` (SIGHUP): a valid new file replaces the schedule (running jobs finish with the old
 *   config); an invalid one is logged and the old schedule is kept.
 * - Continuous jobs (`JobKind.continuous`, e.g. a binlog job with `follow: true`) start at once and
 *   start again when they end (after `retry_delay` when they failed). On stop or reload they are told
 *   to wind down (`JobContext.follow`) instead of waiting for the grace period.
 */
import { Cron } from 'croner';
import PQueue from 'p-queue';
import { ConfigError, describeError } from '../errors.js';
import { loadConfig } from '../config/load.js';
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

export interface JobState {
  running: boolean;
  last?: { status: string; finishedAt: Date; error?: string };
  next?: Date | null;
}

export class Daemon {
  private config!: Config;
  private notifiers: ConfiguredNotifier[] = [];
  private crons: Cron[] = [];
  private queue!: PQueue;
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
    for (const c of this.crons) c.stop();
    this.follow.abort();
    this.follow = new AbortController();
    this.config = config;
    this.notifiers = createNotifiers(config, this.opts.log);
    this.queue = new PQueue({ concurrency: config.concurrency });
    // a continuous job runs all the time; its schedule (if any) would only produce skipped ticks
    const scheduled = config.jobs.filter((j) => j.schedule && !isContinuous(j));
    this.crons = scheduled.map((job) =>
      new Cron(job.schedule!, { timezone: job.timezone, name: `onedump:${job.name}:${Date.now()}` }, () => this.tick(job)),
    );
    for (const job of config.jobs) {
      const state = this.states.get(job.name) ?? { running: false };
      this.states.set(job.name, state);
    }
    this.refreshNext();
    const continuous = config.jobs.filter((j) => isContinuous(j));
    for (const job of continuous) {
      this.opts.log.info(`continuous job ${job.name}: running until the daemon stops`);
      if (!this.active.has(job.name)) this.tick(job);
    }
    if (!scheduled.length && !continuous.length) this.opts.log.warn(`${config.file}: no job has a schedule; the daemon is idle until reloaded`);
    for (const job of scheduled) this.opts.log.info(`scheduled job ${job.name}: "${job.schedule}"${job.timezone ? ` (${job.timezone})` : ''}, next run ${this.states.get(job.name)?.next?.toISOString() ?? 'never'}`);
  }

  private refreshNext(): void {
    for (const c of this.crons) {
      const name = c.name?.split(':')[1];
      const st = name ? this.states.get(name) : undefined;
      if (st) st.next = c.nextRun();
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
      if (this.stopping) return;
      state.running = true;
      const result = await runJob(job, { config, log: this.opts.log, signal: this.abort.signal, notifiers, follow });
      failed = result.status !== 'success';
      state.last = { status: result.status, finishedAt: result.finishedAt, ...(result.error ? { error: result.error } : {}) };
      this.opts.onResult?.(result);
    };
    // continuous runs never end on their own: they must not hold one of the `concurrency` slots
    const run = (follow ? task() : this.queue.add(task)).catch((err) => {
      failed = true;
      this.opts.log.error(`job ${job.name}: ${describeError(err)}`);
    }).finally(() => {
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
      const lines = err instanceof ConfigError ? err.issues.length : 1;
      this.opts.log.error(`reload failed, keeping the current schedule (${lines} problem${lines === 1 ? '' : 's'}): ${describeError(err)}`);
      return false;
    }
    this.install(next);
    this.opts.log.info(`reloaded ${this.file}: ${next.jobs.length} jobs`);
    return true;
  }

  /** Stops scheduling, waits up to `shutdown_grace` for running jobs, then aborts them and waits. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const c of this.crons) c.stop();
    this.follow.abort();
    this.queue.clear();
    const running = [...this.active.values()];
    if (running.length) {
      this.opts.log.info(`waiting up to ${this.config.shutdownGraceMs / 1000}s for ${running.length} running job(s)`);
      const graceOver = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), this.config.shutdownGraceMs).unref());
      const outcome = await Promise.race([Promise.allSettled(running).then(() => 'done' as const), graceOver]);
      if (outcome === 'timeout') {
        this.opts.log.warn('grace period over: aborting running jobs');
        this.abort.abort(new Error('shutdown'));
        await Promise.allSettled([...this.active.values()]);
      }
    }
  }
}

function isContinuous(job: JobConfig): boolean {
  return jobKinds.has(job.type) && (jobKinds.get(job.type).continuous?.(job as never) ?? false);
}
