/**
 * The Notifier contract: tell someone how a run went. A notifier failure is logged by the caller and
 * never fails the job. Reports passed in are already redacted.
 */
import type { Logger } from '../util/log.js';
import type { JobResult } from '../jobs/types.js';

export interface Notifier {
  readonly name: string;
  readonly type: string;
  /** Sends one message about one finished job. MUST reject on delivery failure (the caller logs it). */
  notify(result: JobResult): Promise<void>;
}

export interface NotifierContext {
  log: Logger;
}

export interface NotifierKind<C = Record<string, unknown>> {
  readonly name: string;
  readonly description: string;
  readonly schema: { properties: Record<string, unknown>; required?: string[] };
  /** Semantic checks beyond the schema, run once at load; returns messages. */
  check?(config: C): string[];
  create(name: string, config: C & { type: string }, ctx: NotifierContext): Notifier;
}
