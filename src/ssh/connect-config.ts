/**
 * ssh2 connection settings from our config keys (shared by the sftp storage and anything else that
 * logs in over SSH): key file or inline key (+ passphrase), password, agent, and host-key verification.
 * With no credential configured it behaves like `ssh`: the agent (`SSH_AUTH_SOCK`) and the first of
 * ~/.ssh/id_ed25519, id_ecdsa, id_rsa that exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ConnectConfig } from 'ssh2';
import type { SshConfig } from '../config/types.js';
import { expandPath, hostKeyCheck, type HostKeyCheck } from './host-key.js';

/** The `ssh:` keys of a database block and the login keys of an sftp storage. */
export type SshLogin = SshConfig;

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

function privateKey(login: SshLogin, baseDir: string): string | Buffer | undefined {
  if (login.key) return login.key;
  if (login.key_file) {
    const file = expandPath(login.key_file, baseDir);
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`cannot read key_file ${file} (${(err as NodeJS.ErrnoException).code})`, { cause: err });
    }
  }
  if (login.password || login.agent) return undefined;
  const found = DEFAULT_KEYS.map((k) => join(homedir(), '.ssh', k)).find((f) => existsSync(f));
  return found ? readFileSync(found) : undefined;
}

function agentSocket(login: SshLogin): string | undefined {
  if (typeof login.agent === 'string') return login.agent;
  if (login.agent === true) {
    if (!process.env.SSH_AUTH_SOCK) throw new Error('agent: true but SSH_AUTH_SOCK is not set');
    return process.env.SSH_AUTH_SOCK;
  }
  // like ssh: use a running agent when nothing else was configured
  return !login.key && !login.key_file && !login.password ? process.env.SSH_AUTH_SOCK : undefined;
}

/** ssh2 `connect()` settings and the host-key check (whose `reason()` explains a refused key). */
export function sshConnectConfig(login: SshLogin, baseDir: string): { config: ConnectConfig; hostKey: HostKeyCheck } {
  const port = login.port ?? 22;
  const hostKey = hostKeyCheck(login, login.host, port, baseDir);
  const key = privateKey(login, baseDir);
  const agent = agentSocket(login);
  return {
    hostKey,
    config: {
      host: login.host,
      port,
      username: login.user,
      ...(key ? { privateKey: key } : {}),
      ...(login.passphrase ? { passphrase: login.passphrase } : {}),
      ...(login.password ? { password: login.password } : {}),
      ...(agent ? { agent } : {}),
      hostVerifier: (blob: Buffer) => hostKey.verify(blob),
      readyTimeout: 20_000,
      keepaliveInterval: 15_000,
      keepaliveCountMax: 4,
    },
  };
}

/** The schema of these keys, for every config block that logs in over SSH (`ssh:` tunnels, sftp storages). */
export const sshLoginSchema: Record<string, unknown> = {
  host: { type: 'string', minLength: 1, description: 'SSH server.' },
  port: { type: 'integer', minimum: 1, maximum: 65535, default: 22, description: 'SSH port.' },
  user: { type: 'string', minLength: 1, description: 'Login name.' },
  key_file: { type: 'string', description: 'Private key file (`~` expands). Default, when no other credential is set: the SSH agent and ~/.ssh/id_ed25519, id_ecdsa or id_rsa.' },
  key: { type: 'string', description: 'Private key content (PEM/OpenSSH), e.g. `${SFTP_KEY}`.' },
  passphrase: { type: 'string', description: 'Passphrase of the private key.' },
  password: { type: 'string', description: 'Password login (prefer a key). Use `${VAR}`.' },
  agent: { type: ['string', 'boolean'], description: 'Use the SSH agent: `true` = `$SSH_AUTH_SOCK`, or a socket path.' },
  known_hosts: { type: 'string', description: 'known_hosts file that must list the server\'s host key (default `~/.ssh/known_hosts`).' },
  host_key_fingerprint: { type: 'string', pattern: '^SHA256:[A-Za-z0-9+/]+=*$', description: 'Expected host key fingerprint, `SHA256:...` as `ssh-keygen -lf` prints it (instead of known_hosts).' },
  insecure_ignore_host_key: { type: 'boolean', default: false, description: 'Skip host key verification (anyone in the path can impersonate the server). Never in production.' },
};
