/**
 * The PostgreSQL drivers end to end through the built CLI: dump jobs and their manifests, restores
 * verified against the manifest, protected targets, a connection killed mid-dump, a pg_dump that is
 * too old, and the password kept out of argv, files left behind and logs.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDb, fingerprint, futureDb, pgDsn, pgQuery, type TestDb } from '../harness/postgres.js';
import { runCli, startCli, tempDir, waitFor } from '../harness/util.js';

const dir = tempDir('od-pg-cli-');
const dbs: TestDb[] = [];
let src: TestDb;

beforeAll(async () => {
  src = await createDb();
  dbs.push(src);
  await src.query(`CREATE TABLE items (id serial PRIMARY KEY, name text, price numeric);
    INSERT INTO items (name, price) SELECT 'item ' || i, i * 0.5 FROM generate_series(1, 500) i;
    CREATE TABLE slow (id integer); INSERT INTO slow SELECT generate_series(1, 4000)`);
});

afterAll(async () => {
  for (const d of dbs) await d.drop();
  dir.cleanup();
});

/** Every file under a directory, recursively (temp files included). */
function files(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** A job file with one dump job per database (the first named `name`, the others `name-2`, …). */
function jobFile(name: string, ...databases: Record<string, unknown>[]): { file: string; store: string } {
  const base = join(dir.path, name);
  mkdirSync(base, { recursive: true });
  const file = join(base, 'jobs.yaml');
  const jobs = databases.map((d, i) => `  - name: ${i ? `${name}-${i + 1}` : name}\n    type: dump\n    database: ${JSON.stringify(d)}\n    to: [local]\n`);
  writeFileSync(file, `storages:\n  local: { type: local, path: ./backups }\njobs:\n${jobs.join('')}`);
  return { file, store: join(base, 'backups') };
}

/** The messages of the JSON log lines the CLI wrote. */
function messages(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l).message as string);
}

test('a dump job writes a manifest with the WAL position; restore verifies it first and refuses a changed file or a protected target', async () => {
  const guarded = futureDb();
  const { file, store } = jobFile('pgjob', { driver: 'postgres', dsn: src.dsn, parallel: 2 }, { driver: 'postgres', dsn: guarded.dsn, protected: true });
  const run = await runCli(['run', file, '--job', 'pgjob', '--log-format', 'json']);
  expect(run.code).toBe(0);
  const dump = files(store).find((f) => f.endsWith('.sql.gz'))!;
  const manifest = JSON.parse(readFileSync(`${dump}.manifest.json`, 'utf8'));
  expect(manifest).toMatchObject({ driver: 'postgres', tables: { 'public.items': 500, 'public.slow': 4000 }, snapshot: { wal_lsn: expect.stringMatching(/^[0-9A-F]+\/[0-9A-F]+$/) } });
  expect(manifest.server_version).toMatch(/^PostgreSQL 15/);

  const target = futureDb();
  dbs.push(target);
  const ok = await runCli(['restore', file, '--job', 'pgjob', '--to', target.dsn, '--log-format', 'json']);
  expect(ok.code).toBe(0);
  expect(ok.stderr).toMatch(/verifying local:/);
  expect((await fingerprint(target)).rows).toEqual((await fingerprint(src)).rows);

  const refused = await runCli(['restore', file, '--job', 'pgjob', '--to', guarded.dsn]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/target .* is protected \(protected: true\); refusing to restore into it/);
  expect((await pgQuery('SELECT 1 FROM pg_database WHERE datname = $1', 'postgres', [guarded.name])).length).toBe(0);

  const bytes = readFileSync(dump);
  bytes[bytes.length - 20] ^= 0xff;
  writeFileSync(dump, bytes);
  const other = futureDb();
  const bad = await runCli(['restore', file, '--job', 'pgjob', '--to', other.dsn]);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/does not match its manifest .*refusing to restore/);
  expect((await pgQuery('SELECT 1 FROM pg_database WHERE datname = $1', 'postgres', [other.name])).length).toBe(0);
});

test('a connection killed mid-dump fails the job with a clear error and leaves nothing in the storage', async () => {
  const { file, store } = jobFile('killed', { driver: 'postgres', dsn: src.dsn, where: { slow: 'pg_sleep(0.005) IS NOT NULL' } });
  const cli = startCli(['run', file, '--log-format', 'json']);
  let pid = 0;
  await waitFor(async () => {
    const rows = await pgQuery<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'COPY (SELECT%slow%'", 'postgres', [src.name]);
    pid = rows[0]?.pid ?? 0;
    return pid > 0;
  }, 20_000, 'the COPY of table slow');
  await pgQuery('SELECT pg_terminate_backend($1)', 'postgres', [pid]);
  expect(await cli.exited).toBe(1);
  expect(cli.output()).toMatch(/postgres: table public\.slow: reading the data failed: terminating connection due to administrator command/);
  expect(files(store)).toEqual([]);
});

test('a pg_dump older than the server is one clear line naming both versions, before anything is dumped', async () => {
  const fake = join(dir.path, 'old-pg_dump');
  writeFileSync(fake, '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "pg_dump (PostgreSQL) 14.9"; exit 0; fi\necho ran >&2; exit 3\n');
  chmodSync(fake, 0o755);
  const { file, store } = jobFile('oldclient', { driver: 'pg_dump', dsn: src.dsn, binary: fake });
  const run = await runCli(['run', file, '--log-format', 'json']);
  expect(run.code).toBe(1);
  const failures = messages(run.stderr).filter((m) => m.includes('failed in'));
  expect(failures).toHaveLength(1);
  expect(failures[0]).toMatch(/\| Error: postgres: pg_dump 14\.9 \(.*old-pg_dump\) cannot dump PostgreSQL 15\.\d+ [^\n]*: the client is older than the server; set binary: to a pg_dump 15 or newer$/);
  expect(run.stderr).not.toContain('ran');
  expect(files(store)).toEqual([]);
});

test('the password never reaches argv, logs, the dump or a file left behind', async () => {
  const password = `S3cret-${Date.now()}-od`;
  const log = join(dir.path, 'wrapper.log');
  const wrapper = join(dir.path, 'pg_dump-wrapper');
  writeFileSync(wrapper, `#!/bin/sh
if [ "$1" = "--version" ]; then exec pg_dump --version; fi
{ echo "ARGS: $*"; echo "PASSFILE: $PGPASSFILE"; stat -c '%a' "$PGPASSFILE"; cat "$PGPASSFILE"; echo "PGPASSWORD=\${PGPASSWORD:-unset}"; } > "${log}"
sleep 1
exec pg_dump "$@"
`);
  chmodSync(wrapper, 0o755);
  const dsn = pgDsn(src.name, 'postgres', password);
  const { file, store } = jobFile('secret', { driver: 'pg_dump', dsn, binary: wrapper });
  const cli = startCli(['run', file, '--log-format', 'json']);
  const seen: string[] = [];
  const scan = setInterval(() => {
    for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
        if (cmd.includes('pg_dump')) seen.push(cmd);
        if (cmd.includes(password)) seen.push(`LEAK ${cmd}`);
      } catch {
        // gone
      }
    }
  }, 50);
  const code = await cli.exited;
  clearInterval(scan);
  expect(code).toBe(0);
  expect(seen.some((c) => c.includes('--snapshot='))).toBe(true);
  expect(seen.filter((c) => c.startsWith('LEAK'))).toEqual([]);
  const wrapped = readFileSync(log, 'utf8');
  expect(wrapped).not.toMatch(new RegExp(`ARGS:.*${password}`));
  expect(wrapped).toMatch(new RegExp(`\\n600\\n\\*:\\*:\\*:\\*:${password}\\nPGPASSWORD=unset`));
  const passfile = /PASSFILE: (\S+)/.exec(wrapped)![1]!;
  expect(existsSync(passfile)).toBe(false);
  expect(statSync(join(passfile, '..'), { throwIfNoEntry: false })).toBeUndefined();
  expect(cli.output()).not.toContain(password);
  for (const f of files(store)) expect(readFileSync(f).includes(password)).toBe(false);

  // and a failure names the server and database, not the password
  const missing = jobFile('secret-missing', { driver: 'postgres', dsn: pgDsn('od_pg_no_such_db', 'postgres', password) });
  const failed = await runCli(['run', missing.file, '--log-format', 'json']);
  expect(failed.code).toBe(1);
  expect(messages(failed.stderr).join('\n')).toMatch(/cannot connect to 127\.0\.0\.1:5432\/od_pg_no_such_db as postgres: database "od_pg_no_such_db" does not exist/);
  expect(failed.stderr).not.toContain(password);
});
