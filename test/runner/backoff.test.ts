/** Which errors are retried (transient) and how long the runner waits between attempts. */
import { AbortError, ConfigError, DatabaseError, JobError, StorageError, isTransient, markTransient } from '../../src/errors.js';
import { backoffDelay, sleep } from '../../src/util/backoff.js';

describe('isTransient', () => {
  const withCode = (code: string) => Object.assign(new Error(code), { code });

  test.each(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'PROTOCOL_CONNECTION_LOST', 'ER_LOCK_DEADLOCK', 'SQLITE_BUSY', '40001', '40P01', '57P01'])(
    'network, lock and serialization errors are transient: %s',
    (code) => expect(isTransient(withCode(code))).toBe(true),
  );

  test.each(['ER_ACCESS_DENIED_ERROR', 'ENOENT', 'EACCES', '28P01', '42P01', 'SQLITE_CORRUPT', 'SQLITE_CANTOPEN'])(
    'authentication, missing objects and corruption are not: %s',
    (code) => expect(isTransient(withCode(code))).toBe(false),
  );

  test('HTTP 429 and 5xx are transient (plain status or AWS $metadata); 4xx are not', () => {
    expect(isTransient(Object.assign(new Error('slow down'), { status: 429 }))).toBe(true);
    expect(isTransient(Object.assign(new Error('x'), { statusCode: 503 }))).toBe(true);
    expect(isTransient(Object.assign(new Error('x'), { $metadata: { httpStatusCode: 500 } }))).toBe(true);
    expect(isTransient(Object.assign(new Error('x'), { status: 403 }))).toBe(false);
    expect(isTransient(Object.assign(new Error('x'), { $metadata: { httpStatusCode: 404 } }))).toBe(false);
  });

  test('the cause chain is followed; an abort is never transient', () => {
    const wrapped = new JobError('j', 'failed', { cause: new DatabaseError('mysql', 'lost', { cause: withCode('ECONNRESET') }) });
    expect(isTransient(wrapped)).toBe(true);
    expect(isTransient(new AbortError('timed out', { cause: withCode('ETIMEDOUT') }))).toBe(false);
    expect(isTransient(Object.assign(new Error('aborted'), { name: 'AbortError', code: 'ECONNRESET' }))).toBe(false);
  });

  test('marked errors are transient; configuration errors and plain errors are not', () => {
    expect(isTransient(markTransient(new Error('try again')))).toBe(true);
    expect(isTransient(new StorageError('s3', 'put', 'k', 'throttled', { transient: true }))).toBe(true);
    expect(isTransient(new StorageError('s3', 'put', 'k', 'denied'))).toBe(false);
    expect(isTransient(new ConfigError([]))).toBe(false);
    expect(isTransient(new Error('boom'))).toBe(false);
    expect(isTransient(undefined)).toBe(false);
    expect(isTransient('ECONNRESET')).toBe(false);
  });
});

describe('backoffDelay', () => {
  test('doubles per attempt from the base delay', () => {
    const mid = () => 0.5; // no jitter
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, 1000, 300_000, mid))).toEqual([1000, 2000, 4000, 8000, 16000]);
  });

  test('is capped', () => {
    expect(backoffDelay(30, 1000, 300_000, () => 0.5)).toBe(300_000);
    expect(backoffDelay(5, 5000, 10_000, () => 0.5)).toBe(10_000);
  });

  test('jitter stays within ±20% and varies', () => {
    expect(backoffDelay(3, 1000, 300_000, () => 0)).toBe(3200);
    expect(backoffDelay(3, 1000, 300_000, () => 0.999999)).toBe(4800);
    const samples = Array.from({ length: 200 }, () => backoffDelay(2, 1000));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(1600);
    expect(Math.max(...samples)).toBeLessThanOrEqual(2400);
    expect(new Set(samples).size).toBeGreaterThan(50);
  });
});

describe('sleep', () => {
  test('waits, and rejects with AbortError as soon as the signal aborts', async () => {
    const t0 = Date.now();
    await sleep(50);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    const ac = new AbortController();
    const p = sleep(60_000, ac.signal);
    setTimeout(() => ac.abort(new Error('stop')), 20);
    await expect(p).rejects.toBeInstanceOf(AbortError);
    await expect(sleep(10, AbortSignal.abort())).rejects.toBeInstanceOf(AbortError);
  });
});
