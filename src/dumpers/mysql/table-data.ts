/** The rows of one table as extended INSERT statements, streamed from the server into a DumpOutput. */
import type { MysqlConnection } from './connection.js';
import { dumpedColumns, type TableInfo } from './catalog.js';
import type { DumpOutput } from './dump-output.js';
import { InsertEncoder } from './insert-encoder.js';
import { streamRawRows } from './raw-query.js';
import { qualified, quoteIdent } from './quote.js';

export interface TableDataOptions {
  /** Name the INSERTs use: `db`.`t` in dumps of several databases, else `t`. */
  qualify: boolean;
  where?: string;
  maxStatement: number;
  signal: AbortSignal;
}

/** Writes every (selected) row of `t`; resolves with the number of rows. */
export async function dumpTableRows(conn: MysqlConnection, t: TableInfo, output: DumpOutput, opts: TableDataOptions): Promise<number> {
  const cols = await dumpedColumns(conn, t.db, t.name, t.versioned);
  if (!cols.length) return 0;
  const name = opts.qualify ? qualified(t.db, t.name) : quoteIdent(t.name);
  const head = Buffer.from(`INSERT INTO ${name} (${cols.map((c) => quoteIdent(c.name)).join(',')}) VALUES `, 'utf8');
  const encoder = new InsertEncoder(head, Uint8Array.from(cols.map((c) => c.kind)), opts.maxStatement, (chunk) => output.push(chunk));
  const history = t.versioned ? ' FOR SYSTEM_TIME ALL' : '';
  const sql = `SELECT ${cols.map((c) => c.select).join(', ')} FROM ${qualified(t.db, t.name)}${history}${opts.where ? ` WHERE ${opts.where}` : ''}`;
  await output.write(`\n--\n-- Dumping data for table ${name}\n--\n`);
  await streamRawRows(conn.core, sql, { row: (b, s, e) => encoder.row(b, s, e), drained: () => output.drained() }, opts.signal);
  if (!encoder.finish()) await output.drained();
  return encoder.rows;
}
