/**
 * Errors that carry their place (file:line, job, table, storage) and their cause.
 * Exit codes: 1 = a job or check failed, 2 = usage or configuration error.
 */

/** Base class: `exitCode` tells the CLI how to end. */
export class OnedumpError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem found in a job file, pointing at its source. */
export interface ConfigIssue {
  file: string;
  line: number;
  col: number;
  /** JSON-pointer-like dotted path, e.g. `jobs[0].database.dsn`; empty for the document root. */
  path: string;
  message: string;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.col}`;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** The job file is invalid. Holds every issue found, not just the first. */
export class ConfigError extends OnedumpError {
  override readonly exitCode = 2;
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
  }
}

/** Bad command-line usage (unknown flag, unknown job name, missing argument). */
export class UsageError extends OnedumpError {
  override readonly exitCode = 2;
}

/** A job failed; names the job. */
export class JobError extends OnedumpError {
  constructor(readonly job: string, message: string, options?: { cause?: unknown }) {
    super(`job ${job}: ${message}`, options);
  }
}

/** Some destinations of a job failed while others received the file. */
export class PartialDeliveryError extends JobError {
  constructor(
    job: string,
    message: string,
    readonly destinations: { storage: string; key?: string; ok: boolean; bytes?: number; error?: string }[],
    readonly bytes?: number,
  ) {
    super(job, message);
  }
}

/** A storage operation failed; names the storage, the operation and the key. */
export class StorageError extends OnedumpError {
  constructor(
    readonly storage: string,
    readonly op: string,
    readonly key: string,
    message: string,
    options?: { cause?: unknown; transient?: boolean },
  ) {
    super(`storage ${storage}: ${op} ${JSON.stringify(key)}: ${message}`, options);
    if (options?.transient) markTransient(this);
  }
}

/** A stored object does not exist. */
export class NotFoundError extends StorageError {
  constructor(storage: string, key: string) {
    super(storage, 'get', key, 'not found');
  }
}

/** Dumping or restoring a database failed; names the driver and, where known, the table. */
export class DatabaseError extends OnedumpError {
  constructor(readonly driver: string, message: string, options?: { cause?: unknown; table?: string }) {
    super(options?.table ? `${driver}: table ${options.table}: ${message}` : `${driver}: ${message}`, options);
  }
}

/** A checksum or size check failed. */
export class VerifyError extends OnedumpError {}

/** The run was aborted (timeout, shutdown). */
export class AbortError extends OnedumpError {
  constructor(message = 'aborted', options?: { cause?: unknown }) {
    super(message, options);
  }
}

const TRANSIENT = Symbol.for('onedump.transient');

/** Marks an error as worth retrying. */
export function markTransient<E extends object>(err: E): E {
  (err as Record<symbol, unknown>)[TRANSIENT] = true;
  return err;
}

const TRANSIENT_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH',
  'ENETUNREACH', 'ECONNABORTED', 'PROTOCOL_CONNECTION_LOST', 'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'SQLITE_BUSY', '40001', '40P01', '57P01', '08006', '08001',
]);

/**
 * True when retrying may help: network resets, timeouts, deadlocks, HTTP 429/5xx.
 * Follows the `cause` chain. Configuration, authentication and data errors are not transient.
 */
export function isTransient(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 10; depth++) {
    if (typeof e !== 'object') return false;
    const o = e as Record<string | symbol, unknown>;
    if (o[TRANSIENT]) return true;
    if (o instanceof AbortError || o.name === 'AbortError') return false;
    if (typeof o.code === 'string' && TRANSIENT_CODES.has(o.code)) return true;
    const status = (o.$metadata as { httpStatusCode?: number } | undefined)?.httpStatusCode ?? o.status ?? o.statusCode;
    if (typeof status === 'number' && (status === 429 || status >= 500)) return true;
    e = o.cause;
  }
  return false;
}

/** One line: the message and, when it adds something, the messages of the cause chain. */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 6; depth++) {
    const msg = e instanceof Error ? e.message : String(e);
    if (msg && !parts.some((p) => p.includes(msg))) parts.push(msg.split('\n')[0]!);
    e = e instanceof Error ? (e as { cause?: unknown }).cause : undefined;
  }
  return parts.join(': ') || 'unknown error';
}

export function exitCodeOf(err: unknown): number {
  return err instanceof OnedumpError ? err.exitCode : 1;
}
