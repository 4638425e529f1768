/**
 * `mysql`: the native MySQL/MariaDB dumper (mysql2, no external program). One consistent snapshot for
 * the whole dump, binlog coordinates in the manifest and as a `-- CHANGE MASTER TO` comment, rows streamed
 * as extended INSERTs under a size limit, every schema object, optional parallel workers. The output is
 * ordinary SQL that `onedump restore` and the stock `mysql`/`mariadb` client both load.
 *
 * Order: header; tables and sequences (foreign key checks are off while loading, so any order works);
 * data; routines (before views: a view that calls a stored function needs it to exist, while routine
 * bodies are only resolved when they run); views (in dependency order); triggers (after the data, so
 * loading does not fire them); events; footer.
 */
import { DatabaseError } from '../../errors.js';
import { VERSION } from '../../version.js';
import type { DatabaseDriver, Dumper, DumpInfo, DriverContext } from '../types.js';
import { connectMysql, type MysqlConnection } from './connection.js';
import { hasOwnRows, orderViews } from './catalog.js';
import { databaseCharset, databaseDdl, dumpFooter, dumpHeader, eventDdl, routineDdl, sequenceValue, tableDdl, triggerDdl, viewDdl } from './ddl.js';
import { DumpOutput } from './dump-output.js';
import { describeEndpoint, parseMysqlDsn, type MysqlDsn } from './dsn.js';
import { planDump, type DumpPlan } from './plan.js';
import { quoteIdent } from './quote.js';
import { dumpTableRows } from './table-data.js';
import { mysqlNativeSchema, DEFAULT_MAX_STATEMENT, type MysqlDatabaseConfig } from './schema.js';
import { openSnapshot, prepareSession, type Snapshot } from './snapshot.js';
import { restoreMysql } from './restore.js';
import type { Writable } from 'node:stream';

class MysqlNativeDumper implements Dumper {
  constructor(private readonly cfg: MysqlDatabaseConfig, private readonly dsn: MysqlDsn, private readonly ctx: DriverContext) {}

  private async open(): Promise<MysqlConnection> {
    const c = await connectMysql(this.dsn, { endpoint: this.ctx.endpoint, database: null });
    try {
      await prepareSession(c);
      return c;
    } catch (err) {
      c.destroy();
      throw err;
    }
  }

  async dump(out: Writable, { signal }: { signal: AbortSignal }): Promise<DumpInfo> {
    if (this.cfg.options?.length) this.ctx.log.warn(`driver mysql ignores options ${this.cfg.options.join(' ')} (they are mysqldump options; use driver mysqldump to pass them)`);
    const first = await this.open();
    let snap: Snapshot | undefined;
    const onAbort = () => snap?.workers.forEach((w) => w.destroy());
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const plan = await planDump(first, this.cfg, this.dsn.database, describeEndpoint(this.dsn, this.ctx.endpoint));
      const withData = !this.cfg.schema_only;
      const nonTx = withData ? plan.databases.flatMap((d) => d.tables.filter((t) => hasOwnRows(t) && !t.transactional)) : [];
      snap = await openSnapshot({
        first, open: () => this.open(), workers: Math.max(1, this.cfg.parallel ?? 1), lock: this.cfg.lock ?? 'auto',
        nonTransactional: nonTx.map((t) => `${t.db}.${t.name}`), log: this.ctx.log,
      });
      if (snap.coordinates) this.ctx.log.info(`snapshot at binlog ${snap.coordinates.binlog_file}:${snap.coordinates.binlog_position}`);
      const output = new DumpOutput(out, signal);
      const single = plan.multi ? undefined : await databaseCharset(first, plan.databases[0]!.db);
      await output.write(dumpHeader({ version: first.version, databases: plan.databases.map((d) => d.db), coordinates: snap.coordinates, charset: single, onedumpVersion: VERSION }));
      if (!this.cfg.data_only) await this.writeSchema(first, plan, output);
      const tables: Record<string, number> = {};
      if (withData) await this.writeData(snap, plan, output, tables, signal);
      else await snap.unlock();
      if (!this.cfg.data_only) await this.writeObjects(first, plan, output);
      await output.write(dumpFooter());
      return {
        driver: 'mysql',
        serverVersion: first.version,
        databases: plan.databases.map((d) => d.db),
        snapshot: { method: snap.method, ...(snap.coordinates ?? {}) },
        tables,
      };
    } catch (err) {
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : err;
      throw err;
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (snap) await snap.close();
      else await first.close().catch(() => first.destroy());
    }
  }

  /** CREATE DATABASE/USE (several databases), tables and sequences. */
  private async writeSchema(conn: MysqlConnection, plan: DumpPlan, output: DumpOutput): Promise<void> {
    for (const d of plan.databases) {
      await conn.exec(`USE ${quoteIdent(d.db)}`);
      if (plan.multi) await output.write(await databaseDdl(conn, d.db));
      for (const t of d.tables) {
        await output.write(await tableDdl(conn, t));
        if (t.type === 'sequence' && !this.cfg.schema_only) await output.write(await sequenceValue(conn, t));
      }
    }
  }

  /** Rows of every table; non-transactional tables first, while the global read lock is held. */
  private async writeData(snap: Snapshot, plan: DumpPlan, output: DumpOutput, counts: Record<string, number>, signal: AbortSignal): Promise<void> {
    const all = plan.databases.flatMap((d) => d.tables.filter(hasOwnRows));
    const phases = [all.filter((t) => !t.transactional), all.filter((t) => t.transactional)];
    for (const phase of phases) {
      let next = 0;
      await Promise.all(snap.workers.map(async (w) => {
        while (next < phase.length) {
          const t = phase[next++]!;
          const key = plan.multi ? `${t.db}.${t.name}` : t.name;
          try {
            counts[key] = await dumpTableRows(w, t, output, {
              qualify: plan.multi, where: this.cfg.where?.[`${t.db}.${t.name}`] ?? this.cfg.where?.[t.name],
              maxStatement: this.cfg.max_statement_size ?? DEFAULT_MAX_STATEMENT, signal,
            });
          } catch (err) {
            next = phase.length;
            if (signal.aborted) throw err;
            throw new DatabaseError('mysql', (err as Error).message, { cause: err, table: `${t.db}.${t.name}` });
          }
        }
      }));
      await snap.unlock();
    }
  }

  /** Routines, views (dependency order across databases), triggers, events. */
  private async writeObjects(conn: MysqlConnection, plan: DumpPlan, output: DumpOutput): Promise<void> {
    let current = '';
    const use = async (db: string) => {
      if (db === current) return;
      current = db;
      await conn.exec(`USE ${quoteIdent(db)}`);
      if (plan.multi) await output.write(`\nUSE ${quoteIdent(db)};\n`);
    };
    for (const d of plan.databases) {
      await use(d.db);
      for (const r of d.routines) await output.write(await routineDdl(conn, r));
    }
    for (const v of orderViews(plan.databases.flatMap((d) => d.views))) {
      await use(v.db);
      await output.write(await viewDdl(conn, v));
    }
    for (const d of plan.databases) {
      await use(d.db);
      for (const t of d.triggers) await output.write(await triggerDdl(conn, t));
      for (const e of d.events) await output.write(await eventDdl(conn, e));
    }
  }
}

/** Host and port a MySQL DSN points at (undefined for a unix socket). */
export function mysqlEndpoint(dsn: string): { host: string; port: number } | undefined {
  const d = parseMysqlDsn(dsn);
  return d.socket ? undefined : { host: d.host, port: d.port };
}

export const mysqlNativeDriver: DatabaseDriver = {
  name: 'mysql',
  description: 'MySQL/MariaDB, native (mysql2, no external program): consistent, streaming, parallel.',
  family: 'mysql',
  extension: () => '.sql',
  schema: mysqlNativeSchema,
  endpoint: (db) => mysqlEndpoint(db.dsn),
  async createDumper(db, ctx) {
    return new MysqlNativeDumper(db as MysqlDatabaseConfig, parseMysqlDsn(db.dsn), ctx);
  },
  restore: (input, target, opts) => restoreMysql(input, target, opts),
};
