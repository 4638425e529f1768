/**
 * Edge-case logs of our own — MySQL 5.7 (administrator commands, `SET last_insert_id=…,timestamp=`),
 * MySQL 8.0 (`log_slow_extra`, zone offsets, multi-line statements, `;`/`#` in strings, `SELECT 1;;`),
 * MariaDB 11 (`log_slow_verbosity=all`: Tmp_tables, Pages_*, explain, Warnings; empty Schema; no
 * `# Time:` within a second), Percona Server 5.7 (`log_slow_verbosity=full`: `# Schema:`, InnoDB lines,
 * rate limit), malformed entries — each compared with pt-query-digest in the test.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { analyzeSlowLogs } from '../../src/slowlog/analyze.js';
import { MAX_EXAMPLE } from '../../src/slowlog/aggregate.js';
import { fileSource, localSources } from '../../src/slowlog/input.js';
import { ROOT, tempDir } from '../harness/util.js';
import { expectAgreement, ptDigest } from './pt.js';

const FIXTURES = join(ROOT, 'test/fixtures/slowlog');
const fixture = (name: string) => join(FIXTURES, name);
const tmp = tempDir('onedump-slowlog-fx-');
afterAll(() => tmp.cleanup());

const analyze = (files: string[]) => analyzeSlowLogs(files.map(fileSource), { top: 0, sort: 'total', mask: false });

test.each(['mysql57.txt', 'mysql80.txt', 'mariadb11.txt', 'percona57.txt'])('%s: same classes, counts, sums and percentiles as pt-query-digest', async (name) => {
  const analysis = await analyze([fixture(name)]);
  expect(analysis.report.summary.malformed).toBe(0);
  expect(analysis.report.summary.entries).toBe(readFileSync(fixture(name), 'latin1').match(/^# Query_time: /gm)!.length);
  expectAgreement(analysis, ptDigest([fixture(name)]));
});

test('MySQL 5.7: administrator commands are classes of their own with zero rows; host falls back to the IP', async () => {
  const { report } = await analyze([fixture('mysql57.txt')]);
  const byFp = new Map(report.classes.map((c) => [c.fingerprint, c]));
  const quit = byFp.get('administrator command: Quit')!;
  expect(quit.count).toBe(6);
  expect(quit.rows_examined).toMatchObject({ max: 0, sum: 0 });
  expect(byFp.get('administrator command: Init DB')!.count).toBe(6);
  const hosts = new Set(report.classes.flatMap((c) => c.hosts.map((h) => h.name)));
  expect(hosts).toEqual(new Set(['web1', 'web2', '10.0.1.9']));
  expect(new Set(report.classes.flatMap((c) => c.databases.map((d) => d.name)))).toEqual(new Set(['shop', 'crm']));
  // times come from SET timestamp= (the statement's start), in UTC
  const firstSet = Number(/^SET .*timestamp=(\d+);$/m.exec(readFileSync(fixture('mysql57.txt'), 'latin1'))![1]);
  expect(report.summary.first_seen).toBe(new Date(firstSet * 1000).toISOString());
});

test('MySQL 8.0: multi-line statements kept whole, `SELECT 1;;` keeps its inner `;` as pt does', async () => {
  const { report } = await analyze([fixture('mysql80.txt')]);
  const byFp = new Map(report.classes.map((c) => [c.fingerprint, c]));
  const multi = byFp.get("select o.id, o.total from orders o where o.status = ? and o.note <> ? order by o.id limit ?")!;
  expect(multi.example.query).toMatch(/^SELECT o\.id,\n {7}o\.total\n {2}FROM orders o\n WHERE o\.status = 'open;pending'\n {3}AND o\.note <> '# not a comment'\n ORDER BY o\.id ASC\n LIMIT \d+$/);
  expect(byFp.get('select ?;')!.example.query).toBe('SELECT 1;');
  expect(byFp.get('call shop.recalc')).toBeDefined();
  const slow = report.classes.filter((c) => c.query_time.max >= 12.5);
  expect(slow.length).toBeGreaterThan(0);
  expect(report.summary.query_time.max).toBeGreaterThanOrEqual(12.5);
});

test('MariaDB 11: verbosity lines, explain and warnings are skipped; an empty Schema falls back to use/previous', async () => {
  const { report } = await analyze([fixture('mariadb11.txt')]);
  expect(report.summary.entries).toBe(100);
  expect(new Set(report.classes.flatMap((c) => c.databases.map((d) => d.name)))).toEqual(new Set(['shop']));
  const union = report.classes.find((c) => c.fingerprint.includes('union'))!;
  expect(union.fingerprint).toBe('select name from products where id = ? union select name from archive where id = ?');
  expect(report.classes.find((c) => c.fingerprint.startsWith('show table status'))!.count).toBeGreaterThan(0);
});

test('Percona Server: the database comes from `# Schema:` when there is no `use`', async () => {
  const { report } = await analyze([fixture('percona57.txt')]);
  const counts = new Map<string, number>();
  for (const c of report.classes) for (const d of c.databases) counts.set(d.name!, (counts.get(d.name!) ?? 0) + d.count);
  const text = readFileSync(fixture('percona57.txt'), 'latin1');
  expect(Object.fromEntries(counts)).toEqual({ shop: text.match(/^# Schema: shop /gm)!.length, crm: text.match(/^# Schema: crm /gm)!.length });
});

test('malformed entries are counted and reported with file:line, never merged into their neighbours', async () => {
  const file = fixture('malformed.txt');
  const analysis = await analyze([file]);
  expect(analysis.report.malformed.map((m) => [m.line, m.reason])).toEqual([
    [1, 'statement without a header'],
    [8, 'header without a statement'],
    [17, 'statement not terminated by ";" before the next entry'],
    [27, 'Query_time "fast" is not a number'],
    [32, 'header without "# Query_time:"'],
    [41, 'statement not terminated by ";" at end of file (truncated log?)'],
  ]);
  expect(analysis.report.summary).toMatchObject({ entries: 4, malformed: 6, classes: 1 });
  expect(analysis.report.classes[0]).toMatchObject({ fingerprint: 'select * from orders where id = ?', count: 4, query_time: { sum: 0.015 } });
  // pt-query-digest merges the cut statement with the next entry (losing that entry), makes an empty
  // class of the pieces without a statement, and counts the truncated last statement
  expectAgreement(analysis, ptDigest([file]), {
    onlyPt: ['190341C50857D5BEEE0F396F18BBD751', 'AB55C9D50B546308A67F82A9F2685B27', 'D41D8CD98F00B204E9800998ECF8427E'],
    counts: { '9C05EA5686390AEB296E90D8F864A512': [4, 3] },
  });
});

test('several files, a directory, a glob and gzip (by content) read as one log', async () => {
  const dir = join(tmp.path, 'logs');
  mkdirSync(dir);
  writeFileSync(join(dir, 'mysql57.txt'), readFileSync(fixture('mysql57.txt')));
  writeFileSync(join(dir, 'mysql80.txt.1'), gzipSync(readFileSync(fixture('mysql80.txt'))));
  writeFileSync(join(dir, 'mariadb11'), gzipSync(readFileSync(fixture('mariadb11.txt'))));
  const plain = await analyze(['mysql57.txt', 'mysql80.txt', 'mariadb11.txt'].map(fixture));
  const fromDir = await analyzeSlowLogs(await localSources([dir]), { top: 0, sort: 'total', mask: false });
  const fromGlob = await analyzeSlowLogs(await localSources([join(dir, '{mysql*,maria?b11}')]), { top: 0, sort: 'total', mask: false });
  const shape = (r: typeof plain.report) => r.classes.map((c) => [c.id, c.count, c.query_time.sum]).sort();
  expect(fromDir.report.sources.map((s) => [s.name.slice(dir.length + 1), s.gzip])).toEqual([['mariadb11', true], ['mysql57.txt', false], ['mysql80.txt.1', true]]);
  expect(shape(fromDir.report)).toEqual(shape(plain.report));
  expect(shape(fromGlob.report)).toEqual(shape(plain.report));
  expectAgreement(plain, ptDigest(['mysql57.txt', 'mysql80.txt', 'mariadb11.txt'].map(fixture)));
  await expect(localSources([join(dir, 'nothing*')])).rejects.toThrow(`${join(dir, 'nothing*')}: no such file matches`);
});

test('a truncated gzip file fails, naming the file', async () => {
  const gz = gzipSync(readFileSync(fixture('mysql80.txt')));
  const cut = join(tmp.path, 'cut.gz');
  writeFileSync(cut, gz.subarray(0, gz.length >> 1));
  await expect(analyze([cut])).rejects.toThrow(`${cut}: unexpected end of file`);
});

test('CRLF line ends read like LF', async () => {
  const crlf = join(tmp.path, 'crlf.txt');
  writeFileSync(crlf, readFileSync(fixture('mysql80.txt'), 'latin1').replace(/\n/g, '\r\n'), 'latin1');
  const [a, b] = await Promise.all([analyze([fixture('mysql80.txt')]), analyze([crlf])]);
  expect(b.report.classes.map((c) => [c.id, c.count, c.example.query])).toEqual(a.report.classes.map((c) => [c.id, c.count, c.example.query]));
});

test('a statement longer than 16 MiB is cut, not buffered whole, and still classed', async () => {
  const big = join(tmp.path, 'big.txt');
  const row = "(123456, 'a fairly long string value', 3.14159),";
  const values = row.repeat(Math.ceil((17 * 1024 * 1024) / row.length));
  writeFileSync(big, `# User@Host: app[app] @ web [10.0.0.1]\n# Query_time: 2.000000  Lock_time: 0.000000 Rows_sent: 0  Rows_examined: 0\nSET timestamp=1714557600;\nINSERT INTO t VALUES ${values}(1, 'x', 2);\n# User@Host: app[app] @ web [10.0.0.1]\n# Query_time: 1.000000  Lock_time: 0.000000 Rows_sent: 0  Rows_examined: 0\nSET timestamp=1714557601;\nINSERT INTO t VALUES (1, 'y', 2);\n`);
  const { report } = await analyze([big]);
  expect(report.summary.malformed).toBe(0);
  expect(report.classes).toHaveLength(1);
  expect(report.classes[0]).toMatchObject({ fingerprint: 'insert into t values(?+)', count: 2, example: { truncated: true } });
  expect(report.classes[0]!.example.query.length).toBe(MAX_EXAMPLE);
});
