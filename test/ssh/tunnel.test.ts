/** SSH tunnels against a private OpenSSH sshd on loopback: host-key verification passing and failing. */
import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSshd, type Sshd } from '../harness/sshd.js';
import { tempDir } from '../harness/util.js';
import { logger } from '../../src/util/log.js';
import { openTunnel } from '../../src/ssh/tunnel.js';
import { verifyKnownHosts } from '../../src/ssh/known-hosts.js';
import { connectMysql } from '../../src/dumpers/mysql/connection.js';
import { parseMysqlDsn } from '../../src/dumpers/mysql/dsn.js';
import { cli, storedFiles, writeJobs } from '../mysql/helpers.js';
import { dropDatabases, mariadb, uniqueName } from '../mysql/corpus.js';

let sshd: Sshd;
const t = tempDir('onedump-ssh-');
const log = logger();
const mysqlTarget = { host: '127.0.0.1', port: 3306 };

beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd.stop();
  t.cleanup();
});

function base() {
  return { host: sshd.host, port: sshd.port, user: sshd.user, key_file: sshd.keyFile };
}

/** Opens a tunnel and runs a query through it. */
async function queryThrough(ssh: Record<string, unknown>): Promise<string> {
  const tunnel = await openTunnel({ ...base(), ...ssh } as never, mysqlTarget, { baseDir: t.path, log });
  try {
    const c = await connectMysql(parseMysqlDsn('mysql://root@db.invalid:3306/'), { endpoint: tunnel });
    const [[v]] = (await c.rows('SELECT 40 + 2')) as [[string]];
    await c.close();
    return v;
  } finally {
    await tunnel.close();
  }
}

test('known_hosts that lists the host key: the tunnel carries a MySQL connection', async () => {
  expect(await queryThrough({ known_hosts: sshd.knownHosts })).toBe('42');
});

test('host_key_fingerprint (SHA256:…) that matches', async () => {
  expect(await queryThrough({ host_key_fingerprint: sshd.fingerprint })).toBe('42');
});

test('known_hosts with another key for the host: refused, naming the fingerprint', async () => {
  await expect(queryThrough({ known_hosts: sshd.wrongKnownHosts })).rejects.toThrow(
    new RegExp(`host key verification failed: the host key of \\[127.0.0.1\\]:${sshd.port} \\(SHA256:.+\\) does not match known_hosts`),
  );
});

test('known_hosts without the host, and a wrong fingerprint: refused', async () => {
  const empty = join(t.path, 'empty_known_hosts');
  writeFileSync(empty, '# nothing\n');
  await expect(queryThrough({ known_hosts: empty })).rejects.toThrow(/is not in known_hosts/);
  await expect(queryThrough({ host_key_fingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })).rejects.toThrow(/does not match host_key_fingerprint/);
});

test('a missing known_hosts file is an error unless insecure_ignore_host_key is set', async () => {
  await expect(queryThrough({ known_hosts: join(t.path, 'nope') })).rejects.toThrow(/cannot read known_hosts .*insecure_ignore_host_key/);
  expect(await queryThrough({ known_hosts: join(t.path, 'nope'), insecure_ignore_host_key: true })).toBe('42');
});

test('a key the server does not accept: authentication failed', async () => {
  await expect(queryThrough({ known_hosts: sshd.knownHosts, key_file: undefined, key: readFileSync(join(sshd.dir, 'otherkey'), 'utf8') })).rejects.toThrow(
    /ssh .*: authentication failed/,
  );
});

test('hashed known_hosts entries (ssh-keygen -H form) verify too; @revoked keys do not', () => {
  const [, type, blob] = readFileSync(sshd.knownHosts, 'utf8').trim().split(/\s+/);
  const key = Buffer.from(blob!, 'base64');
  const salt = Buffer.from('0123456789abcdefghij');
  const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(`[127.0.0.1]:${sshd.port}`).digest('base64')} ${type} ${blob}`;
  expect(verifyKnownHosts(hashed, '127.0.0.1', sshd.port, key)).toEqual({ ok: true });
  expect(verifyKnownHosts(hashed, '127.0.0.2', sshd.port, key).ok).toBe(false);
  expect(verifyKnownHosts(`@revoked [127.0.0.1]:${sshd.port} ${type} ${blob}`, '127.0.0.1', sshd.port, key)).toEqual({ ok: false, reason: expect.stringMatching(/@revoked/) });
});

test('a dump job with database.ssh dumps through the tunnel and closes it', async () => {
  const db = uniqueName('ssh');
  mariadb(`CREATE DATABASE ${db}; CREATE TABLE ${db}.t (id INT PRIMARY KEY); INSERT INTO ${db}.t VALUES (1), (2);`);
  try {
    for (const driver of ['mysql', 'mysqldump']) {
      writeJobs(t.path, [{ name: `via-ssh-${driver}`, database: {
        driver, dsn: `mysql://root@127.0.0.1:3306/${db}`,
        ssh: { host: sshd.host, port: sshd.port, user: sshd.user, key_file: sshd.keyFile, known_hosts: sshd.knownHosts },
      } }]);
      const r = await cli(['run', 'jobs.yaml'], { cwd: t.path });
      expect(r.stderr).toMatch(/tunnel 127\.0\.0\.1:\d+ → 127\.0\.0\.1:3306/);
      const [file] = storedFiles(t.path, `via-ssh-${driver}`);
      const manifest = JSON.parse(readFileSync(join(t.path, 'backups', `via-ssh-${driver}`, file! + '.manifest.json'), 'utf8'));
      expect(manifest.tables).toEqual({ t: 2 });
    }
    writeJobs(t.path, [{ name: 'bad-host-key', database: {
      driver: 'mysql', dsn: `mysql://root@127.0.0.1:3306/${db}`,
      ssh: { host: sshd.host, port: sshd.port, user: sshd.user, key_file: sshd.keyFile, known_hosts: sshd.wrongKnownHosts },
    } }]);
    const bad = await cli(['run', 'jobs.yaml'], { cwd: t.path, code: 1 });
    expect(bad.stderr).toMatch(/host key verification failed/);
    expect(storedFiles(t.path, 'bad-host-key')).toEqual([]);
  } finally {
    dropDatabases(db);
  }
});
