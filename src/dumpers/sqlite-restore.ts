/**
 * Restores a SQLite dump into a database file, all or nothing: the statements run against a hidden
 * temporary file beside the target, which replaces the target (atomic rename) only once every
 * statement succeeded. A failure leaves the target exactly as it was and no temporary file behind.
 *
 * - Whole restore: the target becomes exactly the dumped database.
 * - `tables`: only those tables (with their indexes, triggers and sqlite_sequence rows) are restored.
 *   An existing target keeps everything else: the listed tables are replaced in a copy of it. A name
 *   that is not in the dump is an error (nothing is changed). Views, file pragmas and planner
 *   statistics (sqlite_stat1) are left alone.
 * - `dryRun`: reads the whole dump, prints what would be restored, writes nothing.
 * - Before an existing target is replaced, a safety copy `<file>.before-restore-<time>` is written
 *   (unless `safetyBackup: false`).
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { AbortError, DatabaseError } from '../errors.js';
import { openDb, quoteIdent, sqlitePath, type Db } from './sqlite-common.js';
import { SqliteStatementSplitter } from './sqlite-splitter.js';
import { classifyStatement, type StatementInfo } from './sqlite-statements.js';
import type { RestoreOptions, RestoreResult } from './types.js';
import { syncDir } from '../util/fs.js';

/** Shadow-table suffixes of the virtual-table modules SQLite ships (fts3/4/5, rtree). */
const SHADOW_SUFFIXES = ['_data', '_idx', '_content', '_docsize', '_config', '_segments', '_segdir', '_stat', '_node', '_rowid', '_parent'];

/** Decides which statements of a dump a restore runs. */
class Selection {
  readonly seen = new Set<string>();
  private readonly virtual = new Set<string>();

  constructor(private readonly only: Set<string> | undefined) {}

  wants(info: StatementInfo): boolean {
    if (info.kind === 'table' && info.table) this.seen.add(info.table);
    if (info.kind === 'virtual-table' && info.table) this.seen.add(info.table);
    if (!this.only) return true;
    switch (info.kind) {
      case 'view':
      case 'file-pragma':
      case 'stats':
        return false;
      case 'virtual-table':
        if (info.table && this.only.has(info.table)) this.virtual.add(info.table);
        return !!info.table && this.only.has(info.table);
      case 'other':
      case 'sequence-reset':
        return true;
      default:
        return !!info.table && this.selected(info.table);
    }
  }

  selected(table: string): boolean {
    if (this.only?.has(table)) return true;
    return [...this.virtual].some((v) => SHADOW_SUFFIXES.some((s) => table === v + s));
  }

  /** Listed tables that the dump does not contain. */
  missing(): string[] {
    return [...(this.only ?? [])].filter((t) => !this.seen.has(t));
  }
}

export async function restoreSqlite(input: Readable, target: string, opts: RestoreOptions): Promise<RestoreResult> {
  const path = sqlitePath(target, opts.baseDir ?? process.cwd());
  const only = opts.tables?.length ? new Set(opts.tables) : undefined;
  const exists = !!(await stat(path).catch(() => undefined));
  const temp = join(dirname(path), `.${basename(path)}.onedump-tmp-${randomBytes(6).toString('hex')}`);
  let db: Db | undefined;
  try {
    if (!opts.dryRun) db = await prepareWorkingCopy(path, temp, exists && !!only, only);
    const result = await runStatements(input, db, new Selection(only), opts);
    if (db) {
      db.close();
      if (exists) {
        const mode = await replaceTarget(path, opts.safetyBackup !== false);
        if (only && mode === 'wal') await setJournalMode(temp, 'WAL'); // a partial restore keeps the file's own settings
      }
      await rename(temp, path);
      await syncDir(dirname(path));
    }
    return result;
  } catch (err) {
    if (db?.open) db.close();
    await Promise.all(['', '-journal', '-wal', '-shm'].map((s) => rm(temp + s, { force: true })));
    throw err;
  }
}

/** A new empty file, or (for a partial restore into an existing file) a consistent copy of the target without the listed tables. */
async function prepareWorkingCopy(path: string, temp: string, merge: boolean, only: Set<string> | undefined): Promise<Db> {
  if (merge) await copyDatabase(path, temp);
  const db = await openDb(temp, {});
  db.pragma('foreign_keys = OFF'); // dropping or loading tables must not cascade or check
  db.unsafeMode(true); // lets PRAGMA writable_schema restore virtual tables, as sqlite3 does
  if (merge) {
    for (const t of only ?? []) {
      if (db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(t)) db.exec(`DROP TABLE ${quoteIdent(t)}`);
    }
  }
  return db;
}

async function runStatements(input: Readable, db: Db | undefined, selection: Selection, opts: RestoreOptions): Promise<RestoreResult> {
  const splitter = new SqliteStatementSplitter();
  const decoder = new StringDecoder('utf8');
  const rows = new Map<string, number>();
  let statements = 0;
  const run = (stmt: string) => {
    const info = classifyStatement(stmt);
    if (!selection.wants(info)) return;
    statements++;
    if (info.kind === 'rows') rows.set(info.table!, (rows.get(info.table!) ?? 0) + 1);
    if (!db) {
      if (info.kind !== 'rows') opts.out?.write(stmt.split('\n')[0] + '\n');
      return;
    }
    if (info.kind === 'sequence-reset' && !db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_sequence'").get()) return;
    try {
      db.exec(info.kind === 'sequence-reset' && opts.tables?.length ? sequenceReset(opts.tables) : stmt);
    } catch (err) {
      throw new DatabaseError('sqlite', `restore failed at statement ${statements} (${stmt.slice(0, 80).replace(/\s+/g, ' ')}…): ${(err as Error).message}`, { cause: err, table: info.table });
    }
  };
  for await (const chunk of input) {
    if (opts.signal.aborted) throw new AbortError('aborted', { cause: opts.signal.reason });
    for (const stmt of splitter.push(decoder.write(chunk as Buffer))) run(stmt);
  }
  for (const stmt of splitter.push(decoder.end())) run(stmt);
  const tail = splitter.end();
  if (tail) run(tail);
  if (db?.inTransaction) throw new DatabaseError('sqlite', 'the dump ends inside a transaction (truncated file?)');
  const missing = selection.missing();
  if (missing.length) throw new DatabaseError('sqlite', `not in the dump: ${missing.map((t) => `"${t}"`).join(', ')} (tables in it: ${[...selection.seen].join(', ') || 'none'})`);
  if (!db) for (const [t, n] of rows) opts.out?.write(`-- ${t}: ${n} rows\n`);
  return { statements, tables: [...selection.seen].filter((t) => selection.selected(t) || !opts.tables?.length) };
}

function sequenceReset(tables: string[]): string {
  return `DELETE FROM sqlite_sequence WHERE name IN (${tables.map((t) => `'${t.replace(/'/g, "''")}'`).join(',')})`;
}

/** A consistent copy of a live database file (the backup API copes with WAL and concurrent writers). */
async function copyDatabase(from: string, to: string): Promise<void> {
  const src = await openDb(from, { readonly: true, fileMustExist: true });
  try {
    await src.backup(to);
  } finally {
    src.close();
  }
}

/**
 * Before the target is replaced: save a safety copy, fold its WAL into the file (a leftover -wal beside
 * the new file would corrupt it), and refuse if another connection keeps it open. Returns the target's
 * journal mode.
 */
async function replaceTarget(path: string, safetyBackup: boolean): Promise<string> {
  const db = await openDb(path, { fileMustExist: true });
  let mode = 'delete';
  try {
    mode = String(db.pragma('journal_mode', { simple: true })).toLowerCase();
    if (safetyBackup) {
      const copy = `${path}.before-restore-${new Date().toISOString().replace(/[:.]/g, '')}`;
      await db.backup(copy);
      if (mode === 'wal') await setJournalMode(copy, 'WAL');
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
    if (mode === 'wal') db.pragma('journal_mode = DELETE');
  } catch (err) {
    throw new DatabaseError('sqlite', `cannot replace ${path}: ${(err as Error).message} (is another program using it?)`, { cause: err });
  } finally {
    db.close();
  }
  return mode;
}

async function setJournalMode(path: string, mode: string): Promise<void> {
  const db = await openDb(path, { fileMustExist: true });
  try {
    db.pragma(`journal_mode = ${mode}`);
  } finally {
    db.close();
  }
}
