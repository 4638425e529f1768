/** Reading a SQLite table's rows and writing them as exact SQL literals (see `sqlite.ts`). */
import { AbortError } from '../errors.js';
import type { SqlWriter } from './sql-writer.js';
import { quoteIdent, quoteText, type Db } from './sqlite-common.js';

// ignoreBOM: a U+FEFF at the start of a value is data, not a byte-order mark to drop
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

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
      // NUL and CR as hex too: the sqlite3 shell drops a CR at the end of each input line
      if (!b.includes(0) && !b.includes(13)) {
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

interface ColumnInfo {
  name: string;
  type: string;
  pk: number | bigint;
  hidden: number | bigint;
}

/**
 * The SELECT that reads a table's rows (each value as storage class + bytes) and the head of the
 * INSERT that writes one back. The rowid is included when it is not an INTEGER PRIMARY KEY column,
 * so rows keep their rowids (as `sqlite3 .dump --preserve-rowids` does).
 */
export function tableShape(db: Db, table: string, where?: string): { select: string; insertHead: string; columns: number } {
  const info = db.prepare('SELECT name, type, pk, hidden FROM pragma_table_xinfo(?)').all(table) as ColumnInfo[];
  const cols = info.filter((c) => Number(c.hidden) === 0);
  const withoutRowid = Number((db.prepare("SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?").get(table) as { wr: number | bigint } | undefined)?.wr ?? 0);
  const pks = info.filter((c) => Number(c.pk) > 0);
  const integerPk = pks.length === 1 && pks[0]!.type.toUpperCase() === 'INTEGER';
  const rowid = withoutRowid || integerPk ? undefined : ['rowid', '_rowid_', 'oid'].find((r) => !info.some((c) => c.name.toLowerCase() === r));
  const explicit = rowid !== undefined || info.some((c) => Number(c.hidden) === 2 || Number(c.hidden) === 3);
  const exprs = cols.map((c) => {
    const q = quoteIdent(c.name);
    return `typeof(${q}), CASE typeof(${q}) WHEN 'text' THEN CAST(${q} AS BLOB) ELSE ${q} END`;
  });
  if (rowid) exprs.unshift(`'integer', ${rowid}`);
  const names = [...(rowid ? [rowid] : []), ...cols.map((c) => quoteIdent(c.name))];
  return {
    select: `SELECT ${exprs.join(', ')} FROM ${quoteIdent(table)}${where ? ` WHERE (${where})` : ''}`,
    insertHead: `INSERT INTO ${quoteIdent(table)}${explicit ? `(${names.join(',')})` : ''} VALUES(`,
    columns: names.length,
  };
}

/** Yields to the event loop at least this often, so timers, signals and I/O are served during a dump. */
const YIELD_EVERY_MS = 20;

/** Writes every row of `table` (optionally filtered) as INSERT statements; returns the row count. */
export async function dumpRows(db: Db, table: string, where: string | undefined, w: SqlWriter, signal: AbortSignal): Promise<number> {
  const shape = tableShape(db, table, where);
  if (!shape.columns) return 0;
  let n = 0;
  let lastYield = Date.now();
  for (const row of db.prepare(shape.select).raw(true).iterate() as IterableIterator<unknown[]>) {
    const vals: string[] = [];
    for (let i = 0; i < row.length; i += 2) vals.push(sqliteLiteral(row[i] as string, row[i + 1]));
    await w.write(shape.insertHead + vals.join(',') + ');\n');
    if (++n % 256 === 0 && Date.now() - lastYield >= YIELD_EVERY_MS) {
      await new Promise((r) => setImmediate(r));
      if (signal.aborted) throw new AbortError('aborted', { cause: signal.reason });
      lastYield = Date.now();
    }
  }
  return n;
}
