/**
 * Memory stays flat: the built CLI dumps (native driver) and restores a table of ~160 MB of COPY text
 * while its resident set is sampled from /proc. The bound asserted here is the product's promise
 * (200 MB); the 150 MB target is measured, not asserted, by bench/postgres.bench.js (the CLI alone
 * takes ~95 MB before any data moves, and on a loaded machine garbage buffers wait longer for a GC).
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDb, futureDb, type TestDb } from '../harness/postgres.js';
import { startCli, tempDir } from '../harness/util.js';

const dir = tempDir('od-pg-rss-');
const dbs: TestDb[] = [];
const ROWS = 800_000;

afterAll(async () => {
  for (const d of dbs) await d.drop();
  dir.cleanup();
});

/** Runs the CLI and samples its RSS (MiB) every 50 ms until it exits. */
async function sampled(args: string[]): Promise<{ code: number | null; rss: number[]; output: string }> {
  const cli = startCli(args, { cwd: dir.path });
  const rss: number[] = [];
  const timer = setInterval(() => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${cli.child.pid}/status`, 'utf8'));
      if (m) rss.push(Number(m[1]) / 1024);
    } catch {
      // exited
    }
  }, 50);
  const code = await cli.exited;
  clearInterval(timer);
  return { code, rss, output: cli.output() };
}

const peak = (rss: number[]) => Math.max(...rss);


test('dumping and restoring a ~160 MB table keeps RSS bounded and flat', async () => {
  const src = await createDb();
  dbs.push(src);
  await src.query(`CREATE TABLE wide (id bigint PRIMARY KEY, payload text NOT NULL);
    INSERT INTO wide SELECT i, repeat(md5(i::text), 6) FROM generate_series(1, ${ROWS}) i`);
  const job = (name: string, where = '') => `  - name: ${name}\n    type: dump\n    compress: none\n    filename: "${name}{ext}"\n    database: { driver: postgres, dsn: "${src.dsn}"${where} }\n    to: [local]\n`;
  writeFileSync(join(dir.path, 'jobs.yaml'), `storages:\n  local: { type: local, path: ./backups }\njobs:\n${job('wide')}${job('half', `, where: { wide: "id <= ${ROWS / 2}" }`)}`);
  const half = await sampled(['run', 'jobs.yaml', '--job', 'half']);
  const dump = await sampled(['run', 'jobs.yaml', '--job', 'wide']);
  expect([half.code, dump.code]).toEqual([0, 0]);
  const path = join(dir.path, 'backups', 'wide.sql');
  expect(statSync(path).size).toBeGreaterThan(150 * 1024 * 1024);
  expect(statSync(join(dir.path, 'backups', 'half.sql')).size).toBeLessThan(statSync(path).size * 0.6);
  // bounded, and flat: twice the data costs no more memory
  expect(peak(dump.rss)).toBeLessThan(200);
  expect(peak(dump.rss) - peak(half.rss)).toBeLessThan(15);

  const target = futureDb();
  dbs.push(target);
  const restore = await sampled(['restore', '--from', path, '--to', target.dsn]);
  expect(restore.code).toBe(0);
  expect(peak(restore.rss)).toBeLessThan(200);

  expect(await target.query('SELECT count(*)::int AS n, sum(length(payload))::bigint::text AS len FROM wide')).toEqual([{ n: ROWS, len: String(ROWS * 192) }]);
}, 180_000);
