/**
 * `sqlite`: dumps a SQLite file as SQL (like `sqlite3 .dump`, loadable by the sqlite3 CLI) and restores
 * such dumps into a new file. Exact for every value: 64-bit integers, REAL (shortest round-trip form),
 * BLOB (X'..'), text with any bytes (non-UTF-8 text as CAST(X'..' AS TEXT)), NULL.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, basename, join, resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Readable, Writable } from 'node:stream';
import type BetterSqlite3 from 'better-sqlite3';
import { DatabaseError } from '../errors.js';
import type { DatabaseConfig } from '../config/types.js';
import { SqlWriter } from './sql-writer.js';
import { SqliteStatementSplitter } from './sqlite-splitter.js';
import type { DatabaseDriver, Dumper, DumpInfo, RestoreOptions, RestoreResult } from './types.js';

type Db = BetterSqlite3.Database;

/** `sqlite:./app.db`, `sqlite:///abs/app.db`, `sqlite://./rel.db` or a plain path → absolute path. */
export function sqlitePath(dsn: string, baseDir: string): string {
  const m = /^sqlite3?:(?:\/\/)?(.*)$/i.exec(dsn);
  const p = decodeURIComponent(m ? m[1]! : dsn);
  return resolve(baseDir, p);
}

async function openDb(path: string, opts: BetterSqlite3.Options): Promise<Db> {
  const { default: Database } = await import('better-sqlite3');
  return new Database(path, opts);
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteText(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** SQL literal for a value read with safe integers and text fetched as bytes. */
export function sqliteLiteral(type: string, v: unknown): string {
  switch (type) {
    case 'null':
      return 'NULL';
    case 'integer':
      return String(v);
    case 'real': {
      const x = Number(v);
      if (x === Infinity) return '1e999';
      if (x === -Infinity) return '-1e999';
      if (Object.is(x, -0)) return '-0.0';
      const s = String(x);
      return /^-?\d+$/.test(s) ? s + '.0' : s;
    }
    case 'text': {
      const b = v as Buffer;
      if (!b.includes(0)) {
        try {
          return quoteText(utf8.decode(b));
        } catch {
          // not valid UTF-8: keep the exact bytes
        }
      }
      return `CAST(X'${b.toString('hex')}' AS TEXT)`;
    }
    default:
      return `X'${(v as Buffer).toString('hex')}'`;
  }
}

interface TableRow {
  name: string;
  sql: string;
}

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
  try {
    const rows = db.prepare("SELECT name FROM pragma_table_list WHERE type = 'shadow'").all() as { name: string }[];
    return new Set(rows.map((r) => r.name));
  } catch {
    return new Set();
  }
}

async function dumpRows(db: Db, table: string, where: string | undefined, w: SqlWriter, signal: AbortSignal): Promise<number> {
  const cols = (db.prepare(`SELECT name, hidden FROM pragma_table_xinfo(?)`).all(table) as { name: string; hidden: number | bigint }[])
    .filter((c) => Number(c.hidden) === 0);
  if (!cols.length) return 0;
  const generated = (db.prepare(`SELECT count(*) AS n FROM pragma_table_xinfo(?) WHERE hidden IN (2, 3)`).get(table) as { n: bigint }).n > 0n;
  const exprs = cols.map((c) => {
    const q = quoteIdent(c.name);
    return `typeof(${q}), CASE typeof(${q}) WHEN 'text' THEN CAST(${q} AS BLOB) ELSE ${q} END`;
  });
  const sql = `SELECT ${exprs.join(', ')} FROM ${quoteIdent(table)}${where ? ` WHERE (${where})` : ''}`;
  const head = `INSERT INTO ${quoteIdent(table)}${generated ? `(${cols.map((c) => quoteIdent(c.name)).join(',')})` : ''} VALUES(`;
  let n = 0;
  for (const row of db.prepare(sql).raw(true).iterate() as IterableIterator<unknown[]>) {
    const vals: string[] = [];
    for (let i = 0; i < row.length; i += 2) vals.push(sqliteLiteral(row[i] as string, row[i + 1]));
    await w.write(head + vals.join(',') + ');\n');
    if (++n % 1024 === 0 && signal.aborted) throw signal.reason;
  }
  return n;
}

class SqliteDumper implements Dumper {
  constructor(private readonly path: string, private readonly cfg: DatabaseConfig) {}

  async dump(out: Writable, { signal }: { signal: AbortSignal }): Promise<DumpInfo> {
    let db: Db;
    try {
      await stat(this.path);
      db = await openDb(this.path, { readonly: true, fileMustExist: true });
    } catch (err) {
      throw new DatabaseError('sqlite', `cannot open ${this.path}: ${(err as Error).message}`, { cause: err });
    }
    const tables: Record<string, number> = {};
    const w = new SqlWriter(out, signal);
    try {
      db.defaultSafeIntegers(true);
      db.exec('BEGIN'); // one read transaction: a consistent snapshot for the whole dump
      const version = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
      const userVersion = db.pragma('user_version', { simple: true });
      const appId = db.pragma('application_id', { simple: true });
      await w.write(`-- onedump sqlite dump\n-- source: ${basename(this.path)}, SQLite ${version}\nPRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n`);
      const list = selectedTables(db, this.cfg);
      let writableSchema = false;
      for (const t of list) {
        if (t.name === 'sqlite_sequence') continue;
        if (!this.cfg.data_only) {
          if (/^\s*CREATE\s+VIRTUAL\s+TABLE/i.test(t.sql)) {
            if (!writableSchema) await w.write('PRAGMA writable_schema=ON;\n');
            writableSchema = true;
            await w.write(`INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql) VALUES('table',${quoteText(t.name)},${quoteText(t.name)},0,${quoteText(t.sql)});\n`);
            continue;
          }
          await w.write(`${t.sql};\n`);
        }
        if (/^\s*CREATE\s+VIRTUAL\s+TABLE/i.test(t.sql)) continue;
        if (!this.cfg.schema_only) {
          try {
            tables[t.name] = await dumpRows(db, t.name, this.cfg.where?.[t.name], w, signal);
          } catch (err) {
            if (signal.aborted) throw err;
            throw new DatabaseError('sqlite', (err as Error).message, { cause: err, table: t.name });
          }
        }
      }
      if (!this.cfg.schema_only && list.some((t) => t.name === 'sqlite_sequence')) {
        await w.write('DELETE FROM sqlite_sequence;\n');
        tables.sqlite_sequence = await dumpRows(db, 'sqlite_sequence', undefined, w, signal);
      }
      if (!this.cfg.data_only) {
        const names = new Set(list.map((t) => t.name));
        const objs = db
          .prepare("SELECT type, tbl_name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND type IN ('view','index','trigger') ORDER BY rowid")
          .all() as { type: string; tbl_name: string; sql: string }[];
        for (const o of objs) {
          if (o.type !== 'view' && !names.has(o.tbl_name) && !this.isViewName(db, o.tbl_name)) continue;
          await w.write(`${o.sql};\n`);
        }
        if (writableSchema) await w.write('PRAGMA writable_schema=OFF;\n');
        if (Number(userVersion)) await w.write(`PRAGMA user_version=${String(userVersion)};\n`);
        if (Number(appId)) await w.write(`PRAGMA application_id=${String(appId)};\n`);
      }
      await w.write('COMMIT;\n');
      await w.flush();
      return { driver: 'sqlite', serverVersion: `SQLite ${version}`, databases: [basename(this.path)], tables };
    } finally {
      try {
        if (db.inTransaction) db.exec('ROLLBACK');
      } finally {
        db.close();
      }
    }
  }

  private isViewName(db: Db, name: string): boolean {
    return !!db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'view' AND name = ?").get(name);
  }
}

/** Names the table a statement creates or fills, for `--tables` filtering. */
function statementTable(stmt: string): string | undefined {
  const m = /^\s*(?:INSERT\s+INTO|CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?TABLE(?:\s+IF\s+NOT\s+EXISTS)?|CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?\S+\s+ON|CREATE\s+TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?\S+\s+[\s\S]*?\bON)\s+("(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|[^\s(]+)/i.exec(stmt);
  if (!m) return undefined;
  const raw = m[1]!;
  if (raw.startsWith('"')) return raw.slice(1, -1).replace(/""/g, '"');
  if (raw.startsWith('`') || raw.startsWith('[')) return raw.slice(1, -1);
  return raw;
}

async function restoreSqlite(input: Readable, target: string, opts: RestoreOptions): Promise<RestoreResult> {
  const path = sqlitePath(target, opts.baseDir ?? process.cwd());
  const only = opts.tables ? new Set(opts.tables) : undefined;
  const temp = join(dirname(path), `.${basename(path)}.onedump-tmp-${randomBytes(6).toString('hex')}`);
  const db = opts.dryRun ? undefined : await openDb(temp, {});
  const splitter = new SqliteStatementSplitter();
  const decoder = new StringDecoder('utf8');
  const seen = new Set<string>();
  let statements = 0;
  const run = (stmt: string) => {
    const table = statementTable(stmt);
    if (table && only && !only.has(table) && table !== 'sqlite_sequence') return;
    if (table && /^\s*CREATE\s+TABLE/i.test(stmt)) seen.add(table);
    statements++;
    if (opts.dryRun) {
      if (!/^\s*INSERT/i.test(stmt)) opts.out?.write(stmt.split('\n')[0] + '\n');
      return;
    }
    try {
      db!.exec(stmt);
    } catch (err) {
      throw new DatabaseError('sqlite', `restore failed at statement ${statements} (${stmt.slice(0, 80)}…): ${(err as Error).message}`, { cause: err, table });
    }
  };
  try {
    if (db) db.unsafeMode(true); // lets PRAGMA writable_schema restore virtual tables, as sqlite3 does
    for await (const chunk of input) {
      if (opts.signal.aborted) throw opts.signal.reason;
      for (const stmt of splitter.push(decoder.write(chunk as Buffer))) run(stmt);
    }
    const rest = splitter.push(decoder.end());
    for (const stmt of rest) run(stmt);
    const tail = splitter.end();
    if (tail) run(tail);
    if (db) {
      if (db.inTransaction) throw new DatabaseError('sqlite', 'dump ended inside a transaction (truncated file?)');
      db.close();
      if (opts.safetyBackup !== false && (await stat(path).catch(() => undefined))) {
        await copyFile(path, `${path}.before-restore-${Date.now()}`);
      }
      await rename(temp, path);
    }
    return { statements, tables: [...seen] };
  } catch (err) {
    if (db?.open) db.close();
    await rm(temp, { force: true });
    await rm(`${temp}-journal`, { force: true });
    throw err;
  }
}

export const sqliteDriver: DatabaseDriver = {
  name: 'sqlite',
  description: 'SQLite database file (native, through better-sqlite3).',
  family: 'sqlite',
  extension: () => '.sql',
  schema: { properties: {} },
  endpoint: () => undefined,
  async createDumper(db, ctx) {
    return new SqliteDumper(sqlitePath(db.dsn, ctx.baseDir), db);
  },
  restore: (input, target, opts) => restoreSqlite(input, target, opts),
};
