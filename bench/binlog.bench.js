// `npm run bench -- binlog`: binlog archiving and point-in-time restore against the stock tools, in the
// same run, on BENCH_BINLOG_MB (default 500) MB of ROW binlogs in 100 MB files from a private MariaDB:
//  - archive, files mode (gzip)        vs `gzip -6 -c FILE > FILE.gz` per closed file (a cron script)
//  - archive, replication mode (gzip)  vs `mariadb-binlog -R --raw` into a directory, then `gzip -6`
//  - restore: dump + replay to a GTID  vs `mariadb < dump.sql` then `mariadb-binlog FILES | mariadb`
// Time ratio (onedump ÷ reference) and peak RSS of each process tree (a reference pipeline counts whole),
// also RSS at 25/50/75% of the run.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');
const MB = Number(process.env.BENCH_BINLOG_MB ?? 500);
const dir = mkdtempSync(join(tmpdir(), 'onedump-bench-binlog-'));
chmodSync(dir, 0o755); // the server runs as mysql

const freePort = () => new Promise((res) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });

/** A private MariaDB (as test/harness/mariadb.ts starts it). */
async function startServer(name, binlog) {
  const d = join(dir, name);
  for (const sub of ['', 'data', 'binlog', 'tmp']) mkdirSync(join(d, sub), { recursive: true });
  const uid = Number(execFileSync('id', ['-u', 'mysql'], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', 'mysql'], { encoding: 'utf8' }));
  for (const sub of ['', 'data', 'binlog', 'tmp']) chownSync(join(d, sub), uid, gid);
  execFileSync('mariadb-install-db', ['--no-defaults', `--datadir=${d}/data`, '--user=mysql', '--auth-root-authentication-method=normal', '--skip-test-db'], { stdio: 'ignore' });
  const port = await freePort();
  const args = ['--no-defaults', `--datadir=${d}/data`, '--user=mysql', '--bind-address=127.0.0.1', `--port=${port}`, `--socket=${d}/s.sock`, `--pid-file=${d}/pid`, `--tmpdir=${d}/tmp`,
    '--skip-name-resolve', '--innodb-buffer-pool-size=512M', '--innodb-log-file-size=256M', '--innodb-flush-log-at-trx-commit=2', '--max-allowed-packet=256M',
    ...(binlog ? ['--server-id=1', `--log-bin=${d}/binlog/mysql-bin`, '--binlog-format=ROW', '--max-binlog-size=100M'] : [])];
  const child = spawn('/usr/sbin/mariadbd', args, { stdio: 'ignore' });
  const client = ['--no-defaults', '-uroot', '-h127.0.0.1', `-P${port}`];
  const sql = (q, db) => execFileSync('mariadb', [...client, '-N', '-B', ...(db ? [db] : []), '-e', q], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'] });
  for (let i = 0; i < 150; i++) {
    try { sql('SELECT 1'); break; } catch { await new Promise((r) => setTimeout(r, 200)); }
  }
  return { port, client, sql, binlogDir: `${d}/binlog`, dsn: (db = '') => `mysql://root@127.0.0.1:${port}/${db}`, stop: () => new Promise((r) => { child.once('close', r); child.kill('SIGTERM'); }) };
}

/** Resident memory of a process and all its descendants, in MB (a shell pipeline counts as a whole). */
function treeRssMb(root) {
  const parent = new Map();
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      parent.set(Number(p), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* gone */ }
  }
  let kb = 0;
  for (const [pid] of parent) {
    let q = pid;
    while (q && q !== root && parent.has(q)) q = parent.get(q);
    if (q !== root) continue;
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch { /* gone */ }
  }
  return kb / 1024;
}

/** Runs a command (stdout to a file or discarded, stdin from a file); seconds, peak RSS of its process tree, RSS quartiles. */
function measure(cmd, args, { stdoutFile, stdinFile } = {}) {
  return new Promise((resolve, reject) => {
    const out = stdoutFile ? openSync(stdoutFile, 'w') : 'ignore';
    const inp = stdinFile ? openSync(stdinFile, 'r') : 'ignore';
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: [inp, out, 'pipe'], cwd: dir });
    let err = '';
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    const samples = [];
    const timer = setInterval(() => samples.push(treeRssMb(child.pid)), 100);
    child.on('close', (code) => {
      clearInterval(timer);
      for (const fd of [out, inp]) if (typeof fd === 'number') closeSync(fd);
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`));
      const q = (f) => samples[Math.min(samples.length - 1, Math.floor(samples.length * f))]?.toFixed(0);
      resolve({ seconds: Number(process.hrtime.bigint() - start) / 1e9, peakMb: Math.max(0, ...samples), flat: `${q(0.25)}/${q(0.5)}/${q(0.75)}` });
    });
  });
}

const fmt = (r) => `${r.seconds.toFixed(1)} s, peak RSS ${r.peakMb.toFixed(0)} MB (RSS at 25/50/75%: ${r.flat} MB)`;
const report = (what, ours, ref) => console.log(`${what}\n  onedump   ${fmt(ours)}\n  reference ${fmt(ref)}\n  ratio     ${(ours.seconds / ref.seconds).toFixed(2)}`);

const src = await startServer('src', true);
const dst = await startServer('dst', false);
try {
  console.log(`writing ~${MB} MB of binlogs ...`);
  src.sql('CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, n BIGINT, name VARCHAR(64), body TEXT) ENGINE=InnoDB');
  const jobs = join(dir, 'jobs.yaml');
  writeFileSync(jobs, `storages:
  files: { type: local, path: ./arch-files }
  repl: { type: local, path: ./arch-repl }
jobs:
  - { name: app-db, type: dump, database: { driver: mysql, dsn: "${src.dsn('app')}" }, to: [files] }
  - { name: app-binlogs, type: binlog, mode: files, dir: ${src.binlogDir}, to: [files], dump_job: app-db }
  - { name: repl-binlogs, type: binlog, mode: replication, dsn: "${src.dsn()}", to: [repl], prefix: app-binlogs/, dump_job: app-db }
`);
  execFileSync(process.execPath, [CLI, 'run', jobs, '--job', 'app-db', '--log-level', 'error']);
  // ~1 KB per row in the binlog: one bulk statement of 50 000 rows (one ~65 MB BINLOG statement in the
  // replay), the rest in statements of 1000 rows, as an application would write them
  const rows = Math.round(MB * 1000);
  const insert = (from, to) => `INSERT INTO app.t SELECT seq, seq * 7919, MD5(seq), CONCAT(REPEAT(SHA2(seq, 256), 12), ' row ', seq) FROM seq_${from}_to_${to}`;
  src.sql(insert(1, 50_000), 'app');
  const small = [];
  for (let from = 50_001; from <= rows; from += 1000) small.push(insert(from, Math.min(rows, from + 999)));
  for (let i = 0; i < small.length; i += 50) src.sql(small.slice(i, i + 50).join(';\n'), 'app');
  const gtid = src.sql('SELECT @@gtid_binlog_pos').trim();
  src.sql('FLUSH BINARY LOGS');
  const closed = readdirSync(src.binlogDir).filter((f) => /\.\d+$/.test(f)).sort().slice(0, -1);

  const files = await measure(process.execPath, [CLI, 'binlog', 'sync', jobs, '--job', 'app-binlogs', '--log-level', 'error']);
  mkdirSync(join(dir, 'ref-gzip'));
  const gz = await measure('sh', ['-c', closed.map((f) => `gzip -6 -c ${src.binlogDir}/${f} > ${dir}/ref-gzip/${f}.gz`).join(' && ')]);
  report(`archive, files mode: ${closed.length} files`, files, gz);

  const repl = await measure(process.execPath, [CLI, 'binlog', 'sync', jobs, '--job', 'repl-binlogs', '--log-level', 'error']);
  mkdirSync(join(dir, 'ref-raw'));
  const raw = await measure('sh', ['-c', `mariadb-binlog ${src.client.join(' ')} --read-from-remote-server --raw --result-file=${dir}/ref-raw/ ${closed.join(' ')} && gzip -6 ${dir}/ref-raw/*`]);
  report('archive, replication mode', repl, raw);

  const restore = await measure(process.execPath, [CLI, 'binlog', 'restore', jobs, '--job', 'app-binlogs', '--to', dst.dsn('app'), '--stop-gtid', gtid, '--no-safety-backup', '--log-level', 'error']);
  const ours = dst.sql('CHECKSUM TABLE app.t');
  dst.sql('DROP DATABASE app');
  const dumpFile = readdirSync(join(dir, 'arch-files', 'app-db')).find((f) => f.endsWith('.sql.gz'));
  const start = JSON.parse(readFileSync(join(dir, 'arch-files', 'app-db', `${dumpFile}.manifest.json`), 'utf8')).snapshot.binlog_position;
  const refRestore = await measure('sh', ['-c', `mariadb ${dst.client.join(' ')} -e 'CREATE DATABASE app' && gunzip -c ${dir}/arch-files/app-db/${dumpFile} | mariadb ${dst.client.join(' ')} app && mariadb-binlog --no-defaults --start-position=${start} ${closed.map((f) => `${src.binlogDir}/${f}`).join(' ')} | mariadb ${dst.client.join(' ')}`]);
  if (dst.sql('CHECKSUM TABLE app.t') !== ours) throw new Error('restores differ');
  report('point-in-time restore (dump + replay)', restore, refRestore);
} finally {
  if (process.env.BENCH_KEEP) { console.log(`kept ${dir}`); process.exit(0); }
  await Promise.all([src.stop(), dst.stop()]);
  rmSync(dir, { recursive: true, force: true });
}
