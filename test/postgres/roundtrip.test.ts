/**
 * The hostile corpus round-trips through every PostgreSQL path with zero differences: row hashes per
 * table, sequence positions and `pg_dump --schema-only` of source and target identical.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import winston from 'winston';
import { databaseDrivers } from '../../src/dumpers/registry.js';
import type { DumpInfo } from '../../src/dumpers/types.js';
import type { DatabaseConfig } from '../../src/config/types.js';
import { parsePgDsn } from '../../src/postgres/dsn.js';
import { PostgresDumper } from '../../src/postgres/dumper.js';
import { createDb, createRole, fingerprint, futureDb, loadCorpus, PG_HOST, type TestDb } from '../harness/postgres.js';
import { tempDir } from '../harness/util.js';

const log = winston.createLogger({ silent: true });
const signal = new AbortController().signal;
let src: TestDb;
let role: { name: string; drop(): Promise<void> };
let expected: Awaited<ReturnType<typeof fingerprint>>;
const dir = tempDir('od-pg-rt-');
const targets: TestDb[] = [];

beforeAll(async () => {
  role = await createRole();
  src = await createDb();
  await loadCorpus(src, role.name);
  expected = await fingerprint(src);
}, 120_000);

afterAll(async () => {
  for (const t of targets) await t.drop();
  await src?.drop();
  await role?.drop();
  dir.cleanup();
});

async function dump(driver: string, cfg: Partial<DatabaseConfig>, file: string): Promise<DumpInfo> {
  const db = { driver, dsn: src.dsn, ...cfg } as DatabaseConfig;
  const dumper = await databaseDrivers.get(driver).createDumper(db, { log, baseDir: dir.path });
  const out = createWriteStream(file);
  const info = await dumper.dump(out, { signal });
  out.end();
  await finished(out);
  return info;
}

async function restore(file: string): Promise<TestDb> {
  const target = futureDb();
  targets.push(target);
  await databaseDrivers.get('postgres').restore(createReadStream(file), target.dsn, {
    signal, log, baseDir: dir.path, reopen: async () => createReadStream(file),
  });
  return target;
}

/** Restores the file over the target it was restored into (casts, event triggers, … exist there now). */
async function restoreAgain(file: string, target: TestDb): Promise<void> {
  await databaseDrivers.get('postgres').restore(createReadStream(file), target.dsn, {
    signal, log, baseDir: dir.path, safetyBackup: false, reopen: async () => createReadStream(file),
  });
  await expectIdentical(target);
}

async function expectIdentical(target: TestDb): Promise<void> {
  const got = await fingerprint(target);
  expect(got.rows).toEqual(expected.rows);
  expect(got.sequences).toEqual(expected.sequences);
  expect(got.schema).toBe(expected.schema);
}

test('the corpus is as hostile as promised', () => {
  expect(Object.keys(expected.rows)).toEqual(expect.arrayContaining(['app.types', 'app.nocols', 'app.events_2023', 'app.big', '"Odd Schema"."Mixed Case Table"']));
  expect(expected.rows['app.nocols']).toMatch(/^3 /);
  expect(expected.sequences['app.counter']).toBe('114 true');
  expect(expected.schema).toContain('ATTACH PARTITION');
  expect(expected.schema).toContain('DEFERRABLE INITIALLY DEFERRED');
  expect(expected.rows).toHaveProperty(['"Sales Data".codes']);
  expect(expected.sequences).toMatchObject({ 'app.shared_seq': '6 true', 'app.down_seq': '-7 true', 'app.codes_id_seq': '1095 true' });
  for (const shape of ['UNIQUE NULLS NOT DISTINCT', 'BEGIN ATOMIC', 'SECURITY DEFINER', 'INSTEAD OF INSERT', 'REFERENCING NEW TABLE', 'BEFORE UPDATE OF name, n',
    'CREATE CONSTRAINT TRIGGER', 'WHEN ((old.n IS DISTINCT FROM new.n))', 'GRANT SELECT(name),UPDATE(name) ON TABLE app.codes', 'CHECK (app.under_cap(cap))',
    'CREATE TEXT SEARCH CONFIGURATION app.plain_english', 'ADD MAPPING FOR asciiword WITH app.english_stem_nostop, simple',
    'CREATE CAST (app.celsius AS numeric) WITH FUNCTION app.celsius_to_numeric(app.celsius) AS ASSIGNMENT', 'CREATE CAST (bit varying AS bytea) WITHOUT FUNCTION',
    "COMMENT ON EVENT TRIGGER app_log_ddl IS 'audit; switched off'", 'ALTER EVENT TRIGGER app_log_ddl DISABLE', 'ALTER EVENT TRIGGER "Replica Drops" ENABLE REPLICA',
    'CREATE OPERATOR app.!! (', 'CREATE OPERATOR CLASS app.abs_ops', 'ALTER OPERATOR FAMILY app.abs_ops USING btree ADD', 'USING btree (id app.abs_ops)',
    'NEGATOR = OPERATOR(app.<>|),\n    MERGES,\n    HASHES,\n    RESTRICT = eqsel', 'DEFAULT FOR TYPE app.celsius USING hash']) {
    expect(expected.schema).toContain(shape);
  }
});

test('native dump → native restore: identical, with snapshot, version and row counts in the dump info, and again over itself', async () => {
  const file = join(dir.path, 'native.sql');
  const info = await dump('postgres', {}, file);
  expect(info.snapshot).toEqual({ wal_lsn: expect.stringMatching(/^[0-9A-F]+\/[0-9A-F]+$/), snapshot_id: expect.any(String) });
  expect(info.serverVersion).toMatch(/^PostgreSQL 15\./);
  expect(info.tables['app.big']).toBe(20_000);
  expect(info.tables['app.nocols']).toBe(3);
  expect(info.tables['app.events_2024_a']).toBeGreaterThan(0);
  const target = await restore(file);
  await expectIdentical(target);
  // the stored XML text keeps its declaration (COPY's xml output drops it; pg_dump loses it)
  const [x] = await target.query<{ x: string }>("SELECT x::text AS x FROM app.types WHERE x::text LIKE '<?xml%'");
  expect(x!.x).toBe('<?xml version="1.0"?><doc/>');
  await restoreAgain(file, target);
});

test('native dump loads with psql -f into an identical database', async () => {
  const file = join(dir.path, 'native-psql.sql');
  await dump('postgres', {}, file);
  const target = await createDb();
  targets.push(target);
  execFileSync('psql', ['-h', PG_HOST, '-U', 'postgres', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', target.name, '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  await expectIdentical(target);
});

test('parallel readers on one exported snapshot split the big table and stay identical', async () => {
  const file = join(dir.path, 'parallel.sql');
  const messages: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, cb) => { messages.push(String(chunk)); cb(); } });
  const spy = winston.createLogger({ level: 'debug', transports: [new winston.transports.Stream({ stream: sink })] });
  const dumper = new PostgresDumper(parsePgDsn(src.dsn), { schemaOnly: false, dataOnly: false, parallel: 3, rangePages: 16 }, spy);
  const out = createWriteStream(file);
  const info = await dumper.dump(out, { signal });
  out.end();
  await finished(out);
  expect(info.tables['app.big']).toBe(20_000);
  const plan = messages.map((m) => /read as (\d+) COPY piece\(s\) through (\d+) connection/.exec(m)).find(Boolean);
  expect(Number(plan![2])).toBe(3);
  expect(Number(plan![1])).toBeGreaterThan(Object.keys(info.tables).length);
  // one COPY block per table however many pieces it was read in
  expect(readFileSync(file, 'utf8').match(/^COPY app\.big /gm)).toHaveLength(1);
  await expectIdentical(await restore(file));
});

test('pg_dump plain → native restore: identical, and again over itself', async () => {
  const file = join(dir.path, 'pgdump.sql');
  const info = await dump('pg_dump', {}, file);
  expect(info.driver).toBe('pg_dump');
  expect(info.tables['app.big']).toBe(20_000);
  expect(info.snapshot).toMatchObject({ wal_lsn: expect.stringMatching(/\//), snapshot_id: expect.any(String) });
  expect(readFileSync(file, 'utf8')).toContain('PostgreSQL database dump complete');
  const target = await restore(file);
  await expectIdentical(target);
  await restoreAgain(file, target);
});

test('pg_dump custom → pg_restore: identical, and again over itself after a safety backup', async () => {
  const file = join(dir.path, 'pgdump.dump');
  await dump('pg_dump', { format: 'custom' }, file);
  expect(readFileSync(file).subarray(0, 5).toString()).toBe('PGDMP');
  const target = await restore(file);
  await expectIdentical(target);
  await target.query('DELETE FROM app.big WHERE id > 100');
  const base = join(dir.path, 'custom-again');
  await databaseDrivers.get('pg_dump').restore(createReadStream(file), target.dsn, { signal, log, baseDir: base, reopen: async () => createReadStream(file) });
  await expectIdentical(target);
  expect(readdirSync(join(base, 'onedump-safety'))).toEqual([expect.stringMatching(new RegExp(`^${target.name}-.*\\.sql\\.gz$`))]);
});
