/** Exponential backoff with jitter, abortable sleeps. */
import { AbortError } from '../errors.js';

/** Delay before retry number `attempt` (1-based): base·2^(attempt-1), capped, ±20% jitter. */
export function backoffDelay(attempt: number, baseMs: number, capMs = 300_000, random = Math.random): number {
  const exp = Math.min(capMs, baseMs * 2 ** (attempt - 1));
  return Math.round(exp * (0.8 + 0.4 * random()));
}

/** Sleeps `ms`, rejecting with AbortError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortError('aborted', { cause: signal.reason }));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new AbortError('aborted', { cause: signal?.reason }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
