/**
 * The native PostgreSQL dumper: one REPEATABLE READ READ ONLY transaction whose snapshot is exported
 * (`pg_export_snapshot()`), so that `parallel` extra connections read exactly the same data; the
 * catalog rebuilt as SQL in pg_dump's section order; table data as COPY blocks. The output is a plain
 * SQL script that `psql -f` loads as well as `onedump restore`.
 */
import type { Writable } from 'node:stream';
import { AbortError, DatabaseError } from '../errors.js';
import type { Dumper, DumpInfo } from '../dumpers/types.js';
import { SqlWriter } from '../dumpers/sql-writer.js';
import type { Logger } from '../util/log.js';
import { loadCatalog, type CatalogOptions } from './catalog/index.js';
import type { DumpObject, TableData } from './catalog/model.js';
import { RANGE_PAGES, copyTables } from './copy-out.js';
import type { PgTarget } from './dsn.js';
import { literal } from './quote.js';
import { DUMP_SETTINGS, closePg, connectPg, lostReason, runAll, serverVersion, type PgClient } from './session.js';

export const DUMP_HEADER = '-- onedump PostgreSQL dump';
export const DUMP_FOOTER = '-- onedump PostgreSQL dump complete';

/** Session settings a restore (or psql) needs, as pg_dump writes them. */
const SCRIPT_SETTINGS = `SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;
SET default_tablespace = '';
SET default_table_access_method = heap;
`;

export interface PostgresDumpOptions extends CatalogOptions {
  /** Connections reading table data at once (1 = only the main one). */
  parallel: number;
  /** With parallel readers, tables over this many pages are split into ranges of it (default RANGE_PAGES). */
  rangePages?: number;
  /**
   * Dump through this connection, inside the transaction it is in, instead of opening one (a restore's
   * safety backup: it must see what its own transaction is about to replace). Not closed afterwards.
   */
  session?: PgClient;
}

interface Snapshot {
  id?: string;
  lsn: string;
  version: { text: string; num: number };
}

function header(o: DumpObject): string {
  const clean = (s: string) => s.replace(/[\r\n]+/g, ' ');
  return `--\n-- Name: ${clean(o.name)}; Type: ${o.kind}; Schema: ${clean(o.schema) || '-'}; Owner: ${clean(o.owner ?? '-')}\n--\n\n`;
}

export class PostgresDumper implements Dumper {
  constructor(private readonly target: PgTarget, private readonly opts: PostgresDumpOptions, private readonly log: Logger) {}

  async dump(out: Writable, { signal }: { signal: AbortSignal }): Promise<DumpInfo> {
    const clients: PgClient[] = [];
    const onAbort = () => clients.forEach((c) => void closePg(c));
    signal.addEventListener('abort', onAbort, { once: true });
    const session = this.opts.session;
    try {
      const main = session ?? (await connectPg(this.target));
      if (!session) clients.push(main);
      const snap = session ? await this.describe(session) : await this.begin(main);
      const catalog = await loadCatalog(main, snap.version.num, this.opts).catch((err) => { throw this.fail(main, 'reading the catalog', err); });
      if (catalog.cycles.length) this.log.warn(`postgres: dependency cycle among ${catalog.cycles.join(', ')}; emitted in name order`);
      if (this.opts.parallel > 1 && !session && catalog.objects.some((o) => o.data)) clients.push(...(await this.workers(snap, this.opts.parallel - 1)));
      const w = new SqlWriter(out, signal);
      await w.write(`--\n${DUMP_HEADER}\n-- Source: PostgreSQL ${snap.version.text}, database ${this.target.database}\n`
        + `-- Snapshot: WAL LSN ${snap.lsn}${snap.id ? `, snapshot ${snap.id}` : ''}\n--\n\n${SCRIPT_SETTINGS}\n`);
      const tables = await this.writeObjects(catalog.objects, session ? [session] : clients, w, signal, snap.version.num);
      await w.write(`${DUMP_FOOTER}\n`);
      await w.flush();
      return {
        driver: 'postgres', serverVersion: `PostgreSQL ${snap.version.text}`, databases: [this.target.database], tables,
        snapshot: { wal_lsn: snap.lsn, ...(snap.id ? { snapshot_id: snap.id } : {}) },
      };
    } catch (err) {
      if (signal.aborted && !(err instanceof DatabaseError)) throw new AbortError('aborted', { cause: signal.reason });
      throw err;
    } finally {
      signal.removeEventListener('abort', onAbort);
      for (const c of clients) {
        await c.query('ROLLBACK').catch(() => undefined);
        await closePg(c);
      }
    }
  }

  /** Version and WAL position of a connection that is already in its transaction. */
  private async describe(client: PgClient): Promise<Snapshot> {
    await runAll(client, DUMP_SETTINGS);
    const version = await serverVersion(client);
    const r = await client.query<{ lsn: string }>('SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END::text AS lsn');
    return { lsn: r.rows[0]!.lsn, version };
  }

  /** Opens the snapshot transaction; exports the snapshot for parallel readers. */
  private async begin(main: PgClient): Promise<Snapshot> {
    try {
      await runAll(main, DUMP_SETTINGS);
      const { id, lsn } = await beginSnapshot(main, this.opts.parallel > 1);
      return { id, lsn, version: await serverVersion(main) };
    } catch (err) {
      throw this.fail(main, 'starting the snapshot', err);
    }
  }

  private async workers(snap: Snapshot, n: number): Promise<PgClient[]> {
    const out: PgClient[] = [];
    for (let i = 0; i < n; i++) {
      const c = await connectPg(this.target);
      out.push(c);
      try {
        await runAll(c, DUMP_SETTINGS);
        await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
        await c.query(`SET TRANSACTION SNAPSHOT ${literal(snap.id!)}`);
      } catch (err) {
        await Promise.all(out.map(closePg));
        throw this.fail(c, 'importing the snapshot into a parallel connection', err);
      }
    }
    return out;
  }

  /** Writes every object in order; consecutive TABLE DATA entries go through `copyTables` together. */
  private async writeObjects(objects: DumpObject[], clients: PgClient[], w: SqlWriter, signal: AbortSignal, version: number): Promise<Record<string, number>> {
    const rows: Record<string, number> = {};
    let batch: TableData[] = [];
    const flushData = async () => {
      if (!batch.length) return;
      const ranges = version >= 140000 ? this.opts.rangePages ?? RANGE_PAGES : 0;
      const r = await copyTables(batch, clients, w, signal, ranges);
      this.log.debug(`postgres: ${batch.length} table(s) read as ${r.pieces} COPY piece(s) through ${clients.length} connection(s)`);
      Object.assign(rows, r.rows);
      batch = [];
    };
    for (const o of objects) {
      if (o.data) {
        batch.push(o.data);
        continue;
      }
      await flushData();
      await w.write(header(o) + o.sql + '\n');
    }
    await flushData();
    return rows;
  }

  private fail(client: PgClient, what: string, err: unknown): Error {
    if (err instanceof DatabaseError || err instanceof AbortError) return err;
    const why = (err as Error).message || lostReason(client)?.message || String(err);
    return new DatabaseError('postgres', `${what} failed on ${this.target.host}:${this.target.port}/${this.target.database}: ${why}`, { cause: err });
  }
}

/**
 * BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY, with the snapshot exported where the server allows
 * (not on some standbys; then a dump that needs it fails) and the WAL position it reflects.
 */
export async function beginSnapshot(client: PgClient, exportRequired: boolean): Promise<{ id?: string; lsn: string }> {
  const lsnSql = 'SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END::text AS lsn';
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
  try {
    const id = (await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0]!.id;
    return { id, lsn: (await client.query<{ lsn: string }>(lsnSql)).rows[0]!.lsn };
  } catch (err) {
    if (exportRequired) throw err;
    await client.query('ROLLBACK');
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    return { lsn: (await client.query<{ lsn: string }>(lsnSql)).rows[0]!.lsn };
  }
}
