/** The `mysqldump` driver: options extend or override defaults, and its failures are clear. */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { runCli, tempDir } from '../harness/util.js';
import { dropDatabases, mariadb, ROOT_DSN, uniqueName } from './corpus.js';
import { cli, storedFiles, writeJobs } from './helpers.js';
import { mergeOptions, optionIssues } from '../../src/dumpers/mysql/mysqldump-args.js';

const db = uniqueName('md');
const t = tempDir('onedump-mysqldump-');

beforeAll(() => {
  mariadb(`CREATE DATABASE ${db}; CREATE TABLE ${db}.t (id INT PRIMARY KEY); INSERT INTO ${db}.t VALUES (1);
    CREATE PROCEDURE ${db}.p() SELECT 1; CREATE EVENT ${db}.e ON SCHEDULE EVERY 1 DAY DISABLE DO SELECT 1;`);
});
afterAll(() => {
  dropDatabases(db);
  t.cleanup();
});

async function dumpText(job: string, database: Record<string, unknown>): Promise<string> {
  writeJobs(t.path, [{ name: job, database: { driver: 'mysqldump', dsn: `${ROOT_DSN}/${db}`, ...database } }]);
  await cli(['run', 'jobs.yaml'], { cwd: t.path });
  return gunzipSync(readFileSync(join(t.path, 'backups', job, storedFiles(t.path, job)[0]!))).toString();
}

test('defaults dump routines, events and hex blobs; options override a default by name and extend the rest', async () => {
  const full = await dumpText('defaults', {});
  expect(full).toMatch(/CREATE DEFINER=\S+ PROCEDURE `p`/);
  expect(full).toMatch(/EVENT `e` ON SCHEDULE/);
  const trimmed = await dumpText('override', { options: ['--skip-routines', '--skip-comments'] });
  expect(trimmed).not.toMatch(/PROCEDURE `p`/);
  expect(trimmed).toMatch(/EVENT `e`/);
  expect(trimmed).not.toContain('-- Dump completed');
});

test('option merging and the options onedump refuses', () => {
  expect(mergeOptions(['--single-transaction', '--routines', '--hex-blob'], ['--skip-routines', '--routines=0', '--compact'])).toEqual(['--single-transaction', '--hex-blob', '--skip-routines', '--routines=0', '--compact']);
  expect(optionIssues(['--password=x', '-pSECRET', '--host=db', '--compact'])).toHaveLength(3);
});

test('a password in options: is a config error pointing at the line', async () => {
  writeFileSync(join(t.path, 'bad.yaml'), `storages: { local: { type: local, path: ./b } }\njobs:\n  - name: x\n    type: dump\n    to: [local]\n    database:\n      driver: mysqldump\n      dsn: mysql://root@127.0.0.1/${db}\n      options: ["--password=hunter22"]\n`);
  const r = await runCli(['validate', 'bad.yaml'], { cwd: t.path });
  expect(r.code).toBe(1);
  expect(r.stdout + r.stderr).toMatch(/bad\.yaml:\d+:\d+: jobs\[0\]\.database\.options: option --password is set by onedump/);
});

test('a missing program, a client of the wrong flavour, and a rejected option each fail with one clear line', async () => {
  const fake = join(t.path, 'mysqldump-mysql8');
  writeFileSync(fake, '#!/bin/sh\necho "mysqldump  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)"\n');
  chmodSync(fake, 0o755);
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ binary: join(t.path, 'no-such-dump') }, /program ".*no-such-dump" not found/],
    [{ binary: fake }, /is the MySQL 8\.0\.36 client but the server is MariaDB 10\.\d+\.\d+; use the matching client/],
    [{ options: ['--no-such-option'] }, /mariadb-dump exited with code \d+: .*unknown option '--no-such-option'/],
  ];
  for (const [database, pattern] of cases) {
    writeJobs(t.path, [{ name: 'broken', database: { driver: 'mysqldump', dsn: `${ROOT_DSN}/${db}`, ...database } }]);
    const r = await cli(['run', 'jobs.yaml'], { cwd: t.path, code: 1 });
    expect(r.stderr.replace(/\\"/g, '"')).toMatch(pattern);
    expect(storedFiles(t.path, 'broken')).toEqual([]);
  }
});
