/**
 * Running PostgreSQL's client programs (pg_dump, pg_restore, psql): argv arrays only; connection
 * settings in the environment; the password in a 0600 passfile inside a private temporary directory
 * that is removed afterwards — never on the command line.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseError } from '../errors.js';
import { redact } from '../util/redact.js';
import { libpqEnv, type PgTarget } from './dsn.js';

/** Runs `fn` with an environment for `t`; the passfile exists only meanwhile. */
export async function withLibpqEnv<T>(t: PgTarget, database: string, fn: (env: NodeJS.ProcessEnv) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'onedump-pg-'));
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, ...libpqEnv(t, database) };
    delete env.PGPASSWORD;
    if (t.password !== undefined) {
      const passfile = join(dir, 'pgpass');
      await writeFile(passfile, `*:*:*:*:${t.password.replace(/\\/g, '\\\\').replace(/:/g, '\\:')}\n`, { mode: 0o600 });
      env.PGPASSFILE = passfile;
    }
    return await fn(env);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface ToolVersion {
  text: string;
  major: number;
}

/** `pg_dump --version` → `15.20`, major 15. A missing program is one clear error. */
export function toolVersion(binary: string): Promise<ToolVersion> {
  return new Promise((resolve, reject) => {
    execFile(binary, ['--version'], { timeout: 30_000 }, (err, stdout) => {
      if (err) {
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
        reject(new DatabaseError('postgres', missing ? `${binary} not found (install the PostgreSQL client programs or set binary:)` : `${binary} --version failed: ${err.message}`, { cause: err }));
        return;
      }
      const m = /(\d+)(?:\.(\d+))?/.exec(stdout);
      if (!m) {
        reject(new DatabaseError('postgres', `cannot read the version of ${binary} from "${stdout.trim().slice(0, 80)}"`));
        return;
      }
      resolve({ text: m[2] === undefined ? m[1]! : `${m[1]}.${m[2]}`, major: Number(m[1]) });
    });
  });
}

/** A running tool; `done` resolves with its stderr (last 64 KiB) and rejects on a non-zero exit. */
export interface ToolProcess {
  child: ChildProcess;
  done: Promise<string>;
}

export interface ToolOptions {
  stdin?: 'pipe' | 'ignore';
  /** Called with each complete stderr line (progress, warnings). */
  onStderrLine?: (line: string) => void;
}

export function startTool(binary: string, args: string[], env: NodeJS.ProcessEnv, signal: AbortSignal, opts: ToolOptions = {}): ToolProcess {
  const child = spawn(binary, args, { env, stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let partial = '';
  child.stderr!.on('data', (d: Buffer) => {
    const text = d.toString('utf8');
    stderr = (stderr + text).slice(-65536);
    if (!opts.onStderrLine) return;
    const lines = (partial + text).split('\n');
    partial = lines.pop()!;
    for (const l of lines) opts.onStderrLine(l);
  });
  const onAbort = () => child.kill('SIGTERM');
  signal.addEventListener('abort', onAbort, { once: true });
  const done = new Promise<string>((resolve, reject) => {
    child.once('error', (err) => {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      reject(new DatabaseError('postgres', missing ? `${binary} not found (install the PostgreSQL client programs or set binary:)` : `${binary}: ${err.message}`, { cause: err }));
    });
    child.once('close', (code, sig) => {
      signal.removeEventListener('abort', onAbort);
      if (code === 0) return resolve(stderr);
      const lines = stderr.trim().split('\n').filter(Boolean);
      const errors = lines.filter((l) => /error|fatal|could not|abort|mismatch|denied/i.test(l));
      const last = redact((errors.length ? errors : lines).slice(-3).join(' | ')) || 'no error output';
      reject(new DatabaseError('postgres', `${binary} ${sig ? `was killed by ${sig}` : `exited with status ${code}`}: ${last}`));
    });
  });
  return { child, done };
}

/** Feeds chunks to a child's stdin with backpressure; stops quietly if the child closes it early. */
export async function feedStdin(child: ChildProcess, chunks: AsyncIterable<Buffer>, signal: AbortSignal): Promise<void> {
  const stdin = child.stdin!;
  let closed = false;
  stdin.on('error', () => (closed = true));
  stdin.on('close', () => (closed = true));
  for await (const c of chunks) {
    if (closed || signal.aborted) break;
    if (!stdin.write(c)) {
      await new Promise<void>((resolve) => {
        const done = () => { stdin.off('drain', done); stdin.off('close', done); resolve(); };
        stdin.on('drain', done);
        stdin.on('close', done);
      });
    }
  }
  if (!closed) stdin.end();
}
