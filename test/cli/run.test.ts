/**
 * `onedump run` end to end through the built CLI: several jobs with one failing, `--job` selection,
 * `--dry-run`, `concurrency`, per-job `timeout`, and `retries` of transient failures only.
 */
import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeBigDb } from '../harness/sqlite-corpus.js';
import { holdExclusiveLock } from '../harness/sqlite-lock.js';
import { writeJobDir } from '../harness/job-files.js';
import { ROOT, runCli, startCli, tempDir, waitFor } from '../harness/util.js';

interface Result {
  job: string;
  status: string;
  startedAt: string;
  finishedAt: string;
  attempts: number;
  error?: string;
  destinations: { storage: string; key?: string; ok: boolean }[];
}

let t: { path: string; cleanup(): void };
beforeAll(() => {
  t = tempDir();
  for (const n of ['a', 'b', 'c']) copyFileSync(join(ROOT, 'examples/quickstart.db'), join(t.path, `${n}.db`));
  makeBigDb(join(t.path, 'slow.db'), 60_000); // ~25 MB of SQL: a dump that takes a while
});
afterAll(() => t.cleanup());

const jobFile = (name: string, body: string) => writeJobDir(t.path, name, body);

const dumpJob = (name: string, db: string, extra = '', dbExtra = '') =>
  `  - name: ${name}\n    type: dump\n    database: { driver: sqlite, dsn: "sqlite:../${db}"${dbExtra} }\n    filename: "{job}/{job}{ext}"\n    to: [local]\n${extra}`;
const header = (concurrency = 1) => `concurrency: ${concurrency}\nstorages:\n  local: { type: local, path: ./out }\njobs:\n`;
const files = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).sort() : []);
const results = (stdout: string) => JSON.parse(stdout) as Result[];

test('one failing job among passing ones: exit 1, the others still deliver', async () => {
  const dir = jobFile('mixed', header() + dumpJob('first', 'a.db') + dumpJob('broken', 'missing.db') + dumpJob('last', 'c.db'));
  const r = await runCli(['run', 'jobs.yaml', '--format', 'json'], { cwd: dir });
  expect(r.code).toBe(1);
  const byJob = Object.fromEntries(results(r.stdout).map((x) => [x.job, x]));
  expect(byJob.first!.status).toBe('success');
  expect(byJob.last!.status).toBe('success');
  expect(byJob.broken!.status).toBe('failure');
  expect(byJob.broken!.error).toMatch(/^sqlite: cannot open .*missing\.db: no such database file/);
  expect(files(join(dir, 'out'))).toEqual(['first', 'first/first.sql.gz', 'first/first.sql.gz.manifest.json', 'last', 'last/last.sql.gz', 'last/last.sql.gz.manifest.json']);
  expect(r.stderr).toMatch(/"level":"error".*onedump job broken \(dump\) failed/);
});

test('--job selects jobs (repeatable); an unknown job or flag is a usage error (exit 2)', async () => {
  const dir = jobFile('select', header() + dumpJob('a', 'a.db') + dumpJob('b', 'b.db') + dumpJob('c', 'c.db'));
  const r = await runCli(['run', 'jobs.yaml', '--job', 'a', '--job', 'c', '--format', 'json'], { cwd: dir });
  expect(r.code).toBe(0);
  expect(results(r.stdout).map((x) => x.job)).toEqual(['a', 'c']);
  expect(readdirSync(join(dir, 'out')).sort()).toEqual(['a', 'c']);

  const unknown = await runCli(['run', 'jobs.yaml', '--job', 'a', '--job', 'nope'], { cwd: dir });
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toMatch(/unknown job "nope" \(jobs in .*jobs\.yaml: a, b, c\)/);
  const flag = await runCli(['run', 'jobs.yaml', '--jobs', 'a'], { cwd: dir });
  expect(flag.code).toBe(2);
  expect(flag.stderr).toContain('Unknown argument: jobs');
});

test('--dry-run shows what would be written and writes nothing', async () => {
  const dir = jobFile('dry', header() + dumpJob('a', 'a.db') + dumpJob('b', 'missing.db'));
  const r = await runCli(['run', 'jobs.yaml', '--dry-run', '--format', 'json'], { cwd: dir });
  expect(r.code).toBe(0);
  expect(results(r.stdout).map((x) => [x.job, x.status, x.destinations])).toEqual([
    ['a', 'success', [{ storage: 'local', key: 'a/a.sql.gz', ok: true }]],
    ['b', 'success', [{ storage: 'local', key: 'b/b.sql.gz', ok: true }]],
  ]);
  expect(r.stderr).toContain('[dry run]');
  expect(readdirSync(dir)).toEqual(['jobs.yaml']);
});

test('concurrency: 2 runs two jobs at once, 1 runs them one after the other', async () => {
  const interval = (x: Result) => [Date.parse(x.startedAt), Date.parse(x.finishedAt)] as const;
  const two = jobFile('conc2', header(2) + dumpJob('s1', 'slow.db') + dumpJob('s2', 'slow.db'));
  const r2 = results((await runCli(['run', 'jobs.yaml', '--format', 'json'], { cwd: two })).stdout);
  expect(r2.map((x) => x.status)).toEqual(['success', 'success']);
  const [a2, b2] = r2.map(interval);
  expect(b2![0]).toBeLessThan(a2![1]); // the second started before the first finished
  expect(a2![0]).toBeLessThan(b2![1]);

  const one = jobFile('conc1', header(1) + dumpJob('s1', 'slow.db') + dumpJob('s2', 'slow.db'));
  const r1 = results((await runCli(['run', 'jobs.yaml', '--format', 'json'], { cwd: one })).stdout);
  expect(r1.map((x) => x.status)).toEqual(['success', 'success']);
  const [a1, b1] = r1.map(interval);
  expect(b1![0]).toBeGreaterThanOrEqual(a1![1]); // the second started after the first finished
});

test('timeout aborts the run and leaves no file, not even a temporary one', async () => {
  const dir = jobFile('timeout', header() + dumpJob('slow', 'slow.db', '    timeout: 300ms\n    retries: 2\n'));
  const r = await runCli(['run', 'jobs.yaml', '--format', 'json'], { cwd: dir });
  expect(r.code).toBe(1);
  const [res] = results(r.stdout);
  expect(res!.status).toBe('aborted');
  expect(res!.error).toBe('timed out after 300ms');
  expect(res!.attempts).toBe(1); // a timeout is not retried
  expect(Date.parse(res!.finishedAt) - Date.parse(res!.startedAt)).toBeLessThan(5000);
  expect(files(join(dir, 'out'))).toEqual([]); // no backup, no temp file, no empty directory
});

test('retries: a transient failure (database locked) is retried with backoff until it succeeds', async () => {
  const dir = jobFile('retry', header() + dumpJob('locked', 'b.db', '    retries: 4\n    retry_delay: 300ms\n', ', busy_timeout: 0'));
  const lock = await holdExclusiveLock(join(t.path, 'b.db'));
  const cli = startCli(['run', 'jobs.yaml', '--format', 'json'], { cwd: dir });
  await waitFor(() => cli.output().includes('attempt 1 failed'), 20_000, 'the first attempt to fail');
  await lock.release(); // the writer is done: the next attempt gets through
  expect(await cli.exited).toBe(0);
  const res = JSON.parse(cli.output().slice(cli.output().indexOf('[\n'), cli.output().lastIndexOf(']') + 1))[0] as Result;
  expect(res.status).toBe('success');
  expect(res.attempts).toBeGreaterThanOrEqual(2);
  expect(cli.output()).toMatch(/attempt 1 failed: sqlite: database is locked \(still busy after 0s\); transient, retrying in \d+\.\ds/);
  expect(files(join(dir, 'out'))).toEqual(['locked', 'locked/locked.sql.gz', 'locked/locked.sql.gz.manifest.json']);
});

test('retries: a permanent failure is not retried', async () => {
  const dir = jobFile('noretry', header() + dumpJob('gone', 'missing.db', '    retries: 3\n    retry_delay: 100ms\n'));
  const r = await runCli(['run', 'jobs.yaml', '--format', 'json'], { cwd: dir });
  expect(r.code).toBe(1);
  expect(results(r.stdout)[0]!.attempts).toBe(1);
  expect(r.stderr).toContain('attempt 1 failed: sqlite: cannot open');
  expect(r.stderr).not.toContain('retrying');
});
