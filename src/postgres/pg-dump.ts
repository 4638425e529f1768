/**
 * The `pg_dump` wrapper. Before it starts: the client's and the server's versions are compared (an
 * older pg_dump cannot dump a newer server: one line naming both), and a snapshot is exported from a
 * REPEATABLE READ transaction of our own and handed to pg_dump (`--snapshot`), so the WAL position
 * recorded in the manifest is exactly the one the dump reflects. pg_dump runs as an argv array with the
 * password in a 0600 passfile; its output streams into the pipeline; stderr and exit status are checked.
 */
import type { Writable } from 'node:stream';
import { DatabaseError } from '../errors.js';
import type { Dumper, DumpInfo } from '../dumpers/types.js';
import { SqlWriter } from '../dumpers/sql-writer.js';
import type { Logger } from '../util/log.js';
import type { PgTarget } from './dsn.js';
import { startTool, toolVersion, withLibpqEnv } from './libpq-tool.js';
import { nameKey } from './prescan.js';
import { beginSnapshot } from './dumper.js';
import { closePg, connectPg, serverVersion } from './session.js';
import { PgSqlReader } from './sql-reader.js';
import { describeStatement } from './statement-info.js';

export interface PgDumpOptions {
  binary: string;
  format: 'plain' | 'custom';
  schemas?: string[];
  excludeSchemas?: string[];
  tables?: string[];
  excludeTables?: string[];
  schemaOnly: boolean;
  dataOnly: boolean;
  lockTimeoutMs?: number;
  /** Extra arguments, after onedump's own. */
  options: string[];
}

/** Options that would take the output or the connection away from onedump. */
export const RESERVED_OPTIONS = /^(-[fFjdhpUWw]|--(file|format|jobs|dbname|host|port|username|password|no-password|snapshot)\b)/;

function args(o: PgDumpOptions, snapshot?: string): string[] {
  const a = ['--no-password', `--format=${o.format}`];
  if (snapshot) a.push(`--snapshot=${snapshot}`);
  for (const s of o.schemas ?? []) a.push(`--schema=${s}`);
  for (const s of o.excludeSchemas ?? []) a.push(`--exclude-schema=${s}`);
  for (const t of o.tables ?? []) a.push(`--table=${t}`);
  for (const t of o.excludeTables ?? []) a.push(`--exclude-table=${t}`);
  if (o.schemaOnly) a.push('--schema-only');
  if (o.dataOnly) a.push('--data-only');
  if (o.lockTimeoutMs) a.push(`--lock-wait-timeout=${Math.ceil(o.lockTimeoutMs)}`);
  return [...a, ...o.options];
}

/** Counts COPY rows per table in plain output as it streams past. */
class RowCounter {
  private readonly reader = new PgSqlReader();
  private table?: string;
  readonly tables: Record<string, number> = {};

  push(chunk: Buffer): void {
    for (const ev of this.reader.push(chunk)) {
      if (ev.kind === 'statement' && ev.copyFromStdin) {
        const t = describeStatement(ev.sql.toString('utf8')).table;
        this.table = t ? nameKey(t) : undefined;
        if (this.table) this.tables[this.table] = 0;
      } else if (ev.kind === 'copy-data' && this.table) {
        let n = 0;
        for (let i = ev.data.indexOf(10); i >= 0; i = ev.data.indexOf(10, i + 1)) n++;
        this.tables[this.table]! += n;
      }
    }
  }
}

export class PgDumpDumper implements Dumper {
  constructor(private readonly target: PgTarget, private readonly opts: PgDumpOptions, private readonly log: Logger) {}

  async dump(out: Writable, { signal }: { signal: AbortSignal }): Promise<DumpInfo> {
    const client = await toolVersion(this.opts.binary);
    const main = await connectPg(this.target);
    try {
      const server = await serverVersion(main);
      const serverMajor = Math.floor(server.num / 10000);
      if (client.major < serverMajor) {
        throw new DatabaseError('postgres', `pg_dump ${client.text} (${this.opts.binary}) cannot dump PostgreSQL ${server.text} on ${this.target.host}:${this.target.port}: the client is older than the server; set binary: to a pg_dump ${serverMajor} or newer`);
      }
      const snap = await beginSnapshot(main, false);
      const tables = await this.run(out, signal, snap.id);
      return {
        driver: 'pg_dump', serverVersion: `PostgreSQL ${server.text}`, databases: [this.target.database], tables,
        snapshot: { wal_lsn: snap.lsn, ...(snap.id ? { snapshot_id: snap.id } : {}), pg_dump: client.text },
      };
    } finally {
      await main.query('ROLLBACK').catch(() => undefined);
      await closePg(main);
    }
  }

  private async run(out: Writable, signal: AbortSignal, snapshot?: string): Promise<Record<string, number>> {
    return withLibpqEnv(this.target, this.target.database, async (env) => {
      const tool = startTool(this.opts.binary, args(this.opts, snapshot), env, signal, {
        onStderrLine: (l) => l.trim() && this.log.warn(`pg_dump: ${l}`),
      });
      const w = new SqlWriter(out, signal);
      const counter = this.opts.format === 'plain' ? new RowCounter() : undefined;
      const copy = (async () => {
        for await (const chunk of tool.child.stdout!) {
          counter?.push(chunk as Buffer);
          await w.writeBuffer(chunk as Buffer);
        }
      })();
      try {
        await Promise.all([copy, tool.done]);
      } catch (err) {
        tool.child.kill('SIGTERM');
        await Promise.allSettled([copy, tool.done]);
        throw err;
      }
      return counter?.tables ?? {};
    });
  }
}
