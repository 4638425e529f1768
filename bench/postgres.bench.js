// PostgreSQL: the native driver against pg_dump in the same run, on a table of 2 million rows.
//   npm run bench -- postgres        (ONEDUMP_BENCH_ROWS=… to change the size)
// Reports wall time and peak RSS of the onedump process for: native vs pg_dump driver (plain, both
// gzip through the same pipeline) and raw `pg_dump | gzip`; native RSS at a quarter of the rows
// (flatness); `parallel: 2` vs `parallel: 1`; and restore vs `psql -f` of the same plain dump.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');
const ROWS = Number(process.env.ONEDUMP_BENCH_ROWS ?? 2_000_000);
const PG = ['-h', '127.0.0.1', '-p', '5432', '-U', 'postgres', '-X', '-q'];
const db = `od_pg_bench_${randomBytes(4).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'od-pg-bench-'));
const psql = (sql, database = 'postgres') => execFileSync('psql', [...PG, '-v', 'ON_ERROR_STOP=1', '-d', database, '-c', sql], { stdio: ['ignore', 'ignore', 'inherit'] });

/** Runs a command; returns seconds and the peak RSS (MiB) of the process itself. */
function measure(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: dir, stdio: ['ignore', opts.stdout ?? 'ignore', 'pipe'], env: process.env });
    let peak = 0;
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const timer = setInterval(() => {
      try {
        const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) / 1024);
      } catch { /* exited */ }
    }, 20);
    child.on('close', (code) => {
      clearInterval(timer);
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.slice(-500)}`));
      resolve({ seconds: Number(process.hrtime.bigint() - start) / 1e9, rss: peak });
    });
  });
}

function jobs() {
  const dsn = `postgres://postgres@127.0.0.1:5432/${db}`;
  const job = (name, database, compress = 'gzip') =>
    `  - name: ${name}\n    type: dump\n    compress: ${compress}\n    filename: "${name}{ext}"\n    database: ${JSON.stringify({ dsn, ...database })}\n    to: [local]\n`;
  writeFileSync(join(dir, 'jobs.yaml'), `storages:\n  local: { type: local, path: ./out }\njobs:\n`
    + job('native', { driver: 'postgres' })
    + job('native-quarter', { driver: 'postgres', where: { big: `id <= ${ROWS / 4}` } })
    + job('native-p2', { driver: 'postgres', parallel: 2 })
    + job('pgdump', { driver: 'pg_dump' })
    + job('native-plain', { driver: 'postgres' }, 'none')
    + job('native-plain-p2', { driver: 'postgres', parallel: 2 }, 'none'));
}

const run = (name) => measure(process.execPath, [CLI, 'run', 'jobs.yaml', '--job', name]);

/** The driver alone, writing its dump to a file (no pipeline, hash or storage): like `pg_dump > file`. */
function driverAlone(parallel) {
  const code = `import { createWriteStream } from 'node:fs';
    import { finished } from 'node:stream/promises';
    import { postgresDriver } from ${JSON.stringify(join(ROOT, 'dist/dumpers/postgres.js'))};
    import { logger } from ${JSON.stringify(join(ROOT, 'dist/util/log.js'))};
    const d = await postgresDriver.createDumper({ driver: 'postgres', dsn: 'postgres://postgres@127.0.0.1:5432/${db}', parallel: ${parallel} }, { log: logger(), baseDir: '.' });
    const out = createWriteStream('alone.sql', { highWaterMark: 1 << 20 });
    await d.dump(out, { signal: new AbortController().signal });
    out.end();
    await finished(out);`;
  return measure(process.execPath, ['--input-type=module', '-e', code]);
}
const size = (f) => (statSync(join(dir, 'out', f)).size / 1048576).toFixed(0);

async function main() {
  console.log(`setting up ${db}: ${ROWS} rows …`);
  psql(`CREATE DATABASE ${db}`);
  try {
    psql(`CREATE TABLE big (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,2), at timestamptz, tags text[], doc jsonb);
      INSERT INTO big SELECT i, 'customer ' || md5(i::text), (i % 100000) / 7.0, '2020-01-01'::timestamptz + i * interval '17 seconds',
        ARRAY['t' || i % 7, 't' || i % 11], jsonb_build_object('n', i, 'ok', i % 2 = 0)
      FROM generate_series(1, ${ROWS}) i`, db);
    psql('VACUUM ANALYZE big', db);
    jobs();
    const r = {};
    r.alone = await driverAlone(1);
    r.rawPlain = await measure('sh', ['-c', `pg_dump -h 127.0.0.1 -U postgres ${db} > raw.sql`]);
    r.pgdump = await run('pgdump');
    r.native = await run('native');
    r.rawPgdump = await measure('sh', ['-c', `pg_dump -h 127.0.0.1 -U postgres ${db} | gzip -6 > raw.sql.gz`]);
    r.quarter = await run('native-quarter');
    r.p2 = await run('native-p2');
    r.plain = await run('native-plain');
    r.plainP2 = await run('native-plain-p2');
    const plain = join(dir, 'out', 'native-plain.sql');
    const targets = [`${db}_r1`, `${db}_r2`, `${db}_r3`];
    r.restore = await measure(process.execPath, [CLI, 'restore', '--from', plain, '--to', `postgres://postgres@127.0.0.1:5432/${targets[0]}`]);
    psql(`CREATE DATABASE ${targets[1]} TEMPLATE template0`);
    r.psql = await measure('psql', [...PG, '-d', targets[1], '-f', plain]);
    psql(`CREATE DATABASE ${targets[2]} TEMPLATE template0`);
    r.psql1 = await measure('psql', [...PG, '-1', '-d', targets[2], '-f', plain]);
    for (const t of targets) psql(`DROP DATABASE IF EXISTS ${t}`);
    report(r);
  } finally {
    psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(r) {
  const line = (label, m, extra = '') => console.log(`${label.padEnd(44)} ${m.seconds.toFixed(2).padStart(7)} s  ${m.rss.toFixed(0).padStart(4)} MiB${extra}`);
  console.log(`\nPostgreSQL ${ROWS} rows (${readdirSync(join(dir, 'out')).length} files); RSS = peak of the onedump process`);
  line('driver postgres alone → file', r.alone);
  line('pg_dump > file', r.rawPlain);
  line('dump native (gzip)', r.native, `  ${size('native.sql.gz')} MiB`);
  line('dump pg_dump driver (plain, gzip)', r.pgdump, `  ${size('pgdump.sql.gz')} MiB  (pg_dump's own RSS not included)`);
  line('raw: pg_dump | gzip -6 (shell)', r.rawPgdump);
  line(`dump native, ${ROWS / 4} rows (flatness)`, r.quarter);
  line('dump native parallel: 2', r.p2);
  line('dump native, no compression', r.plain, `  ${size('native-plain.sql')} MiB`);
  line('dump native, no compression, parallel: 2', r.plainP2);
  line('restore native (plain file, sha256 check incl.)', r.restore);
  line('psql -f (plain file)', r.psql);
  line('psql -1 -f (one transaction)', r.psql1);
  console.log(`\ndriver alone / pg_dump > file time ratio: ${(r.alone.seconds / r.rawPlain.seconds).toFixed(2)}`);
  console.log(`native / pg_dump driver time ratio (same pipeline, gzip): ${(r.native.seconds / r.pgdump.seconds).toFixed(2)} (target <= 1.0)`);
  console.log(`native / raw pg_dump|gzip time ratio: ${(r.native.seconds / r.rawPgdump.seconds).toFixed(2)}`);
  console.log(`native peak RSS: ${r.native.rss.toFixed(0)} MiB (target < 150), at 1/4 of the rows ${r.quarter.rss.toFixed(0)} MiB`);
  console.log(`parallel 2 / parallel 1 time: ${(r.p2.seconds / r.native.seconds).toFixed(2)} with gzip, ${(r.plainP2.seconds / r.plain.seconds).toFixed(2)} without`);
  console.log(`restore / psql -f time: ${(r.restore.seconds / r.psql.seconds).toFixed(2)}; / psql -1 -f: ${(r.restore.seconds / r.psql1.seconds).toFixed(2)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
