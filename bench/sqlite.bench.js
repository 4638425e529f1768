// SQLite dump: onedump (`sqlite` driver → gzip → local storage, with manifest) against the reference
// `sqlite3 FILE .dump | gzip -6 > FILE`, on the same database in the same run. Reports wall time, the
// ratio (onedump ÷ reference; below 1.0 means onedump is faster) and onedump's peak RSS.
//   npm run bench -- sqlite            (ROWS=1000000 by default; ROWS=... to change)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const rows = Number(process.env.ROWS ?? 1_000_000);
const cli = new URL('../dist/cli/main.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'onedump-bench-sqlite-'));

function peakRss(child) {
  let peak = 0;
  const timer = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch {}
  }, 50);
  return new Promise((resolve) => child.once('exit', (code) => { clearInterval(timer); resolve({ code, peak }); }));
}

try {
  const db = new Database(join(dir, 'big.db'));
  db.exec('CREATE TABLE big (id INTEGER PRIMARY KEY, payload TEXT, n REAL, b BLOB)');
  db.prepare('WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ?) INSERT INTO big SELECT i, hex(randomblob(150)), i * 1.5, randomblob(50) FROM c').run(rows);
  db.close();
  writeFileSync(join(dir, 'jobs.yaml'), 'storages:\n  local: { type: local, path: ./out }\njobs:\n  - name: big\n    type: dump\n    database: { driver: sqlite, dsn: "sqlite:./big.db" }\n    filename: big.sql.gz\n    to: [local]\n');
  const dbSize = statSync(join(dir, 'big.db')).size;

  let t0 = Date.now();
  const ref = spawnSync('bash', ['-c', 'set -o pipefail; sqlite3 big.db .dump | gzip -6 > ref.sql.gz'], { cwd: dir });
  if (ref.status !== 0) throw new Error(`reference failed: ${ref.stderr}`);
  const refMs = Date.now() - t0;

  t0 = Date.now();
  const child = spawn(process.execPath, [cli, 'run', 'jobs.yaml', '--log-level', 'warn'], { cwd: dir, stdio: 'inherit' });
  const { code, peak } = await peakRss(child);
  if (code !== 0) throw new Error(`onedump exited ${code}`);
  const odMs = Date.now() - t0;
  const manifest = JSON.parse(readFileSync(join(dir, 'out', 'big.sql.gz.manifest.json'), 'utf8'));

  const mib = (n) => (n / 2 ** 20).toFixed(0);
  console.log(`rows ${rows}, database ${mib(dbSize)} MiB, dump ${mib(manifest.raw_size)} MiB of SQL → ${mib(manifest.size)} MiB gzip`);
  console.log(`sqlite3 .dump | gzip -6 : ${(refMs / 1000).toFixed(1)} s (${mib(statSync(join(dir, 'ref.sql.gz')).size)} MiB)`);
  console.log(`onedump run (sqlite)    : ${(odMs / 1000).toFixed(1)} s, peak RSS ${mib(peak)} MiB (includes manifest, sha256, fsync)`);
  console.log(`ratio onedump / sqlite3 : ${(odMs / refMs).toFixed(2)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
