/**
 * The SQLite driver through the built CLI: a hostile corpus dumped and restored into a new file is
 * identical (every value with its storage class, rowids, schema objects, file pragmas); the dump also
 * loads in the sqlite3 CLI; `restore --tables` and `--dry-run`; restores are all-or-nothing.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { EDGE_DOUBLES, buildHostileCorpus, describeDb, readDoubles } from '../harness/sqlite-corpus.js';
import { runCli, tempDir } from '../harness/util.js';

let t: { path: string; cleanup(): void };
let dumpFile: string;
const src = () => join(t.path, 'src.db');
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const restore = (args: string[]) => runCli(['restore', '--from', dumpFile, ...args], { cwd: t.path });
const query = (db: string, sql: string) => {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare(sql).raw(true).all();
  } finally {
    d.close();
  }
};

beforeAll(async () => {
  t = tempDir();
  buildHostileCorpus(src());
  writeFileSync(join(t.path, 'jobs.yaml'), 'storages:\n  local: { type: local, path: ./out }\njobs:\n  - name: corpus\n    type: dump\n    database: { driver: sqlite, dsn: "sqlite:./src.db" }\n    filename: corpus.sql.gz\n    to: [local]\n');
  const r = await runCli(['run', 'jobs.yaml'], { cwd: t.path });
  if (r.code !== 0) throw new Error(`dump failed: ${r.stderr}`);
  dumpFile = join(t.path, 'out', 'corpus.sql.gz');
});
afterAll(() => t.cleanup());

test('hostile corpus: a restore into a new file reproduces every value, rowid, schema object and pragma', async () => {
  const r = await restore(['--to', 'sqlite:./restored.db']);
  expect(r.code).toBe(0);
  const restored = join(t.path, 'restored.db');
  const before = describeDb(src());
  expect(describeDb(restored)).toEqual(before);
  expect(before.schema.map((s) => s.type).sort()).toEqual(expect.arrayContaining(['index', 'table', 'trigger', 'view']));
  expect(before.pragmas).toMatchObject({ user_version: 20260101, application_id: 1234567, auto_vacuum: 2, journal_mode: 'wal' });
  expect(query(restored, 'PRAGMA integrity_check')).toEqual([['ok']]);
  expect(query(restored, 'PRAGMA foreign_key_check("child table")')).toEqual(query(src(), 'PRAGMA foreign_key_check("child table")'));
  // the FTS5 index came back through its shadow tables and still answers
  const fts = "SELECT title FROM docs WHERE docs MATCH 'Köln OR BEGIN' ORDER BY rowid";
  expect(query(restored, fts)).toEqual(query(src(), fts));
  expect(query(restored, fts)).toHaveLength(2);
  // doubles bit for bit: -0.0 survives where SQLite keeps it (a column without REAL affinity)
  const doubles = readDoubles(restored, 'u');
  expect(doubles.slice(0, EDGE_DOUBLES.length).map((d, i) => Object.is(d, EDGE_DOUBLES[i]))).toEqual(EDGE_DOUBLES.map(() => true));
  expect(Object.is(readDoubles(src(), 'r')[1], 0)).toBe(true); // a REAL column already stored -0.0 as 0.0
  expect(doubles.length).toBeGreaterThan(5000);
});

test('the dump is plain SQL the sqlite3 CLI loads into the same database', () => {
  const cliDb = join(t.path, 'by-sqlite3.db');
  execFileSync('sqlite3', [cliDb], { input: gunzipSync(readFileSync(dumpFile)) });
  const a = describeDb(src());
  const b = describeDb(cliDb);
  expect(b.schema).toEqual(a.schema);
  expect(b.pragmas).toEqual(a.pragmas);
  const { reals: ra, ...restA } = a.tables;
  const { reals: rb, ...restB } = b.tables;
  expect(restB).toEqual(restA);
  expect(rb!.rows).toBe(ra!.rows);
  // The Debian sqlite3 shell (3.40) parses a few 17-digit literals of tiny doubles one unit in the last
  // place off (newer SQLite, as used by onedump's own restore, is exact): allow exactly that.
  const ulps = (x: number, y: number) => {
    const b64 = (d: number) => new DataView(new Float64Array([d]).buffer).getBigInt64(0, true);
    return Number(b64(x) > b64(y) ? b64(x) - b64(y) : b64(y) - b64(x));
  };
  const want = readDoubles(src(), 'u');
  const got = readDoubles(cliDb, 'u');
  expect(Math.max(...want.map((d, i) => (Object.is(d, got[i]) ? 0 : ulps(d, got[i]!))))).toBeLessThanOrEqual(1);
  const dump = (db: string, table: string) => execFileSync('sqlite3', [db, `.dump "${table}"`], { maxBuffer: 256 << 20 }).toString('latin1');
  for (const table of ['texts', 'blobs', 'ints', 'vals', 'strict_t', '表格😀']) expect(dump(cliDb, table)).toBe(dump(src(), table));
});

test('--tables into a new file: only those tables, with their indexes, triggers and sequence', async () => {
  const r = await restore(['--to', 'sqlite:./partial.db', '--tables', 'seq,texts,docs']);
  expect(r.code).toBe(0);
  const db = join(t.path, 'partial.db');
  const names = query(db, "SELECT type, name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_autoindex%' ORDER BY type, name");
  expect(names).toEqual([
    ['index', 'idx partial'],
    ['table', 'docs'], ['table', 'docs_config'], ['table', 'docs_content'], ['table', 'docs_data'], ['table', 'docs_docsize'], ['table', 'docs_idx'],
    ['table', 'seq'], ['table', 'sqlite_sequence'], ['table', 'texts'],
    ['trigger', 'trg_ins'],
  ]);
  const all = describeDb(src()).tables;
  const part = describeDb(db).tables;
  for (const name of ['seq', 'texts', 'docs_data', 'docs_content', 'sqlite_sequence']) expect(part[name]).toEqual(name === 'sqlite_sequence' ? { rows: 1, sha256: expect.any(String) } : all[name]);
  expect(query(db, 'SELECT name, seq FROM sqlite_sequence')).toEqual(query(src(), "SELECT name, seq FROM sqlite_sequence WHERE name = 'seq'"));
});

test('--tables into an existing file replaces only those tables and keeps a safety copy', async () => {
  const target = join(t.path, 'existing.db');
  copyFileSync(src(), target);
  const d = new Database(target);
  d.exec("CREATE TABLE extra (x); INSERT INTO extra VALUES ('mine'); DELETE FROM texts; INSERT INTO texts VALUES ('changed'); UPDATE ints SET note = 'changed'; DELETE FROM seq;");
  d.close();
  const changed = describeDb(target);
  const r = await restore(['--to', `sqlite:${target}`, '--tables', 'texts,seq']);
  expect(r.code).toBe(0);
  const after = describeDb(target);
  const orig = describeDb(src());
  expect(after.tables.texts).toEqual(orig.tables.texts);
  expect(after.tables.seq).toEqual(orig.tables.seq);
  expect(after.tables.ints).toEqual(changed.tables.ints); // not listed: left as it was
  expect(after.tables.extra).toEqual(changed.tables.extra);
  expect(after.schema.filter((s) => s.name !== 'extra')).toEqual(orig.schema);
  expect(query(target, 'SELECT * FROM sqlite_sequence ORDER BY name')).toEqual(query(src(), 'SELECT * FROM sqlite_sequence ORDER BY name'));
  const safety = readdirSync(t.path).filter((f) => f.startsWith('existing.db.before-restore-'));
  expect(safety).toHaveLength(1);
  expect(describeDb(join(t.path, safety[0]!))).toEqual(changed);
});

test('--tables naming a table the dump does not have fails and changes nothing', async () => {
  const target = join(t.path, 'untouched.db');
  copyFileSync(src(), target);
  const before = sha(target);
  const r = await restore(['--to', `sqlite:${target}`, '--tables', 'texts,nope']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/sqlite: not in the dump: "nope" \(tables in it: child table, Parent "Quoted", /);
  expect(sha(target)).toBe(before);
  expect(readdirSync(t.path).filter((f) => f.includes('onedump-tmp') || f.startsWith('untouched.db.'))).toEqual([]);
});

test('--dry-run shows what would be restored and writes nothing', async () => {
  const r = await restore(['--to', 'sqlite:./dry.db', '--dry-run']);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('CREATE TABLE "child table"');
  expect(r.stdout).toContain('CREATE TRIGGER trg_ins AFTER INSERT ON seq BEGIN');
  expect(r.stdout).toMatch(/^-- reals: \d+ rows$/m);
  expect(existsSync(join(t.path, 'dry.db'))).toBe(false);
  expect(readdirSync(t.path).filter((f) => f.startsWith('.dry.db') || f.startsWith('dry.db'))).toEqual([]);
});

describe('a failed restore leaves the target as it was and no temporary file', () => {
  const tempFiles = () => readdirSync(t.path).filter((f) => f.includes('onedump-tmp'));

  test('a truncated dump', async () => {
    const whole = readFileSync(dumpFile);
    const cut = join(t.path, 'truncated.sql.gz');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const target = join(t.path, 'target1.db');
    copyFileSync(src(), target);
    const before = sha(target);
    const r = await runCli(['restore', '--from', cut, '--to', `sqlite:${target}`], { cwd: t.path });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unexpected end of file|truncated/);
    expect(sha(target)).toBe(before);
    const fresh = await runCli(['restore', '--from', cut, '--to', 'sqlite:./never.db'], { cwd: t.path });
    expect(fresh.code).toBe(1);
    expect(existsSync(join(t.path, 'never.db'))).toBe(false);
    expect(tempFiles()).toEqual([]);
  });

  test('a statement that fails near the end', async () => {
    const sql = gunzipSync(readFileSync(dumpFile)).toString('utf8').replace(/COMMIT;\n/, 'INSERT INTO no_such_table VALUES (1);\nCOMMIT;\n');
    const bad = join(t.path, 'bad.sql.gz');
    writeFileSync(bad, gzipSync(sql));
    const target = join(t.path, 'target2.db');
    copyFileSync(src(), target);
    const before = sha(target);
    const r = await runCli(['restore', '--from', bad, '--to', `sqlite:${target}`], { cwd: t.path });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/onedump: sqlite: bad\.sql\.gz: table no_such_table: restore failed at statement \d+ \(INSERT INTO no_such_table VALUES \(1\);…\): no such table: no_such_table/);
    expect(sha(target)).toBe(before);
    expect(readdirSync(t.path).filter((f) => f.startsWith('target2.db.'))).toEqual([]); // no safety copy either
    expect(tempFiles()).toEqual([]);
  });
});
