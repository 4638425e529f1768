/**
 * Table data through `COPY … TO STDOUT`, written as `COPY … FROM stdin` blocks in dump order.
 *
 * With several connections (all on the same exported snapshot) tables — and big tables split into
 * ranges of pages (`ctid` ranges, PostgreSQL 14+) — are read at once. The output stays in order: the
 * piece at the head streams straight to the output, the others buffer at most `AHEAD_BYTES` each and
 * then wait, so memory stays bounded whatever the table sizes.
 */
import { AbortError, DatabaseError } from '../errors.js';
import type { SqlWriter } from '../dumpers/sql-writer.js';
import type { TableData } from './catalog/model.js';
import { literal, qname } from './quote.js';
import { lostReason, type PgClient } from './session.js';

/** Bytes a piece that is not at the head may buffer before it waits. */
const AHEAD_BYTES = 4 << 20;
/** Bytes the piece at the head (being written) may buffer: the output sets its pace. */
const HEAD_BYTES = 1 << 20;
/** Pages per range when a big table is split among connections (16 MiB of table). */
export const RANGE_PAGES = 2048;

interface Piece {
  table: TableData;
  sql: string;
  first: boolean;
  last: boolean;
  buffers: Buffer[];
  buffered: number;
  /** Set when the writer reaches this piece. */
  head: boolean;
  done: boolean;
  error?: unknown;
  rows: number;
  /** Wakes the writer (new data, done, error). */
  notify?: () => void;
  /** Wakes the reader (buffers drained). */
  resume?: () => void;
}

function copySql(t: TableData, range?: [number, number | undefined]): string {
  const name = qname(t.schema, t.name);
  if (!range && !t.where && !t.select) return `COPY ${name} ${t.columns ? `(${t.columns}) ` : ''}TO STDOUT`;
  const conds: string[] = [];
  if (t.where) conds.push(`(${t.where})`);
  if (range) {
    conds.push(`ctid >= ${literal(`(${range[0]},0)`)}::tid`);
    if (range[1] !== undefined) conds.push(`ctid < ${literal(`(${range[1]},0)`)}::tid`);
  }
  return `COPY (SELECT ${t.select ?? t.columns} FROM ONLY ${name}${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''}) TO STDOUT`;
}

/** Splits tables into pieces: whole tables, or page ranges of big ones (`rangePages` > 0). */
function plan(tables: TableData[], rangePages: number): Piece[] {
  const pieces: Piece[] = [];
  const piece = (table: TableData, sql: string, first: boolean, last: boolean): Piece => ({ table, sql, first, last, buffers: [], buffered: 0, head: false, done: false, rows: 0 });
  for (const t of tables) {
    const n = rangePages > 0 && t.columns ? Math.floor(t.pages / rangePages) : 0;
    if (n < 2) {
      pieces.push(piece(t, copySql(t), true, true));
      continue;
    }
    for (let i = 0; i < n; i++) {
      const range: [number, number | undefined] = [i * rangePages, i === n - 1 ? undefined : (i + 1) * rangePages];
      pieces.push(piece(t, copySql(t, range), i === 0, i === n - 1));
    }
  }
  return pieces;
}

function dataHeader(t: TableData): string {
  const name = qname(t.schema, t.name);
  return `--\n-- Data for Name: ${t.name.replace(/[\r\n]/g, ' ')}; Type: TABLE DATA; Schema: ${t.schema.replace(/[\r\n]/g, ' ')}\n--\n\n`
    + `COPY ${name} ${t.columns ? `(${t.columns}) ` : ''}FROM stdin;\n`;
}

/** Reads one piece into its buffers, pausing while too far ahead of the writer. */
async function readPiece(client: PgClient, p: Piece, signal: AbortSignal): Promise<void> {
  const { to: copyTo } = await import('pg-copy-streams');
  const stream = client.query(copyTo(p.sql));
  const onStop = () => stream.destroy(new AbortError('aborted', { cause: signal.reason }));
  signal.addEventListener('abort', onStop, { once: true });
  try {
    for await (const chunk of stream) {
      p.buffers.push(chunk as Buffer);
      p.buffered += (chunk as Buffer).length;
      p.notify?.();
      while (p.buffered > (p.head ? HEAD_BYTES : AHEAD_BYTES) && !signal.aborted) await new Promise<void>((r) => (p.resume = r));
      if (signal.aborted) throw new AbortError('aborted', { cause: signal.reason });
    }
    p.rows = stream.rowCount;
  } catch (err) {
    stream.destroy();
    if (signal.aborted || err instanceof AbortError) throw err;
    const lost = lostReason(client);
    const why = (err as Error).message || lost?.message || 'connection lost';
    throw new DatabaseError('postgres', `reading the data failed: ${why}`, { cause: err, table: `${p.table.schema}.${p.table.name}` });
  } finally {
    signal.removeEventListener('abort', onStop);
  }
}

async function waitFor(p: Piece): Promise<void> {
  if (p.buffers.length || p.done || p.error) return;
  await new Promise<void>((r) => (p.notify = r));
}

export interface CopyResult {
  /** Rows per table (`schema.name`). */
  rows: Record<string, number>;
  /** How many COPY statements were run (more than tables when big ones were split). */
  pieces: number;
}

/**
 * Writes the data of `tables` (in order) to `writer` through `clients` (one or more connections in
 * the same snapshot); with several clients, tables over `rangePages` pages are split into page ranges
 * (0 = never). Rejects on the first failure.
 */
export async function copyTables(tables: TableData[], clients: PgClient[], writer: SqlWriter, signal: AbortSignal, rangePages: number): Promise<CopyResult> {
  const pieces = plan(tables, clients.length > 1 ? rangePages : 0);
  let next = 0;
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const workers = clients.map(async (client) => {
    while (next < pieces.length && !stop.signal.aborted) {
      const p = pieces[next++]!;
      try {
        await readPiece(client, p, stop.signal);
      } catch (err) {
        p.error = err;
        stop.abort(err);
      }
      p.done = true;
      p.notify?.();
    }
  });
  const rows: Record<string, number> = {};
  try {
    for (const p of pieces) {
      p.head = true;
      if (p.first) await writer.write(dataHeader(p.table));
      for (;;) {
        await waitFor(p);
        if (p.error) throw p.error;
        const b = p.buffers.shift();
        if (b) {
          p.buffered -= b.length;
          await writer.writeBuffer(b);
          if (p.buffered <= HEAD_BYTES) p.resume?.();
          continue;
        }
        if (p.done) break;
      }
      const name = `${p.table.schema}.${p.table.name}`;
      rows[name] = (rows[name] ?? 0) + p.rows;
      if (p.last) await writer.write('\\.\n\n');
    }
  } catch (err) {
    stop.abort(err);
    for (const p of pieces) p.resume?.();
    const failed = pieces.find((p) => p.error && !(p.error instanceof AbortError));
    throw failed?.error ?? err;
  } finally {
    signal.removeEventListener('abort', onAbort);
    await Promise.allSettled(workers);
  }
  return { rows, pieces: pieces.length };
}
