/**
 * A private MariaDB with binary logs (ROW format, full metadata) on a loopback port, for binlog and
 * slow-log tests. The shared server on 3306 has no binlog. Ready in about 2 s; `stop()` removes it.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, tempDir, waitFor } from './util.js';

export interface PrivateMariadb {
  host: string;
  port: number;
  dir: string;
  /** Where binlogs live: `${dir}/binlog/mysql-bin.000001`, ... */
  binlogDir: string;
  socket: string;
  /** `mysql://root@127.0.0.1:PORT/` (root has no password). */
  dsn(db?: string): string;
  /** Runs SQL through the stock client and returns its output (tab-separated, no headers). */
  sql(query: string, db?: string): string;
  /** Shuts the server down cleanly (the current binlog ends with a Stop event) and starts it again on the same data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface MariadbOptions {
  /** Extra mariadbd arguments (e.g. `--slow-query-log=1`). */
  args?: string[];
  binlog?: boolean;
}

export async function startMariadb(opts: MariadbOptions = {}): Promise<PrivateMariadb> {
  const t = tempDir('onedump-mariadb-');
  const dir = t.path;
  chmodSync(dir, 0o755);
  const ids = { uid: Number(execFileSync('id', ['-u', 'mysql'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'mysql'], { encoding: 'utf8' })) };
  for (const sub of ['data', 'binlog', 'tmp']) {
    mkdirSync(join(dir, sub));
    chownSync(join(dir, sub), ids.uid, ids.gid);
  }
  chownSync(dir, ids.uid, ids.gid);
  execFileSync('mariadb-install-db', ['--no-defaults', `--datadir=${join(dir, 'data')}`, '--user=mysql', '--auth-root-authentication-method=normal', '--skip-test-db'], { stdio: 'ignore' });
  const port = await freePort();
  const socket = join(dir, 'mysqld.sock');
  const args = [
    '--no-defaults', `--datadir=${join(dir, 'data')}`, '--user=mysql', '--bind-address=127.0.0.1', `--port=${port}`,
    `--socket=${socket}`, `--pid-file=${join(dir, 'mysqld.pid')}`, `--tmpdir=${join(dir, 'tmp')}`, '--skip-name-resolve',
    '--innodb-buffer-pool-size=64M', '--innodb-log-file-size=48M', '--max-connections=200',
    ...(opts.binlog === false ? [] : ['--server-id=1', `--log-bin=${join(dir, 'binlog', 'mysql-bin')}`, '--binlog-format=ROW', '--binlog-row-metadata=FULL']),
    ...(opts.args ?? []),
  ];
  const sql = (query: string, db?: string) =>
    execFileSync('mariadb', ['--no-defaults', '-uroot', '-h127.0.0.1', `-P${port}`, '-N', '-B', ...(db ? [db] : []), '-e', query], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  let child = await launch(args, sql);
  const pidFile = join(dir, 'mysqld.pid');
  const shutdown = async () => {
    if (child.exitCode !== null) return;
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : child.pid!;
    const closed = new Promise((r) => child.once('close', r));
    process.kill(pid, 'SIGTERM');
    await closed;
  };
  return {
    host: '127.0.0.1', port, dir, binlogDir: join(dir, 'binlog'), socket,
    dsn: (db = '') => `mysql://root@127.0.0.1:${port}/${db}`,
    sql,
    async restart() {
      await shutdown();
      child = await launch(args, sql);
    },
    async stop() {
      await shutdown();
      t.cleanup();
    },
  };
}

/** Starts mariadbd with `args` and waits until it answers `SELECT 1`. */
async function launch(args: string[], sql: (q: string) => string): Promise<ChildProcess> {
  const child = spawn('/usr/sbin/mariadbd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`mariadbd exited: ${err.slice(-2000)}`);
    sql('SELECT 1');
    return true;
  }, 30_000, 'private MariaDB to accept connections');
  return child;
}
