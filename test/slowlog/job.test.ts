/**
 * The `slowlog` job kind through `onedump run`/`validate`: local globs and a storage as sources, the
 * top-N summary delivered to a notifier (a webhook on loopback), failure when nothing parses, and the
 * shipped example.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT, runCli, tempDir } from '../harness/util.js';

const FIXTURES = join(ROOT, 'test/fixtures/slowlog');

async function webhook(): Promise<{ url: string; bodies: Record<string, unknown>[]; close(): Promise<void> }> {
  const bodies: Record<string, unknown>[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      bodies.push(JSON.parse(body));
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hook`, bodies, close: () => new Promise((r) => server.close(() => r())) };
}

/** Entries of a fixture run in `db`: each entry starts at `# Time:`, `use db;` changes the database for it and the next. */
function entriesIn(file: string, db: string): number {
  let current = '';
  let n = 0;
  for (const entry of readFileSync(file, 'utf8').split(/^# Time: /m).slice(1)) {
    current = /^use (\w+);$/m.exec(entry)?.[1] ?? current;
    if (current === db) n++;
  }
  return n;
}

test('a slowlog job reads local globs and a storage, and posts the top classes to the notifiers', async () => {
  const t = tempDir();
  const hook = await webhook();
  try {
    mkdirSync(join(t.path, 'archive', 'mysql'), { recursive: true });
    writeFileSync(join(t.path, 'archive', 'mysql', 'slow.log.1.gz'), gzipSync(readFileSync(join(FIXTURES, 'mysql57.txt'))));
    writeFileSync(join(t.path, 'archive', 'mysql', 'slow.log.2.gz'), gzipSync(readFileSync(join(FIXTURES, 'mysql80.txt'))));
    writeFileSync(join(t.path, 'jobs.yaml'), [
      'notifiers:',
      `  - { type: webhook, url: "${hook.url}" }`,
      'storages:',
      '  archive: { type: local, path: ./archive }',
      'jobs:',
      '  - name: local-logs',
      '    type: slowlog',
      `    logs: ["${FIXTURES}/mysql*.txt"]`,
      '    top: 3',
      '    since: 36500d',
      '  - name: stored-logs',
      '    type: slowlog',
      '    storage: archive',
      '    logs: ["mysql/slow.log.*.gz"]',
      '    filter: { db: analytics }',
      '    mask: false',
    ].join('\n') + '\n');
    const run = await runCli(['run', join(t.path, 'jobs.yaml'), '--format', 'json', '--log-format', 'json']);
    expect(run.code).toBe(0);
    const results = JSON.parse(run.stdout) as { job: string; status: string; summary: string; details: Record<string, unknown> }[];
    const local = results.find((r) => r.job === 'local-logs')!;
    expect(local.status).toBe('success');
    expect(local.summary).toMatch(/^170 queries in 14 classes, 2024-05-01 10:00:00 to 2024-05-01 10:01:01 UTC, [\d.]+ QPS, total [\d.ms]+\nTop 3 by total query time:\n1\. /);
    expect(local.summary.split('\n')).toHaveLength(2 + 3 * 2);
    const top = local.details.top as { example: string; fingerprint: string }[];
    expect(top).toHaveLength(3);
    // notifications carry no literal values by default (mask: true)
    expect(top.map((c) => c.example).join('\n')).not.toMatch(/'[^?']+'|\b\d{2,}\b/);
    const stored = results.find((r) => r.job === 'stored-logs')!;
    expect(stored.details).toMatchObject({ entries_parsed: 170, sources: ['archive:mysql/slow.log.1.gz', 'archive:mysql/slow.log.2.gz'] });
    expect(stored.details.entries).toBe(entriesIn(join(FIXTURES, 'mysql80.txt'), 'analytics'));
    expect((stored.details.top as { databases: string[] }[]).every((c) => c.databases.join() === 'analytics')).toBe(true);
    expect(hook.bodies.map((b) => b.job).sort()).toEqual(['local-logs', 'stored-logs']);
    expect(hook.bodies.find((b) => b.job === 'local-logs')!.summary).toBe(local.summary);
  } finally {
    await hook.close();
    t.cleanup();
  }
});

test('a slowlog job fails, naming the file, when no entry can be parsed; bad times fail validation', async () => {
  const t = tempDir();
  try {
    writeFileSync(join(t.path, 'notes.txt'), 'not a slow log\n');
    writeFileSync(join(t.path, 'jobs.yaml'), 'jobs:\n  - name: junk\n    type: slowlog\n    logs: [notes.txt]\n');
    const run = await runCli(['run', join(t.path, 'jobs.yaml'), '--format', 'json']);
    expect(run.code).toBe(1);
    const [result] = JSON.parse(run.stdout);
    expect(result.error).toBe(`job junk: no entry could be parsed from ${join(t.path, 'notes.txt')}`);
    writeFileSync(join(t.path, 'bad.yaml'), 'jobs:\n  - name: junk\n    type: slowlog\n    logs: [notes.txt]\n    since: yesterday\n');
    const bad = await runCli(['validate', join(t.path, 'bad.yaml')]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`${join(t.path, 'bad.yaml')}:5:12: jobs[0].since: "yesterday" is not a time`);
  } finally {
    t.cleanup();
  }
});

test('examples/slowlog.yaml is valid', async () => {
  const r = await runCli(['validate', join(ROOT, 'examples/slowlog.yaml')]);
  expect(r.stdout).toBe(`${join(ROOT, 'examples/slowlog.yaml')}: ok\n`);
  expect(r.code).toBe(0);
});
