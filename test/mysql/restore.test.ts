/**
 * `onedump restore` for MySQL: safety backups, protected targets, dry runs, table selection, errors
 * that name the line, manifest verification, and `onedump backups`.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { tempDir } from '../harness/util.js';
import { dropDatabases, mariadb, ROOT_DSN, uniqueName } from './corpus.js';
import { cli, storedFiles, writeJobs } from './helpers.js';

const src = uniqueName('rs');
const dst = uniqueName('rs_to');
const t = tempDir('onedump-mysql-restore-');

beforeAll(async () => {
  mariadb(`CREATE DATABASE ${src}; CREATE DATABASE ${dst};
    CREATE TABLE ${src}.keep (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO ${src}.keep VALUES (1, 'new'), (2, 'new');
    CREATE TABLE ${src}.other (id INT PRIMARY KEY); INSERT INTO ${src}.other VALUES (1);
    CREATE VIEW ${src}.v AS SELECT id FROM ${src}.keep;`);
  writeJobs(t.path, [{ name: 'src', database: { driver: 'mysql', dsn: `${ROOT_DSN}/${src}` } }]);
  await cli(['run', 'jobs.yaml'], { cwd: t.path });
}, 60_000);

afterAll(() => {
  dropDatabases(src, dst);
  t.cleanup();
});

function stored(): string {
  return join(t.path, 'backups', 'src', storedFiles(t.path, 'src')[0]!);
}

test('onedump backups lists the job\'s backups with time, size and checksum (table and json)', async () => {
  const json = JSON.parse((await cli(['backups', 'jobs.yaml', '--job', 'src', '--format', 'json'], { cwd: t.path })).stdout);
  expect(json).toEqual([expect.objectContaining({ storage: 'local', driver: 'mysql', size: readFileSync(stored()).length, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })]);
  const table = (await cli(['backups', 'jobs.yaml', '--job', 'src'], { cwd: t.path })).stdout;
  expect(table).toContain(json[0].key);
});

test('safety backup: the replaced table is saved first, and loads back', async () => {
  mariadb(`DROP TABLE IF EXISTS ${dst}.keep; CREATE TABLE ${dst}.keep (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO ${dst}.keep VALUES (9, 'old');`);
  const r = await cli(['restore', '--from', stored(), '--to', `${ROOT_DSN}/${dst}`], { cwd: t.path });
  expect(mariadb(`SELECT id, v FROM ${dst}.keep ORDER BY id`)).toBe('1\tnew\n2\tnew\n');
  const dir = join(t.path, 'onedump-safety');
  const [file] = readdirSync(dir).filter((f) => f.startsWith(`${dst}-`) && f.endsWith('.sql.gz'));
  expect(r.stderr).toContain(join(dir, file!));
  const saved = gunzipSync(readFileSync(join(dir, file!))).toString();
  expect(saved).toContain("INSERT INTO `keep` (`id`,`v`) VALUES (9,'old');");
  expect(saved).not.toContain('`other`'); // did not exist in the target: nothing to save
  await cli(['restore', '--from', join(dir, file!), '--to', `${ROOT_DSN}/${dst}`, '--no-safety-backup'], { cwd: t.path });
  expect(mariadb(`SELECT id, v FROM ${dst}.keep`)).toBe('9\told\n');
});

test('--no-safety-backup writes none; --tables restores only the listed tables', async () => {
  const before = readdirSync(join(t.path, 'onedump-safety')).length;
  mariadb(`DROP TABLE IF EXISTS ${dst}.other; DROP VIEW IF EXISTS ${dst}.v`);
  await cli(['restore', '--from', stored(), '--to', `${ROOT_DSN}/${dst}`, '--tables', 'keep', '--no-safety-backup'], { cwd: t.path });
  expect(readdirSync(join(t.path, 'onedump-safety')).length).toBe(before);
  expect(mariadb(`SELECT COUNT(*) FROM ${dst}.keep`)).toBe('2\n');
  expect(mariadb(`SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${dst}' AND TABLE_NAME IN ('other', 'v')`)).toBe('0\n');
});

test('--dry-run lists what would change and changes nothing', async () => {
  mariadb(`DELETE FROM ${dst}.keep WHERE id = 2`);
  const r = await cli(['restore', '--from', stored(), '--to', `${ROOT_DSN}/${dst}`, '--dry-run'], { cwd: t.path });
  expect(r.stdout).toContain(`would drop and re-create table ${dst}.keep (exists, ~`);
  expect(r.stdout).toContain(`would create table ${dst}.other`);
  expect(r.stdout).toContain(`would load 2 rows into ${dst}.keep`);
  expect(r.stdout).toContain(`would create view ${dst}.v`);
  expect(mariadb(`SELECT COUNT(*) FROM ${dst}.keep`)).toBe('1\n');
  expect(mariadb(`SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${dst}' AND TABLE_NAME = 'other'`)).toBe('0\n');
});

test('a protected target is refused, by job and by a --to that names the same database', async () => {
  writeFileSync(join(t.path, 'prod.yaml'), stringify({
    storages: { local: { type: 'local', path: './backups' } },
    jobs: [{ name: 'src', type: 'dump', to: ['local'], filename: '{job}/{job}-{timestamp}{ext}', database: { driver: 'mysql', dsn: `${ROOT_DSN}/${src}`, protected: true } }],
  }));
  const byJob = await cli(['restore', 'prod.yaml', '--job', 'src'], { cwd: t.path, code: 1 });
  expect(byJob.stderr).toMatch(/is protected \(protected: true\); refusing/);
  const byDsn = await cli(['restore', 'prod.yaml', '--from', stored(), '--to', `mysql://root@localhost:3306/${src}`], { cwd: t.path, code: 1 });
  expect(byDsn.stderr).toMatch(/is protected/);
});

test('a dump that does not match its manifest is refused before anything changes', async () => {
  const bad = join(t.path, 'tampered.sql.gz');
  const body = readFileSync(stored());
  writeFileSync(bad, Buffer.concat([body.subarray(0, body.length - 1), Buffer.from([body[body.length - 1]! ^ 1])]));
  writeFileSync(bad + '.manifest.json', readFileSync(stored() + '.manifest.json'));
  const r = await cli(['restore', '--from', bad, '--to', `${ROOT_DSN}/${dst}`], { cwd: t.path, code: 1 });
  expect(r.stderr).toMatch(/does not match its manifest/);
});

test('a failing statement names the file and line; DELIMITER blocks and executable comments run', async () => {
  const file = join(t.path, 'custom.sql');
  writeFileSync(file, [
    '/*!40101 SET NAMES utf8mb4 */;',
    'CREATE TABLE IF NOT EXISTS d1 (id INT);',
    'DELIMITER //',
    "CREATE PROCEDURE d1_fill() BEGIN INSERT INTO d1 VALUES (1); INSERT INTO d1 VALUES (2); END //",
    'DELIMITER ;',
    'CALL d1_fill();',
    'INSERT INTO d1 VALUES (3);',
    'INSERT INTO no_such_table VALUES (1);',
  ].join('\n'));
  const r = await cli(['restore', '--from', file, '--to', `${ROOT_DSN}/${dst}`, '--no-safety-backup'], { cwd: t.path, code: 1 });
  expect(r.stderr).toMatch(/custom\.sql: restore failed at line 8 \(INSERT INTO no_such_table VALUES \(1\)\): Table '.*no_such_table' doesn't exist/);
  expect(mariadb(`SELECT GROUP_CONCAT(id ORDER BY id) FROM ${dst}.d1`)).toBe('1,2,3\n');
});
