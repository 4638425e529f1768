/**
 * A private PostgreSQL (initdb into a temp dir, run as the `postgres` user) on a loopback port, for
 * tests that need server settings the shared server must keep (e.g. `log_min_duration_statement`).
 * Its stderr log goes to `logFile`. Ready in about 3 s; `stop()` shuts it down and removes it.
 */
import { spawn, execFileSync } from 'node:child_process';
import { chownSync, closeSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, tempDir, waitFor } from './util.js';

export interface PrivatePostgres {
  port: number;
  dir: string;
  /** Everything the server wrote to stderr (its log, with the configured prefix). */
  logFile: string;
  /** A connected client (user `postgres`, trust auth); the caller ends it. */
  client(database?: string): Promise<pg.Client>;
  stop(): Promise<void>;
}

function binDir(): string {
  const versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  if (!versions.length) throw new Error('no PostgreSQL server under /usr/lib/postgresql');
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

/** `settings` become `-c name=value` server options. */
export async function startPostgres(settings: Record<string, string> = {}): Promise<PrivatePostgres> {
  const t = tempDir('onedump-pg-');
  const ids = { uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) };
  chownSync(t.path, ids.uid, ids.gid);
  const data = join(t.path, 'data');
  const env = { PATH: process.env.PATH, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
  execFileSync(join(binDir(), 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'], { ...ids, env, stdio: 'ignore' });
  const port = await freePort();
  const logFile = join(t.path, 'server.log');
  const fd = openSync(logFile, 'a');
  chownSync(logFile, ids.uid, ids.gid);
  const options = { listen_addresses: '127.0.0.1', port: String(port), unix_socket_directories: t.path, fsync: 'off', logging_collector: 'off', ...settings };
  const child = spawn(join(binDir(), 'postgres'), ['-D', data, ...Object.entries(options).flatMap(([k, v]) => ['-c', `${k}=${v}`])], { ...ids, env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const client = async (database = 'postgres') => {
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database });
    await c.connect();
    return c;
  };
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error('postgres exited');
    const c = await client();
    await c.end();
    return true;
  }, 30_000, 'private PostgreSQL to accept connections');
  return {
    port, dir: t.path, logFile, client,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGINT'); // fast shutdown
        await new Promise((r) => child.once('close', r));
      }
      t.cleanup();
    },
  };
}
