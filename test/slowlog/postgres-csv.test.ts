/**
 * PostgreSQL's csvlog, written by a real (private) PostgreSQL with `log_destination = 'stderr,csvlog'`:
 * the csv file must give the same report as the stderr log of the same run.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeSlowLogs } from '../../src/slowlog/analyze.js';
import { fileSource } from '../../src/slowlog/input.js';
import { startPostgres, type PrivatePostgres } from '../harness/private-postgres.js';

let server: PrivatePostgres;
let logDir = '';

beforeAll(async () => {
  server = await startPostgres({
    log_min_duration_statement: '0', log_statement: 'ddl', log_line_prefix: '%m [%p] %q%u@%d client=%h ', log_timezone: 'UTC',
    logging_collector: 'on', log_destination: 'stderr,csvlog', log_directory: 'csv-logs', log_filename: 'pg.log',
  });
  logDir = join(server.dir, 'data', 'csv-logs');
  const c = await server.client();
  await c.query('CREATE TABLE od_items (id int PRIMARY KEY, name text)');
  await c.query("INSERT INTO od_items SELECT g, 'n' || g FROM generate_series(1, 50) g");
  for (let i = 1; i <= 8; i++) await c.query('SELECT name FROM od_items WHERE id = $1', [i]);
  for (let i = 1; i <= 5; i++) await c.query(`SELECT 'a,"b"\n${i}, c' AS x,\n  name FROM od_items WHERE id = ${i}`);
  await c.query('ALTER TABLE od_items ADD COLUMN note text'); // log_statement=ddl: text first, bare duration later
  await c.query('SELECT * FROM od_missing').catch(() => undefined);
  await c.end();
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

test('a real csvlog gives the same classes, counts, times, users, databases and hosts as the stderr log', async () => {
  // the collector writes asynchronously: wait until both files hold the last statement
  const files = () => readdirSync(logDir).map((f) => join(logDir, f));
  const analyze = async (suffix: string) => (await analyzeSlowLogs([fileSource(files().find((f) => f.endsWith(suffix))!)], { top: 0, sort: 'total', mask: false })).report;
  let csv = await analyze('.csv');
  for (let i = 0; i < 50 && csv.summary.entries < 16; i++) {
    await new Promise((r) => setTimeout(r, 100));
    csv = await analyze('.csv');
  }
  const text = await analyze('.log');
  expect(csv.sources[0]).toMatchObject({ format: 'postgres', malformed: 0 });
  const view = (r: typeof csv) => r.classes.map((c) => ({ id: c.id, count: c.count, sum: c.query_time.sum, users: c.users, dbs: c.databases, hosts: c.hosts, first: c.first_seen, example: c.example.query }));
  expect(view(csv)).toEqual(view(text));
  const counts = Object.fromEntries(csv.classes.map((c) => [c.fingerprint, c.count]));
  expect(counts).toMatchObject({ 'select name from od_items where id = ?': 8, 'select ? as x, name from od_items where id = ?': 5, 'alter table od_items add column note text': 1 });
  expect(csv.classes.find((c) => c.count === 5)!.example.query).toMatch(/^SELECT 'a,"b"\n\d, c' AS x,\n {2}name FROM od_items WHERE id = \d$/);
  expect(csv.classes[0]!.hosts).toEqual([{ name: '127.0.0.1', count: expect.any(Number) }]);
});
