// `npm run bench -- mysql`: the native `mysql` driver against `mariadb-dump`, in the same run, on a table of
// 2,000,000 rows (~1 GB of SQL): dump time ratio and peak RSS of each; restore (onedump restore vs
// `mariadb db < dump.sql`); `parallel: 2` vs `parallel: 1` on two tables of 1,000,000 rows.
// Server: BENCH_MYSQL_DSN (default mysql://root@127.0.0.1:3306), the database is created and dropped.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');
const base = new URL(process.env.BENCH_MYSQL_DSN ?? 'mysql://root@127.0.0.1:3306');
const ROWS = Number(process.env.BENCH_ROWS ?? 2_000_000);
const db = `od_bench_${Math.random().toString(36).slice(2, 8)}`;
const dir = mkdtempSync(join(tmpdir(), 'onedump-bench-mysql-'));
const client = ['--no-defaults', `-u${decodeURIComponent(base.username) || 'root'}`, `-h${base.hostname}`, `-P${base.port || 3306}`];
const env = { ...process.env, ...(base.password ? { MYSQL_PWD: decodeURIComponent(base.password) } : {}) };
const dsn = (name) => `${base.protocol}//${base.username}${base.password ? ':' + base.password : ''}@${base.host}/${name}`;
const sql = (q, database) => execFileSync('mariadb', [...client, '-N', '-B', ...(database ? [database] : []), '-e', q], { env, encoding: 'utf8' });

/** Runs a command; samples its RSS every 50 ms; resolves with seconds, peak MB and RSS samples. */
function measure(cmd, args, { stdoutFile, stdinFile } = {}) {
  return new Promise((resolve, reject) => {
    const out = stdoutFile ? openSync(stdoutFile, 'w') : 'ignore';
    const inp = stdinFile ? openSync(stdinFile, 'r') : 'ignore';
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: [inp, out, 'pipe'], env, cwd: dir });
    let err = '';
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    let peak = 0;
    const samples = [];
    const timer = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
        samples.push(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
        peak = Math.max(peak, hwm);
      } catch { /* exited */ }
    }, 50);
    child.on('close', (code) => {
      clearInterval(timer);
      if (typeof out === 'number') closeSync(out);
      if (typeof inp === 'number') closeSync(inp);
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`));
      const q = (f) => samples[Math.min(samples.length - 1, Math.floor(samples.length * f))]?.toFixed(0);
      resolve({ seconds: Number(process.hrtime.bigint() - start) / 1e9, peakMb: peak, flat: `${q(0.25)}/${q(0.5)}/${q(0.75)}` });
    });
  });
}

function jobs(entries) {
  const file = join(dir, 'jobs.yaml');
  const lines = ['storages:', '  local: { type: local, path: ./out }', 'jobs:'];
  for (const [name, database] of entries) {
    lines.push(`  - name: ${name}`, '    type: dump', '    compress: none', "    filename: '{job}{ext}'", '    to: [local]', `    database: ${JSON.stringify(database)}`);
  }
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

const fmt = (r) => `${r.seconds.toFixed(1)} s, peak RSS ${r.peakMb.toFixed(0)} MB (RSS at 25/50/75%: ${r.flat} MB)`;

try {
  console.log(`creating ${ROWS} rows in ${db} ...`);
  sql(`CREATE DATABASE ${db}`);
  sql(`CREATE TABLE big (id INT PRIMARY KEY, n BIGINT, x DOUBLE, d DECIMAL(12,2), t DATETIME(6), name VARCHAR(64), body TEXT, data VARBINARY(64)) ENGINE=InnoDB;
    INSERT INTO big SELECT seq, seq * 7919, seq / 7, seq % 100000 / 100, '2024-01-01' + INTERVAL seq SECOND, MD5(seq),
      CONCAT(REPEAT(CONCAT('row ', seq, ' it''s "quoted" \\\\ text; '), 10), SHA2(seq, 256)), UNHEX(SHA2(seq, 256)) FROM seq_1_to_${ROWS};`, db);
  sql(`CREATE TABLE half_a LIKE big; CREATE TABLE half_b LIKE big;
    INSERT INTO half_a SELECT * FROM big WHERE id <= ${ROWS / 2}; INSERT INTO half_b SELECT * FROM big WHERE id > ${ROWS / 2};`, db);
  const file = jobs([
    ['native', { driver: 'mysql', dsn: dsn(db), tables: ['big'] }],
    ['p1', { driver: 'mysql', dsn: dsn(db), tables: ['half_a', 'half_b'], parallel: 1 }],
    ['p2', { driver: 'mysql', dsn: dsn(db), tables: ['half_a', 'half_b'], parallel: 2 }],
  ]);
  // the driver alone writing a file, like `mariadb-dump > file` (no sha256, no fsync, no storage)
  const driverOnly = `import { databaseDrivers } from ${JSON.stringify(join(ROOT, 'dist/dumpers/registry.js'))};
    import { logger } from ${JSON.stringify(join(ROOT, 'dist/util/log.js'))};
    const d = await databaseDrivers.get('mysql').createDumper({ driver: 'mysql', dsn: ${JSON.stringify(dsn(db))}, tables: ['big'] }, { log: logger(), baseDir: '.' });
    await d.dump(process.stdout, { signal: new AbortController().signal });`;
  const results = {};
  for (let round = 0; round < 2; round++) {
    results.native = await measure(process.execPath, [CLI, 'run', file, '--job', 'native', '--log-level', 'error']);
    results.driver = await measure(process.execPath, ['--input-type=module', '-e', driverOnly], { stdoutFile: join(dir, 'driver.sql') });
    results.ref = await measure('mariadb-dump', [...client, '--single-transaction', '--hex-blob', db, 'big'], { stdoutFile: join(dir, 'ref.sql') });
  }
  const nativeSize = statSync(join(dir, 'out', 'native.sql')).size;
  const refSize = statSync(join(dir, 'ref.sql')).size;
  console.log(`\ndump of ${ROWS} rows (native ${(nativeSize / 1e9).toFixed(2)} GB, mariadb-dump ${(refSize / 1e9).toFixed(2)} GB of SQL), second of two rounds:`);
  console.log(`  onedump run (driver mysql → sha256 → local storage, fsync):  ${fmt(results.native)}`);
  console.log(`  driver mysql alone → file:                                  ${fmt(results.driver)}`);
  console.log(`  mariadb-dump > file:                                        ${fmt(results.ref)}`);
  console.log(`  time ratio onedump run / mariadb-dump: ${(results.native.seconds / results.ref.seconds).toFixed(2)}`);
  console.log(`  time ratio driver alone / mariadb-dump: ${(results.driver.seconds / results.ref.seconds).toFixed(2)}`);

  const p1 = await measure(process.execPath, [CLI, 'run', file, '--job', 'p1', '--log-level', 'error']);
  const p2 = await measure(process.execPath, [CLI, 'run', file, '--job', 'p2', '--log-level', 'error']);
  console.log(`\nparallel, two tables of ${ROWS / 2} rows:`);
  console.log(`  parallel: 1  ${fmt(p1)}`);
  console.log(`  parallel: 2  ${fmt(p2)}`);
  console.log(`  time ratio parallel 2/1: ${(p2.seconds / p1.seconds).toFixed(2)}`);

  sql(`CREATE DATABASE ${db}_r1; CREATE DATABASE ${db}_r2`);
  const r1 = await measure(process.execPath, [CLI, 'restore', '--from', join(dir, 'out', 'native.sql'), '--to', dsn(`${db}_r1`), '--no-safety-backup', '--log-level', 'error']);
  const r2 = await measure('mariadb', [...client, `${db}_r2`], { stdinFile: join(dir, 'out', 'native.sql') });
  const same = sql(`CHECKSUM TABLE ${db}_r1.big`).split('\t')[1] === sql(`CHECKSUM TABLE ${db}_r2.big`).split('\t')[1];
  console.log(`\nrestore of the native dump (${(nativeSize / 1e9).toFixed(2)} GB):`);
  console.log(`  onedump restore:   ${fmt(r1)}`);
  console.log(`  mariadb db < file: ${fmt(r2)}`);
  console.log(`  time ratio onedump/mariadb: ${(r1.seconds / r2.seconds).toFixed(2)}; checksums equal: ${same}`);
} finally {
  try {
    sql(`DROP DATABASE IF EXISTS ${db}; DROP DATABASE IF EXISTS ${db}_r1; DROP DATABASE IF EXISTS ${db}_r2`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
