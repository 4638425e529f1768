/**
 * Encryption at rest: a backup encrypted to an age recipient decrypts with the standard `age` tool,
 * restores with `onedump restore --identity`, and downloads decrypted with `onedump download -i`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { runCli, tempDir } from '../harness/util.js';

const t = tempDir('onedump-age-');
const key = join(t.path, 'key.txt');
const otherKey = join(t.path, 'other.txt');
let recipient = '';
let backup = '';

const sqliteDump = (file: string) => execFileSync('sqlite3', [file, '.dump'], { encoding: 'utf8' });

beforeAll(async () => {
  execFileSync('age-keygen', ['-o', key], { stdio: 'ignore' });
  execFileSync('age-keygen', ['-o', otherKey], { stdio: 'ignore' });
  recipient = /public key: (age1\S+)/.exec(readFileSync(key, 'utf8'))![1]!;
  const db = new Database(join(t.path, 'app.db'));
  db.exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, data BLOB, n REAL);
    INSERT INTO notes VALUES (1, 'plain', NULL, 1.5), (2, 'ünïcødé 数据 🚀 ''quotes'' "dq" \\ backslash', x'00ff10', -0.0),
      (3, char(10) || 'new' || char(13) || char(10) || 'lines' || char(0) || 'nul', randomblob(4096), 1e300);`);
  db.close();
  writeFileSync(join(t.path, 'jobs.yaml'), `
storages:
  disk: { type: local, path: ./backups }
jobs:
  - name: secret-db
    type: dump
    database: { driver: sqlite, dsn: "sqlite:./app.db" }
    encrypt: { age_recipients: [${recipient}] }
    to: [disk]
`);
  const run = await runCli(['run', 'jobs.yaml'], { cwd: t.path });
  expect(run.code).toBe(0);
  const dir = join(t.path, 'backups', 'secret-db');
  backup = join(dir, readdirSync(dir).find((f) => f.endsWith('.age'))!);
}, 60_000);
afterAll(() => t.cleanup());

test('the stored file is an age file (…sql.gz.age) with a manifest that says so', () => {
  expect(backup).toMatch(/secret-db-\d{8}T\d{6}Z\.sql\.gz\.age$/);
  expect(readFileSync(backup).subarray(0, 22).toString()).toBe('age-encryption.org/v1\n');
  const manifest = JSON.parse(readFileSync(`${backup}.manifest.json`, 'utf8'));
  expect(manifest).toMatchObject({ encryption: 'age', age_recipients: [recipient], compression: 'gzip', native_checksum: { algo: 'sha256', value: manifest.sha256 } });
  expect(readFileSync(backup).includes(Buffer.from('CREATE TABLE'))).toBe(false);
});

test('the reference age tool decrypts it to the gzipped SQL dump', () => {
  const sql = gunzipSync(execFileSync('age', ['-d', '-i', key, backup])).toString('utf8');
  expect(sql).toContain('CREATE TABLE');
  expect(sql).toContain('notes');
});

test('restore --from FILE --identity brings back identical data', async () => {
  const target = join(t.path, 'restored.db');
  const r = await runCli(['restore', '--from', backup, '--identity', key, '--to', `sqlite:${target}`], { cwd: t.path });
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.code).toBe(0);
  expect(sqliteDump(target)).toBe(sqliteDump(join(t.path, 'app.db')));
});

test('restore --job --identity works too; without an identity it says what is missing', async () => {
  const target = join(t.path, 'restored-job.db');
  const r = await runCli(['restore', 'jobs.yaml', '--job', 'secret-db', '-i', key, '--to', `sqlite:${target}`], { cwd: t.path });
  expect(r.code).toBe(0);
  expect(sqliteDump(target)).toBe(sqliteDump(join(t.path, 'app.db')));
  const bare = await runCli(['restore', '--from', backup, '--to', `sqlite:${join(t.path, 'x.db')}`], { cwd: t.path });
  expect(bare.code).toBe(2);
  expect(bare.stderr).toMatch(/file:secret-db-\d{8}T\d{6}Z\.sql\.gz\.age is encrypted \(age\); pass --identity KEY_FILE/);
});

test('the wrong identity fails clearly and restores nothing', async () => {
  const target = join(t.path, 'wrong.db');
  const r = await runCli(['restore', '--from', backup, '-i', otherKey, '--to', `sqlite:${target}`], { cwd: t.path });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/cannot decrypt: no identity matched any of the file's recipients/);
  expect(existsSync(target)).toBe(false);
});

test('download -i decrypts and drops the .age suffix', async () => {
  const out = join(t.path, 'downloaded');
  const r = await runCli(['download', `file://${join(t.path, 'backups')}`, out, '-i', key], { cwd: t.path });
  expect(r.code).toBe(0);
  const plain = join(out, 'secret-db', backup.slice(backup.lastIndexOf('/') + 1, -'.age'.length));
  expect(readFileSync(plain)).toEqual(execFileSync('age', ['-d', '-i', key, backup]));
});
