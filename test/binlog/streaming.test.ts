/**
 * Streaming: archiving a ~150 MB binlog and planning a restore over it (download, checksum, scans,
 * the replay's SQL stream) keep the CLI's memory flat — peak RSS read from /proc while it runs.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startMariadb, type PrivateMariadb } from '../harness/mariadb.js';
import { CLI, ROOT, runCli, tempDir } from '../harness/util.js';
import { pairJobs, writeJobs } from './helpers.js';

let db: PrivateMariadb;
const t = tempDir('onedump-binlog-stream-');

beforeAll(async () => {
  db = await startMariadb();
}, 60_000);

afterAll(async () => {
  await db?.stop();
  t.cleanup();
});

/** Runs the built CLI with its stdout discarded; resolves with the exit code and the peak RSS (VmHWM) in MB. */
function peakRss(args: string[]): Promise<{ code: number | null; peakMb: number; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let peak = 0;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0));
    } catch {
      // exited between two looks
    }
  }, 25);
  return new Promise((resolve) => child.on('close', (code) => {
    clearInterval(timer);
    resolve({ code, peakMb: peak / 1024, stderr });
  }));
}

test('archiving a 150 MB binlog and planning a restore over it keep the CLI flat in memory', async () => {
  db.sql('CREATE DATABASE app; CREATE TABLE app.big (id INT PRIMARY KEY, payload LONGTEXT) ENGINE=InnoDB');
  const jobs = writeJobs(t.path, pairJobs({ store: join(t.path, 'arch'), db, dump: 'app-db', binlog: 'app-binlogs' }));
  expect((await runCli(['run', jobs, '--job', 'app-db'])).code).toBe(0);
  for (let i = 0; i < 15; i++) db.sql(`INSERT INTO app.big SELECT seq, REPEAT(SHA2(seq, 512), 8192) FROM seq_${i * 10 + 1}_to_${i * 10 + 10}`, 'app');
  const big = db.sql('SHOW MASTER STATUS').split('\t')[0]!;
  const gtid = db.sql('SELECT @@gtid_binlog_pos').trim();
  db.sql('FLUSH BINARY LOGS');
  expect(statSync(join(db.binlogDir, big)).size).toBeGreaterThan(150e6);

  const archive = await peakRss(['binlog', 'sync', jobs, '--job', 'app-binlogs']);
  expect(archive.stderr).toContain(`archived ${big}`);
  expect(archive.code).toBe(0);
  const plan = await peakRss(['binlog', 'restore', jobs, '--job', 'app-binlogs', '--to', db.dsn('app'), '--stop-gtid', gtid, '--dry-run']);
  expect(plan.stderr).toContain('replay: 1 binlog file(s)');
  expect(plan.code).toBe(0);
  process.stdout.write(`peak RSS: archive ${archive.peakMb.toFixed(0)} MB, restore plan + SQL stream ${plan.peakMb.toFixed(0)} MB (binlog ${(statSync(join(db.binlogDir, big)).size / 1e6).toFixed(0)} MB)\n`);
  // Node alone takes 60-80 MB; holding the file would add 150 MB or more
  expect(archive.peakMb).toBeLessThan(160);
  expect(plan.peakMb).toBeLessThan(160);
}, 180_000);
