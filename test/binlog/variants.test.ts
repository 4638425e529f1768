/**
 * Point-in-time restore on binlogs written with the server settings real deployments use, not only the
 * harness defaults (ROW, CRC32, uncompressed): each variant starts its own private MariaDB with extra
 * options and runs the same small scenario — dump → changes across rotations (a transaction spanning a
 * rotation, large statements that get compressed) → mark → destructive change → archive → restore to
 * the mark → the data equals the state at the mark.
 */
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type mysql from 'mysql2/promise';
import { BinlogScanner } from '../../src/binlog/scanner.js';
import { startMariadb, type PrivateMariadb } from '../harness/mariadb.js';
import { runCli, tempDir } from '../harness/util.js';
import { archived, databaseState, nextSecond, pairJobs, session, writeJobs } from './helpers.js';

interface Variant {
  name: string;
  args: string[];
  /** Restart the server in the middle of the chain (the file ends with a Stop event). */
  restart?: boolean;
  /** Some transactions in GTID domain 2. */
  domains?: boolean;
  /** What the binlogs must show for the scenario to be what it claims. */
  claim?(seen: Seen): boolean;
}

interface Seen {
  types: Set<number>;
  checksums: boolean[];
  ends: string[];
}

/** Event types, checksum flags and file endings of every binlog the server wrote. */
function scanAll(dir: string): Seen {
  const seen: Seen = { types: new Set(), checksums: [], ends: [] };
  for (const name of readdirSync(dir).filter((n) => /\.\d+$/.test(n)).sort()) {
    const scanner = new BinlogScanner(name, (e) => seen.types.add(e.header.type));
    scanner.push(readFileSync(join(dir, name)));
    seen.checksums.push(scanner.summary.checksum);
    seen.ends.push(scanner.summary.end);
  }
  return seen;
}

const VARIANTS: Variant[] = [
  { name: 'binlog_checksum=NONE', args: ['--binlog-checksum=NONE'], claim: (s) => s.checksums.every((c) => !c) },
  // compressed query (165) and row events (166–171)
  { name: 'log_bin_compress=ON', args: ['--log-bin-compress=ON', '--log-bin-compress-min-len=10'], claim: (s) => s.types.has(165) && [...s.types].some((t) => t >= 166 && t <= 171) },
  { name: 'binlog_row_image=MINIMAL', args: ['--binlog-row-image=MINIMAL'] },
  // no table map event (19): every change travels as a statement
  { name: 'binlog_format=STATEMENT', args: ['--binlog-format=STATEMENT'], claim: (s) => !s.types.has(19) },
  { name: 'a restart in the middle of the chain', args: [], restart: true, claim: (s) => s.ends.includes('stop') },
  { name: 'gtid_strict_mode=ON with a second GTID domain', args: ['--gtid-strict-mode=ON'], domains: true },
];

let B: PrivateMariadb;
const t = tempDir('onedump-binlog-variants-');

beforeAll(async () => {
  B = await startMariadb({ binlog: false });
}, 60_000);

afterAll(async () => {
  await B?.stop();
  t.cleanup();
});

/**
 * Writes a dump job and a binlog job for `A`'s database app, takes the dump, runs `body`, and afterwards
 * drops what a restore made on B.
 */
async function withDump(A: PrivateMariadb, body: (jobs: string, store: string) => Promise<void>, extraJobs?: string): Promise<void> {
  const dir = tempDir('onedump-binlog-variant-');
  try {
    const jobs = writeJobs(dir.path, pairJobs({ store: join(dir.path, 'arch'), db: A, dump: 'app-db', binlog: 'app-binlogs', extra: extraJobs }));
    expect((await runCli(['run', jobs, '--job', 'app-db'])).code).toBe(0);
    await body(jobs, join(dir.path, 'arch'));
  } finally {
    B.sql('DROP DATABASE IF EXISTS app; DROP DATABASE IF EXISTS other');
    dir.cleanup();
  }
}

const restoreTo = (jobs: string, ...stop: string[]) => restoreFrom('app-binlogs', jobs, ...stop);
const restoreFrom = (job: string, jobs: string, ...stop: string[]) => runCli(['binlog', 'restore', jobs, '--job', job, '--to', B.dsn('app'), ...stop]);

const note = (i: number) => `row ${i} ${'long enough to be compressed; '.repeat(4)}`;

/** Changes over three rotations, with a transaction open across one of them; closes the sessions. */
async function changes(A: PrivateMariadb, v: Variant, s1: mysql.Connection, s2: mysql.Connection): Promise<void> {
  for (let i = 21; i <= 40; i++) await s1.query('INSERT INTO app.accounts VALUES (?, ?, ?, ?)', [i, `owner ${i}`, i * 2.5, note(i)]);
  await s2.query('FLUSH BINARY LOGS');
  await s1.query('BEGIN');
  await s1.query('UPDATE app.accounts SET balance = balance + 1 WHERE id % 3 = 0');
  await s2.query('FLUSH BINARY LOGS');
  await s1.query("INSERT INTO app.accounts VALUES (100, 'in the spanning transaction', 1.5, 'x')");
  await s1.query('COMMIT');
  if (v.domains) {
    await s2.query('SET SESSION gtid_domain_id = 2');
    await s2.query('INSERT INTO app.counters VALUES (?, 1)', ['domain 2']);
    await s2.query('UPDATE app.accounts SET owner = CONCAT(owner, " (d2)") WHERE id < 5');
    await s2.query('SET SESSION gtid_domain_id = 0');
  }
  if (v.restart) {
    await Promise.all([s1.end(), s2.end()]);
    await A.restart();
    [s1, s2] = await Promise.all([session(A), session(A)]);
  }
  await s1.query('DELETE FROM app.accounts WHERE id BETWEEN 30 AND 33');
  await s1.query('UPDATE app.accounts SET note = ? WHERE id = 21', [note(2100)]);
  await s1.query("INSERT INTO app.counters VALUES ('deletes', 4) ON DUPLICATE KEY UPDATE n = n + 4");
  await Promise.all([s1.end(), s2.end()]);
}

describe.each(VARIANTS)('point-in-time restore with $name', (v) => {
  let A: PrivateMariadb;
  beforeAll(async () => {
    A = await startMariadb({ args: v.args });
  }, 60_000);
  afterAll(async () => {
    await A?.stop();
  });

  test('restores the state at the recorded GTID and time, without the destructive change', async () => {
    A.sql(`CREATE DATABASE app;
      CREATE TABLE app.accounts (id INT PRIMARY KEY, owner VARCHAR(100), balance DECIMAL(10,2), note TEXT) ENGINE=InnoDB;
      CREATE TABLE app.counters (name VARCHAR(20) PRIMARY KEY, n INT) ENGINE=MyISAM;`);
    for (let i = 1; i <= 20; i++) A.sql(`INSERT INTO app.accounts VALUES (${i}, 'owner ${i}', ${i}.25, '${note(i)}')`);
    await withDump(A, async (jobs) => {
      const [s1, s2] = await Promise.all([session(A), session(A)]);
      await changes(A, v, s1, s2);
      const mark = A.sql('SELECT @@gtid_binlog_pos').trim().split(',').find((g) => g.startsWith('0-'))!;
      const state = databaseState(A, 'app');
      const second = new Date((await nextSecond()) * 1000).toISOString().slice(0, 19).replace('T', ' ');
      A.sql('UPDATE app.accounts SET balance = 0; DROP TABLE app.counters; FLUSH BINARY LOGS');
      const archive = await runCli(['run', jobs, '--job', 'app-binlogs']);
      expect(archive.stderr).not.toMatch(/"level":"(warn|error)"/);
      expect(archive.code).toBe(0);
      let r = await restoreTo(jobs, '--stop-gtid', mark);
      if (v.domains) {
        // one GTID of domain 0 cannot say what to do with domain 2: refused, naming the position that keeps every domain
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/--stop-gtid 0-1-\d+ names GTID domain 0, but the binlogs to replay also hold transactions of domain 2 \(2-1-1 at mysql-bin\.\d+:\d+\)/);
        expect(B.sql('SHOW DATABASES')).not.toMatch(/^app$/m);
        r = await restoreTo(jobs, '--stop-position', /use --stop-position (\S+)/.exec(r.stderr)![1]!);
      }
      expect(r.stderr).not.toMatch(/onedump: /);
      expect(r.code).toBe(0);
      expect(databaseState(B, 'app')).toEqual(state);
      B.sql('DROP DATABASE app');
      const byTime = await restoreTo(jobs, '--stop-datetime', second, '--timezone', 'UTC');
      expect(byTime.code).toBe(0);
      expect(databaseState(B, 'app')).toEqual(state);
      expect(v.claim?.(scanAll(A.binlogDir)) ?? true).toBe(true);
    });
  }, 60_000);
});

describe('compressed statements (log_bin_compress, STATEMENT format) that change another database', () => {
  let A: PrivateMariadb;
  beforeAll(async () => {
    A = await startMariadb({ args: ['--log-bin-compress=ON', '--log-bin-compress-min-len=10', '--binlog-format=STATEMENT'] });
  }, 60_000);
  afterAll(async () => {
    await A?.stop();
  });

  test('are found by the scope check, like uncompressed ones', async () => {
    A.sql('CREATE DATABASE app; CREATE TABLE app.t (i INT PRIMARY KEY) ENGINE=InnoDB; CREATE DATABASE other; CREATE TABLE other.x (i INT PRIMARY KEY)');
    await withDump(A, async (jobs) => {
      A.sql('INSERT INTO app.t VALUES (1), (2)');
      A.sql('INSERT INTO x VALUES (10), (20), (30); FLUSH BINARY LOGS', 'other'); // default database other
      const gtid = A.sql('SELECT @@gtid_binlog_pos').trim();
      expect(scanAll(A.binlogDir).types.has(165)).toBe(true);
      expect((await runCli(['run', jobs, '--job', 'app-binlogs'])).code).toBe(0);
      const r = await restoreTo(jobs, '--stop-gtid', gtid);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/also change database other \(first at mysql-bin\.000001:\d+\)/);
      expect(B.sql('SHOW DATABASES')).not.toMatch(/^(app|other)$/m);
    });
  }, 60_000);
});

describe('encrypted binlogs (encrypt_binlog with file_key_management)', () => {
  let A: PrivateMariadb;
  const keys = tempDir('onedump-binlog-keys-');
  beforeAll(async () => {
    chmodSync(keys.path, 0o755);
    writeFileSync(join(keys.path, 'keys.txt'), `1;${'5e'.repeat(32)}\n`, { mode: 0o644 });
    A = await startMariadb({ args: ['--plugin-load-add=file_key_management', `--file-key-management-filename=${join(keys.path, 'keys.txt')}`, '--encrypt-binlog=ON'] });
  }, 60_000);
  afterAll(async () => {
    await A?.stop();
    keys.cleanup();
  });

  test('are archived byte for byte and refused by a restore in one line; over replication they arrive decrypted and replay', async () => {
    A.sql('CREATE DATABASE app; CREATE TABLE app.t (i INT PRIMARY KEY) ENGINE=InnoDB; INSERT INTO app.t VALUES (1)');
    await withDump(A, async (jobs, store) => {
      A.sql('INSERT INTO app.t VALUES (2); FLUSH BINARY LOGS; INSERT INTO app.t VALUES (3); FLUSH BINARY LOGS');
      const gtid = A.sql('SELECT @@gtid_binlog_pos').trim();
      const archive = await runCli(['run', jobs, '--job', 'app-binlogs']);
      expect(archive.code).toBe(0);
      const { files, manifests } = archived(join(store, 'app-binlogs'));
      for (const name of ['mysql-bin.000001', 'mysql-bin.000002']) {
        expect(files.get(`${name}.gz`)!.equals(readFileSync(join(A.binlogDir, name)))).toBe(true);
        expect(manifests.get(`${name}.gz`)!.encrypted).toBe(true);
      }
      const r = await restoreTo(jobs, '--stop-gtid', gtid);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toMatch(/^onedump: binlog mysql-bin\.00000\d is encrypted \(encrypt_binlog=ON\): mariadb-binlog cannot decrypt [^\n]*$/);
      expect(B.sql('SHOW DATABASES')).not.toMatch(/^app$/m);
      // read over the replication protocol, the server sends the events decrypted: that archive replays
      expect((await runCli(['run', jobs, '--job', 'app-repl'])).code).toBe(0);
      expect(archived(join(store, 'app-repl')).manifests.get('mysql-bin.000002.gz')!.encrypted).toBeUndefined();
      const repl = await restoreFrom('app-repl', jobs, '--stop-gtid', gtid);
      expect(repl.stderr).not.toMatch(/onedump: /);
      expect(B.sql('SELECT i FROM app.t ORDER BY i')).toBe('1\n2\n3\n');
    }, `  - name: app-repl
    type: binlog
    mode: replication
    dsn: "${A.dsn()}"
    to: [arch]
    dump_job: app-db
`);
  }, 60_000);
});
