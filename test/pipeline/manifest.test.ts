/**
 * A damaged manifest is never mistaken for a missing one: `restore` refuses with one line naming it
 * (instead of restoring unverified), `backups`/`--latest`/retention do not count the file as a
 * backup and say why, and retention never deletes it.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli, tempDir } from '../harness/util.js';

let t: { path: string; cleanup(): void };
const out = () => join(t.path, 'out');
const manifestOf = (file: string) => join(out(), `${file}.manifest.json`);

const jobs = (retention = '') =>
  'storages:\n  local: { type: local, path: ./out }\njobs:\n  - name: db\n    type: dump\n' +
  '    database: { driver: sqlite, dsn: "sqlite:./src.db" }\n    filename: "db-{timestamp}.sql.gz"\n    to: [local]\n' + retention;

async function backupNow(): Promise<string> {
  const before = new Set(listBackupFiles());
  const r = await runCli(['run', 'jobs.yaml'], { cwd: t.path });
  if (r.code !== 0) throw new Error(`dump failed: ${r.stderr}`);
  await new Promise((res) => setTimeout(res, 1100)); // {timestamp} has one-second resolution
  return listBackupFiles().find((f) => !before.has(f))!;
}

function listBackupFiles(): string[] {
  return existsSync(out()) ? readdirSync(out()).filter((f) => f.endsWith('.sql.gz')) : [];
}

beforeEach(() => {
  t = tempDir();
  const db = new Database(join(t.path, 'src.db'));
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'one'), (2, 'two');");
  db.close();
  writeFileSync(join(t.path, 'jobs.yaml'), jobs());
});
afterEach(() => t.cleanup());

const damages: [string, (m: Record<string, unknown>) => string][] = [
  ['truncated JSON', (m) => JSON.stringify(m).slice(0, 40)],
  ['sha256 not a digest', (m) => JSON.stringify({ ...m, sha256: 'x' })],
  ['size a string', (m) => JSON.stringify({ ...m, size: String(m.size) })],
  ['foreign format', (m) => JSON.stringify({ ...m, format: 'something-else/2' })],
];

test.each(damages)('restore --from refuses a backup whose manifest is damaged (%s) and leaves no target', async (_what, damage) => {
  const file = await backupNow();
  const m = JSON.parse(readFileSync(manifestOf(file), 'utf8')) as Record<string, unknown>;
  writeFileSync(manifestOf(file), damage(m));
  const r = await runCli(['restore', '--from', join('out', file), '--to', 'sqlite:./restored.db'], { cwd: t.path });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`${file}.manifest.json: damaged manifest`);
  expect(r.stderr).not.toContain('no manifest beside it');
  expect(existsSync(join(t.path, 'restored.db'))).toBe(false);
});

test('--latest skips a backup whose manifest is damaged, says so, and restores the newest good one', async () => {
  const older = await backupNow();
  const db = new Database(join(t.path, 'src.db'));
  db.exec("INSERT INTO t VALUES (3, 'three')");
  db.close();
  const newer = await backupNow();
  writeFileSync(manifestOf(newer), '{"format":');
  const r = await runCli(['restore', 'jobs.yaml', '--job', 'db', '--latest', '--to', 'sqlite:./restored.db'], { cwd: t.path });
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(new RegExp(`${newer}\\.manifest\\.json: damaged manifest.*not counted as a backup`));
  const restored = new Database(join(t.path, 'restored.db'), { readonly: true });
  expect(restored.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 2 });
  restored.close();
  expect(older).not.toBe(newer);
});

test('retention never deletes a backup whose manifest is damaged and never counts it as kept', async () => {
  writeFileSync(join(t.path, 'jobs.yaml'), jobs('    retention: { keep_last: 1 }\n'));
  const first = await backupNow();
  writeFileSync(manifestOf(first), 'not json');
  const second = await backupNow();
  const third = await backupNow();
  const left = listBackupFiles();
  // keep_last 1 keeps the newest good backup; the damaged one is left for a human to look at
  expect(left.sort()).toEqual([first, third].sort());
  expect(existsSync(manifestOf(second))).toBe(false);
});
