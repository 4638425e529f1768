/**
 * Point-in-time restore end to end: a dump, then changes over several binlog rotations (a transaction
 * spanning a rotation, a temporary table used across files, DDL), a recorded moment, a destructive
 * change, archiving — then `onedump binlog restore` into a second server, proving the data equals the
 * state at that moment (CHECKSUM TABLE, row hashes, SHOW CREATE TABLE) and the destructive change is
 * absent. Also: gaps detected before anything is touched, stop-position / stop-gtid, --from-dir, dry run.
 *
 * The source logs in MIXED format, so the temporary table really travels through the binlog as
 * statements and must survive from one file to the next within one replay.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type mysql from 'mysql2/promise';
import { startMariadb, type PrivateMariadb } from '../harness/mariadb.js';
import { runCli, tempDir } from '../harness/util.js';
import { databaseState, nextSecond, session, writeJobs, type TableState } from './helpers.js';

let A: PrivateMariadb;
let B: PrivateMariadb;
const t = tempDir('onedump-binlog-pitr-');
let jobs: string;
const marks: { position?: string; gtid?: string; time?: number; tempTableFiles?: string[] } = {};
const states: Record<'position' | 'gtid' | 'time', Record<string, TableState>> = { position: {}, gtid: {}, time: {} };

const hostile = (i: number) => [
  i, i % 5 === 0 ? null : `Ünïcödé ${i} 'quote' "dq" \\back\\ 😀 ${'x'.repeat(i % 50)}`, (i * 37.5).toFixed(2),
  i % 3 ? `line1\nline2\ttab ${i}` : '', Buffer.from([0, 255, 39, 34, 92, 10, 13, 26, i % 256]),
];

async function changesBeforePosition(s1: mysql.Connection, s2: mysql.Connection): Promise<void> {
  for (let i = 101; i <= 150; i++) await s1.query('INSERT INTO app.accounts (id, owner, balance, note, data, updated) VALUES (?, ?, ?, ?, ?, NOW(6))', hostile(i));
  await s2.query('FLUSH BINARY LOGS');
  // a transaction that is open while the server rotates
  await s1.query('BEGIN');
  await s1.query('UPDATE app.accounts SET balance = balance + 1.25 WHERE id <= 50');
  await s2.query('FLUSH BINARY LOGS');
  await s1.query("INSERT INTO app.events (kind, payload) VALUES ('bonus', 'ids 1-50 +1.25')");
  await s1.query('COMMIT');
  await s1.query("INSERT INTO app.counters VALUES ('bonus', 1) ON DUPLICATE KEY UPDATE n = n + 1");
}

async function changesBeforeGtid(s1: mysql.Connection, s2: mysql.Connection): Promise<void> {
  // a temporary table created in one binlog file and used in the next two
  await s1.query('CREATE TEMPORARY TABLE app.tmp_moves (id INT PRIMARY KEY, delta DECIMAL(14,2))');
  await s1.query('INSERT INTO app.tmp_moves SELECT id, (id % 7) * 3.5 FROM app.accounts WHERE id % 4 = 0');
  const created = (await s2.query('SHOW MASTER STATUS') as [{ File: string }[], unknown])[0][0]!.File;
  await s2.query('FLUSH BINARY LOGS');
  await s1.query('UPDATE app.accounts a JOIN app.tmp_moves m ON a.id = m.id SET a.balance = a.balance + m.delta');
  await s2.query('FLUSH BINARY LOGS');
  await s1.query("INSERT INTO app.events (kind, payload) SELECT 'move', CONCAT(id, ':', delta) FROM app.tmp_moves");
  const used = (await s2.query('SHOW MASTER STATUS') as [{ File: string }[], unknown])[0][0]!.File;
  marks.tempTableFiles = [created, used];
  await s1.query('DROP TEMPORARY TABLE app.tmp_moves');
  await s1.query('ALTER TABLE app.accounts ADD COLUMN tier TINYINT NOT NULL DEFAULT 1');
  await s1.query('UPDATE app.accounts SET tier = 2 WHERE balance > 2000');
  await s1.query('DELETE FROM app.events WHERE id % 3 = 0');
}

beforeAll(async () => {
  [A, B] = await Promise.all([startMariadb({ args: ['--binlog-format=MIXED'] }), startMariadb({ binlog: false })]);
  A.sql(`CREATE DATABASE app;
    CREATE TABLE app.accounts (id INT PRIMARY KEY, owner VARCHAR(200) CHARACTER SET utf8mb4, balance DECIMAL(14,2) NOT NULL, note TEXT, data BLOB, updated DATETIME(6)) ENGINE=InnoDB;
    CREATE TABLE app.events (id BIGINT AUTO_INCREMENT PRIMARY KEY, kind VARCHAR(20), payload LONGTEXT) ENGINE=InnoDB;
    CREATE TABLE app.counters (name VARCHAR(20) PRIMARY KEY, n INT) ENGINE=MyISAM;`);
  const [s1, s2] = await Promise.all([session(A), session(A)]);
  try {
    for (let i = 1; i <= 100; i++) await s1.query('INSERT INTO app.accounts (id, owner, balance, note, data, updated) VALUES (?, ?, ?, ?, ?, NOW(6))', hostile(i));
    jobs = writeJobs(t.path, `
storages:
  arch: { type: local, path: ./arch }
  gapped: { type: local, path: ./gapped }
jobs:
  - name: app-db
    type: dump
    database: { driver: mysql, dsn: "${A.dsn('app')}", protected: true }
    to: [arch]
  - name: app-binlogs
    type: binlog
    mode: files
    dir: ${A.binlogDir}
    to: [arch]
    dump_job: app-db
  - name: live-binlogs
    type: binlog
    mode: files
    dir: ${A.binlogDir}
    prefix: live/
    include_active: true
    to: [arch]
    dump_job: app-db
  - name: gapped-binlogs
    type: binlog
    mode: files
    dir: ${A.binlogDir}
    prefix: app-binlogs/
    to: [gapped]
    dump_job: app-db
`);
    const dump = await runCli(['run', jobs, '--job', 'app-db']);
    expect(dump.code).toBe(0);
    await changesBeforePosition(s1, s2);
    const [pos] = (await s2.query('SHOW MASTER STATUS')) as [{ File: string; Position: number }[], unknown];
    marks.position = `${pos[0]!.File}:${pos[0]!.Position}`;
    states.position = databaseState(A, 'app');
    await changesBeforeGtid(s1, s2);
    marks.gtid = A.sql('SELECT @@gtid_binlog_pos').trim();
    states.gtid = databaseState(A, 'app');
    for (let i = 151; i <= 170; i++) await s1.query('INSERT INTO app.accounts (id, owner, balance, note, data, updated) VALUES (?, ?, ?, ?, ?, NOW(6))', hostile(i));
    await s2.query('FLUSH BINARY LOGS');
    await s1.query("UPDATE app.counters SET n = n + 10 WHERE name = 'bonus'");
    marks.time = await nextSecond();
    states.time = databaseState(A, 'app');
    // the disaster
    await s1.query('DROP TABLE app.events');
    await s1.query('UPDATE app.accounts SET balance = 0');
    await s2.query('FLUSH BINARY LOGS');
  } finally {
    await Promise.all([s1.end(), s2.end()]);
  }
  const archive = await runCli(['run', jobs, '--job', 'app-binlogs']);
  expect(archive.code).toBe(0);
}, 120_000);

afterAll(async () => {
  await Promise.all([A?.stop(), B?.stop()]);
  t.cleanup();
});

const databasesOnB = () => B.sql('SHOW DATABASES').split('\n').filter(Boolean);
const restore = (...args: string[]) => runCli(['binlog', 'restore', jobs, '--to', B.dsn('app'), ...args], { cwd: t.path });

function wallTime(epoch: number, zone: string): string {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-CA', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
    .formatToParts(new Date(epoch * 1000)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

test('the scenario is what it claims: a temporary table used across binlog files, a disaster after the recorded time', () => {
  const [created, used] = marks.tempTableFiles!;
  expect(created).not.toBe(used);
  const sql = execFileSync('mariadb-binlog', ['--no-defaults', join(A.binlogDir, created!)], { encoding: 'latin1' });
  expect(sql).toMatch(/CREATE TEMPORARY TABLE app\.tmp_moves/);
  expect(A.sql("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='app' AND table_name='events'").trim()).toBe('0');
  expect(Object.keys(states.time)).toEqual(['accounts', 'counters', 'events']);
});

test('a gap in the archive is detected before anything is touched, naming the missing file', async () => {
  cpSync(join(t.path, 'arch'), join(t.path, 'gapped'), { recursive: true });
  const missing = marks.position!.split(':')[0]!;
  rmSync(join(t.path, 'gapped', 'app-binlogs', `${missing}.gz`));
  const r = await restore('--job', 'gapped-binlogs', '--stop-datetime', wallTime(marks.time!, 'UTC'), '--timezone', 'UTC');
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`binlog ${missing} is missing from storage gapped`);
  expect(databasesOnB()).not.toContain('app');
});

test('restores the state as of a recorded time (given in another time zone), without the destructive change', async () => {
  const zone = 'America/St_Johns'; // UTC−3:30 / −2:30: a wrong offset would land far from the recorded second
  const r = await restore('--job', 'app-binlogs', '--stop-datetime', wallTime(marks.time!, zone), '--timezone', zone);
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.code).toBe(0);
  expect(databaseState(B, 'app')).toEqual(states.time);
  expect(Number(B.sql('SELECT SUM(balance) FROM app.accounts').trim())).toBeGreaterThan(0);
  B.sql('DROP DATABASE app');
}, 60_000);

test('--stop-gtid restores up to and including that transaction', async () => {
  const r = await restore('--job', 'app-binlogs', '--stop-gtid', marks.gtid!);
  expect(r.code).toBe(0);
  expect(databaseState(B, 'app')).toEqual(states.gtid);
  B.sql('DROP DATABASE app');
}, 60_000);

test('--stop-position with --from-dir replays binlogs straight from a directory', async () => {
  const r = await restore('--job', 'app-db', '--stop-position', marks.position!, '--from-dir', A.binlogDir);
  expect(r.stderr).not.toMatch(/onedump: /);
  expect(r.code).toBe(0);
  expect(databaseState(B, 'app')).toEqual(states.position);
  B.sql('DROP DATABASE app');
}, 60_000);

test('--dry-run verifies, prints the plan and the SQL stream, and changes nothing', async () => {
  const r = await restore('--job', 'app-binlogs', '--stop-datetime', wallTime(marks.time!, 'UTC'), '--timezone', 'UTC', '--dry-run');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^-- onedump binlog restore — dry run/);
  expect(r.stdout).toMatch(/^-- base dump: +arch:app-db\//m);
  expect(r.stdout).toMatch(/^-- replay: +mariadb-binlog --no-defaults --start-position=\d+ --stop-position=\d+ mysql-bin\.\d+/m);
  expect(r.stdout).toContain('CREATE TEMPORARY TABLE app.tmp_moves');
  expect(r.stdout).not.toMatch(/DROP TABLE `?app`?\.`?events/i);
  expect(databasesOnB()).not.toContain('app');
}, 60_000);

test('a stop point in the file the server is still writing is reached through its partial copy (include_active)', async () => {
  A.sql("INSERT INTO app.accounts (id, owner, balance) VALUES (9001, 'written after the last rotation', 1.5)");
  const gtid = A.sql('SELECT @@gtid_binlog_pos').trim();
  const state = databaseState(A, 'app');
  expect((await runCli(['run', jobs, '--job', 'live-binlogs'])).code).toBe(0);
  const dry = await restore('--job', 'live-binlogs', '--stop-gtid', gtid, '--dry-run');
  expect(dry.stdout).toMatch(/^-- binlogs: .*\(partial\)$/m);
  const r = await restore('--job', 'live-binlogs', '--stop-gtid', gtid);
  expect(r.code).toBe(0);
  expect(databaseState(B, 'app')).toEqual(state);
  B.sql('DROP DATABASE app');
}, 60_000);

test('stop points that cannot be reached fail clearly before anything is touched', async () => {
  const early = await restore('--job', 'app-binlogs', '--stop-datetime', '2001-01-01 00:00:00', '--timezone', 'UTC');
  expect(early.code).toBe(1);
  expect(early.stderr).toMatch(/no dump of job app-db was taken before the stop point/);
  const [file, pos] = marks.position!.split(':');
  const mid = await restore('--job', 'app-binlogs', '--stop-position', `${file}:${Number(pos) - 3}`);
  expect(mid.code).toBe(1);
  expect(mid.stderr).toMatch(/is not where an event starts/);
  const gtid = await restore('--job', 'app-binlogs', '--stop-gtid', '0-1-999999');
  expect(gtid.code).toBe(1);
  expect(gtid.stderr).toMatch(/GTID 0-1-999999 is not in the binlogs/);
  const late = await restore('--job', 'app-binlogs', '--stop-datetime', wallTime(Math.floor(Date.now() / 1000) + 3600, 'UTC'), '--timezone', 'UTC');
  expect(late.code).toBe(1);
  expect(late.stderr).toMatch(/cannot tell what happened up to .*archive newer binlogs first/);
  const bad = await restore('--job', 'app-binlogs', '--stop-datetime', '2026-02-30 10:00:00');
  expect(bad.code).toBe(2);
  expect(databasesOnB()).not.toContain('app');
}, 60_000);

test('a restore under another database name, or into the protected source database, is refused', async () => {
  const r = await runCli(['binlog', 'restore', jobs, '--job', 'app-binlogs', '--to', B.dsn('app_copy'), '--stop-gtid', marks.gtid!], { cwd: t.path });
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/cannot restore app as "app_copy".*must keep its name/);
  expect(databasesOnB()).not.toContain('app_copy');
  const own = await runCli(['binlog', 'restore', jobs, '--job', 'app-binlogs', '--to', A.dsn('app'), '--stop-gtid', marks.gtid!], { cwd: t.path });
  expect(own.code).toBe(2);
  expect(own.stderr).toMatch(/is protected \(protected: true in .*jobs\.yaml\)/);
}, 60_000);

test('binlogs that also change a database the dump lacks are refused, unless --database limits the replay', async () => {
  A.sql("CREATE DATABASE other; CREATE TABLE other.x (i INT PRIMARY KEY); INSERT INTO other.x VALUES (1); FLUSH BINARY LOGS");
  const gtid = A.sql('SELECT @@gtid_binlog_pos').trim();
  expect((await runCli(['run', jobs, '--job', 'app-binlogs'])).code).toBe(0);
  const refused = await restore('--job', 'app-binlogs', '--stop-gtid', gtid);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/also change database other \(first at mysql-bin\.\d+:\d+\), which dump .* does not contain.*--database app/);
  expect(databasesOnB()).not.toContain('app');
  const limited = await restore('--job', 'app-binlogs', '--stop-gtid', gtid, '--database', 'app');
  expect(limited.code).toBe(0);
  expect(limited.stderr).toContain('replaying only events of database app');
  expect(databasesOnB()).toContain('app');
  expect(databasesOnB()).not.toContain('other');
  B.sql('DROP DATABASE app');
}, 60_000);
