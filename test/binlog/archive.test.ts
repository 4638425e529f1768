/**
 * Binlog archiving against a private binlog-enabled MariaDB: status, the `binlog` job in files and
 * replication mode, partial copies of the active file, concurrent writes, refusal of truncated or
 * changed files, retention guarded by the dumps, and following the server in the daemon.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMariadb, type PrivateMariadb } from '../harness/mariadb.js';
import { runCli, startCli, tempDir, waitFor } from '../harness/util.js';
import { archivePass } from '../../src/binlog/archive.js';
import { DirectorySource } from '../../src/binlog/source-files.js';
import { BinlogScanner } from '../../src/binlog/scanner.js';
import { LocalStorage } from '../../src/storages/local.js';
import { archived, pairJobs, quietLog, session, writeJobs } from './helpers.js';

let db: PrivateMariadb;
const t = tempDir('onedump-binlog-archive-');
const log = quietLog();

beforeAll(async () => {
  db = await startMariadb();
  db.sql('CREATE DATABASE app; CREATE TABLE app.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(100), b BLOB)');
  for (let i = 0; i < 3; i++) db.sql(`INSERT INTO app.t (v, b) VALUES ('row ${i}', UNHEX('00FF27225C0A')); FLUSH BINARY LOGS;`);
}, 60_000);

afterAll(async () => {
  await db?.stop();
  t.cleanup();
});

const serverFiles = () => db.sql('SHOW BINARY LOGS').split('\n').filter(Boolean).map((l) => l.split('\t')[0]!);
const binlog = (name: string) => readFileSync(join(db.binlogDir, name));

function withoutInUseFlag(b: Buffer): Buffer {
  const copy = Buffer.from(b);
  copy[21] = copy[21]! & ~1;
  return copy;
}

function filesJob(name: string, storageDir: string, extra = ''): string {
  const dir = join(t.path, name);
  mkdirSync(dir, { recursive: true });
  return writeJobs(dir, `
storages:
  arch: { type: local, path: ${storageDir} }
jobs:
  - name: ${name}
    type: binlog
    mode: files
    dir: ${db.binlogDir}
    to: [arch]
${extra}`);
}

test('binlog status reports the files, the current position and the GTID state as JSON', async () => {
  const position = () => Number(db.sql('SHOW MASTER STATUS').split('\t')[1]);
  const before = position(); // the server may still add a binlog checkpoint event after the last rotation
  const r = await runCli(['binlog', 'status', '--dsn', db.dsn(), '--format', 'json']);
  const after = position();
  expect(r.code).toBe(0);
  const s = JSON.parse(r.stdout);
  expect(s).toMatchObject({ flavor: 'mariadb', enabled: true, format: 'ROW', serverId: 1 });
  expect(s.files.map((f: { name: string }) => f.name)).toEqual(serverFiles());
  expect(s.current.file).toBe(serverFiles().at(-1));
  expect(s.current.position).toBeGreaterThanOrEqual(before);
  expect(s.current.position).toBeLessThanOrEqual(after);
  expect(s.gtid.binlogPos).toBe(db.sql('SELECT @@gtid_binlog_pos').trim());
  const text = await runCli(['binlog', 'status', '--dsn', db.dsn()]);
  expect(text.stdout).toContain(`${serverFiles().at(-1)}`);
  expect(text.stdout).toMatch(/\(active\)/);
});

test('binlog status on a server without binary logging says in one line how to enable it', async () => {
  const r = await runCli(['binlog', 'status', '--dsn', 'mysql://root@127.0.0.1:3306/']);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/binary logging is not enabled on 127\.0\.0\.1:3306.*log_bin = mysql-bin.*restart/);
});

test('files mode archives each closed binlog byte for byte, never the index or the active file; a second run uploads nothing', async () => {
  const store = join(t.path, 'store-files');
  const jobs = filesJob('arch-files', store);
  const first = await runCli(['run', jobs, '--format', 'json']);
  expect(first.code).toBe(0);
  const closed = serverFiles().slice(0, -1);
  const a = archived(join(store, 'arch-files'));
  expect([...a.files.keys()]).toEqual(closed.map((f) => `${f}.gz`));
  expect(a.names.some((n) => n.includes('index') || n.includes(serverFiles().at(-1)!))).toBe(false);
  for (const f of closed) {
    expect(a.files.get(`${f}.gz`)!.equals(binlog(f))).toBe(true);
    expect(a.manifests.get(`${f}.gz`)).toMatchObject({ file: f, closed: true, size: binlog(f).length, end: 'rotate' });
  }
  expect(a.manifests.get(`${closed[0]}.gz`)!.next_file).toBe(closed[1]);
  const mtimes = readdirSync(join(store, 'arch-files')).map((n) => statSync(join(store, 'arch-files', n)).mtimeMs);

  const second = await runCli(['run', jobs, '--format', 'json']);
  expect(second.code).toBe(0);
  const [result] = JSON.parse(second.stdout);
  expect(result.details.uploaded).toEqual([]);
  expect(result.details.skipped).toBe(closed.length);
  expect(readdirSync(join(store, 'arch-files')).map((n) => statSync(join(store, 'arch-files', n)).mtimeMs)).toEqual(mtimes);
});

test('include_active keeps a partial copy of the active file cut at an event boundary, and drops it once the file is closed', async () => {
  const store = join(t.path, 'store-active');
  const jobs = filesJob('arch-active', store, '    include_active: true\n    compress: none');
  db.sql("INSERT INTO app.t (v) VALUES ('in the active file')");
  const active = serverFiles().at(-1)!;
  expect((await runCli(['run', jobs])).code).toBe(0);
  let a = archived(join(store, 'arch-active'));
  const partial = a.files.get(`${active}.partial`)!;
  expect(a.manifests.get(`${active}.partial`)).toMatchObject({ closed: false, size: partial.length, end: 'open' });
  expect(binlog(active).subarray(0, partial.length).equals(partial)).toBe(true);
  expect(() => new BinlogScanner(active).push(partial)).not.toThrow();

  db.sql('FLUSH BINARY LOGS');
  expect((await runCli(['run', jobs])).code).toBe(0);
  a = archived(join(store, 'arch-active'));
  expect(a.files.has(`${active}.partial`)).toBe(false);
  expect(a.files.get(active)!.equals(binlog(active))).toBe(true);
  expect(a.files.has(`${serverFiles().at(-1)}.partial`)).toBe(true);
});

test('archiving while the server writes never publishes a truncated file', async () => {
  const storage = new LocalStorage('race', join(t.path, 'store-race'));
  const writer = await session(db);
  const flusher = await session(db);
  let writing = true;
  const blob = Buffer.alloc(3000, 0xab);
  const writes = (async () => {
    for (let i = 0; writing; i++) {
      await writer.query('INSERT INTO app.t (v, b) VALUES (?, ?)', [`race ${i}`, blob]);
      if (i % 150 === 149) await flusher.query('FLUSH BINARY LOGS');
    }
  })();
  const checkArchive = () => {
    const a = archived(join(t.path, 'store-race', 'race'));
    for (const [key, bytes] of a.files) {
      const name = key.replace(/\.gz$/, '').replace(/\.partial$/, '');
      const scanner = new BinlogScanner(key);
      scanner.push(bytes);
      scanner.finish(); // throws when the copy ends inside an event
      const server = binlog(name);
      // the server clears the "in use" flag of the format description event when it closes the file
      if (key.includes('.partial')) expect(withoutInUseFlag(server.subarray(0, bytes.length)).equals(withoutInUseFlag(bytes))).toBe(true);
      else if (!bytes.equals(server)) {
        const at = bytes.findIndex((b, i) => b !== server[i]);
        throw new Error(`${key}: differs at ${at} (archived ${bytes.length}, server ${server.length}): ${bytes.subarray(at, at + 8).toString('hex')} vs ${server.subarray(at, at + 8).toString('hex')}`);
      }
    }
    return a.files.size;
  };
  let passes = 0;
  const until = Date.now() + 4000;
  try {
    while (Date.now() < until) {
      const r = await archivePass({ job: 'race', source: new DirectorySource(db.binlogDir), storages: [storage], prefix: 'race/', compression: 'gzip', includeActive: true, signal: new AbortController().signal, log });
      expect(r.failed).toEqual([]);
      checkArchive();
      passes++;
    }
  } finally {
    writing = false;
    await writes;
    await writer.end();
    await flusher.end();
  }
  db.sql('FLUSH BINARY LOGS');
  await archivePass({ job: 'race', source: new DirectorySource(db.binlogDir), storages: [storage], prefix: 'race/', compression: 'gzip', includeActive: false, signal: new AbortController().signal, log });
  expect(checkArchive()).toBeGreaterThanOrEqual(serverFiles().length - 1);
  expect(passes).toBeGreaterThan(3);
}, 60_000);

test('a closed binlog that ends inside an event is refused and nothing is published for it', async () => {
  const copy = join(t.path, 'truncated-dir');
  cpSync(db.binlogDir, copy, { recursive: true });
  const victim = serverFiles()[1]!;
  truncateSync(join(copy, victim), statSync(join(copy, victim)).size - 7);
  const storage = new LocalStorage('trunc', join(t.path, 'store-trunc'));
  const r = await archivePass({ job: 'trunc', source: new DirectorySource(copy), storages: [storage], prefix: 'trunc/', compression: 'gzip', includeActive: false, signal: new AbortController().signal, log });
  expect(r.failed).toHaveLength(1);
  expect(r.failed[0]!.file).toBe(victim);
  expect(r.failed[0]!.error).toMatch(/ends inside an event/);
  const names = readdirSync(join(t.path, 'store-trunc', 'trunc'));
  expect(names.filter((n) => n.startsWith(victim))).toEqual([]);
  expect(names).toContain(`${serverFiles()[0]}.gz`);
});

test('a binlog whose archived copy differs (the server was reset) is reported, never overwritten', async () => {
  const copy = join(t.path, 'reset-dir');
  cpSync(db.binlogDir, copy, { recursive: true });
  const storage = new LocalStorage('reset', join(t.path, 'store-reset'));
  const pass = (dir: string) => archivePass({ job: 'reset', source: new DirectorySource(dir), storages: [storage], prefix: 'reset/', compression: 'none', includeActive: false, signal: new AbortController().signal, log });
  expect((await pass(copy)).failed).toEqual([]);
  const victim = serverFiles()[0]!;
  const before = readFileSync(join(t.path, 'store-reset', 'reset', victim));
  const bytes = readFileSync(join(copy, victim));
  bytes.writeUInt32LE(bytes.readUInt32LE(4) + 3600, 4); // same size, other creation time
  writeFileSync(join(copy, victim), bytes);
  const r = await pass(copy);
  expect(r.failed).toHaveLength(1);
  expect(r.failed[0]!.error).toMatch(new RegExp(`${victim.replace('.', '\\.')} .*differs from the copy archived in reset.*RESET MASTER`));
  expect(readFileSync(join(t.path, 'store-reset', 'reset', victim)).equals(before)).toBe(true);
});

test('replication mode archives the same bytes, the password only in a 0600 option file that is removed afterwards', async () => {
  db.sql("CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'S3cr\"et pass\\\\w'; GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO 'repl'@'127.0.0.1'");
  const spy = join(t.path, 'spy');
  mkdirSync(spy);
  // a wrapper around mariadb-binlog that records its argv and its option file's mode
  writeFileSync(join(spy, 'binlog-tool'), `#!/bin/sh
echo "$@" >> ${spy}/argv
f=$(echo "$1" | sed 's/^--defaults-file=//'); stat -c %a "$f" >> ${spy}/modes; echo "$f" >> ${spy}/files
exec mariadb-binlog "$@"
`);
  chmodSync(join(spy, 'binlog-tool'), 0o755);
  const store = join(t.path, 'store-repl');
  const dir = join(t.path, 'repl');
  mkdirSync(dir);
  const jobs = writeJobs(dir, `
storages:
  arch: { type: local, path: ${store} }
jobs:
  - name: repl
    type: binlog
    mode: replication
    dsn: mysql://repl:\${REPL_PASS}@127.0.0.1:${db.port}/
    binlog_tool: ${join(spy, 'binlog-tool')}
    to: [arch]
`);
  const r = await runCli(['run', jobs, '--log-format', 'json'], { env: { REPL_PASS: encodeURIComponent('S3cr"et pass\\w') } });
  expect(r.stderr).toContain('"status":"success"');
  expect(r.code).toBe(0);
  const a = archived(join(store, 'repl'));
  const closed = serverFiles().slice(0, -1);
  expect([...a.files.keys()]).toEqual(closed.map((f) => `${f}.gz`));
  for (const f of closed) expect(a.files.get(`${f}.gz`)!.equals(binlog(f))).toBe(true);
  const argv = readFileSync(join(spy, 'argv'), 'utf8');
  expect(argv).not.toContain('S3cr');
  expect(argv).toContain('--read-from-remote-server --raw');
  expect(readFileSync(join(spy, 'modes'), 'utf8').trim().split('\n').every((m) => m === '600')).toBe(true);
  expect(readFileSync(join(spy, 'files'), 'utf8').trim().split('\n').every((f) => !existsSync(f))).toBe(true);
  expect(r.stderr).not.toContain('S3cr');
  // a second run: nothing new
  const again = await runCli(['run', jobs, '--format', 'json'], { env: { REPL_PASS: encodeURIComponent('S3cr"et pass\\w') } });
  expect(JSON.parse(again.stdout)[0].details.uploaded).toEqual([]);
}, 60_000);

test('retention deletes only archived binlogs that no kept dump still needs', async () => {
  const store = join(t.path, 'store-ret');
  const dir = join(t.path, 'ret');
  mkdirSync(dir);
  const yaml = (keep: number) => pairJobs({ store, db, dump: 'ret-db', binlog: 'ret-binlogs', extra: `    retention: { keep_days: ${keep} }` });
  const jobs = writeJobs(dir, yaml(0));
  // no dump yet: nothing may be deleted
  expect((await runCli(['run', jobs, '--job', 'ret-binlogs'])).code).toBe(0);
  const all = archived(join(store, 'ret-binlogs')).files.size;
  expect(all).toBe(serverFiles().length - 1);
  expect((await runCli(['run', jobs, '--job', 'ret-db'])).code).toBe(0);
  const dumpFile = serverFiles().at(-1)!;
  db.sql("INSERT INTO app.t (v) VALUES ('after the dump'); FLUSH BINARY LOGS");
  // keep_days 30: everything is younger, nothing goes
  writeJobs(dir, yaml(30));
  expect((await runCli(['run', jobs, '--job', 'ret-binlogs'])).code).toBe(0);
  expect(archived(join(store, 'ret-binlogs')).files.size).toBe(all + 1);
  // keep_days 0: only what the dump needs stays — its own file and the ones after it
  writeJobs(dir, yaml(0));
  const r = await runCli(['run', jobs, '--job', 'ret-binlogs', '--format', 'json']);
  expect(r.code).toBe(0);
  const left = [...archived(join(store, 'ret-binlogs')).files.keys()].map((k) => k.replace(/\.gz$/, ''));
  expect(left[0]).toBe(dumpFile);
  expect(left).toEqual(serverFiles().slice(serverFiles().indexOf(dumpFile), -1));
  expect(JSON.parse(r.stdout)[0].details.deleted).toEqual(serverFiles().slice(0, serverFiles().indexOf(dumpFile)));
}, 60_000);

test('the daemon follows the server: a file is archived soon after the server closes it, and SIGTERM ends the run at once', async () => {
  const store = join(t.path, 'store-follow');
  const jobs = filesJob('follow', store, '    follow: true\n    poll_interval: 200ms');
  const daemon = startCli(['daemon', jobs, '--log-format', 'json']);
  try {
    await waitFor(() => existsSync(join(store, 'follow')) && readdirSync(join(store, 'follow')).length > 0, 15_000, 'first pass');
    const closing = serverFiles().at(-1)!;
    db.sql("INSERT INTO app.t (v) VALUES ('followed'); FLUSH BINARY LOGS");
    await waitFor(() => existsSync(join(store, 'follow', `${closing}.gz.manifest.json`)), 10_000, `${closing} to be archived`);
    expect(archived(join(store, 'follow')).files.get(`${closing}.gz`)!.equals(binlog(closing))).toBe(true);
    const stopAt = Date.now();
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    expect(Date.now() - stopAt).toBeLessThan(5000);
    expect(daemon.output()).toContain('continuous job follow');
  } finally {
    daemon.child.kill('SIGKILL');
  }
}, 60_000);

test('the scanner sees event boundaries, rotation and GTIDs of real binlogs', () => {
  const [first, second] = serverFiles();
  const scanner = new BinlogScanner(first!);
  const bytes = binlog(first!);
  for (let i = 0; i < bytes.length; i += 97) scanner.push(bytes.subarray(i, i + 97));
  const s = scanner.finish();
  expect(s).toMatchObject({ size: bytes.length, lastBoundary: bytes.length, end: 'rotate', nextFile: second, inUse: false, checksum: true, serverId: 1 });
  expect(s.firstGtid).toMatch(/^0-1-\d+$/);
  const cut = new BinlogScanner(first!);
  cut.push(bytes.subarray(0, bytes.length - 3));
  expect(() => cut.finish()).toThrow(/ends inside an event/);
  expect(() => new BinlogScanner('x').push(Buffer.from('not a binlog'))).toThrow(/not a binlog file/);
  expect(() => new BinlogScanner('x').push(Buffer.from([0xfd, 0x62, 0x69, 0x6e, 1, 2]))).toThrow(/encrypted/);
});
