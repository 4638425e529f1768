/** The test harness itself: the private servers start, answer and stop. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { startSshd } from './harness/sshd.js';
import { startMariadb } from './harness/mariadb.js';

test('private sshd accepts the generated client key', async () => {
  const sshd = await startSshd();
  try {
    const out = execFileSync('ssh', ['-i', sshd.keyFile, '-p', String(sshd.port), '-o', `UserKnownHostsFile=${sshd.knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `${sshd.user}@127.0.0.1`, 'echo hello'], { encoding: 'utf8' });
    expect(out.trim()).toBe('hello');
    expect(sshd.fingerprint).toMatch(/^SHA256:/);
  } finally {
    await sshd.stop();
  }
  expect(existsSync(sshd.dir)).toBe(false);
});

test('private MariaDB writes binary logs', async () => {
  const db = await startMariadb();
  try {
    db.sql('CREATE DATABASE h; CREATE TABLE h.t (id INT PRIMARY KEY); INSERT INTO h.t VALUES (1); FLUSH BINARY LOGS;');
    expect(db.sql('SELECT @@log_bin, @@binlog_format').trim()).toBe('1\tROW');
    expect(readdirSync(db.binlogDir).filter((f) => /^mysql-bin\.\d+$/.test(f)).length).toBeGreaterThanOrEqual(2);
  } finally {
    await db.stop();
  }
});
