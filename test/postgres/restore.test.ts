/**
 * Native restore semantics: all-or-nothing, replacing what exists after a safety backup, --tables,
 * --dry-run, truncated dumps, and statements that cannot run inside the restore's transaction.
 */
import { createReadStream, createWriteStream, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import winston from 'winston';
import { postgresDriver } from '../../src/dumpers/postgres.js';
import type { RestoreOptions } from '../../src/dumpers/types.js';
import { createDb, fingerprint, futureDb, pgQuery, type TestDb } from '../harness/postgres.js';
import { tempDir } from '../harness/util.js';

const log = winston.createLogger({ silent: true });
const signal = new AbortController().signal;
const dir = tempDir('od-pg-restore-');
const dbs: TestDb[] = [];
let src: TestDb;
let dumpFile: string;
let dumpText: string;

const SOURCE = `
  CREATE TYPE status AS ENUM ('new', 'done');
  CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, st status DEFAULT 'new');
  CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer integer REFERENCES customers, amount numeric);
  CREATE INDEX orders_customer ON orders (customer);
  CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount > 100;
  CREATE FUNCTION double_it(x numeric) RETURNS numeric LANGUAGE sql AS $$ SELECT x * 2 $$;
  INSERT INTO customers (name) SELECT 'customer ' || i FROM generate_series(1, 200) i;
  INSERT INTO orders (customer, amount) SELECT i % 200 + 1, i * 1.5 FROM generate_series(1, 2000) i;`;

async function restore(file: string | (() => Readable), target: string, opts: Partial<RestoreOptions> = {}) {
  const open = typeof file === 'string' ? () => createReadStream(file) : file;
  return postgresDriver.restore(open(), target, { signal, log, baseDir: dir.path, reopen: async () => open(), ...opts });
}

function track(db: TestDb): TestDb {
  dbs.push(db);
  return db;
}

async function exists(db: TestDb): Promise<boolean> {
  return (await pgQuery('SELECT 1 FROM pg_database WHERE datname = $1', 'postgres', [db.name])).length === 1;
}

beforeAll(async () => {
  src = track(await createDb());
  await src.query(SOURCE);
  dumpFile = join(dir.path, 'source.sql');
  const dumper = await postgresDriver.createDumper({ driver: 'postgres', dsn: src.dsn }, { log, baseDir: dir.path });
  const out = createWriteStream(dumpFile);
  await dumper.dump(out, { signal });
  out.end();
  await finished(out);
  dumpText = readFileSync(dumpFile, 'utf8');
});

afterAll(async () => {
  for (const d of dbs) await d.drop();
  dir.cleanup();
});

/** The dump with a statement that fails inserted after the orders data (halfway through). */
function brokenDump(): string {
  const at = dumpText.indexOf('\\.\n', dumpText.indexOf('COPY public.orders'));
  const file = join(dir.path, 'broken.sql');
  writeFileSync(file, dumpText.slice(0, at + 3) + '\nSELECT 1 / 0;\n' + dumpText.slice(at + 3));
  return file;
}

test('a failure halfway through a restore into a new database leaves no database behind', async () => {
  const target = track(futureDb());
  await expect(restore(brokenDump(), target.dsn)).rejects.toThrow(/restore failed at line \d+ \(SELECT 1 \/ 0\): division by zero; nothing was restored/);
  expect(await exists(target)).toBe(false);
});

test('a failure halfway through a restore over an existing database leaves it unchanged, and no safety file', async () => {
  const target = track(await createDb());
  await restore(dumpFile, target.dsn);
  await target.query("UPDATE customers SET name = 'changed' WHERE id < 10; CREATE TABLE keep_me (x int); INSERT INTO keep_me VALUES (42)");
  const before = await fingerprint(target);
  const base = join(dir.path, 'fail-base');
  await expect(restore(brokenDump(), target.dsn, { baseDir: base })).rejects.toThrow(/division by zero/);
  expect(await fingerprint(target)).toEqual(before);
  expect(existsSync(join(base, 'onedump-safety')) ? readdirSync(join(base, 'onedump-safety')) : []).toEqual([]);
});

test('restoring over an existing database replaces what the dump defines, after a safety backup of it', async () => {
  const target = track(await createDb());
  await restore(dumpFile, target.dsn);
  await target.query("UPDATE customers SET name = 'edited' WHERE id = 1; DELETE FROM orders WHERE id > 1000; CREATE TABLE extra (x int)");
  const base = join(dir.path, 'replace-base');
  await restore(dumpFile, target.dsn, { baseDir: base });
  const got = await fingerprint(target);
  const want = await fingerprint(src);
  expect(got.rows).toEqual({ ...want.rows, 'public.extra': expect.stringMatching(/^0 /) });
  expect(got.sequences).toEqual(want.sequences);
  const files = readdirSync(join(base, 'onedump-safety'));
  expect(files).toEqual([expect.stringMatching(new RegExp(`^${target.name}-\\d{8}T\\d{6}Z\\.sql\\.gz$`))]);
  // the safety backup holds what was replaced: restoring it undoes the restore
  await restore(() => createReadStream(join(base, 'onedump-safety', files[0]!)).pipe(createGunzip()), target.dsn, { safetyBackup: false });
  expect(await target.query('SELECT name FROM customers WHERE id = 1')).toEqual([{ name: 'edited' }]);
  expect(await target.query('SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 1000 }]);
});

test('--no-safety-backup replaces without saving', async () => {
  const target = track(await createDb());
  await restore(dumpFile, target.dsn);
  const base = join(dir.path, 'nosafety-base');
  await restore(dumpFile, target.dsn, { baseDir: base, safetyBackup: false });
  expect(existsSync(join(base, 'onedump-safety'))).toBe(false);
  expect((await fingerprint(target)).rows).toEqual((await fingerprint(src)).rows);
});

test('an object outside the dump that depends on a replaced table stops the restore, changing nothing', async () => {
  const target = track(await createDb());
  await restore(dumpFile, target.dsn);
  await target.query('CREATE VIEW mine AS SELECT count(*) FROM customers');
  const before = await fingerprint(target);
  await expect(restore(dumpFile, target.dsn, { safetyBackup: false })).rejects.toThrow(/cannot replace .*public\.customers.*view mine depends on table customers/);
  expect(await fingerprint(target)).toEqual(before);
});

test('--tables restores only those tables, with their sequences, indexes, data and the views and foreign keys on them', async () => {
  const target = track(await createDb());
  await restore(dumpFile, target.dsn);
  await target.query("UPDATE customers SET name = 'kept'; DELETE FROM orders WHERE id > 10; SELECT setval('orders_id_seq', 5)");
  await restore(dumpFile, target.dsn, { tables: ['orders'] });
  expect(await target.query("SELECT count(*)::int AS n FROM customers WHERE name = 'kept'")).toEqual([{ n: 200 }]);
  expect(await target.query('SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 2000 }]);
  expect((await fingerprint(target)).sequences['public.orders_id_seq']).toBe((await fingerprint(src)).sequences['public.orders_id_seq']);
  expect(await target.query("SELECT indexname FROM pg_indexes WHERE tablename = 'orders' ORDER BY 1")).toEqual([{ indexname: 'orders_customer' }, { indexname: 'orders_pkey' }]);
  // customers is referenced by orders' foreign key and read by no view: replacing it re-adds that key
  await target.query("UPDATE customers SET name = 'kept again'; INSERT INTO customers (name) VALUES ('extra')");
  await restore(dumpFile, target.dsn, { tables: ['public.customers'] });
  expect(await target.query('SELECT count(*)::int AS n FROM customers')).toEqual([{ n: 200 }]);
  const want = await fingerprint(src);
  const got = await fingerprint(target);
  expect(got.rows).toEqual(want.rows);
  expect(got.schema).toBe(want.schema.split(src.name).join(target.name));
});

test('--dry-run lists what would run and changes nothing', async () => {
  const target = track(futureDb());
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const r = await restore(dumpFile, target.dsn, { dryRun: true, out });
  expect(text).toContain(`would create database ${target.name}`);
  expect(text).toMatch(/line \d+: CREATE TABLE public\.customers/);
  expect(text).toMatch(/line \d+: COPY public\.orders\n {2}2000 rows/);
  expect(r.tables).toEqual(expect.arrayContaining(['public.customers', 'public.orders']));
  expect(await exists(target)).toBe(false);

  // over an existing database: what would be replaced, and nothing changes
  const existing = track(await createDb());
  await restore(dumpFile, existing.dsn);
  await existing.query('DELETE FROM orders WHERE id > 10');
  const before = await fingerprint(existing);
  const out2 = new PassThrough();
  let text2 = '';
  out2.on('data', (d) => (text2 += d));
  await restore(dumpFile, existing.dsn, { dryRun: true, out: out2, tables: ['customers'] });
  const [replaceLine, fkLine] = text2.split('\n');
  expect(replaceLine!.replace(/^would replace (.*) \(saved first to onedump-safety\/\)$/, '$1').split(', ').sort()).toEqual(['public.customers', 'public.customers_id_seq']);
  expect(fkLine).toBe('would drop and re-add foreign key orders_customer_fkey of public.orders');
  expect(text2).toMatch(/line \d+: ALTER TABLE public\.orders\n$/);
  expect(text2).not.toContain('COPY public.orders');
  expect(await fingerprint(existing)).toEqual(before);
});

test('a truncated dump is refused and nothing is restored', async () => {
  const target = track(futureDb());
  const cut = join(dir.path, 'cut.sql');
  writeFileSync(cut, dumpText.slice(0, dumpText.indexOf('COPY public.orders') + 300));
  await expect(restore(cut, target.dsn)).rejects.toThrow(/COPY data is not terminated/);
  const clean = join(dir.path, 'cut-clean.sql');
  writeFileSync(clean, dumpText.slice(0, dumpText.indexOf('-- Name: orders_customer')));
  await expect(restore(clean, target.dsn)).rejects.toThrow(/ends before its completion footer/);
  expect(await exists(target)).toBe(false);
});

test('an unreadable custom-format archive is one clear error and creates nothing', async () => {
  const target = track(futureDb());
  const file = join(dir.path, 'bad.dump');
  writeFileSync(file, Buffer.concat([Buffer.from('PGDMP'), Buffer.alloc(4000, 7)]));
  await expect(restore(file, target.dsn)).rejects.toThrow(/postgres: reading the custom-format archive failed: pg_restore exited with status 1: pg_restore: error: /);
  expect(await exists(target)).toBe(false);
});

test('a target whose only objects are the casts and event triggers the dump creates is restored over', async () => {
  const only = track(await createDb());
  await only.query(`CREATE FUNCTION public.noop() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
    CREATE EVENT TRIGGER od_only ON ddl_command_start EXECUTE FUNCTION public.noop();
    ALTER EVENT TRIGGER od_only ENABLE ALWAYS;
    CREATE CAST (bit varying AS bytea) WITHOUT FUNCTION`);
  let text = '';
  const dumper = await postgresDriver.createDumper({ driver: 'postgres', dsn: only.dsn }, { log, baseDir: dir.path });
  await dumper.dump(new Writable({ write: (c, _e, cb) => { text += c; cb(); } }), { signal });
  const target = track(futureDb());
  for (let i = 0; i < 2; i++) await restore(() => Readable.from([text]), target.dsn, { safetyBackup: false });
  expect((await fingerprint(target)).schema).toBe((await fingerprint(only)).schema);
  expect((await fingerprint(target)).schema).toContain('ALTER EVENT TRIGGER od_only ENABLE ALWAYS');
});

test('statements that cannot run in a transaction: BEGIN/COMMIT ignored, VACUUM after commit, CREATE DATABASE refused', async () => {
  const target = track(futureDb());
  const ok = join(dir.path, 'tx.sql');
  writeFileSync(ok, 'BEGIN;\nCREATE TABLE t (x int);\nINSERT INTO t VALUES (1);\nCOMMIT;\nVACUUM t;\nCREATE INDEX CONCURRENTLY t_x ON t (x);\n');
  const r = await restore(ok, target.dsn);
  expect(r.statements).toBe(4);
  expect(await target.query("SELECT indexname FROM pg_indexes WHERE tablename = 't'")).toEqual([{ indexname: 't_x' }]);
  const bad = join(dir.path, 'createdb.sql');
  writeFileSync(bad, 'CREATE TABLE u (x int);\nCREATE DATABASE other;\n');
  await expect(restore(bad, target.dsn)).rejects.toThrow(/line 2: CREATE DATABASE cannot be part of a restore/);
  expect(await target.query("SELECT to_regclass('u') AS u")).toEqual([{ u: null }]);
  const connect = join(dir.path, 'connect.sql');
  writeFileSync(connect, 'CREATE TABLE v (x int);\n\\connect other\n');
  await expect(restore(connect, target.dsn)).rejects.toThrow(/line 2: psql command \\connect is not supported .*--create/);
});
