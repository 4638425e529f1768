/**
 * PostgreSQL duration logs: one written by a real (private) PostgreSQL with
 * `log_min_duration_statement=0`, and a fixture with another `log_line_prefix`.
 * pt-query-digest does not read PostgreSQL logs, so the expectations are what the test ran.
 */
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeSlowLogs } from '../../src/slowlog/analyze.js';
import { fileSource } from '../../src/slowlog/input.js';
import { startPostgres, type PrivatePostgres } from '../harness/private-postgres.js';
import { ROOT, runCli, tempDir } from '../harness/util.js';

const DB = 'od_slowlog_pg';
let server: PrivatePostgres;
const tmp = tempDir('onedump-slowlog-pg-');
const log = join(tmp.path, 'postgresql.log');
const modLog = join(tmp.path, 'postgresql-mod.log');
let started = 0;

beforeAll(async () => {
  server = await startPostgres({ log_min_duration_statement: '0', log_line_prefix: '%m [%p] %q%u@%d ', log_timezone: 'UTC' });
  const admin = await server.client();
  await admin.query(`CREATE DATABASE ${DB}`);
  await admin.end();
  started = Date.now();
  const c = await server.client(DB);
  await c.query('CREATE TABLE items (id int PRIMARY KEY, name text, note text)');
  await c.query("INSERT INTO items SELECT g, 'item ' || g, CASE WHEN g % 2 = 0 THEN 'a;b' ELSE 'c#d' END FROM generate_series(1, 100) g");
  for (let i = 1; i <= 20; i++) await c.query('SELECT * FROM items WHERE id = $1', [i]); // extended protocol: parse/bind/execute
  for (let i = 1; i <= 10; i++) await c.query(`SELECT * FROM items WHERE id = ${i}`); // simple protocol, same class
  for (let i = 1; i <= 12; i++) await c.query(`SELECT count(*)\n  FROM items\n WHERE note = '${i % 2 ? 'a;b' : 'c#d'}'\n   AND id IN (${[i, i + 1, i + 2].join(', ')})`);
  await c.query('CREATE FUNCTION one() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql');
  await c.query('SELECT pg_sleep(0.05)');
  await c.query('UPDATE "items" SET name = $1 WHERE id = $2', ['renamed', 3]);
  await c.query('SELECT * FROM no_such_table').catch(() => undefined); // an error: logged as ERROR, no duration
  await c.end();
  copyFileSync(server.logFile, log);
  await logStatementMod();
}, 60_000);

/**
 * `log_statement = 'mod'` (or `ddl`, `all`) with `log_min_duration_statement`: the server logs the text
 * of those statements when they start (`statement:` / `execute …:`) and their duration later on a bare
 * `duration:` line of the same process — with other sessions' lines in between.
 */
async function logStatementMod(): Promise<void> {
  const from = statSync(server.logFile).size;
  const [a, b] = [await server.client(DB), await server.client(DB)];
  for (const c of [a, b]) await c.query("SET log_statement = 'mod'");
  await Promise.all([a, b].map(async (c, k) => {
    for (let i = 1; i <= 10; i++) {
      await c.query(`UPDATE items SET note = 'x' WHERE id = ${k * 10 + i}`); // simple protocol
      await c.query('UPDATE items SET name = $1 WHERE id = $2', [`n${i}`, k * 10 + i]); // extended protocol
      await c.query('SELECT name FROM items WHERE id = $1', [i]); // not `mod`: text on its duration line
    }
  }));
  await a.query('UPDATE items SET id = 1 WHERE id = 2').catch(() => undefined); // fails: no duration line
  await a.query('SELECT 1');
  await Promise.all([a.end(), b.end()]);
  writeFileSync(modLog, readFileSync(server.logFile).subarray(from));
}

afterAll(async () => {
  await server?.stop();
  tmp.cleanup();
});

test('a real PostgreSQL log: statements and executes classed, parse/bind phases and errors skipped', async () => {
  const { report } = await analyzeSlowLogs([fileSource(log)], { top: 0, sort: 'count', mask: false });
  expect(report.sources[0]).toMatchObject({ format: 'postgres', malformed: 0 });
  const byFp = new Map(report.classes.map((c) => [c.fingerprint, c]));
  expect(byFp.get('select * from items where id = ?')!.count).toBe(30);
  const multi = byFp.get('select count(*) from items where note = ? and id in(?+)')!;
  expect(multi.count).toBe(12);
  expect(multi.example.query).toMatch(/^SELECT count\(\*\)\n {2}FROM items\n WHERE note = '(a;b|c#d)'\n {3}AND id IN \(\d+, \d+, \d+\)$/);
  expect(byFp.get('create function one() returns int as ? language sql')!.count).toBe(1);
  expect(byFp.get('update "items" set name = ? where id = ?')!.count).toBe(1);
  expect(byFp.get('select pg_sleep(?)')!.query_time.max).toBeGreaterThanOrEqual(0.05);
  expect([...byFp.keys()].some((fp) => fp.includes('no_such_table'))).toBe(false);
  const items = byFp.get('select * from items where id = ?')!;
  expect(items.databases).toEqual([{ name: DB, count: 30 }]);
  expect(items.users).toEqual([{ name: 'postgres', count: 30 }]);
  expect(items.rows_sent).toBeNull();
  expect(Date.parse(report.summary.first_seen!)).toBeGreaterThanOrEqual(started - 2000);
  expect(Date.parse(report.summary.last_seen!)).toBeLessThanOrEqual(Date.now() + 1000);
});

test('log_statement with log_min_duration_statement: a bare duration line gets the statement its process logged', async () => {
  const { report } = await analyzeSlowLogs([fileSource(modLog)], { top: 0, sort: 'total', mask: false });
  expect(report.summary.malformed).toBe(0);
  const counts = Object.fromEntries(report.classes.map((c) => [c.fingerprint, c.count]));
  expect(counts).toEqual({
    'set log_statement = ?': 2,
    'update items set note = ? where id = ?': 20,
    'update items set name = ? where id = ?': 20,
    'select name from items where id = ?': 20,
    'select ?': 1,
  });
  const update = report.classes.find((c) => c.fingerprint.startsWith('update items set name'))!;
  expect(update.example.query).toBe('UPDATE items SET name = $1 WHERE id = $2');
  expect(update.databases).toEqual([{ name: DB, count: 20 }]);
});

test('another log_line_prefix, continuation lines, DETAIL/ERROR lines and bare log_duration lines', async () => {
  const { report } = await analyzeSlowLogs([fileSource(join(ROOT, 'test/fixtures/slowlog/postgres-prefix.txt'))], { top: 0, sort: 'total', mask: false });
  expect(report.summary).toMatchObject({ entries: 5, malformed: 1, classes: 3 });
  expect(report.malformed).toEqual([expect.objectContaining({ line: 11, reason: 'duration "1,5" is not a number' })]);
  const byFp = new Map(report.classes.map((c) => [c.fingerprint, c]));
  const orders = byFp.get('select * from orders where customer = ? and status in(?+)')!;
  expect(orders).toMatchObject({ count: 3, query_time: { sum: 0.0615, max: 0.05 }, databases: [{ name: 'shop', count: 3 }], users: [{ name: 'app', count: 3 }], hosts: [{ name: '10.0.0.7', count: 3 }] });
  expect(orders.first_seen).toBe('2024-05-01T08:00:01.000Z'); // 10:00:01 CEST
  expect(byFp.get('insert into audit (who, what) values(?+)')!.example.query).toBe("INSERT INTO audit (who, what)\nVALUES ('bob', 'x;y')");
});

test('Amazon RDS prefix %t:%r:%u@%d:[%p]: — user, database, client host and process read from it', async () => {
  const { report } = await analyzeSlowLogs([fileSource(join(ROOT, 'test/fixtures/slowlog/postgres-rds.txt'))], { top: 0, sort: 'total', mask: false });
  expect(report.summary).toMatchObject({ entries: 4, malformed: 0, classes: 3 });
  const [update, orders, one] = report.classes;
  expect(update).toMatchObject({ fingerprint: 'update facts set seen = ? where day = ?', query_time: { sum: 7.5 }, first_seen: '2024-05-01T10:00:09.000Z' });
  expect([update!.users, update!.databases, update!.hosts]).toEqual([[{ name: 'report', count: 1 }], [{ name: 'dw', count: 1 }], [{ name: '10.0.0.6', count: 1 }]]);
  expect(orders).toMatchObject({ count: 2, users: [{ name: 'app', count: 2 }], databases: [{ name: 'shop', count: 2 }], hosts: [{ name: '10.0.0.5', count: 2 }] });
  expect(one).toMatchObject({ users: [{ name: 'rdsadmin', count: 1 }], hosts: [] });
});

test('the format is told by the first telling line, also when the log starts mid-statement', async () => {
  const cut = join(tmp.path, 'cut.log');
  writeFileSync(cut, `\t  AND id = 5\nsome text without a tag\n${readFileSync(join(ROOT, 'test/fixtures/slowlog/postgres-prefix.txt'), 'utf8')}`);
  const { report } = await analyzeSlowLogs([fileSource(cut)], { top: 0, sort: 'total', mask: false });
  expect(report.sources[0]).toMatchObject({ format: 'postgres', entries: 5 });
});

test('onedump slow reads the PostgreSQL log through the CLI', async () => {
  const r = await runCli(['slow', log, '--format', 'json', '--log-type', 'postgres', '--filter', `db=${DB}`]);
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout);
  expect(report.classes[0].databases).toEqual([{ name: DB, count: report.classes[0].count }]);
});
