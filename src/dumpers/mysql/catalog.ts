/**
 * What a MySQL/MariaDB database holds, read from information_schema: databases, tables (with engine and
 * whether it is transactional), views in dependency order, columns and how to write their values,
 * triggers, routines and events.
 */
import { DatabaseError, UsageError } from '../../errors.js';
import type { MysqlConnection } from './connection.js';
import { ValueKind } from './insert-encoder.js';
import { qualified, quoteIdent } from './quote.js';

/** Schemas that are never dumped by `databases: "*"`. */
export const SYSTEM_DATABASES = new Set(['mysql', 'information_schema', 'performance_schema', 'sys']);

export type ObjectType = 'table' | 'view' | 'sequence';

export interface TableInfo {
  db: string;
  name: string;
  type: ObjectType;
  engine: string;
  /** InnoDB and other engines with transactions: read consistently from the snapshot. */
  transactional: boolean;
  /** `WITH SYSTEM VERSIONING` (MariaDB): its history rows are dumped too. */
  versioned?: boolean;
}

/**
 * Engines whose rows live in other tables or on another server (MERGE, FEDERATED): their structure is
 * dumped, their rows are not (like mysqldump), else loading would add them to the underlying tables
 * twice, or fail on a read-only MERGE table.
 */
const ROWS_ELSEWHERE = new Set(['mrg_myisam', 'mrg_isam', 'federated']);

/** A base table whose rows the dump carries. */
export function hasOwnRows(t: TableInfo): boolean {
  return t.type === 'table' && !ROWS_ELSEWHERE.has(t.engine.toLowerCase());
}

export interface ColumnInfo {
  name: string;
  kind: ValueKind;
  /** Expression in the SELECT list (FLOAT is widened to DOUBLE so that no digits are lost; text that utf8mb4 cannot carry is read as its bytes). */
  select: string;
}

/** Every database to dump: the `databases` list, all user databases for `"*"`, else the DSN's. */
export async function resolveDatabases(conn: MysqlConnection, spec: string[] | string | undefined, dsnDb: string | undefined, where: string): Promise<string[]> {
  const existing = (await conn.rows('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME')).map((r) => r[0]!);
  if (spec === '*') return existing.filter((d) => !SYSTEM_DATABASES.has(d.toLowerCase()));
  const wanted = Array.isArray(spec) ? spec : typeof spec === 'string' ? [spec] : dsnDb ? [dsnDb] : [];
  if (!wanted.length) throw new UsageError('no database to dump: name one in the DSN path (mysql://host/db) or set `databases:`');
  const missing = wanted.filter((d) => !existing.includes(d));
  if (missing.length) throw new DatabaseError('mysql', `cannot dump from ${where}: unknown database${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}`);
  return wanted;
}

/** Tables, views and sequences of `db`, by name. */
export async function listTables(conn: MysqlConnection, db: string): Promise<TableInfo[]> {
  const txEngines = new Set(
    (await conn.rows("SELECT ENGINE FROM information_schema.ENGINES WHERE TRANSACTIONS = 'YES'")).map((r) => r[0]!.toLowerCase()),
  );
  const rows = await conn.rows(
    'SELECT TABLE_NAME, TABLE_TYPE, ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
    [db],
  );
  return rows.map(([name, type, engine]) => {
    const t: ObjectType = type === 'VIEW' ? 'view' : type === 'SEQUENCE' ? 'sequence' : 'table';
    const eng = engine ?? '';
    return { db, name: name!, type: t, engine: eng, transactional: t === 'view' || txEngines.has(eng.toLowerCase()), versioned: type === 'SYSTEM VERSIONED' };
  });
}

const HEX_TYPES = new Set([
  'binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob', 'bit', 'geometry', 'point', 'linestring',
  'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection', 'vector',
]);
/**
 * Character sets whose every stored string survives the trip through the connection's utf8mb4 and back.
 * Columns of other character sets (cp932, sjis, euckr, cp1251, …: duplicate or unmapped codes that come
 * back as another code or `?`) are dumped as hex literals, byte for byte.
 */
const UNICODE_SAFE = new Set(['utf8mb4', 'utf8mb3', 'utf8', 'utf16', 'utf16le', 'utf32', 'ucs2', 'ascii', 'latin1', 'binary']);
const STRING_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext']);
const RAW_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'decimal', 'numeric', 'double', 'real', 'year', 'float']);

/**
 * Columns whose values are dumped: generated columns are left out. For a system-versioned table
 * (`versioned`) its period columns are dumped too — explicit ones (`GENERATED ALWAYS AS ROW START`) or
 * the implicit ROW_START/ROW_END — so that, read `FOR SYSTEM_TIME ALL` and loaded with
 * `system_versioning_insert_history`, the table's history survives (like `mariadb-dump --dump-history`).
 */
export async function dumpedColumns(conn: MysqlConnection, db: string, table: string, versioned = false): Promise<ColumnInfo[]> {
  const rows = await conn.rows(
    'SELECT COLUMN_NAME, DATA_TYPE, EXTRA, GENERATION_EXPRESSION, CHARACTER_SET_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    [db, table],
  );
  const out: ColumnInfo[] = [];
  let period = 0;
  for (const [name, dataType, extra, expression, charset] of rows) {
    // explicit period columns show as `STORED GENERATED` with the expression `ROW START`/`ROW END`
    const isPeriod = /^ROW (START|END)$/i.test(expression ?? '') || /\bROW (START|END)\b/i.test(extra ?? '');
    if (isPeriod && !versioned) continue;
    if (isPeriod) period++;
    else if (/\b(VIRTUAL|STORED|PERSISTENT) GENERATED\b/i.test(extra ?? '')) continue;
    const type = dataType!.toLowerCase();
    const q = quoteIdent(name!);
    const lossy = STRING_TYPES.has(type) && !!charset && !UNICODE_SAFE.has(charset.toLowerCase());
    const kind = HEX_TYPES.has(type) || lossy ? ValueKind.Hex : RAW_TYPES.has(type) ? ValueKind.Raw : ValueKind.Text;
    out.push({ name: name!, kind, select: type === 'float' ? `${q} + 0e0` : lossy ? `CAST(${q} AS BINARY)` : q });
  }
  if (versioned && period === 0) {
    for (const name of ['ROW_START', 'ROW_END']) out.push({ name, kind: ValueKind.Text, select: name });
  }
  return out;
}

export interface ViewInfo {
  db: string;
  name: string;
  definition: string;
}

/** Views of `db` with their definitions (fully qualified names, as information_schema shows them). */
export async function listViews(conn: MysqlConnection, db: string): Promise<ViewInfo[]> {
  const rows = await conn.rows('SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME', [db]);
  return rows.map(([name, def]) => ({ db, name: name!, definition: def ?? '' }));
}

/**
 * Orders views so that each comes after the views it reads from (a view that mentions `db`.`v` depends
 * on v). Cycles cannot exist in a valid schema; should the text match wrongly, the remaining views keep
 * their name order.
 */
export function orderViews<V extends ViewInfo>(views: V[]): V[] {
  const key = (v: ViewInfo) => qualified(v.db, v.name);
  const deps = new Map<V, V[]>(views.map((v) => [v, views.filter((o) => o !== v && v.definition.includes(key(o)))]));
  const done = new Set<V>();
  const out: V[] = [];
  const visit = (v: V, path: Set<V>) => {
    if (done.has(v) || path.has(v)) return;
    path.add(v);
    for (const d of deps.get(v)!) visit(d, path);
    path.delete(v);
    done.add(v);
    out.push(v);
  };
  for (const v of views) visit(v, new Set());
  return out;
}

export interface TriggerInfo {
  db: string;
  name: string;
  table: string;
}

/** Triggers of `db` in the order they fire (so that re-creating them keeps ACTION_ORDER). */
export async function listTriggers(conn: MysqlConnection, db: string): Promise<TriggerInfo[]> {
  const rows = await conn.rows(
    'SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER',
    [db],
  );
  return rows.map(([name, table]) => ({ db, name: name!, table: table! }));
}

export interface RoutineInfo {
  db: string;
  name: string;
  /** PACKAGE and PACKAGE BODY: MariaDB's Oracle-mode packages. */
  type: 'PROCEDURE' | 'FUNCTION' | 'PACKAGE' | 'PACKAGE BODY';
}

/** Procedures, functions and packages of `db`; each PACKAGE comes before its PACKAGE BODY. */
export async function listRoutines(conn: MysqlConnection, db: string): Promise<RoutineInfo[]> {
  const rows = await conn.rows(
    "SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? AND ROUTINE_TYPE IN ('PROCEDURE','FUNCTION','PACKAGE','PACKAGE BODY') ORDER BY ROUTINE_TYPE, ROUTINE_NAME",
    [db],
  );
  return rows.map(([name, type]) => ({ db, name: name!, type: type as RoutineInfo['type'] }));
}

export async function listEvents(conn: MysqlConnection, db: string): Promise<string[]> {
  return (await conn.rows('SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY EVENT_NAME', [db])).map((r) => r[0]!);
}
