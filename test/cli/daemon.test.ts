/**
 * `onedump daemon` through the built CLI with every-second schedules (6-field cron): runs happen, a job
 * never overlaps itself, SIGTERM shutdown within and beyond `shutdown_grace`, SIGHUP reloads, failing
 * jobs, an invalid file at start, and the /healthz endpoint.
 */
import { copyFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeBigDb } from '../harness/sqlite-corpus.js';
import { startRecorder } from '../harness/http-recorder.js';
import { writeJobDir } from '../harness/job-files.js';
import { ROOT, freePort, runCli, startCli, tempDir, waitFor } from '../harness/util.js';

let t: { path: string; cleanup(): void };
beforeAll(() => {
  t = tempDir();
  copyFileSync(join(ROOT, 'examples/quickstart.db'), join(t.path, 'small.db'));
  makeBigDb(join(t.path, 'big.db'), 100_000); // a dump of a second or more
});
afterAll(() => t.cleanup());

const jobDir = (name: string, body: string) => writeJobDir(t.path, name, body);

const job = (name: string, db: string, extra = '') =>
  `  - name: ${name}\n    type: dump\n    schedule: "* * * * * *"\n    database: { driver: sqlite, dsn: "sqlite:../${db}" }\n    filename: "{job}/{job}-{unix}{ext}"\n    to: [local]\n${extra}`;
const storages = 'storages:\n  local: { type: local, path: ./out }\n';

interface LogLine {
  level: string;
  message: string;
  job?: string;
  status?: string;
}
const logLines = (output: string): LogLine[] =>
  output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);
/** Finished runs (the console notifier's lines) of one job. */
const runsOf = (output: string, jobName: string) => logLines(output).filter((l) => l.job === jobName && l.status !== undefined && /onedump job/.test(l.message));
const allFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String) : []);

test('runs happen every second; a tick that comes during a run is skipped and logged; a job never overlaps itself', async () => {
  const hook = await startRecorder(async () => new Promise((r) => setTimeout(r, 1500))); // each run of "slow" lasts 1.5 s+
  const dir = jobDir('ticks', `concurrency: 2\nnotifiers:\n  - { type: webhook, name: hook, url: "${hook.url}/hook" }\n${storages}jobs:\n${job('slow', 'small.db', '    notify: [hook]\n')}${job('quick', 'small.db', '    notify: []\n')}`);
  const d = startCli(['daemon', 'jobs.yaml'], { cwd: dir });
  try {
    const bodies = await hook.waitForRequests(3, () => true, 30_000);
    await waitFor(() => runsOf(d.output(), 'quick').length >= 4, 20_000, 'four runs of quick');
    const runs = bodies.slice(0, 3).map((r) => JSON.parse(r.body) as { job: string; startedAt: string; finishedAt: string });
    expect(runs.every((r) => r.job === 'slow')).toBe(true);
    for (let i = 1; i < runs.length; i++) expect(Date.parse(runs[i]!.startedAt)).toBeGreaterThanOrEqual(Date.parse(runs[i - 1]!.finishedAt) + 1400);
    expect(d.output()).toContain('job slow: previous run still in progress; this tick is skipped');
  } finally {
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    await hook.close();
  }
});

test('SIGTERM: a running job finishes within shutdown_grace, a queued one is dropped, exit 0, no temp files', async () => {
  const dir = jobDir('graceful', `concurrency: 1\nshutdown_grace: 60s\n${storages}jobs:\n${job('big', 'big.db')}${job('queued', 'small.db')}`);
  const d = startCli(['daemon', 'jobs.yaml'], { cwd: dir });
  await waitFor(() => d.output().includes('job big started'), 20_000, 'big to start');
  d.child.kill('SIGTERM');
  expect(await d.exited).toBe(0);
  const out = d.output();
  expect(out).toContain('SIGTERM received: stopping');
  expect(out).toMatch(/waiting up to 1m0s for \d running job\(s\) to finish/);
  expect(runsOf(out, 'big').map((r) => r.status)).toEqual(['success']);
  expect(out.slice(out.indexOf('SIGTERM received'))).not.toContain('job queued started'); // dropped, not started
  expect(out).toContain('daemon stopped');
  const files = allFiles(join(dir, 'out'));
  expect(files.filter((f) => f.startsWith('big/') && f.endsWith('.sql.gz'))).toHaveLength(1);
  expect(files.filter((f) => f.includes('onedump-tmp'))).toEqual([]);
});

test('SIGTERM: a job still running when the grace period ends is aborted cleanly, exit 0', async () => {
  const dir = jobDir('abort', `shutdown_grace: 100ms\n${storages}jobs:\n${job('big', 'big.db')}`);
  const d = startCli(['daemon', 'jobs.yaml'], { cwd: dir });
  await waitFor(() => d.output().includes('job big started'), 20_000, 'big to start');
  d.child.kill('SIGTERM');
  expect(await d.exited).toBe(0);
  const out = d.output();
  expect(out).toContain('grace period over: aborting 1 running job(s)');
  expect(runsOf(out, 'big').map((r) => r.status)).toEqual(['aborted']);
  expect(allFiles(join(dir, 'out'))).toEqual([]); // no backup, no temp file, no empty directory
});

test('SIGHUP: a broken file keeps the old schedule; a valid one replaces it', async () => {
  const dir = jobDir('reload', `${storages}jobs:\n${job('one', 'small.db')}`);
  const d = startCli(['daemon', 'jobs.yaml'], { cwd: dir });
  try {
    await waitFor(() => runsOf(d.output(), 'one').length >= 1, 20_000, 'a run of one');
    writeFileSync(join(dir, 'jobs.yaml'), `${storages}jobs:\n  - name: two\n    type: dump\n    schedule: "not a cron"\n`);
    d.child.kill('SIGHUP');
    await waitFor(() => d.output().includes('reload failed, keeping the current schedule'), 10_000, 'the failed reload');
    expect(d.output()).toMatch(/reload failed, keeping the current schedule \(3 problems\): .*jobs\.yaml:4:5: jobs\[0\]: missing required key \\"database\\".*jobs\.yaml:6:15: jobs\[0\]\.schedule: invalid cron expression \\"not a cron\\"/);
    const before = runsOf(d.output(), 'one').length;
    await waitFor(() => runsOf(d.output(), 'one').length >= before + 2, 10_000, 'one to keep running');

    writeFileSync(join(dir, 'jobs.yaml'), `${storages}jobs:\n${job('two', 'small.db')}`);
    d.child.kill('SIGHUP');
    await waitFor(() => d.output().includes('reloaded'), 10_000, 'the reload');
    await waitFor(() => runsOf(d.output(), 'two').length >= 2, 10_000, 'two to run');
    const ones = runsOf(d.output(), 'one').length;
    await waitFor(() => runsOf(d.output(), 'two').length >= 4, 10_000, 'two to run more');
    expect(runsOf(d.output(), 'one').length).toBe(ones); // one is no longer scheduled
  } finally {
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
  }
});

test('a failing job never kills the daemon', async () => {
  const dir = jobDir('failing', `${storages}jobs:\n${job('bad', 'missing.db')}${job('good', 'small.db')}`);
  const d = startCli(['daemon', 'jobs.yaml'], { cwd: dir });
  await waitFor(() => runsOf(d.output(), 'bad').length >= 3 && runsOf(d.output(), 'good').length >= 3, 20_000, 'three runs of each');
  expect(d.child.exitCode).toBeNull();
  expect(runsOf(d.output(), 'bad').every((r) => r.status === 'failure')).toBe(true);
  expect(runsOf(d.output(), 'good').every((r) => r.status === 'success')).toBe(true);
  d.child.kill('SIGINT');
  expect(await d.exited).toBe(0);
  expect(d.output()).toContain('SIGINT received: stopping');
});

test('an invalid file at start exits 2 with every problem', async () => {
  const dir = jobDir('invalid', `${storages}jobs:\n${job('a', 'small.db').replace('[local]', '[nowhere]')}`);
  const r = await runCli(['daemon', 'jobs.yaml'], { cwd: dir });
  expect(r.code).toBe(2);
  expect(r.stderr).toBe('jobs.yaml:9:10: jobs[0].to[0]: unknown storage "nowhere" (defined: local)\n');
});

test('--http HOST:PORT serves /healthz with every job\'s state', async () => {
  const dir = jobDir('health', `${storages}jobs:\n${job('a', 'small.db')}  - name: manual\n    type: dump\n    database: { driver: sqlite, dsn: "sqlite:../small.db" }\n    to: [local]\n`);
  const port = await freePort();
  const d = startCli(['daemon', 'jobs.yaml', '--http', `127.0.0.1:${port}`], { cwd: dir });
  try {
    await waitFor(() => runsOf(d.output(), 'a').length >= 1, 20_000, 'a run');
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; jobs: Record<string, { running: boolean; schedule?: string; next?: string; last?: { status: string } }> };
    expect(body.status).toBe('ok');
    expect(body.jobs.a!.schedule).toBe('* * * * * *');
    expect(Date.parse(body.jobs.a!.next!)).toBeGreaterThan(Date.now() - 2000);
    expect(body.jobs.a!.last!.status).toBe('success');
    expect(body.jobs.manual).toEqual({ running: false });
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
  } finally {
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
  }
  const bad = await runCli(['daemon', 'jobs.yaml', '--http', 'localhost'], { cwd: dir });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--http wants HOST:PORT');
});
