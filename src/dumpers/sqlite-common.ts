/** Small helpers shared by the SQLite dumper and restore: paths from DSNs, quoting, opening files. */
import { resolve } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';

export type Db = BetterSqlite3.Database;

/** `sqlite:./app.db`, `sqlite:///abs/app.db`, `sqlite://./rel.db` or a plain path → absolute path. */
export function sqlitePath(dsn: string, baseDir: string): string {
  const m = /^sqlite3?:(?:\/\/)?(.*)$/i.exec(dsn);
  const raw = m ? m[1]! : dsn;
  let p = raw;
  try {
    p = decodeURIComponent(raw);
  } catch {
    // a literal `%` in a path: keep it as written
  }
  return resolve(baseDir, p);
}

/** Opens a database file; better-sqlite3 is loaded on first use. */
export async function openDb(path: string, opts: BetterSqlite3.Options): Promise<Db> {
  const { default: Database } = await import('better-sqlite3');
  return new Database(path, opts);
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteText(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
