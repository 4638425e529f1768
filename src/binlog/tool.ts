/**
 * The external binlog tool (`mariadb-binlog`, or `mysqlbinlog`): found on PATH, run as an argv array,
 * given the password only through a 0600 option file in a private temp directory that is removed
 * afterwards — never on its command line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import { delimiter, join } from 'node:path';
import { DatabaseError, OnedumpError } from '../errors.js';
import { redact } from '../util/redact.js';
import type { BinlogServer } from './connection.js';

/** Names tried, in order, when no tool is configured. */
export const TOOL_NAMES = ['mariadb-binlog', 'mysqlbinlog'];

/** Absolute path of the binlog tool: `preferred` (a name or path) or the first of TOOL_NAMES on PATH. */
export async function findBinlogTool(preferred?: string): Promise<string> {
  const names = preferred ? [preferred] : TOOL_NAMES;
  for (const name of names) {
    const candidates = name.includes('/') ? [name] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, name));
    for (const c of candidates) {
      if (await access(c, constants.X_OK).then(() => true, () => false)) return c;
    }
  }
  throw new OnedumpError(`${names.join(' or ')} not found on PATH; install the MariaDB or MySQL client tools (Debian: apt-get install mariadb-client)`);
}

/** A private temp directory (0700), removed by `cleanup()`. */
export async function privateDir(prefix = 'onedump-binlog-'): Promise<{ path: string; cleanup(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

function optionValue(v: string): string {
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/**
 * Writes a client option file (0600) holding the connection settings, password included, and returns
 * the argv that points the tool at it (it must be the tool's first argument).
 */
export async function writeOptionFile(dir: string, s: BinlogServer): Promise<string[]> {
  const lines = ['[client]', `user=${optionValue(s.user)}`];
  if (s.password !== undefined) lines.push(`password=${optionValue(s.password)}`);
  if (s.socket) lines.push(`socket=${optionValue(s.socket)}`);
  else lines.push(`host=${optionValue(s.host)}`, `port=${s.port}`);
  if (s.ssl) {
    lines.push('ssl');
    if (s.caPath) lines.push(`ssl-ca=${optionValue(s.caPath)}`);
    if (s.ssl.rejectUnauthorized) lines.push('ssl-verify-server-cert');
  }
  const file = join(dir, 'client.cnf');
  await writeFile(file, lines.join('\n') + '\n', { mode: 0o600, flag: 'wx' });
  return [`--defaults-file=${file}`];
}

export interface ToolRun {
  child: ChildProcess;
  /**
   * The tool's stdout, already being read (Node discards a child's unread stdout when it exits, so it
   * is piped into this stream at once; backpressure still reaches the tool).
   */
  stdout: PassThrough;
  /** Resolves when the tool exits 0; rejects with its (redacted) stderr otherwise. */
  done: Promise<void>;
}

/** Starts the tool; stdout is left to the caller. Aborting the signal kills it. */
export function runTool(tool: string, args: string[], opts: { signal?: AbortSignal; env?: NodeJS.ProcessEnv; what: string }): ToolRun {
  const toolName = tool.split('/').pop()!;
  const child = spawn(tool, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  const stdout = new PassThrough({ highWaterMark: 1 << 20 });
  child.stdout!.pipe(stdout);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < 65536) stderr += d.toString('utf8');
  });
  const onAbort = () => child.kill('SIGTERM');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (err) => reject(new DatabaseError(toolName, `${opts.what}: cannot run ${tool}: ${err.message}`, { cause: err })));
    child.once('close', (code, sig) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (code === 0) return resolve();
      const why = sig ? `killed by ${sig}` : `exit code ${code}`;
      const msg = redact(stderr.trim().split('\n').filter((l) => !/^WARNING: /.test(l)).slice(-3).join(' / '));
      reject(new DatabaseError(toolName, `${opts.what}: failed (${why})${msg ? `: ${msg}` : ''}`));
    });
  });
  done.catch(() => undefined);
  return { child, stdout, done };
}
