/**
 * Retention end to end on a local storage: applied after a successful run only, to the job's own
 * complete backups (never a foreign job's, never a file without manifest), manifests deleted with
 * their backups, and `run --dry-run` showing the plan without touching anything.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli, tempDir } from '../harness/util.js';

const t = tempDir('onedump-retention-');
const dir = join(t.path, 'backups', 'ret');
const DAY = 86_400_000;

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** A complete backup of `job` finished `daysAgo` days ago. */
function seed(job: string, daysAgo: number): string {
  const finished = new Date(Date.now() - daysAgo * DAY);
  const key = `ret/${job}-${stamp(finished)}.sql.gz`;
  writeFileSync(join(t.path, 'backups', key), 'old backup');
  writeFileSync(join(t.path, 'backups', `${key}.manifest.json`), JSON.stringify({
    format: 'onedump-manifest/1', job, file: key, driver: 'sqlite', started: finished.toISOString(), finished: finished.toISOString(),
    tables: {}, size: 10, sha256: '0'.repeat(64), raw_size: 10, compression: 'gzip', onedump_version: 'test',
  }));
  return key.slice(4);
}

function jobFile(where: string): void {
  writeFileSync(join(t.path, 'jobs.yaml'), `
storages:
  disk: { type: local, path: ./backups }
jobs:
  - name: ret
    type: dump
    database: { driver: sqlite, dsn: "sqlite:./app.db", where: { t: "${where}" } }
    filename: "ret/{job}-{timestamp}{ext}"
    retention: { keep_last: 3 }
    to: [disk]
`);
}

let seeded: Record<string, string>;
beforeAll(() => {
  mkdirSync(dir, { recursive: true });
  const db = new Database(join(t.path, 'app.db'));
  db.exec("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('a');");
  db.close();
  seeded = { d10: seed('ret', 10), d5: seed('ret', 5), d3: seed('ret', 3), d1: seed('ret', 1), foreign: seed('other', 20) };
  writeFileSync(join(dir, 'ret-19990101T000000Z.sql.gz'), 'no manifest: not a complete backup');
});
afterAll(() => t.cleanup());

test('run --dry-run shows the plan (counting the backup it would make) and deletes nothing', async () => {
  jobFile('1 = 1');
  const before = readdirSync(dir).sort();
  const r = await runCli(['run', 'jobs.yaml', '--dry-run', '--format', 'json'], { cwd: t.path });
  expect(r.code).toBe(0);
  const result = JSON.parse(r.stdout)[0];
  expect(result.summary).toContain(`retention disk: keep 3, would delete 2: ret/${seeded.d5}, ret/${seeded.d10}`);
  expect(readdirSync(dir).sort()).toEqual(before);
});

test('a failed run applies no retention', async () => {
  jobFile('no_such_column = 1');
  const before = readdirSync(dir).sort();
  const r = await runCli(['run', 'jobs.yaml'], { cwd: t.path });
  expect(r.code).toBe(1);
  expect(readdirSync(dir).sort()).toEqual(before);
});

test('a successful run keeps the newest N of the job, deleting the others with their manifests', async () => {
  jobFile('1 = 1');
  const r = await runCli(['run', 'jobs.yaml', '--format', 'json'], { cwd: t.path });
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)[0].summary).toContain(`retention disk: keep 3, deleted 2: ret/${seeded.d5}, ret/${seeded.d10}`);
  const left = readdirSync(dir).sort();
  for (const gone of [seeded.d10, seeded.d5]) {
    expect(left).not.toContain(gone);
    expect(left).not.toContain(`${gone}.manifest.json`);
  }
  for (const kept of [seeded.d3, seeded.d1, seeded.foreign, 'ret-19990101T000000Z.sql.gz']) expect(existsSync(join(dir, kept))).toBe(true);
  expect(left.filter((f) => f.startsWith('ret-') && f.endsWith('.manifest.json'))).toHaveLength(3);
});
