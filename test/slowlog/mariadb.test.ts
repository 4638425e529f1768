/**
 * Slow logs written by a real MariaDB (private instance, `long_query_time=0`, `log_slow_verbosity`),
 * analysed by onedump and by pt-query-digest in the same test.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Ajv } from 'ajv';
import { analyzeSlowLogs, type Analysis } from '../../src/slowlog/analyze.js';
import { fingerprint } from '../../src/slowlog/fingerprint.js';
import { fileSource } from '../../src/slowlog/input.js';
import type { SlowReport } from '../../src/slowlog/report.js';
import { startMariadb, type PrivateMariadb } from '../harness/mariadb.js';
import { ROOT, runCli, tempDir } from '../harness/util.js';
import { connect, DB_A, DB_B, runMix, setup, TRICKY, type Mix } from './mix.js';
import { expectAgreement, ptDigest } from './pt.js';

let db: PrivateMariadb;
const tmp = tempDir('onedump-slowlog-');
const mixLog = join(tmp.path, 'mix.slow');
const trickyLog = join(tmp.path, 'tricky.slow');
let first: Mix;
let second: Mix;
let secondHalfSince = 0;

const analyze = (files: string[], extra: Partial<Parameters<typeof analyzeSlowLogs>[1]> = {}): Promise<Analysis> =>
  analyzeSlowLogs(files.map(fileSource), { top: 0, sort: 'total', mask: false, ...extra });

beforeAll(async () => {
  db = await startMariadb({ binlog: false, args: ['--slow-query-log=1', '--slow-query-log-file=slow.log', '--long-query-time=0', '--log-slow-verbosity=query_plan'] });
  const root = await connect(db.port);
  await setup(root);
  await root.query(`USE ${DB_A}`);
  const report = await connect(db.port, 'od_slowlog_app', `od-pw-${process.pid}`, DB_B);
  // rotate as logrotate would: rename, then FLUSH SLOW LOGS reopens slow.log (and is its first entry)
  const live = join(db.dir, 'data', 'slow.log');
  const rotate = async (to: string) => {
    renameSync(live, to);
    await root.query('FLUSH SLOW LOGS');
  };
  await rotate(join(tmp.path, 'setup.slow'));
  first = await runMix(root, report, 30, 11);
  secondHalfSince = (Math.floor(Date.now() / 1000) + 1) * 1000;
  await new Promise((r) => setTimeout(r, secondHalfSince - Date.now() + 10));
  second = await runMix(root, report, 30, 12);
  // the server writes a statement's slow-log entry after answering it; a ping on the same connection is
  // answered only once that entry is written, so the rotation cannot cut the last entries off
  await Promise.all([root.ping(), report.ping()]);
  await rotate(mixLog);
  const multi = await connect(db.port, 'root', undefined, DB_A);
  for (const sql of TRICKY) await multi.query(sql);
  await multi.ping();
  await rotate(trickyLog);
  await Promise.all([root.end(), report.end(), multi.end()]);
}, 120_000);

afterAll(async () => {
  await db?.stop();
  tmp.cleanup();
});

test('the real MariaDB log: same classes, counts, Query_time sums and percentiles as pt-query-digest', async () => {
  const analysis = await analyze([mixLog]);
  const { summary } = analysis.report;
  expect(summary.malformed).toBe(0);
  // one entry per statement, after the FLUSH SLOW LOGS that opened the file
  expect(summary.entries).toBe(1 + first.issued + second.issued);
  expect(summary.classes).toBeGreaterThanOrEqual(14);
  expectAgreement(analysis, ptDigest([mixLog]));
  // classes seen often enough for p95 to differ from the maximum
  expect([...analysis.aggregator.classes.values()].filter((c) => c.count >= 30).length).toBeGreaterThanOrEqual(8);
});

test('databases come from `use db;` and `Schema:`; users and hosts from `# User@Host:`', async () => {
  const { report } = await analyze([mixLog]);
  const byFp = new Map(report.classes.map((c) => [c.fingerprint, c]));
  const insert = byFp.get('insert into events (kind, payload) values(?+)')!;
  expect(insert.databases).toEqual([{ name: DB_B, count: insert.count }]);
  expect(insert.users).toEqual([{ name: 'od_slowlog_app', count: insert.count }]);
  expect(insert.hosts).toEqual([{ name: '127.0.0.1', count: insert.count }]);
  const join = byFp.get(fingerprint(`SELECT COUNT(*) FROM ${DB_B}.events e JOIN ${DB_A}.users u ON u.id = e.id WHERE e.kind IN ('a')`))!;
  expect(join.fingerprint).toBe(`select count(*) from ${DB_B}.events e join ${DB_A}.users u on u.id = e.id where e.kind in(?+)`);
  expect(join.databases).toEqual([{ name: DB_A, count: 60 }]);
  const multiLine = byFp.get('select id, name from users where id = ? and name like ?')!;
  expect(multiLine.count).toBe(60);
  expect(multiLine.example.query).toMatch(/^SELECT id,\n {7}name\n {2}FROM users\n WHERE id = \d+\n {3}AND name LIKE 'user%'$/);
  const call = byFp.get('call bump')!;
  expect(call.count).toBe(60);
  expect(byFp.get('select email from users where id = ? and name <> ?')!.example.query).toMatch(/name <> 'Größe'$/);
  expect(report.summary.entries_parsed).toBe(report.summary.entries);
});

test('statements pt-query-digest misreads are read whole', async () => {
  const { report } = await analyze([trickyLog]);
  expect(report.summary.malformed).toBe(0);
  const fps = report.classes.map((c) => c.fingerprint).sort();
  expect(fps).toEqual(['', 'flush slow logs', 'select ?, ?', 'set timestamp = ?', 'use ?'].sort());
  expect(report.classes.find((c) => c.fingerprint === 'select ?, ?')!.example.query).toBe(TRICKY[0]);
  // pt-query-digest cuts the multi-line string at the `#` line and loses or merges the others
  const pt = ptDigest([trickyLog]);
  expect(pt.classes.map((c) => c.fingerprint)).toContain("select 'first");
});

test('gzip input (detected by content) gives the same report as the plain log', async () => {
  const gz = join(tmp.path, 'mix.slow.1');
  writeFileSync(gz, gzipSync(readFileSync(mixLog)));
  const [plain, zipped] = await Promise.all([analyze([mixLog]), analyze([gz])]);
  expect(zipped.report.sources[0]).toMatchObject({ gzip: true, entries: plain.report.summary.entries });
  expect(zipped.report.classes.map((c) => [c.id, c.count, c.query_time])).toEqual(plain.report.classes.map((c) => [c.id, c.count, c.query_time]));
});

test('onedump slow: JSON report valid against its documented schema; --since, --filter, --mask, --sort', async () => {
  const schema = JSON.parse(readFileSync(join(ROOT, 'docs/slowlog-report.schema.json'), 'utf8'));
  const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
  const json = async (...args: string[]): Promise<SlowReport> => {
    const r = await runCli(['slow', mixLog, '--format', 'json', ...args]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as SlowReport;
    expect(validate(report) ? [] : validate.errors).toEqual([]);
    return report;
  };
  const all = await json('--top', '0');
  expect(all.classes.length).toBe(all.summary.classes);
  const since = await json('--since', new Date(secondHalfSince).toISOString());
  expect(since.summary.entries).toBe(second.issued);
  const until = await json('--until', new Date(secondHalfSince).toISOString());
  expect(until.summary.entries).toBe(1 + first.issued);
  const onlyB = await json('--filter', `db=${DB_B}`, '--top', '0');
  expect(onlyB.summary.entries).toBe((first.perDb[DB_B] ?? 0) + (second.perDb[DB_B] ?? 0));
  expect(new Set(onlyB.classes.flatMap((c) => c.databases.map((d) => d.name)))).toEqual(new Set([DB_B]));
  const masked = await json('--mask', '--top', '0');
  const examples = masked.classes.map((c) => c.example.query).join('\n');
  expect(examples).not.toMatch(/a;b|c#d|Größe|user%|kind\d/);
  expect(masked.classes.every((c) => c.example.masked)).toBe(true);
  const byCount = await json('--sort', 'count', '--top', '3');
  expect(byCount.classes.map((c) => c.count)).toEqual([...byCount.classes.map((c) => c.count)].sort((a, b) => b - a));
  expect(byCount.classes).toHaveLength(3);
});

test('onedump slow: the table fits 120 columns; markdown; exit 1 when nothing parses', async () => {
  const table = await runCli(['slow', mixLog, '--top', '50']);
  expect(table.code).toBe(0);
  const lines = table.stdout.split('\n');
  expect(lines.filter((l) => [...l].length > 120)).toEqual([]);
  expect(lines[0]).toMatch(/^onedump slow-log report: 1 source, [\d,]+ entries in \d+ classes$/);
  expect(table.stdout).toContain('Rank ID');
  expect(table.stdout).toMatch(/Query time +[\d.]+(µs|ms|s) /);
  const md = await runCli(['slow', mixLog, '--format', 'markdown', '--top', '2']);
  expect(md.stdout).toMatch(/^# onedump slow-log report/);
  expect(md.stdout).toContain('| Rank | ID | Calls |');
  expect(md.stdout.match(/^## \d+\. `[0-9A-F]{32}`$/gm)).toHaveLength(2);
  const junk = join(tmp.path, 'junk.txt');
  writeFileSync(junk, 'this is not a slow log\nat all\n');
  const bad = await runCli(['slow', junk]);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain(`${junk}:1: malformed entry: statement without a header`);
  expect(bad.stderr).toContain('no entry could be parsed');
});
