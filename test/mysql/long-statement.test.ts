/**
 * Statements far bigger than a socket buffer: `onedump restore` sends them in pieces (long-query.ts),
 * so a ~100 MB INSERT loads the same as with the stock client while the process holds it about once,
 * statements around the 0xFFFFFF-byte packet boundary arrive whole, and a mysql2 whose internals differ
 * from what long-query.ts expects is refused loudly.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2';
import { connectMysql } from '../../src/dumpers/mysql/connection.js';
import { parseMysqlDsn } from '../../src/dumpers/mysql/dsn.js';
import { execParts } from '../../src/dumpers/mysql/long-query.js';
import { trackPeakRss } from '../harness/rss.js';
import { CLI, tempDir } from '../harness/util.js';
import { dropDatabases, mariadb, ROOT_DSN, uniqueName } from './corpus.js';

const ours = uniqueName('long');
const stock = uniqueName('long_stock');
const edges = uniqueName('long_edge');
const t = tempDir('onedump-mysql-long-');
const PACKET = 256 << 20;
let raisedFrom: number | undefined;

const globalPacket = () => Number(mariadb('SELECT @@GLOBAL.max_allowed_packet').trim());

beforeAll(() => {
  // the server must take the statements; other tests run at the same time, so only ever raise it
  const was = globalPacket();
  if (was < PACKET) {
    mariadb(`SET GLOBAL max_allowed_packet = ${PACKET}`);
    raisedFrom = was;
  }
  mariadb(`CREATE DATABASE ${ours}; CREATE DATABASE ${stock}; CREATE DATABASE ${edges}`);
});

afterAll(() => {
  dropDatabases(ours, stock, edges);
  if (raisedFrom !== undefined && globalPacket() === PACKET) mariadb(`SET GLOBAL max_allowed_packet = ${raisedFrom}`);
  t.cleanup();
});

const TABLE = 'SET NAMES utf8mb4;\nCREATE TABLE t (id INT PRIMARY KEY, v LONGTEXT) DEFAULT CHARSET=utf8mb4;\n';

/**
 * A dump of `rows` values of ~1 MiB each (quotes, backslashes, `;`, UTF-8) in one INSERT, or in one
 * INSERT per row (`split`); returns the size of the INSERT(s).
 */
function writeDump(file: string, rows: number, split = false): number {
  const fd = openSync(file, 'w');
  const piece = Buffer.from("abc d\\'e f;g\\\\h é—ü \\n 😀 ;\\'-- x /* y */ '' ", 'utf8');
  let size = 0;
  const put = (b: Buffer | string) => {
    const buf = typeof b === 'string' ? Buffer.from(b) : b;
    writeSync(fd, buf);
    size += buf.length;
  };
  writeSync(fd, TABLE);
  put('INSERT INTO t VALUES ');
  const value = Buffer.concat(Array.from({ length: (1 << 20) / piece.length }, () => piece));
  for (let i = 1; i <= rows; i++) {
    put(`${i === 1 ? '' : split ? ';\nINSERT INTO t VALUES ' : ','}(${i},'${i}:`);
    put(value);
    put("')");
  }
  writeSync(fd, ';\nSELECT 1;\n');
  closeSync(fd);
  return size;
}

async function restorePeak(file: string, db: string): Promise<number> {
  const child = spawn(process.execPath, [CLI, 'restore', '--from', file, '--to', `${ROOT_DSN}/${db}`, '--no-safety-backup'], { cwd: t.path, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const peak = await trackPeakRss(child);
  if (child.exitCode !== 0) throw new Error(`restore of ${file} exited ${child.exitCode}:\n${err}`);
  return peak;
}

const checksum = (db: string) => mariadb(`CHECKSUM TABLE ${db}.t`).split('\t')[1]!.trim();

test('a ~100 MB INSERT restores like the stock client, with peak RSS below baseline + 1.5 × its size', async () => {
  // the baseline: the same data in statements of 1 MiB (the young generation's growth, buffers in flight)
  const small = join(t.path, 'small.sql');
  writeDump(small, 100, true);
  const big = join(t.path, 'big.sql');
  const size = writeDump(big, 100);
  const baseline = await restorePeak(small, ours);
  mariadb(`DROP TABLE ${ours}.t`);
  const peak = await restorePeak(big, ours);

  const stdin = openSync(big, 'r');
  const client = spawn('mariadb', ['--no-defaults', '-uroot', '-h127.0.0.1', '-P3306', '--max-allowed-packet=1G', stock], { stdio: [stdin, 'ignore', 'pipe'] });
  let err = '';
  client.stderr!.on('data', (d) => (err = (err + d).slice(-500)));
  const code = await new Promise((resolve) => client.on('exit', resolve));
  closeSync(stdin);
  expect({ code, err }).toEqual({ code: 0, err: '' });
  expect(mariadb(`SELECT COUNT(*), SUM(LENGTH(v)) FROM ${ours}.t`)).toBe(mariadb(`SELECT COUNT(*), SUM(LENGTH(v)) FROM ${stock}.t`));
  expect(checksum(ours)).toBe(checksum(stock));
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
  process.stdout.write(`peak RSS ${mib(peak)} for a ${mib(size)} statement (baseline ${mib(baseline)})\n`);
  // joined, then encoded by mysql2, the statement was held 3-4 times (baseline + 340 MiB here)
  expect(peak).toBeLessThan(baseline + 1.5 * size);
}, 300_000);

test('statements at the 0xFFFFFF-byte packet boundary (payload = command byte + statement) arrive whole', async () => {
  const sizes = [0xfffffe, 0xffffff, 0x1000000]; // payload exactly one full packet (+ an empty one), then just over
  const file = join(t.path, 'edges.sql');
  const pads: Buffer[] = [];
  const sql = [Buffer.from('CREATE TABLE t (id INT PRIMARY KEY, v LONGBLOB);\n')];
  sizes.forEach((n, i) => {
    const head = `INSERT INTO t VALUES (${i + 1},'`;
    const pad = Buffer.alloc(n - head.length - 2, 'abcdefghijklmnopqrstuvwxyz');
    pads.push(pad);
    sql.push(Buffer.from(head), pad, Buffer.from("');\n"));
  });
  writeFileSync(file, Buffer.concat(sql));
  await restorePeak(file, edges);
  const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
  expect(mariadb(`SELECT id, LENGTH(v), MD5(v) FROM ${edges}.t ORDER BY id`)).toBe(pads.map((p, i) => `${i + 1}\t${p.length}\t${md5(p)}\n`).join(''));
}, 180_000);

test('pieces run as one statement; a mysql2 whose Query command writes something else is refused loudly', async () => {
  const conn = await connectMysql(parseMysqlDsn(`${ROOT_DSN}/`), { charset: 'binary', database: null });
  type Start = (this: { sql: string }, p: unknown, c: { writePacket(p: unknown): void }) => unknown;
  const Query = Object.getPrototypeOf((mysql as unknown as { createQuery: (...a: unknown[]) => object }).createQuery({ sql: '' }, undefined, () => undefined, {})) as { start: Start };
  const start = Query.start;
  try {
    const parts = ['DO ', "'", 'x'.repeat(10), "'"];
    expect(await execParts(conn, parts)).toEqual({ serverStatus: 2, affectedRows: 0 }); // autocommit
    expect(parts).toEqual(['', '', '', '']); // dropped as they were sent
    Query.start = function (p, c) {
      if (this.sql === '') c.writePacket({ buffer: Buffer.from([1, 0, 0, 0, 9]), end: 5 });
      return start.call(this, p, c);
    };
    await expect(execParts(conn, ['DO 1'])).rejects.toThrow(/unsupported mysql2 version: unexpected COM_QUERY packet\(s\) for an empty statement \(payload 09, 03\)/);
  } finally {
    Query.start = start;
    conn.destroy();
  }
});
