/**
 * Runs one job once: timeout, retries of transient failures with backoff, a typed result, notifications.
 * Never throws: every outcome becomes a `JobResult`.
 */
import { AbortError, PartialDeliveryError, describeError, isTransient } from '../errors.js';
import { jobKinds } from '../jobs/registry.js';
import { storageKinds } from '../storages/registry.js';
import { withRetry } from '../storages/retry.js';
import { backoffDelay, sleep } from '../util/backoff.js';
import { redact, redactValue } from '../util/redact.js';
import { formatDuration } from '../util/duration.js';
import type { Logger } from '../util/log.js';
import type { Config, JobConfig } from '../config/types.js';
import type { JobContext, JobOutcome, JobResult } from '../jobs/types.js';
import type { Storage } from '../storages/types.js';
import type { ConfiguredNotifier } from './notifiers.js';

export interface RunJobOptions {
  config: Config;
  log: Logger;
  /** Aborts the run (shutdown). */
  signal?: AbortSignal;
  dryRun?: boolean;
  notifiers?: ConfiguredNotifier[];
  /** For continuous jobs in the daemon: aborted to make the job wind down (see JobContext.follow). */
  follow?: AbortSignal;
}

/**
 * Runs a job: attempts until one succeeds, the error is not transient, `retries` are used up, or the
 * run is aborted. `timeout` bounds the whole run (attempts and backoff delays together).
 */
export async function runJob(job: JobConfig, opts: RunJobOptions): Promise<JobResult> {
  const log = opts.log.child({ job: job.name });
  const startedAt = new Date();
  const { signal, dispose } = runSignal(job, opts.signal);
  log.info(`job ${job.name} started${opts.dryRun ? ' (dry run)' : ''}`);
  let attempts = 0;
  let outcome: JobOutcome | undefined;
  let error: unknown;
  for (;;) {
    attempts++;
    error = undefined;
    try {
      outcome = await attempt(job, { ...opts, signal }, log);
      break;
    } catch (err) {
      error = err;
      const retry = attempts <= job.retries && isTransient(err) && !signal.aborted;
      const delay = retry ? backoffDelay(attempts, job.retryDelayMs) : 0;
      log.warn(`attempt ${attempts} failed: ${describeError(err)}${retry ? `; transient, retrying in ${(delay / 1000).toFixed(1)}s` : ''}`);
      if (!retry) break;
      try {
        await sleep(delay, signal);
      } catch {
        error = timeoutOrShutdown(signal, job, err);
        break;
      }
    }
  }
  dispose();
  const result = toResult(job, { startedAt, attempts, outcome, error, dryRun: !!opts.dryRun, aborted: signal.aborted });
  await notifyAll(result, job, opts.notifiers ?? [], log);
  return result;
}

/**
 * The run's signal: the caller's (shutdown) combined with the job's `timeout`. The timeout is a timer
 * held here until `dispose()`, not `AbortSignal.timeout()`: inside `AbortSignal.any()` Node may
 * garbage-collect that signal before it fires (nodejs/node#57736), and the job would never time out.
 */
function runSignal(job: JobConfig, outer?: AbortSignal): { signal: AbortSignal; dispose(): void } {
  const timeout = new AbortController();
  const timer = job.timeoutMs ? setTimeout(() => timeout.abort(new DOMException('The operation timed out.', 'TimeoutError')), job.timeoutMs) : undefined;
  const signal = outer ? AbortSignal.any([outer, timeout.signal]) : timeout.signal;
  return { signal, dispose: () => clearTimeout(timer) };
}

function toResult(
  job: JobConfig,
  r: { startedAt: Date; attempts: number; outcome?: JobOutcome; error: unknown; dryRun: boolean; aborted: boolean },
): JobResult {
  const finishedAt = new Date();
  const { error, outcome } = r;
  const aborted = error !== undefined && (r.aborted || error instanceof AbortError);
  const partial = error instanceof PartialDeliveryError ? error : undefined;
  const result: JobResult = redactValue({
    job: job.name,
    type: job.type,
    status: error === undefined ? 'success' : aborted ? 'aborted' : 'failure',
    startedAt: r.startedAt,
    finishedAt,
    durationMs: finishedAt.getTime() - r.startedAt.getTime(),
    attempts: r.attempts,
    dryRun: r.dryRun,
    ...(outcome?.bytes !== undefined ? { bytes: outcome.bytes } : partial?.bytes !== undefined ? { bytes: partial.bytes } : {}),
    destinations: outcome?.destinations ?? partial?.destinations ?? [],
    ...(error !== undefined ? { error: redact(describeError(error)) } : {}),
    ...(outcome?.summary ? { summary: outcome.summary } : {}),
    ...(outcome?.details ? { details: outcome.details } : {}),
  });
  result.startedAt = r.startedAt;
  result.finishedAt = finishedAt;
  return result;
}

async function attempt(job: JobConfig, opts: RunJobOptions & { signal: AbortSignal }, log: Logger): Promise<JobOutcome> {
  const signal = opts.signal;
  const opened = new Map<string, Promise<Storage>>();
  const ctx: JobContext = {
    config: opts.config,
    signal,
    log,
    dryRun: !!opts.dryRun,
    ...(opts.follow ? { follow: opts.follow } : {}),
    storage(name) {
      let s = opened.get(name);
      if (!s) {
        const cfg = opts.config.storages[name];
        if (!cfg) throw new Error(`unknown storage "${name}"`);
        log.debug(`opening storage ${name} (${cfg.type})`);
        s = storageKinds.get(cfg.type).create(name, cfg as never, { baseDir: opts.config.baseDir, log }).then((x) => withRetry(x));
        opened.set(name, s);
      }
      return s;
    },
  };
  const kind = jobKinds.get(job.type);
  try {
    const run = kind.run(job as never, ctx);
    return await raceAbort(run, signal, job);
  } finally {
    await Promise.allSettled([...opened.values()].map(async (p) => (await p).close()));
  }
}

/**
 * Waits for the job; once the signal aborts, gives it 30 s to clean up and stop, then gives up on it.
 * An error after an abort becomes an AbortError that says why (timeout or shutdown).
 */
async function raceAbort<T>(p: Promise<T>, signal: AbortSignal, job: JobConfig): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const onAbort = (reject: (e: unknown) => void) => {
    timer = setTimeout(() => reject(timeoutOrShutdown(signal, job)), 30_000);
    timer.unref();
  };
  const gaveUp = new Promise<never>((_, reject) => {
    if (signal.aborted) onAbort(reject);
    else signal.addEventListener('abort', () => onAbort(reject), { once: true });
  });
  try {
    return await Promise.race([p, gaveUp]);
  } catch (err) {
    throw signal.aborted ? timeoutOrShutdown(signal, job, err) : err;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The error of an aborted run, saying why: the job's timeout, or shutdown. What the job threw while
 * stopping (the abort propagating through its streams) is not repeated in the message.
 */
function timeoutOrShutdown(signal: AbortSignal, job: JobConfig, thrown?: unknown): AbortError {
  if (thrown instanceof AbortError && /^(timed out|aborted \()/.test(thrown.message)) return thrown;
  return (signal.reason as Error | undefined)?.name === 'TimeoutError'
    ? new AbortError(`timed out after ${formatDuration(job.timeoutMs)}`)
    : new AbortError('aborted (shutting down)');
}

async function notifyAll(result: JobResult, job: JobConfig, notifiers: ConfiguredNotifier[], log: Logger): Promise<void> {
  const outcome = result.status === 'success' ? 'success' : 'failure';
  await Promise.all(
    notifiers
      .filter(({ notifier: n }) => !job.notify || job.notify.includes(n.name) || n.type === 'console')
      .filter(({ on }) => on.includes(outcome))
      .map(async ({ notifier: n }) => {
        try {
          await n.notify(result);
        } catch (err) {
          log.warn(`notifier ${n.name} failed: ${describeError(err)}`);
        }
      }),
  );
}
