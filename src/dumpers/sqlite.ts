/**
 * `sqlite`: dumps a SQLite file as SQL (like `sqlite3 .dump`, loadable by the sqlite3 CLI) and restores
 * such dumps (`sqlite-restore.ts`). Exact for every value: 64-bit integers, REAL (shortest round-trip
 * form, -0.0 and ±Inf included), BLOB (X'..'), text with any bytes (text that is not valid UTF-8, or holds
 * NUL or CR, as CAST(X'..' AS TEXT)), NULL; rowids of tables without an INTEGER PRIMARY KEY are kept too.
 *
 * The dump reads one snapshot (a single read transaction). A database locked by a writer is waited for
 * up to `busy_timeout`, without blocking the event loop; after that the failure is transient, so job
 * `retries` apply.
 */
import { basename } from 'node:path';
import type { Writable } from 'node:stream';
import { AbortError, DatabaseError, markTransient } from '../errors.js';
import { parseDuration } from '../util/duration.js';
import { sleep } from '../util/backoff.js';
import type { DatabaseConfig } from '../config/types.js';
import { SqlWriter } from './sql-writer.js';
import { restoreSqlite } from './sqlite-restore.js';
import { openDb, quoteText, sqlitePath, type Db } from './sqlite-common.js';
import { dumpRows } from './sqlite-rows.js';
import type { DatabaseDriver, Dumper, DumpInfo } from './types.js';

export { sqlitePath };
export { sqliteLiteral, tableShape } from './sqlite-rows.js';

interface TableRow {
  name: string;
  sql: string;
}

const isVirtual = (sql: string) => /^\s*CREATE\s+VIRTUAL\s+TABLE/i.test(sql);

function selectedTables(db: Db, cfg: DatabaseConfig): TableRow[] {
  const rows = db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND sql IS NOT NULL ORDER BY rowid").all() as TableRow[];
  const only = cfg.tables ? new Set(cfg.tables) : undefined;
  const skip = new Set(cfg.exclude_tables ?? []);
  const shadow = shadowTables(db);
  return rows.filter((r) => {
    if (r.name.startsWith('sqlite_') && r.name !== 'sqlite_sequence') return false;
    if (r.name !== 'sqlite_sequence' && only && !only.has(r.name) && !shadow.has(r.name)) return false;
    return !skip.has(r.name);
  });
}

function shadowTables(db: Db): Set<string> {
  const rows = db.prepare("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'shadow'").all() as { name: string }[];
  return new Set(rows.map((r) => r.name));
}

/** Starts the read transaction (the snapshot), waiting without blocking while a writer holds the lock. */
async function beginSnapshot(db: Db, busyTimeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + busyTimeoutMs;
  for (;;) {
    try {
      db.exec('BEGIN');
      db.prepare('SELECT count(*) FROM sqlite_schema').get(); // takes the shared lock
      return;
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
      if (Date.now() >= deadline) {
        throw markTransient(new DatabaseError('sqlite', `database is locked (still busy after ${busyTimeoutMs / 1000}s)`, { cause: err }));
      }
      await sleep(50, signal);
    }
  }
}

interface SourceFacts {
  version: string;
  userVersion: number;
  appId: number;
  pageSize: number;
  autoVacuum: number;
  encoding: string;
  journalMode: string;
}

function sourceFacts(db: Db): SourceFacts {
  const p = (name: string) => db.pragma(name, { simple: true }) as unknown;
  return {
    version: (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v,
    userVersion: Number(p('user_version')),
    appId: Number(p('application_id')),
    pageSize: Number(p('page_size')),
    autoVacuum: Number(p('auto_vacuum')),
    encoding: String(p('encoding')),
    journalMode: String(p('journal_mode')).toLowerCase(),
  };
}

/** Settings that must precede the first table (ignored by SQLite when loading into a non-empty file). */
function preamble(file: string, f: SourceFacts): string {
  const lines = ['-- onedump sqlite dump', `-- source: ${file}, SQLite ${f.version}`];
  if (f.pageSize !== 4096) lines.push(`PRAGMA page_size=${f.pageSize};`);
  if (f.autoVacuum) lines.push(`PRAGMA auto_vacuum=${f.autoVacuum};`);
  if (f.encoding !== 'UTF-8') lines.push(`PRAGMA encoding=${quoteText(f.encoding)};`);
  lines.push('PRAGMA foreign_keys=OFF;', 'BEGIN TRANSACTION;');
  return lines.join('\n') + '\n';
}

class SqliteDumper implements Dumper {
  constructor(private readonly path: string, private readonly cfg: DatabaseConfig) {}

  private get busyTimeoutMs(): number {
    return parseDuration((this.cfg.busy_timeout as string | number | undefined) ?? '5s');
  }

  async dump(out: Writable, { signal }: { signal: AbortSignal }): Promise<DumpInfo> {
    const db = await this.open();
    const w = new SqlWriter(out, signal);
    try {
      await beginSnapshot(db, this.busyTimeoutMs, signal);
      const facts = sourceFacts(db);
      await w.write(preamble(basename(this.path), facts));
      const list = selectedTables(db, this.cfg);
      const tables = await this.dumpTables(db, list, w, signal);
      if (!this.cfg.data_only) await this.dumpSchemaObjects(db, list, w, facts);
      await w.write('COMMIT;\n');
      if (!this.cfg.data_only && facts.journalMode === 'wal') await w.write('PRAGMA journal_mode=WAL;\n');
      await w.flush();
      return { driver: 'sqlite', serverVersion: `SQLite ${facts.version}`, databases: [basename(this.path)], tables };
    } catch (err) {
      if (err instanceof DatabaseError || err instanceof AbortError || signal.aborted) throw err;
      throw new DatabaseError('sqlite', `${this.path}: ${(err as Error).message}`, { cause: err });
    } finally {
      try {
        if (db.inTransaction) db.exec('ROLLBACK');
      } finally {
        db.close();
      }
    }
  }

  private async open(): Promise<Db> {
    try {
      const db = await openDb(this.path, { readonly: true, fileMustExist: true, timeout: 0 });
      db.defaultSafeIntegers(true); // 64-bit integers as BigInt: exact
      return db;
    } catch (err) {
      const missing = (err as { code?: string }).code === 'SQLITE_CANTOPEN';
      throw new DatabaseError('sqlite', missing ? `cannot open ${this.path}: no such database file` : `cannot open ${this.path}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** CREATE TABLE (unless data_only) and the rows (unless schema_only) of each table; then sqlite_sequence. */
  private async dumpTables(db: Db, list: TableRow[], w: SqlWriter, signal: AbortSignal): Promise<Record<string, number>> {
    const tables: Record<string, number> = {};
    let writableSchema = false;
    for (const t of list) {
      if (t.name === 'sqlite_sequence') continue;
      if (!this.cfg.data_only) {
        if (isVirtual(t.sql)) {
          // as sqlite3 .dump does: the schema row only; the shadow tables carry the data
          if (!writableSchema) await w.write('PRAGMA writable_schema=ON;\n');
          writableSchema = true;
          await w.write(`INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql) VALUES('table',${quoteText(t.name)},${quoteText(t.name)},0,${quoteText(t.sql)});\n`);
        } else {
          await w.write(`${t.sql};\n`);
        }
      }
      if (isVirtual(t.sql) || this.cfg.schema_only) continue;
      tables[t.name] = await this.rowsOf(db, t.name, w, signal);
    }
    if (writableSchema) await w.write('PRAGMA writable_schema=OFF;\n');
    if (!this.cfg.schema_only && list.some((t) => t.name === 'sqlite_sequence')) {
      await w.write('DELETE FROM sqlite_sequence;\n');
      tables.sqlite_sequence = await this.rowsOf(db, 'sqlite_sequence', w, signal);
    }
    if (!this.cfg.schema_only) await this.dumpStats(db, list, w, signal);
    return tables;
  }

  /**
   * The query planner's statistics (what ANALYZE gathered), as sqlite3 .dump writes them: without them
   * a restored database can plan queries differently from the original. Only rows of dumped tables.
   */
  private async dumpStats(db: Db, list: TableRow[], w: SqlWriter, signal: AbortSignal): Promise<void> {
    const stats = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ('sqlite_stat1', 'sqlite_stat4') ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    // `list` already holds the shadow tables of virtual tables (their statistics are rows like any other)
    const names = list.filter((t) => t.name !== 'sqlite_sequence').map((t) => quoteText(t.name));
    if (!stats.length || !names.length) return;
    await w.write('ANALYZE sqlite_schema;\n');
    // ANALYZE creates sqlite_stat4 too where SQLite is built with it; the source may not have one
    if (!stats.includes('sqlite_stat4')) await w.write('DROP TABLE IF EXISTS sqlite_stat4;\n');
    for (const stat of stats) {
      await w.write(`DELETE FROM ${stat};\n`);
      await dumpRows(db, stat, `tbl IN (${names.join(',')})`, w, signal);
    }
  }

  private async rowsOf(db: Db, table: string, w: SqlWriter, signal: AbortSignal): Promise<number> {
    try {
      return await dumpRows(db, table, table === 'sqlite_sequence' ? undefined : this.cfg.where?.[table], w, signal);
    } catch (err) {
      if (signal.aborted || err instanceof AbortError) throw err;
      throw new DatabaseError('sqlite', (err as Error).message, { cause: err, table });
    }
  }

  /** Views, indexes and triggers (after the data, so loading is fast and triggers do not fire), and pragmas. */
  private async dumpSchemaObjects(db: Db, list: TableRow[], w: SqlWriter, facts: SourceFacts): Promise<void> {
    const names = new Set(list.map((t) => t.name));
    const objs = db
      .prepare("SELECT type, tbl_name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND type IN ('view','index','trigger') ORDER BY rowid")
      .all() as { type: string; tbl_name: string; sql: string }[];
    const views = new Set(objs.filter((o) => o.type === 'view').map((o) => o.tbl_name));
    for (const o of objs) {
      if (o.type !== 'view' && !names.has(o.tbl_name) && !views.has(o.tbl_name)) continue;
      await w.write(`${o.sql};\n`);
    }
    if (facts.userVersion) await w.write(`PRAGMA user_version=${facts.userVersion};\n`);
    if (facts.appId) await w.write(`PRAGMA application_id=${facts.appId};\n`);
  }
}

export const sqliteDriver: DatabaseDriver = {
  name: 'sqlite',
  description: 'SQLite database file (native, through better-sqlite3).',
  family: 'sqlite',
  extension: () => '.sql',
  schema: {
    properties: {
      busy_timeout: {
        $ref: '#/$defs/duration',
        default: '5s',
        description: 'How long to wait for a writer that holds the database lock before the run fails (transiently, so `retries` apply).',
      },
    },
  },
  endpoint: () => undefined,
  async createDumper(db, ctx) {
    return new SqliteDumper(sqlitePath(db.dsn, ctx.baseDir), db);
  },
  restore: (input, target, opts) => restoreSqlite(input, target, opts),
};
