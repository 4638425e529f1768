// A private OpenSSH sshd on a loopback port for the storage benchmark (the tests have the same in
// test/harness/sshd.ts; benchmarks are plain JS and cannot import it).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const freePort = () => new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});

export async function startSshd() {
  const dir = mkdtempSync(join(tmpdir(), 'onedump-bench-sshd-'));
  const port = await freePort();
  const hostKey = join(dir, 'hostkey');
  const keyFile = join(dir, 'client_key');
  for (const k of [hostKey, keyFile]) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', k]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(keyFile + '.pub'), { mode: 0o600 });
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${readFileSync(hostKey + '.pub', 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
  writeFileSync(join(dir, 'sshd_config'), [
    `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${hostKey}`, `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'StrictModes no', 'PasswordAuthentication no', 'UsePAM no',
    'PermitRootLogin prohibit-password', 'Subsystem sftp internal-sftp', 'LogLevel ERROR',
  ].join('\n') + '\n');
  mkdirSync('/run/sshd', { recursive: true });
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((r) => { const s = connect(port, '127.0.0.1', () => { s.destroy(); r(true); }); s.on('error', () => r(false)); });
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const user = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
  return {
    port, dir, user, keyFile, knownHosts,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('close', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
