/**
 * SSH tunnels for database connections: one per job, never process-global. A local TCP server on
 * 127.0.0.1 with an ephemeral port forwards each connection through ssh2's `forwardOut` to the
 * database's host and port as the SSH server sees them.
 *
 * Login and host-key checking are connect-config.ts's, shared with the sftp storage: the host key is
 * always verified — against `known_hosts` (default `~/.ssh/known_hosts`) or an expected
 * `host_key_fingerprint` — unless `insecure_ignore_host_key: true`. Authentication: `key_file` or `key`
 * (with `passphrase`), `agent` (`true` for `$SSH_AUTH_SOCK`, or a socket path), `password`; with none,
 * like `ssh`: the agent and ~/.ssh/id_ed25519, id_ecdsa or id_rsa.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { OnedumpError } from '../errors.js';
import type { SshConfig } from '../config/types.js';
import type { Logger } from '../util/log.js';
import { sshConnectConfig } from './connect-config.js';
import type { HostKeyCheck } from './host-key.js';

/** The tunnel could not be opened; names the SSH server and why. */
export class SshTunnelError extends OnedumpError {}

export interface Tunnel {
  /** Connect here instead of the database's own address. */
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Closes the listener, every forwarded connection and the SSH session. Safe to call twice. */
  close(): Promise<void>;
}

export interface TunnelOptions {
  /** Directory that relative key and known_hosts paths resolve against. */
  baseDir: string;
  log: Logger;
  /** Milliseconds to wait for the SSH handshake. @default 20000 */
  readyTimeoutMs?: number;
}

/** Opens a tunnel to `target` (host:port as seen from the SSH server). */
export async function openTunnel(cfg: SshConfig, target: { host: string; port: number }, opts: TunnelOptions): Promise<Tunnel> {
  const { Client } = await import('ssh2');
  const sshPort = cfg.port ?? 22;
  const where = `ssh ${cfg.user}@${cfg.host}:${sshPort}`;
  const client = new Client();
  let hostKey: HostKeyCheck | undefined;
  try {
    const login = sshConnectConfig(cfg, opts.baseDir);
    hostKey = login.hostKey;
    await new Promise<void>((ok, fail) => {
      client.once('ready', () => ok());
      client.once('error', (err) => fail(err));
      client.connect({ ...login.config, readyTimeout: opts.readyTimeoutMs ?? 20_000 });
    });
  } catch (err) {
    client.end();
    const refused = hostKey?.reason();
    throw new SshTunnelError(`${where}: ${refused ? `host key verification failed: ${refused}` : authMessage(err)}`, { cause: err });
  }
  return listen(client, target, where, opts.log);
}

/**
 * Opens the tunnel a `database:` block asks for (its `ssh:`), to the driver's endpoint; undefined when
 * the block has no `ssh:`. The caller MUST close it when done, whatever happens.
 */
export async function tunnelFor(db: { driver: string; ssh?: SshConfig }, endpoint: { host: string; port: number } | undefined, opts: TunnelOptions): Promise<Tunnel | undefined> {
  if (!db.ssh) return undefined;
  if (!endpoint) throw new SshTunnelError(`driver ${db.driver}: the DSN names no host and port to reach through ssh ${db.ssh.host}`);
  return openTunnel(db.ssh, endpoint, opts);
}

function authMessage(err: unknown): string {
  const e = err as { level?: string; message?: string; code?: string };
  if (e.level === 'client-authentication') return 'authentication failed (check user, key or password)';
  return e.message ?? String(err);
}

/** Starts the local listener that forwards every accepted socket over `client`. */
async function listen(client: import('ssh2').Client, target: { host: string; port: number }, where: string, log: Logger): Promise<Tunnel> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    client.forwardOut('127.0.0.1', socket.remotePort ?? 0, target.host, target.port, (err, channel) => {
      if (err) {
        log.warn(`${where}: cannot forward to ${target.host}:${target.port}: ${err.message}`);
        socket.destroy();
        return;
      }
      socket.pipe(channel).pipe(socket);
      channel.on('error', () => socket.destroy());
      socket.on('error', () => channel.close());
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const port = (server.address() as { port: number }).port;
  log.info(`${where}: tunnel 127.0.0.1:${port} → ${target.host}:${target.port}`);
  let closed: Promise<void> | undefined;
  return {
    host: '127.0.0.1',
    port,
    close: () => (closed ??= new Promise<void>((done) => {
      for (const s of sockets) s.destroy();
      server.close(() => {
        client.end();
        done();
      });
    })),
  };
}
