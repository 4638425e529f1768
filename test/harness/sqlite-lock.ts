/** Holds an exclusive lock on a SQLite file from another process, as a busy writer would. */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const betterSqlite = createRequire(import.meta.url).resolve('better-sqlite3');

export interface HeldLock {
  /** Commits and ends the holder; resolves when it has exited. */
  release(): Promise<void>;
}

/** Resolves once another process holds an exclusive lock on `path` (until `release()`). */
export async function holdExclusiveLock(path: string): Promise<HeldLock> {
  const script = `
    const Database = require(${JSON.stringify(betterSqlite)});
    const db = new Database(${JSON.stringify(path)});
    db.exec('BEGIN EXCLUSIVE');
    process.stdout.write('locked\\n');
    process.stdin.once('data', () => { db.exec('COMMIT'); db.close(); process.exit(0); });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited early (${code})`)));
  });
  return {
    release: async () => {
      child.stdin!.end('release\n');
      await exited;
    },
  };
}
