/**
 * Native dumper options: schemas / exclude_schemas, tables / exclude_tables (patterns), per-table where,
 * schema_only and data_only — each shown by what a restore of the dump contains.
 */
import { Readable, Writable } from 'node:stream';
import winston from 'winston';
import { postgresDriver } from '../../src/dumpers/postgres.js';
import type { DatabaseConfig } from '../../src/config/types.js';
import { createDb, fingerprint, futureDb, type TestDb } from '../harness/postgres.js';

const log = winston.createLogger({ silent: true });
const signal = new AbortController().signal;
const dbs: TestDb[] = [];
let src: TestDb;

beforeAll(async () => {
  src = await createDb();
  dbs.push(src);
  await src.query(`
    CREATE SCHEMA sales; CREATE SCHEMA "Audit Log";
    CREATE TYPE sales.state AS ENUM ('open', 'closed');
    CREATE TABLE sales.orders (id serial PRIMARY KEY, st sales.state, amount int);
    CREATE TABLE sales.items (id int PRIMARY KEY, order_id int REFERENCES sales.orders, qty int);
    CREATE TABLE sales.tmp_scratch (x int);
    CREATE TABLE "Audit Log"."Events" (id bigint GENERATED ALWAYS AS IDENTITY, at timestamptz DEFAULT now());
    CREATE TABLE public.settings (k text PRIMARY KEY, v text);
    INSERT INTO sales.orders (st, amount) SELECT 'open', i FROM generate_series(1, 100) i;
    INSERT INTO sales.items SELECT i, i, i % 5 FROM generate_series(1, 100) i;
    INSERT INTO sales.tmp_scratch VALUES (1);
    INSERT INTO "Audit Log"."Events" (at) SELECT '2024-01-01'::timestamptz + i * interval '1 day' FROM generate_series(1, 30) i;
    INSERT INTO public.settings VALUES ('a', '1'), ('b', '2')`);
});

afterAll(async () => {
  for (const d of dbs) await d.drop();
});

async function dumpText(cfg: Partial<DatabaseConfig>): Promise<{ text: string; tables: Record<string, number> }> {
  const dumper = await postgresDriver.createDumper({ driver: 'postgres', dsn: src.dsn, ...cfg }, { log, baseDir: '/tmp' });
  let text = '';
  const info = await dumper.dump(new Writable({ write: (c, _e, cb) => { text += c; cb(); } }), { signal });
  return { text, tables: info.tables };
}

async function restoreText(text: string, target: TestDb): Promise<void> {
  const open = () => Readable.from([Buffer.from(text)]);
  await postgresDriver.restore(open(), target.dsn, { signal, log, baseDir: '/tmp', reopen: async () => open() });
}

async function tablesOf(db: TestDb): Promise<string[]> {
  return (await db.query<{ t: string }>(`SELECT schemaname || '.' || tablename AS t FROM pg_tables
    WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`)).map((r) => r.t);
}

test('schemas and exclude_schemas choose whole schemas (extensions and other schemas left out)', async () => {
  const only = await dumpText({ schemas: ['sales'] });
  expect(Object.keys(only.tables).sort()).toEqual(['sales.items', 'sales.orders', 'sales.tmp_scratch']);
  expect(only.text).toContain('CREATE TYPE sales.state AS ENUM');
  expect(only.text).not.toContain('settings');
  const target = futureDb();
  dbs.push(target);
  await restoreText(only.text, target);
  expect(await tablesOf(target)).toEqual(['sales.items', 'sales.orders', 'sales.tmp_scratch']);

  const without = await dumpText({ exclude_schemas: ['sales', 'Audit*'] });
  expect(Object.keys(without.tables)).toEqual(['public.settings']);
  expect(without.text).not.toContain('sales');
});

test('tables and exclude_tables take patterns; a selected table brings its owned sequence, not its schema', async () => {
  const picked = await dumpText({ tables: ['sales.orders', '"Audit Log".*'] });
  expect(Object.keys(picked.tables).sort()).toEqual(['Audit Log.Events', 'sales.orders']);
  expect(picked.text).toContain('CREATE SEQUENCE sales.orders_id_seq');
  expect(picked.text).toContain("SELECT pg_catalog.setval('sales.orders_id_seq', 100, true);");
  expect(picked.text).not.toContain('CREATE SCHEMA');
  expect(picked.text).not.toContain('CREATE TYPE');

  const rest = await dumpText({ exclude_tables: ['sales.tmp_*', 'settings'] });
  expect(Object.keys(rest.tables).sort()).toEqual(['Audit Log.Events', 'sales.items', 'sales.orders']);
});

test('where filters rows of one table; the rest is whole', async () => {
  const d = await dumpText({ where: { 'sales.orders': 'amount <= 10', items: 'qty = 0' } });
  expect(d.tables['sales.orders']).toBe(10);
  expect(d.tables['sales.items']).toBe(20);
  expect(d.tables['public.settings']).toBe(2);
});

test('schema_only then data_only restore to the same database as a full dump', async () => {
  const schema = await dumpText({ schema_only: true });
  expect(schema.text).not.toMatch(/^COPY /m);
  expect(schema.text).not.toContain('setval');
  expect(schema.tables).toEqual({});
  const data = await dumpText({ data_only: true });
  expect(data.text).not.toMatch(/CREATE (TABLE|TYPE|SCHEMA)/);
  // referenced tables first, so the foreign keys hold while loading
  expect(data.text.indexOf('COPY sales.orders')).toBeLessThan(data.text.indexOf('COPY sales.items'));
  const target = futureDb();
  dbs.push(target);
  await restoreText(schema.text, target);
  expect(await target.query('SELECT count(*)::int AS n FROM sales.orders')).toEqual([{ n: 0 }]);
  await restoreText(data.text, target);
  const want = await fingerprint(src);
  const got = await fingerprint(target);
  expect(got.rows).toEqual(want.rows);
  expect(got.sequences).toEqual(want.sequences);
  expect(got.schema).toBe(want.schema);
});

test('casts and event triggers go with the whole database: not with schemas, tables, or an excluded schema they use', async () => {
  const db = await createDb();
  dbs.push(db);
  await db.query(`CREATE SCHEMA conv; CREATE TYPE conv.price AS (v numeric);
    CREATE FUNCTION conv.to_num(p conv.price) RETURNS numeric LANGUAGE sql IMMUTABLE RETURN p.v;
    CREATE CAST (conv.price AS numeric) WITH FUNCTION conv.to_num(conv.price);
    CREATE FUNCTION public.noop() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
    CREATE EVENT TRIGGER od_noop ON ddl_command_start EXECUTE FUNCTION public.noop();
    CREATE TABLE public.t (x int)`);
  const text = async (cfg: Partial<DatabaseConfig>) => {
    let out = '';
    const dumper = await postgresDriver.createDumper({ driver: 'postgres', dsn: db.dsn, ...cfg }, { log, baseDir: '/tmp' });
    await dumper.dump(new Writable({ write: (c, _e, cb) => { out += c; cb(); } }), { signal });
    return out;
  };
  const cast = 'CREATE CAST (conv.price AS numeric) WITH FUNCTION conv.to_num(conv.price);\n';
  const trigger = 'CREATE EVENT TRIGGER od_noop ON ddl_command_start\n   EXECUTE FUNCTION public.noop();\nALTER EVENT TRIGGER od_noop OWNER TO postgres;\n';
  const all = await text({});
  expect(all).toContain(cast);
  expect(all).toContain(trigger);
  for (const cfg of [{ schemas: ['conv', 'public'] }, { tables: ['t'] }]) {
    expect(await text(cfg)).not.toMatch(/CREATE (CAST|EVENT TRIGGER)/);
  }
  const noConv = await text({ exclude_schemas: ['conv'] });
  expect(noConv).not.toContain('CREATE CAST');
  expect(noConv).toContain(trigger);
});

test('objects the native driver does not rebuild fail the dump by name instead of going missing', async () => {
  const odd = await createDb();
  dbs.push(odd);
  await odd.query(`CREATE TABLE t (x int);
    CREATE PUBLICATION od_pub FOR TABLE t;
    SELECT lo_from_bytea(0, 'blob')`);
  const dumper = await postgresDriver.createDumper({ driver: 'postgres', dsn: odd.dsn }, { log, baseDir: '/tmp' });
  await expect(dumper.dump(new Writable({ write: (_c, _e, cb) => cb() }), { signal }))
    .rejects.toThrow(/^postgres: the database has objects the native driver does not dump \(publication od_pub, large object \d+\); use driver pg_dump for it$/);
  // a dump of chosen tables does not need them
  const tables = await postgresDriver.createDumper({ driver: 'postgres', dsn: odd.dsn, tables: ['t'] }, { log, baseDir: '/tmp' });
  await expect(tables.dump(new Writable({ write: (_c, _e, cb) => cb() }), { signal })).resolves.toMatchObject({ tables: { 'public.t': 0 } });
});

test("column options: n_distinct is kept, the server's own attoptions bookkeeping is not copied", async () => {
  await src.query(`ALTER TABLE sales.items ALTER COLUMN qty SET (n_distinct = 5)`);
  const catalog = await src.query<{ o: string }>(`SELECT unnest(attoptions) AS o FROM pg_attribute
    WHERE attrelid = 'sales.items'::regclass AND attnum > 0`);
  const others = catalog.map((r) => r.o.split('=')[0]!).filter((n) => n !== 'n_distinct');
  const { text } = await dumpText({ schemas: ['sales'] });
  expect(text).toContain('ALTER TABLE ONLY sales.items ALTER COLUMN qty SET (n_distinct=5);');
  // some server builds stamp every column (e.g. pg_attver=…); pg_dump leaves such entries out
  for (const name of new Set(others)) expect(text).not.toContain(`${name}=`);
  const target = futureDb();
  dbs.push(target);
  await restoreText(text, target);
  const restored = await target.query<{ o: string[] | null }>(`SELECT attoptions AS o FROM pg_attribute
    WHERE attrelid = 'sales.items'::regclass AND attname = 'qty'`);
  expect(restored[0]!.o).toContain('n_distinct=5');
  await src.query(`ALTER TABLE sales.items ALTER COLUMN qty RESET (n_distinct)`);
});
