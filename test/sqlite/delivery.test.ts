/**
 * Atomic delivery and streaming with the SQLite driver through the built CLI: a dump that fails midway
 * (a corrupt page, SIGTERM) leaves nothing in the storage; a killed process leaves only a hidden temp
 * file that listings ignore and the next write removes; memory stays flat for a large table.
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, readdirSync, statSync, utimesSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { makeBigDb } from '../harness/sqlite-corpus.js';
import { trackPeakRss } from '../harness/rss.js';
import { CLI, runCli, startCli, tempDir, waitFor } from '../harness/util.js';

let t: { path: string; cleanup(): void };
beforeAll(() => {
  t = tempDir();
  makeBigDb(join(t.path, 'big.db'), 300_000); // ~130 MB of SQL
  makeBigDb(join(t.path, 'medium.db'), 60_000); // a dump of a second or so
});
afterAll(() => t.cleanup());

const allFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).sort() : []);
function jobs(name: string, db: string): string {
  writeFileSync(join(t.path, `${name}.yaml`), `storages:\n  local: { type: local, path: ./${name}-out }\njobs:\n  - name: ${name}\n    type: dump\n    database: { driver: sqlite, dsn: "sqlite:./${db}" }\n    filename: "{job}/{job}-{unix}{ext}"\n    to: [local]\n`);
  return `${name}.yaml`;
}

test('a database that turns out corrupt midway: the job fails naming the table, the storage stays empty', async () => {
  const path = join(t.path, 'corrupt.db');
  const db = new Database(path);
  db.exec('CREATE TABLE healthy (id INTEGER PRIMARY KEY, v TEXT); CREATE TABLE damaged (id INTEGER PRIMARY KEY, v TEXT)');
  const fill = (table: string) => db.prepare(`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 20000) INSERT INTO ${table} SELECT i, hex(randomblob(100)) FROM c`).run();
  fill('healthy'); // its pages come first in the file and are dumped (and streamed out) first
  fill('damaged');
  db.close();
  const pages = statSync(path).size / 4096;
  const fd = openSync(path, 'r+');
  for (let p = Math.floor(pages * 0.75); p < pages; p += 3) writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, p * 4096);
  closeSync(fd);

  const r = await runCli(['run', jobs('corrupt', 'corrupt.db'), '--format', 'json'], { cwd: t.path });
  expect(r.code).toBe(1);
  expect(JSON.parse(r.stdout)[0].error).toBe('sqlite: table damaged: database disk image is malformed');
  expect(allFiles(join(t.path, 'corrupt-out'))).toEqual([]);
});

test('SIGTERM during a run: the dump is aborted and nothing is left in the storage', async () => {
  const run = startCli(['run', jobs('term', 'medium.db')], { cwd: t.path });
  await waitFor(() => run.output().includes('job term started'), 20_000, 'the job to start');
  await waitFor(() => allFiles(join(t.path, 'term-out')).some((f) => f.includes('onedump-tmp')), 20_000, 'the temp file to appear');
  run.child.kill('SIGTERM');
  expect(await run.exited).toBe(1);
  expect(run.output()).toMatch(/"status":"aborted"/);
  expect(allFiles(join(t.path, 'term-out'))).toEqual([]);
});

test('SIGKILL: the hidden temp file is not a backup, and the next write removes it once stale', async () => {
  const file = jobs('kill', 'medium.db');
  const run = startCli(['run', file], { cwd: t.path });
  const dir = join(t.path, 'kill-out', 'kill');
  await waitFor(() => allFiles(dir).some((f) => f.includes('onedump-tmp')), 20_000, 'the temp file to appear');
  run.child.kill('SIGKILL');
  await run.exited;
  const [temp] = allFiles(dir);
  expect(temp).toMatch(/^\.kill-\d+\.sql\.gz\.onedump-tmp-[0-9a-f]+$/);
  const listed = await runCli(['backups', file, '--job', 'kill', '--format', 'json'], { cwd: t.path });
  expect(JSON.parse(listed.stdout)).toEqual([]);

  const old = new Date(Date.now() - 2 * 3600_000);
  utimesSync(join(dir, temp!), old, old); // a writer that died two hours ago
  const again = await runCli(['run', file], { cwd: t.path });
  expect(again.code).toBe(0);
  const files = allFiles(dir);
  expect(files.filter((f) => f.includes('onedump-tmp'))).toEqual([]);
  expect(files.filter((f) => f.endsWith('.sql.gz'))).toHaveLength(1);
});

test('memory stays flat: dumping and restoring a 300k-row table (~130 MB of SQL) stays under 200 MB RSS', async () => {
  const file = jobs('mem', 'big.db');
  const dump = spawn(process.execPath, [CLI, 'run', file, '--format', 'json'], { cwd: t.path, stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  dump.stdout.on('data', (d) => (out += d));
  const dumpPeak = await trackPeakRss(dump);
  const [result] = JSON.parse(out);
  expect(result.status).toBe('success');
  expect(result.details.raw_bytes).toBeGreaterThan(120_000_000);
  expect(result.details.tables).toEqual({ big: 300_000 });
  expect(dumpPeak).toBeLessThan(200 * 1024 * 1024);

  const key = result.destinations[0].key as string;
  const restore = spawn(process.execPath, [CLI, 'restore', '--from', join('mem-out', key), '--to', 'sqlite:./mem-restored.db'], { cwd: t.path, stdio: 'ignore' });
  const restorePeak = await trackPeakRss(restore);
  expect(restore.exitCode).toBe(0);
  expect(restorePeak).toBeLessThan(200 * 1024 * 1024);
  const db = new Database(join(t.path, 'mem-restored.db'), { readonly: true });
  expect(db.prepare('SELECT count(*) AS n, sum(length(payload)) AS len FROM big').get()).toEqual({ n: 300_000, len: 300_000 * 400 });
  db.close();
  process.stdout.write(`peak RSS: dump ${(dumpPeak / 2 ** 20).toFixed(0)} MiB, restore ${(restorePeak / 2 ** 20).toFixed(0)} MiB for ${(result.details.raw_bytes / 2 ** 20).toFixed(0)} MiB of SQL\n`);
});
