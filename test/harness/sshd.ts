/**
 * A private OpenSSH sshd on a loopback port, for SFTP storage and SSH tunnel tests.
 * Generates a host key and a client key; `known_hosts` trusts the host key.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort, tempDir, waitFor } from './util.js';

export interface Sshd {
  host: string;
  port: number;
  user: string;
  dir: string;
  /** Client private key file and its content. */
  keyFile: string;
  key: string;
  /** known_hosts file trusting this server's host key. */
  knownHosts: string;
  /** `SHA256:...` fingerprint of the host key, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** A known_hosts file with a different key for this host (verification must fail). */
  wrongKnownHosts: string;
  stop(): Promise<void>;
}

export async function startSshd(): Promise<Sshd> {
  const t = tempDir('onedump-sshd-');
  const dir = t.path;
  const port = await freePort();
  const hostKey = join(dir, 'hostkey');
  const otherKey = join(dir, 'otherkey');
  const keyFile = join(dir, 'client_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(keyFile + '.pub'));
  chmodSync(join(dir, 'authorized_keys'), 0o600);
  const hostPub = readFileSync(hostKey + '.pub', 'utf8').trim().split(' ').slice(0, 2).join(' ');
  const otherPub = readFileSync(otherKey + '.pub', 'utf8').trim().split(' ').slice(0, 2).join(' ');
  const knownHosts = join(dir, 'known_hosts');
  const wrongKnownHosts = join(dir, 'known_hosts_wrong');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostPub}\n`);
  writeFileSync(wrongKnownHosts, `[127.0.0.1]:${port} ${otherPub}\n`);
  const fingerprint = execFileSync('ssh-keygen', ['-lf', hostKey + '.pub'], { encoding: 'utf8' }).split(' ')[1]!;
  const config = [
    `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${hostKey}`, `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'StrictModes no', 'PasswordAuthentication no', 'UsePAM no',
    'PermitRootLogin prohibit-password', 'Subsystem sftp internal-sftp', 'AllowTcpForwarding yes', 'LogLevel ERROR',
    'MaxStartups 100:30:200', 'MaxSessions 50',
  ].join('\n');
  writeFileSync(join(dir, 'sshd_config'), config + '\n');
  mkdirSync('/run/sshd', { recursive: true });
  const child: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  await waitFor(
    () => new Promise<boolean>((resolve) => {
      if (child.exitCode !== null) throw new Error(`sshd exited: ${err}`);
      const s = connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    }),
    10_000,
    'sshd to listen',
  );
  const user = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
  return {
    host: '127.0.0.1', port, user, dir, keyFile, key: readFileSync(keyFile, 'utf8'), knownHosts, fingerprint, wrongKnownHosts,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('close', r));
      }
      t.cleanup();
    },
  };
}
