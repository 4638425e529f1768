/**
 * The safety backup of a restore: just before a statement replaces an existing table, view, trigger,
 * routine or event (or adds rows to an existing table the restore did not create), that object is dumped
 * (a table with its triggers, which replacing it drops) with the native dumper into `<baseDir>/onedump-safety/<db>-<timestamp>.sql.gz`. The file is written
 * as the restore goes, so it holds everything replaced so far even if the restore fails midway, and it
 * loads back with `onedump restore --from FILE --to DSN`. No file is written when nothing is replaced.
 */
import { mkdirSync, createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createGzip, type Gzip } from 'node:zlib';
import { finished } from 'node:stream/promises';
import type { Logger } from '../../util/log.js';
import { VERSION } from '../../version.js';
import type { MysqlConnection } from './connection.js';
import { hasOwnRows, listTables, listTriggers, type RoutineInfo, type TableInfo } from './catalog.js';
import { dumpFooter, dumpHeader, eventDdl, routineDdl, tableDdl, triggerDdl, viewDdl } from './ddl.js';
import { DumpOutput } from './dump-output.js';
import { quoteIdent } from './quote.js';
import { DEFAULT_MAX_STATEMENT } from './schema.js';
import type { StatementInfo } from './statement-kind.js';
import { dumpTableRows } from './table-data.js';

/** Statement kinds that change an existing object, and the kind of object they change. */
const CHANGES: Partial<Record<StatementInfo['kind'], 'table' | 'view' | 'trigger' | 'routine' | 'event'>> = {
  'drop-table': 'table', 'create-table': 'table', 'alter-table': 'table', insert: 'table',
  'drop-view': 'view', 'create-view': 'view', 'drop-trigger': 'trigger', 'create-trigger': 'trigger',
  'drop-routine': 'routine', 'create-routine': 'routine', 'drop-event': 'event', 'create-event': 'event',
};

export class SafetyBackup {
  private file?: { path: string; gzip: Gzip; stream: WriteStream; output: DumpOutput };
  private readonly seen = new Set<string>();
  private readonly tables = new Map<string, Map<string, TableInfo>>();
  private currentDb = '';
  /** Objects saved so far (`db.name`). */
  readonly saved: string[] = [];

  constructor(
    private readonly conn: MysqlConnection,
    private readonly dir: string,
    private readonly label: string,
    private readonly log: Logger,
    private readonly signal: AbortSignal,
  ) {}

  get path(): string | undefined {
    return this.file?.path;
  }

  /** Call before executing a statement in database `db`: saves what it would replace, once. */
  async before(info: StatementInfo, db: string | undefined): Promise<void> {
    const type = CHANGES[info.kind];
    const target = info.db ?? db;
    if (!type || !target || !info.name) return;
    // a procedure, a function and a package may share a name
    const key = `${type}:${target}.${info.name}${info.objectType ? `:${info.objectType}` : ''}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (type === 'table' || type === 'view') {
      const t = (await this.tablesOf(target)).get(info.name);
      // a table the restore creates first has nothing to save, and later inserts into it are no change
      if (!t) return;
      this.seen.add(`table:${target}.${info.name}`).add(`view:${target}.${info.name}`);
      await this.save(target, async (out) => {
        await out.write(await tableDdlOrView(this.conn, t));
        if (hasOwnRows(t)) await dumpTableRows(this.conn, t, out, { qualify: false, maxStatement: DEFAULT_MAX_STATEMENT, signal: this.signal });
        // replacing the table drops its triggers: save them with it, in firing order
        if (t.type !== 'table') return;
        for (const tr of (await listTriggers(this.conn, target)).filter((x) => x.table === t.name)) {
          this.seen.add(`trigger:${target}.${tr.name}`);
          await out.write(await triggerDdl(this.conn, tr));
        }
      });
    } else {
      const exists = await this.objectExists(type, target, info.name, info.objectType);
      if (!exists) return;
      await this.save(target, async (out) => {
        if (type === 'trigger') await out.write(await triggerDdl(this.conn, { db: target, name: info.name!, table: exists }));
        if (type === 'routine') await out.write(await routineDdl(this.conn, { db: target, name: info.name!, type: info.objectType as RoutineInfo['type'] }));
        // dropping a package drops its body: save the body with it
        if (info.objectType === 'PACKAGE' && await this.objectExists('routine', target, info.name!, 'PACKAGE BODY')) {
          this.seen.add(`routine:${target}.${info.name}:PACKAGE BODY`);
          await out.write(await routineDdl(this.conn, { db: target, name: info.name!, type: 'PACKAGE BODY' }));
        }
        if (type === 'event') await out.write(await eventDdl(this.conn, info.name!));
      });
    }
    this.saved.push(`${target}.${info.name}`);
  }

  /** Finishes the file; resolves with its path, or undefined when nothing had to be saved. */
  async close(): Promise<string | undefined> {
    if (!this.file) return undefined;
    await this.file.output.write(dumpFooter());
    this.file.gzip.end();
    await finished(this.file.stream);
    this.log.info(`safety backup of ${this.saved.length} replaced object(s) written to ${this.file.path}`);
    return this.file.path;
  }

  private async save(db: string, write: (out: DumpOutput) => Promise<void>): Promise<void> {
    const out = this.open();
    if (db !== this.currentDb) {
      this.currentDb = db;
      await this.conn.exec(`USE ${quoteIdent(db)}`);
      await out.write(`\nCREATE DATABASE IF NOT EXISTS ${quoteIdent(db)};\nUSE ${quoteIdent(db)};\n`);
    }
    await write(out);
  }

  private open(): DumpOutput {
    if (this.file) return this.file.output;
    mkdirSync(this.dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const path = join(this.dir, `${this.label.replace(/[^\w.-]+/g, '_')}-${stamp}.sql.gz`);
    const gzip = createGzip();
    const stream = createWriteStream(path, { mode: 0o600 });
    gzip.pipe(stream);
    const output = new DumpOutput(gzip, this.signal);
    this.file = { path, gzip, stream, output };
    this.log.info(`writing a safety backup of what the restore replaces to ${path}`);
    void output.write(dumpHeader({ version: this.conn.version, databases: [this.label], onedumpVersion: VERSION }));
    return output;
  }

  private async tablesOf(db: string): Promise<Map<string, TableInfo>> {
    let m = this.tables.get(db);
    if (!m) {
      m = new Map((await listTables(this.conn, db)).map((t) => [t.name, t]));
      this.tables.set(db, m);
    }
    return m;
  }

  /** For triggers: the table the trigger is on; otherwise 'yes'. Undefined when it does not exist. */
  private async objectExists(type: string, db: string, name: string, routineType?: string): Promise<string | undefined> {
    const q: Record<string, [string, unknown[]]> = {
      trigger: ['SELECT EVENT_OBJECT_TABLE FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND TRIGGER_NAME = ?', [db, name]],
      routine: ["SELECT 'yes' FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? AND ROUTINE_NAME = ? AND ROUTINE_TYPE = ?", [db, name, routineType ?? 'PROCEDURE']],
      event: ["SELECT 'yes' FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? AND EVENT_NAME = ?", [db, name]],
    };
    const [sql, values] = q[type]!;
    return (await this.conn.rows(sql, values))[0]?.[0] ?? undefined;
  }
}

async function tableDdlOrView(conn: MysqlConnection, t: TableInfo): Promise<string | Buffer> {
  if (t.type === 'view') return viewDdl(conn, { db: t.db, name: t.name, definition: '' });
  return tableDdl(conn, t);
}
