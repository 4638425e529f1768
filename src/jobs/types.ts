/**
 * Job kinds (`dump`, `binlog`, `slowlog`, `sync`, ...) and the typed result every run yields.
 */
import type { Logger } from '../util/log.js';
import type { Config, JobConfig } from '../config/types.js';
import type { Storage } from '../storages/types.js';

export type JobStatus = 'success' | 'failure' | 'aborted';

/** What happened at one destination storage. */
export interface DestinationResult {
  storage: string;
  key?: string;
  ok: boolean;
  bytes?: number;
  error?: string;
}

/** The typed result of one job run, as reported to the console and notifiers. Already redacted. */
export interface JobResult {
  job: string;
  type: string;
  status: JobStatus;
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  /** How many attempts were made (1 = no retry). */
  attempts: number;
  dryRun: boolean;
  /** Bytes delivered (after compression), when the job produced a file. */
  bytes?: number;
  destinations: DestinationResult[];
  /** One-line error, when status is not success. */
  error?: string;
  /** Kind-specific text for humans (e.g. a slow-log top-N table), shown by notifiers. */
  summary?: string;
  /** Kind-specific structured data (e.g. row counts, archived files). */
  details?: Record<string, unknown>;
}

/** What a job kind's `run` returns on success. */
export interface JobOutcome {
  bytes?: number;
  destinations?: DestinationResult[];
  summary?: string;
  details?: Record<string, unknown>;
}

/** Everything a running job may use. Storages are created once per run and closed by the runner. */
export interface JobContext {
  config: Config;
  /** Aborted on timeout or shutdown; a job MUST stop promptly and leave nothing half-written. */
  signal: AbortSignal;
  log: Logger;
  dryRun: boolean;
  /** Returns the named storage (from `storages:`), created on first use, decorated with retries. */
  storage(name: string): Promise<Storage>;
  /**
   * Present only when the daemon runs a continuous job (see `JobKind.continuous`): aborted when the
   * daemon stops or reloads, upon which the job finishes what is in flight and returns normally.
   * Absent under `onedump run`, where a continuous job does a single pass.
   */
  follow?: AbortSignal;
}

/** A semantic problem in one job, reported against a path inside the job (e.g. `database.dsn`). */
export interface JobCheckIssue {
  path: string;
  message: string;
}

export interface JobKind<J extends JobConfig = JobConfig> {
  readonly name: string;
  readonly description: string;
  /** JSON-schema `properties` (without the common job keys) and `required` for this kind. */
  readonly schema: { properties: Record<string, unknown>; required?: string[] };
  /** Storage names this job delivers to or reads from (checked to exist at load). */
  storageRefs?(job: J): { path: string; name: string }[];
  /** Semantic checks beyond the schema, run once at load. */
  check?(job: J, config: Config): JobCheckIssue[];
  /**
   * True when this job keeps running in the daemon (e.g. following a server's binlog): the daemon
   * starts it at once, not only on schedule ticks, and starts it again when it ends.
   */
  continuous?(job: J): boolean;
  run(job: J, ctx: JobContext): Promise<JobOutcome>;
}
