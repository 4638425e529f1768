/**
 * Failures: a connection KILLed mid-dump fails the job with a clear error and leaves no file; a wrong
 * password, an unknown database and an unreachable host each give one clear line; the password is
 * never on a command line (checked in /proc/<pid>/cmdline of mariadb-dump while it runs) or in logs.
 */
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startCli, tempDir, waitFor } from '../harness/util.js';
import { dropDatabases, mariadb, uniqueName } from './corpus.js';
import { cli, writeJobs } from './helpers.js';

const db = uniqueName('fail');
const user = uniqueName('u');
const password = `Pw-${Math.random().toString(36).slice(2)}-secret`;
const t = tempDir('onedump-mysql-fail-');
const dsn = (pw = password, name = db, port = 3306) => `mysql://${user}:${encodeURIComponent(pw)}@127.0.0.1:${port}/${name}`;

beforeAll(() => {
  mariadb(`CREATE DATABASE ${db}`);
  mariadb(`CREATE TABLE ${db}.slow (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO ${db}.slow SELECT seq, 'row' FROM seq_1_to_4000;
    CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'; CREATE USER '${user}'@'localhost' IDENTIFIED BY '${password}';
    GRANT ALL ON ${db}.* TO '${user}'@'%'; GRANT ALL ON ${db}.* TO '${user}'@'localhost';`, db);
});

afterAll(() => {
  mariadb(`DROP USER IF EXISTS '${user}'@'%'; DROP USER IF EXISTS '${user}'@'localhost';`);
  dropDatabases(db);
  t.cleanup();
});

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** The job's failure line from the console notifier (JSON logs). */
function failureLine(stderr: string): string {
  const line = stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: string; message: string }).find((l) => l.level === 'error');
  return line!.message;
}

test.each(['mysql', 'mysqldump'])('%s: a connection KILLed mid-dump fails the job with a clear error and leaves no file', async (driver) => {
  const job = `killed-${driver}`;
  writeJobs(t.path, [{ name: job, database: { driver, dsn: dsn(), tables: ['slow'], where: { slow: 'SLEEP(0.002) = 0' } } }]);
  const run = startCli(['run', 'jobs.yaml', '--log-format', 'json'], { cwd: t.path });
  let killed = '';
  await waitFor(() => {
    const id = mariadb(`SELECT ID FROM information_schema.PROCESSLIST WHERE USER = '${user}' AND INFO LIKE '%SLEEP(0.002)%' AND INFO NOT LIKE '%PROCESSLIST%'`).trim();
    if (!id) return false;
    mariadb(`KILL ${id}`);
    killed = id;
    return true;
  }, 20_000, 'the dump query to appear');
  expect(await run.exited).toBe(1);
  expect(killed).not.toBe('');
  const message = failureLine(run.output().split('\n').filter((l) => l.startsWith('{')).join('\n'));
  expect(message).toMatch(driver === 'mysql' ? /failed .*mysql: table .*slow: .*(killed|connection lost|interrupted)/i : /mysqldump: .*exited with code \d+: .*(Lost connection|killed|interrupted)/i);
  expect(message).not.toContain('\n');
  expect(filesUnder(join(t.path, 'backups', job))).toEqual([]);
}, 60_000);

test.each([
  ['wrong password', () => dsn('not-the-password'), /cannot connect to 127\.0\.0\.1:3306: access denied for user "od_u_\w+"/],
  ['unknown database', () => dsn(password, 'od_no_such_db'), /cannot dump from 127\.0\.0\.1:3306: unknown database "od_no_such_db"/],
  ['refused port', () => dsn(password, db, 1), /cannot connect to 127\.0\.0\.1:1: connection refused/],
  ['unresolvable host', () => `mysql://${user}:${password}@no-such-host.invalid:3306/${db}`, /cannot connect to no-such-host\.invalid:3306: cannot resolve host "no-such-host\.invalid"/],
])('%s: one clear line, no password in it', async (_name, makeDsn, pattern) => {
  for (const driver of ['mysql', 'mysqldump']) {
    writeJobs(t.path, [{ name: 'conn', database: { driver, dsn: makeDsn() } }]);
    const r = await cli(['run', 'jobs.yaml', '--log-level', 'debug'], { cwd: t.path, code: 1 });
    const message = failureLine(r.stderr);
    expect(message).toMatch(pattern);
    expect(message).not.toContain('\n');
    expect(r.stdout + r.stderr).not.toContain(password);
  }
}, 60_000);

test('mysqldump: the password is in a 0600 file, never in any process command line, and the file is removed', async () => {
  writeJobs(t.path, [{ name: 'ps', database: { driver: 'mysqldump', dsn: dsn(), tables: ['slow'], where: { slow: 'SLEEP(0.0005) = 0' } } }]);
  const run = startCli(['run', 'jobs.yaml', '--log-format', 'json', '--log-level', 'debug'], { cwd: t.path });
  const seen: string[] = [];
  let defaultsFile = '';
  let mode = 0;
  let exited = false;
  void run.exited.then(() => (exited = true));
  while (!exited) {
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      let cmd: string;
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ');
      } catch {
        continue;
      }
      expect(cmd).not.toContain(password);
      if (/mariadb-dump|mysqldump/.test(cmd) && cmd.includes(user)) {
        seen.push(cmd);
        const m = /--defaults-extra-file=(\S+)/.exec(cmd);
        if (m && !defaultsFile) {
          defaultsFile = m[1]!;
          try {
            mode = statSync(defaultsFile).mode & 0o777;
          } catch {
            // already gone
          }
        }
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(await run.exited).toBe(0);
  expect(seen.length).toBeGreaterThan(0);
  expect(mode).toBe(0o600);
  expect(existsSync(defaultsFile)).toBe(false);
  expect(run.output()).not.toContain(password);
}, 60_000);
