/**
 * Notifiers through the built CLI, against loopback HTTP servers: Slack through the real
 * @slack/web-api WebClient (`api_url`) and through an incoming webhook, the generic webhook with its
 * HMAC-SHA256 signature, `on:` filters, a job's `notify:` list, and notifier failures that must not
 * fail the job.
 */
import { createHmac } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRecorder, type Recorder, type RecordedRequest } from '../harness/http-recorder.js';
import { writeJobDir } from '../harness/job-files.js';
import { ROOT, runCli, tempDir } from '../harness/util.js';

let t: { path: string; cleanup(): void };
let server: Recorder;
beforeAll(async () => {
  t = tempDir();
  copyFileSync(join(ROOT, 'examples/quickstart.db'), join(t.path, 'app.db'));
  server = await startRecorder(async (req, res) => {
    if (req.url.startsWith('/fail/')) res.writeHead(500).end('down');
    if (req.url === '/api-error/chat.postMessage') res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":false,"error":"channel_not_found"}');
  });
});
afterAll(async () => {
  await server.close();
  t.cleanup();
});

const jobDir = (name: string, body: string) => writeJobDir(t.path, name, body);

const storages = 'storages:\n  local: { type: local, path: ./out }\n';
const ok = (name: string, extra = '') => `  - name: ${name}\n    type: dump\n    database: { driver: sqlite, dsn: "sqlite:../app.db" }\n    to: [local]\n${extra}`;
const failing = (name: string, extra = '') => `  - name: ${name}\n    type: dump\n    database: { driver: sqlite, dsn: "sqlite:../missing.db" }\n    to: [local]\n${extra}`;
const to = (path: string) => (r: RecordedRequest) => r.url === path;

test('Slack Web API: the real WebClient posts chat.postMessage with the token, channel and a full report', async () => {
  const dir = jobDir('slack-api', `notifiers:\n  - type: slack\n    token: xoxb-test-token\n    channel: "#backups"\n    api_url: ${server.url}/api\n${storages}jobs:\n${ok('app')}${failing('broken')}`);
  const r = await runCli(['run', 'jobs.yaml'], { cwd: dir });
  expect(r.code).toBe(1);
  const reqs = await server.waitForRequests(2, to('/api/chat.postMessage'));
  for (const req of reqs) {
    expect(req.method).toBe('POST');
    expect(req.headers.authorization).toBe('Bearer xoxb-test-token');
  }
  const bodies = reqs.map((q) => Object.fromEntries(new URLSearchParams(q.body)));
  const success = bodies.find((b) => b.text!.includes('job app '))!;
  const failure = bodies.find((b) => b.text!.includes('job broken '))!;
  expect(success.channel).toBe('#backups');
  expect(success.text).toMatch(/^✅ onedump job app \(dump\) succeeded in \d+ms, \d+ B → local$/);
  expect(failure.text).toMatch(/^❌ onedump job broken \(dump\) failed in \d+ms$/);
  const blocks = JSON.parse(failure.blocks!) as { text: { text: string } }[];
  expect(blocks[1]!.text.text).toMatch(/Error: sqlite: cannot open .*missing\.db: no such database file/);
});

test('Slack incoming webhook: JSON with text and blocks', async () => {
  const dir = jobDir('slack-hook', `notifiers:\n  - type: slack\n    webhook_url: ${server.url}/services/T0/B0/XYZ\n${storages}jobs:\n${ok('app')}`);
  const r = await runCli(['run', 'jobs.yaml'], { cwd: dir });
  expect(r.code).toBe(0);
  const [req] = await server.waitForRequests(1, to('/services/T0/B0/XYZ'));
  expect(req!.headers['content-type']).toBe('application/json');
  const body = JSON.parse(req!.body) as { text: string; blocks: { type: string; text: { text: string } }[] };
  expect(body.text).toMatch(/^✅ onedump job app \(dump\) succeeded in \d+ms, \d+ B → local$/);
  expect(body.blocks[0]!.text.text).toBe(body.text);
  expect(body.blocks[1]!.text.text).toContain('4 tables, 11 rows');
});

test('webhook: a JSON report signed with HMAC-SHA256 of the exact body, custom headers', async () => {
  const secret = 'whsec-0123456789';
  const dir = jobDir('webhook', `notifiers:\n  - type: webhook\n    url: ${server.url}/signed\n    secret: ${secret}\n    headers: { X-Team: dba }\n${storages}jobs:\n${ok('app')}${failing('broken')}`);
  const r = await runCli(['run', 'jobs.yaml'], { cwd: dir });
  expect(r.code).toBe(1);
  const reqs = await server.waitForRequests(2, to('/signed'));
  for (const req of reqs) {
    const expected = 'sha256=' + createHmac('sha256', secret).update(req.raw).digest('hex');
    expect(req.headers['x-onedump-signature']).toBe(expected);
    expect(req.headers['x-team']).toBe('dba');
    expect(req.headers['content-type']).toBe('application/json');
  }
  const payloads = reqs.map((q) => JSON.parse(q.body));
  const good = payloads.find((p) => p.job === 'app');
  expect(good).toMatchObject({ event: 'job.finished', job: 'app', type: 'dump', status: 'success', attempts: 1, dryRun: false, destinations: [{ storage: 'local', ok: true }] });
  expect(good.bytes).toBeGreaterThan(0);
  expect(good.durationMs).toBeGreaterThanOrEqual(0);
  expect(good.text).toMatch(/succeeded in/);
  const bad = payloads.find((p) => p.job === 'broken');
  expect(bad).toMatchObject({ status: 'failure', error: expect.stringMatching(/no such database file/) });
  const tampered = Buffer.concat([reqs[0]!.raw, Buffer.from(' ')]);
  expect('sha256=' + createHmac('sha256', secret).update(tampered).digest('hex')).not.toBe(reqs[0]!.headers['x-onedump-signature']);
});

test('on: filters outcomes; a job\'s notify: list restricts it to those notifiers', async () => {
  const hooks = (n: string, on: string) => `  - { type: webhook, name: ${n}, url: "${server.url}/filter/${n}", on: [${on}] }\n`;
  const dir = jobDir('filters', `notifiers:\n${hooks('failures', 'failure')}${hooks('successes', 'success')}${hooks('both', 'success, failure')}${storages}jobs:\n${ok('ok-all')}${failing('bad-all')}${ok('ok-only-both', '    notify: [both]\n')}${failing('bad-none', '    notify: []\n')}`);
  const r = await runCli(['run', 'jobs.yaml'], { cwd: dir });
  expect(r.code).toBe(1);
  await server.waitForRequests(5, (q) => q.url.startsWith('/filter/'));
  await new Promise((res) => setTimeout(res, 300)); // nothing else may arrive
  const got = (n: string) => server.requests.filter(to(`/filter/${n}`)).map((q) => JSON.parse(q.body).job).sort();
  expect(got('failures')).toEqual(['bad-all']);
  expect(got('successes')).toEqual(['ok-all']);
  expect(got('both')).toEqual(['bad-all', 'ok-all', 'ok-only-both']);
  expect(r.stderr).toContain('onedump job bad-none (dump) failed'); // the console always reports
});

test('a failing notifier is logged and never fails the job', async () => {
  const dir = jobDir('notifier-failures', [
    'notifiers:',
    `  - { type: webhook, name: http500, url: "${server.url}/fail/hook" }`,
    `  - { type: slack, name: slack-error, token: xoxb-x, channel: "#nope", api_url: "${server.url}/api-error" }`,
    `  - { type: webhook, name: unreachable, url: "http://127.0.0.1:9/hook", timeout: 2 }`,
    storages + 'jobs:',
    ok('app'),
  ].join('\n'));
  const r = await runCli(['run', 'jobs.yaml', '--format', 'json'], { cwd: dir });
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)[0].status).toBe('success');
  expect(r.stderr).toMatch(/"level":"warn".*notifier http500 failed: webhook answered HTTP 500/);
  expect(r.stderr).toMatch(/"level":"warn".*notifier slack-error failed: .*channel_not_found/);
  expect(r.stderr).toMatch(/"level":"warn".*notifier unreachable failed: fetch failed/);
});
