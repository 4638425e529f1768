/**
 * Long statements against a private MariaDB (binary log on, max_allowed_packet 32 MiB): a bulk UPDATE's
 * `BINLOG '…'` statement of ~22 MB replays like with the stock client, and a statement over the server's
 * max_allowed_packet is refused with a message that says so.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMariadb, type PrivateMariadb } from '../harness/mariadb.js';
import { runCli, tempDir } from '../harness/util.js';

let server: PrivateMariadb;
const t = tempDir('onedump-mysql-long-binlog-');

beforeAll(async () => {
  server = await startMariadb({ args: ['--max-allowed-packet=32M'] });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  t.cleanup();
});

const restore = (file: string, db: string) => runCli(['restore', '--from', file, '--to', server.dsn(db), '--no-safety-backup'], { cwd: t.path, timeoutMs: 120_000 });
const checksum = (table: string) => server.sql(`CHECKSUM TABLE ${table}`).split('\t')[1]!.trim();

test('a bulk UPDATE replayed from the binlog (one BINLOG statement of ~22 MB) gives the same table as the stock client', async () => {
  for (const db of ['src', 'ours', 'stock']) server.sql(`CREATE DATABASE ${db}; CREATE TABLE ${db}.t (id INT PRIMARY KEY, v LONGBLOB)`);
  const [file, position] = server.sql('SHOW MASTER STATUS').split('\t');
  server.sql('INSERT INTO src.t SELECT seq, REPEAT(MD5(seq), 32768) FROM seq_1_to_8', 'src'); // 8 rows of 1 MiB
  server.sql('UPDATE src.t SET v = REVERSE(v)');
  const files = readdirSync(server.binlogDir).filter((f) => /^mysql-bin\.\d+$/.test(f) && f >= file!).sort();
  const replay = (to: string) => execFileSync('mariadb-binlog', ['--no-defaults', `--start-position=${position}`, `--rewrite-db=src->${to}`, ...files.map((f) => join(server.binlogDir, f))], { maxBuffer: 1 << 28 });
  const [sql, stockSql] = [replay('ours'), replay('stock')]; // before replaying adds to the binlog
  const longest = Math.max(...sql.toString('latin1').split('/*!*/;').map((s) => s.length));
  expect(longest).toBeGreaterThan(20 << 20);
  writeFileSync(join(t.path, 'ours.sql'), sql);
  const r = await restore('ours.sql', 'ours');
  expect(r.stderr).not.toMatch(/failed|error/i);
  expect(r.code).toBe(0);
  execFileSync('mariadb', ['--no-defaults', '-uroot', '-h127.0.0.1', `-P${server.port}`, '--max-allowed-packet=64M'], { input: stockSql });
  expect(checksum('ours.t')).toBe(checksum('stock.t'));
  expect(checksum('ours.t')).toBe(checksum('src.t'));
}, 120_000);

test('a statement over max_allowed_packet is refused before it is sent, naming the limit', async () => {
  server.sql('CREATE DATABASE big; CREATE TABLE big.t (v LONGBLOB)');
  const pad = Buffer.alloc(40 << 20, 'x');
  writeFileSync(join(t.path, 'big.sql'), Buffer.concat([Buffer.from("SELECT 1;\nINSERT INTO t VALUES ('"), pad, Buffer.from("');\n")]));
  const r = await restore('big.sql', 'big');
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`restore failed at line 2 (INSERT INTO t VALUES ('xxx`);
  expect(r.stderr).toContain(`the statement is ${pad.length + 25} bytes, more than the server's max_allowed_packet (33554432); raise it on the server (SET GLOBAL max_allowed_packet = 67108864) and retry`);
}, 60_000);
