/**
 * Logging: JSON when stdout is not a terminal, pretty on a terminal, `--log-format`, `--log-level`;
 * and secrets (DSN passwords, tokens, webhook secrets and URLs) redacted from every log line, the
 * command output and every notification, with a real failing job.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clearSecrets, redact, redactValue, registerSecret } from '../../src/util/redact.js';
import { startRecorder } from '../harness/http-recorder.js';
import { CLI, ROOT, runCli, tempDir } from '../harness/util.js';

let t: { path: string; cleanup(): void };
beforeAll(() => {
  t = tempDir();
  copyFileSync(join(ROOT, 'examples/quickstart.db'), join(t.path, 'app.db'));
  mkdirSync(join(t.path, 'jobs'));
  writeFileSync(join(t.path, 'jobs', 'jobs.yaml'), 'storages:\n  local: { type: local, path: ./out }\njobs:\n  - name: app\n    type: dump\n    database: { driver: sqlite, dsn: "sqlite:../app.db" }\n    to: [local]\n  - name: broken\n    type: dump\n    database: { driver: sqlite, dsn: "sqlite:../missing.db" }\n    to: [local]\n');
});
afterAll(() => t.cleanup());

const cwd = () => join(t.path, 'jobs');

test('JSON lines on stderr by default when stdout is not a terminal; stdout stays for command output', async () => {
  const r = await runCli(['run', 'jobs.yaml'], { cwd: cwd() });
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines.length).toBeGreaterThanOrEqual(4);
  for (const line of lines) {
    const entry = JSON.parse(line) as Record<string, unknown>;
    expect(entry).toEqual(expect.objectContaining({ level: expect.stringMatching(/^(info|warn|error)$/), message: expect.any(String), timestamp: expect.any(String) }));
  }
  expect(lines.map((l) => JSON.parse(l))).toEqual(expect.arrayContaining([expect.objectContaining({ level: 'error', job: 'broken', status: 'failure' })]));
});

test('pretty on a terminal by default, and with --log-format pretty', async () => {
  const tty = execFileSync('script', ['-qec', `${process.execPath} ${CLI} run jobs.yaml --job app`, '/dev/null'], { cwd: cwd(), encoding: 'utf8' });
  expect(tty).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z info  job app started job=app\r?$/m);
  expect(tty).not.toMatch(/^\{/m);
  const r = await runCli(['run', 'jobs.yaml', '--job', 'app', '--log-format', 'pretty'], { cwd: cwd() });
  expect(r.stderr).toMatch(/^\S+Z info  ✅ onedump job app \(dump\) succeeded in \S+, \d+ B → local \| Stored: local:app\/app-\d{8}T\d{6}Z\.sql\.gz \| 4 tables, 11 rows job=app status=success/m);
  const json = await runCli(['run', 'jobs.yaml', '--job', 'app', '--log-format', 'json'], { cwd: cwd() });
  expect(() => json.stderr.trimEnd().split('\n').map((l) => JSON.parse(l))).not.toThrow();
});

test('--log-level: warn hides info; debug shows debug lines', async () => {
  const warn = await runCli(['run', 'jobs.yaml', '--log-level', 'warn'], { cwd: cwd() });
  const levels = warn.stderr.trimEnd().split('\n').map((l) => (JSON.parse(l) as { level: string }).level);
  expect(new Set(levels)).toEqual(new Set(['warn', 'error']));
  const debug = await runCli(['run', 'jobs.yaml', '--job', 'app', '--log-level', 'debug'], { cwd: cwd() });
  expect(debug.stderr).toMatch(/"level":"debug","message":"opening storage local \(local\)"/);
  const bad = await runCli(['run', 'jobs.yaml', '--log-level', 'verbose'], { cwd: cwd() });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('Invalid values');
});

describe('secrets never appear in logs, output or notifications', () => {
  const password = 'Sup3r-S3cret-pw';
  const encoded = 'p%40ss%2Fw0rd-Zq'; // decodes to p@ss/w0rd-Zq
  const token = 'xoxb-1111-2222-secret-token';
  const hookSecret = 'whsec-do-not-show-4242';
  const hookPath = '/services/T00/B00/HOOKSECRET77';

  test('a failing job whose DSN holds a password', async () => {
    const server = await startRecorder();
    try {
      const dir = join(t.path, 'secrets');
      mkdirSync(dir);
      writeFileSync(join(dir, 'jobs.yaml'), [
        'notifiers:',
        `  - { type: slack, token: "\${SLACK_TOKEN}", channel: "#ops", api_url: "${server.url}/api" }`,
        `  - { type: slack, name: hook, webhook_url: "${server.url}${hookPath}" }`,
        `  - { type: webhook, name: ops, url: "${server.url}/ops", secret: "\${HOOK_SECRET}" }`,
        'storages:\n  local: { type: local, path: ./out }',
        'jobs:',
        '  - name: pw',
        '    type: dump',
        '    database: { driver: sqlite, dsn: "sqlite://backup:${DB_PASS}@localhost/missing.db" }',
        '    to: [local]',
        '  - name: encoded',
        '    type: dump',
        `    database: { driver: sqlite, dsn: "sqlite://backup:${encoded}@localhost/missing.db" }`,
        '    to: [local]',
        '',
      ].join('\n'));
      const env = { DB_PASS: password, SLACK_TOKEN: token, HOOK_SECRET: hookSecret };
      const outputs: string[] = [];
      for (const format of ['json', 'pretty']) {
        const r = await runCli(['run', 'jobs.yaml', '--log-level', 'debug', '--log-format', format, '--format', 'json'], { cwd: dir, env });
        expect(r.code).toBe(1);
        outputs.push(r.stdout, r.stderr);
      }
      await server.waitForRequests(12);
      outputs.push(...server.requests.map((q) => q.body));
      const all = outputs.join('\n');
      expect(all).toContain('cannot open'); // the failure itself is reported...
      expect(all).toContain('backup:***@localhost'); // ...with the password masked
      for (const secret of [password, encoded, decodeURIComponent(encoded), token, hookSecret, hookPath]) expect(all).not.toContain(secret);
    } finally {
      await server.close();
    }
  });

  test('redact masks registered secrets (also URL-encoded), URL passwords, key=value secrets and Go DSNs', () => {
    clearSecrets();
    registerSecret('p@ss/word');
    registerSecret('abc'); // too short to mask safely: ignored
    expect(redact('x p@ss/word y p%40ss%2Fword z')).toBe('x *** y *** z');
    expect(redact('mysql://root:hunter2@db:3306/app and postgres://u:pw@h/d')).toBe('mysql://root:***@db:3306/app and postgres://u:***@h/d');
    expect(redact('host=db password=hunter2 sslmode=require&token=t0k3n')).toBe('host=db password=*** sslmode=require&token=***');
    expect(redact('dsn root:hunter2@tcp(127.0.0.1:3306)/app')).toBe('dsn root:***@tcp(127.0.0.1:3306)/app');
    expect(redact('abc is fine')).toBe('abc is fine');
    expect(redactValue({ a: ['mysql://u:pw1234@h/d'], e: new Error('token=zzz'), n: 5 })).toEqual({ a: ['mysql://u:***@h/d'], e: { name: 'Error', message: 'token=***' }, n: 5 });
    clearSecrets();
  });
});
