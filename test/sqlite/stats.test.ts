/**
 * The query planner's statistics (sqlite_stat1, what ANALYZE gathers) survive a dump and restore, as
 * with `sqlite3 .dump`; a `--tables` restore leaves the target's statistics alone.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli, tempDir } from '../harness/util.js';

let t: { path: string; cleanup(): void };
const rows = (file: string, sql: string) => {
  const db = new Database(join(t.path, file), { readonly: true });
  try {
    return db.prepare(sql).raw(true).all();
  } finally {
    db.close();
  }
};
const statsOf = (file: string) => rows(file, 'SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY tbl, idx');
const statTables = (file: string) => rows(file, "SELECT name FROM sqlite_schema WHERE name LIKE 'sqlite_stat%' ORDER BY name");

beforeAll(async () => {
  t = tempDir();
  const db = new Database(join(t.path, 'src.db'));
  db.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, grp INT);
    CREATE INDEX t_name ON t(name); CREATE INDEX t_grp ON t(grp, name);
    CREATE TABLE u (k TEXT PRIMARY KEY) WITHOUT ROWID;
    CREATE VIRTUAL TABLE geo USING rtree(id, minx, maxx);`);
  const ins = db.prepare('INSERT INTO t (name, grp) VALUES (?, ?)');
  for (let i = 0; i < 300; i++) ins.run(`n${i % 50}`, i % 7);
  db.exec("INSERT INTO u VALUES ('a'), ('b'); INSERT INTO geo VALUES (1, 0, 1); ANALYZE; DROP TABLE IF EXISTS sqlite_stat4;");
  db.close();
  writeFileSync(join(t.path, 'jobs.yaml'), 'storages:\n  local: { type: local, path: ./out }\njobs:\n  - name: s\n    type: dump\n    database: { driver: sqlite, dsn: "sqlite:./src.db" }\n    filename: s.sql.gz\n    to: [local]\n');
  const r = await runCli(['run', 'jobs.yaml'], { cwd: t.path });
  if (r.code !== 0) throw new Error(r.stderr);
});
afterAll(() => t.cleanup());

test('ANALYZE statistics are restored exactly, with no statistics table the source did not have', async () => {
  expect(statsOf('src.db').length).toBeGreaterThanOrEqual(4);
  const r = await runCli(['restore', '--from', 'out/s.sql.gz', '--to', 'sqlite:./whole.db'], { cwd: t.path });
  expect(r.code).toBe(0);
  expect(statsOf('whole.db')).toEqual(statsOf('src.db'));
  expect(statTables('whole.db')).toEqual(statTables('src.db'));
  expect(rows('whole.db', 'SELECT count(*) FROM t')).toEqual([[300]]);
});

test('a --tables restore neither brings nor touches statistics', async () => {
  const target = new Database(join(t.path, 'part.db'));
  target.exec("CREATE TABLE other (x INTEGER PRIMARY KEY); CREATE INDEX other_x ON other(x); INSERT INTO other VALUES (1), (2); ANALYZE;");
  target.close();
  const before = statsOf('part.db');
  const r = await runCli(['restore', '--from', 'out/s.sql.gz', '--to', 'sqlite:./part.db', '--tables', 'u'], { cwd: t.path });
  expect(r.code).toBe(0);
  expect(rows('part.db', 'SELECT k FROM u ORDER BY k')).toEqual([['a'], ['b']]);
  expect(statsOf('part.db')).toEqual(before);
});
