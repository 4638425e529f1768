/**
 * Consistency and binlog coordinates, against a private binlog-enabled MariaDB: a dump taken while
 * transactions commit, plus `mariadb-binlog` output from the recorded position replayed through the
 * restore executor, equals the source at the end — so the snapshot and its coordinates are exact.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import mysql from 'mysql2/promise';
import { startMariadb, type PrivateMariadb } from '../harness/mariadb.js';
import { databaseDrivers } from '../../src/dumpers/registry.js';
import { logger } from '../../src/util/log.js';
import type { DumpInfo } from '../../src/dumpers/types.js';
import { dropDatabases, mariadb, ROOT_DSN, uniqueName } from './corpus.js';

let server: PrivateMariadb;
const log = logger();
const shared: string[] = [];

beforeAll(async () => {
  server = await startMariadb();
  server.sql("CREATE DATABASE app");
  server.sql(`
    CREATE TABLE app.acct (id INT AUTO_INCREMENT PRIMARY KEY, owner INT, amount BIGINT) ENGINE=InnoDB;
    CREATE TABLE app.audit (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(40)) ENGINE=MyISAM;
    INSERT INTO app.acct (owner, amount) SELECT seq % 100, 1000 FROM seq_1_to_60000;`, "app");
}, 60_000);

afterAll(async () => {
  await server.stop();
  dropDatabases(...shared);
});

/** Commits transfers (the total never changes) and MyISAM inserts until stopped. */
function startWriter(audit: boolean): { stop(): Promise<number> } {
  let running = true;
  let n = 0;
  const done = (async () => {
    const c = await mysql.createConnection({ host: '127.0.0.1', port: server.port, user: 'root', database: 'app' });
    while (running) {
      await c.beginTransaction();
      const from = 1 + (n % 60000);
      await c.query('UPDATE acct SET amount = amount - 7 WHERE id = ?', [from]);
      await c.query('UPDATE acct SET amount = amount + 7 WHERE id = ?', [60001 - from]);
      await c.query('INSERT INTO acct (owner, amount) VALUES (?, 0)', [n]);
      await c.commit();
      if (audit) await c.query('INSERT INTO audit (note) VALUES (?)', [`w${n}`]);
      n++;
    }
    await c.end();
  })();
  return { stop: async () => { running = false; await done; return n; } };
}

async function dumpNative(extra: Record<string, unknown>): Promise<{ sql: Buffer; info: DumpInfo }> {
  const dumper = await databaseDrivers.get('mysql').createDumper({ driver: 'mysql', dsn: server.dsn('app'), ...extra }, { log, baseDir: '/tmp' });
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const info = await dumper.dump(out, { signal: new AbortController().signal });
  return { sql: Buffer.concat(chunks), info };
}

/** Restores `sql` into a new shared database, then replays the binlog from the dump's position. */
async function restoreAndReplay(sql: Buffer, snap: Record<string, unknown>): Promise<string> {
  const to = uniqueName('snap');
  shared.push(to);
  const restore = databaseDrivers.get('mysql').restore;
  await restore(Readable.from([sql]), `${ROOT_DSN}/${to}`, { signal: new AbortController().signal, log, safetyBackup: false });
  const files = readdirSync(server.binlogDir).filter((f) => /^mysql-bin\.\d+$/.test(f) && f >= String(snap.binlog_file)).sort();
  const binlog = execFileSync('mariadb-binlog', ['--no-defaults', `--start-position=${snap.binlog_position}`, `--rewrite-db=app->${to}`, ...files.map((f) => join(server.binlogDir, f))], { maxBuffer: 1 << 30 });
  await restore(Readable.from([binlog]), `${ROOT_DSN}/${to}`, { signal: new AbortController().signal, log, safetyBackup: false });
  return to;
}

const checksums = (rows: string) => rows.trim().split('\n').map((l) => l.split('\t')[1]);

test.each([
  ['one worker, no lock (MariaDB snapshot coordinates)', { lock: 'none', tables: ['acct'] }, 'snapshot'],
  ['parallel: 2 with a MyISAM table (brief global read lock)', { parallel: 2 }, 'lock'],
])('%s: dump + binlog replay from the recorded position = source', async (_name, extra, method) => {
  const writer = startWriter(!(extra as { tables?: string[] }).tables);
  await new Promise((r) => setTimeout(r, 300));
  const { sql, info } = await dumpNative(extra);
  await new Promise((r) => setTimeout(r, 300));
  const writes = await writer.stop();
  expect(writes).toBeGreaterThan(5);
  const snap = info.snapshot as Record<string, unknown>;
  expect(snap).toMatchObject({ method, binlog_file: expect.stringMatching(/^mysql-bin\.\d{6}$/), binlog_position: expect.any(Number), gtid_binlog_pos: expect.stringMatching(/^0-1-\d+$/) });
  expect(sql.toString('utf8')).toContain(`-- CHANGE MASTER TO MASTER_LOG_FILE='${snap.binlog_file}', MASTER_LOG_POS=${snap.binlog_position};`);
  expect(sql.toString('utf8')).toContain(`-- SET GLOBAL gtid_slave_pos='${snap.gtid_binlog_pos}';`);
  const to = await restoreAndReplay(sql, snap);
  const tables = (extra as { tables?: string[] }).tables ?? ['acct', 'audit'];
  const list = (db: string) => tables.map((t) => `\`${db}\`.${t}`).join(', ');
  expect(checksums(mariadb(`CHECKSUM TABLE ${list(to)}`))).toEqual(checksums(server.sql(`CHECKSUM TABLE ${list('app')}`)));
  expect(mariadb(`SELECT SUM(amount) FROM \`${to}\`.acct`).trim()).toBe(String(60000 * 1000));
}, 120_000);

test('the mysqldump driver records the coordinates mariadb-dump prints (--master-data=2 --gtid)', async () => {
  const dumper = await databaseDrivers.get('mysqldump').createDumper({ driver: 'mysqldump', dsn: server.dsn('app') }, { log, baseDir: '/tmp' });
  const out = new PassThrough();
  out.resume();
  const before = server.sql('SHOW MASTER STATUS').split('\t');
  const info = await dumper.dump(out, { signal: new AbortController().signal });
  expect(info.snapshot).toEqual({ method: 'mysqldump', binlog_file: before[0], binlog_position: Number(before[1]), gtid_binlog_pos: server.sql('SELECT @@gtid_binlog_pos').trim() });
  expect(info.tables).toMatchObject({ audit: expect.any(Number), acct: expect.any(Number) });
});
