/**
 * Restore for the MySQL family: executes any mysql-client SQL stream (dumps from the native driver,
 * mysqldump/mariadb-dump, `mariadb-binlog` output) statement by statement through mysql2, as the
 * `mysql` client would: the splitter handles strings, comments, DELIMITER and executable comments, and
 * follows the server's NO_BACKSLASH_ESCAPES flag after every statement. Statements are sent byte for
 * byte (the connection's client-side encoding is binary; the dump's own `SET NAMES` applies).
 *
 * Before a statement replaces an existing object, a safety backup saves it (unless disabled). A dry
 * run executes nothing and prints what would change. MySQL cannot roll back DDL, so a failed restore is
 * not undone; the error names the line, and the safety backup holds what was replaced.
 */
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { DatabaseError } from '../../errors.js';
import type { RestoreOptions, RestoreResult } from '../types.js';
import { connectMysql, type MysqlConnection } from './connection.js';
import { parseMysqlDsn, type MysqlDsn } from './dsn.js';
import { execParts } from './long-query.js';
import { listed } from './plan.js';
import { quoteIdent } from './quote.js';
import { SafetyBackup } from './safety.js';
import { MysqlStatementSplitter, sqlModeChange, type SqlStatement } from './splitter.js';
import { classifyStatement, type StatementInfo } from './statement-kind.js';
import { DryRunReport } from './dry-run.js';
import { prepareSession } from './snapshot.js';

const SERVER_STATUS_NO_BACKSLASH_ESCAPES = 512;
/** Statements longer than this are sent in pieces, never held whole twice (long-query.ts). */
const LONG_STATEMENT = 8 << 20;

/** Which statements `--tables` keeps: those about the listed tables, and session/other statements. */
export function keepForTables(info: StatementInfo, tables: string[] | undefined, db: string | undefined): boolean {
  if (!tables) return true;
  const t = { db: info.db ?? db ?? '', name: info.kind === 'create-trigger' ? info.table ?? '' : info.name ?? '' };
  switch (info.kind) {
    case 'create-table': case 'drop-table': case 'alter-table': case 'insert': case 'create-view': case 'drop-view': case 'create-trigger':
      return listed(tables, t);
    case 'lock':
      return !info.name || listed(tables, t);
    case 'drop-trigger': case 'create-routine': case 'drop-routine': case 'create-event': case 'drop-event':
      return false;
    default:
      return true;
  }
}

export async function restoreMysql(input: Readable, target: string, opts: RestoreOptions): Promise<RestoreResult> {
  const dsn = parseMysqlDsn(target);
  if (opts.dryRun) return dryRun(input, dsn, opts);
  const conn = await openTarget(dsn, opts);
  let safety: SafetyBackup | undefined;
  let side: MysqlConnection | undefined;
  try {
    if (opts.safetyBackup !== false) {
      side = await connectMysql(dsn, { endpoint: opts.endpoint, database: null });
      await prepareSession(side);
      safety = new SafetyBackup(side, join(resolve(opts.baseDir ?? process.cwd()), 'onedump-safety'), dsn.database ?? 'restore', opts.log, opts.signal);
    }
    const result = await execute(input, conn, dsn, opts, safety);
    await safety?.close();
    return result;
  } catch (err) {
    const path = await safety?.close().catch(() => undefined);
    if (path) opts.log.warn(`restore failed; what it had replaced so far is saved in ${path}`);
    throw err;
  } finally {
    await conn.close().catch(() => conn.destroy());
    await side?.close().catch(() => side?.destroy());
  }
}

/** Connects to the target database, creating it first when it does not exist. */
async function openTarget(dsn: MysqlDsn, opts: RestoreOptions): Promise<MysqlConnection> {
  if (dsn.database) {
    const probe = await connectMysql(dsn, { endpoint: opts.endpoint, database: null });
    try {
      const exists = (await probe.rows('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [dsn.database])).length > 0;
      if (!exists) {
        opts.log.info(`creating database ${dsn.database}`);
        await probe.exec(`CREATE DATABASE ${quoteIdent(dsn.database)}`);
      }
    } finally {
      await probe.close();
    }
  }
  const conn = await connectMysql(dsn, { endpoint: opts.endpoint, charset: 'binary' });
  await conn.exec('SET NAMES utf8mb4');
  return conn;
}

/** Feeds the input through the splitter; calls `each` for every statement, in order, awaiting it. */
export async function forEachStatement(input: Readable, signal: AbortSignal, splitter: MysqlStatementSplitter, each: (s: SqlStatement) => Promise<void>): Promise<void> {
  for await (const chunk of input) {
    if (signal.aborted) throw signal.reason;
    splitter.push((chunk as Buffer).toString('latin1'));
    for (let s = splitter.next(); s; s = splitter.next()) await each(s);
  }
  splitter.end();
  for (let s = splitter.next(); s; s = splitter.next()) await each(s);
}

/**
 * Runs the statements in order. While the server executes an INSERT, the next statement is already
 * being split (INSERTs cannot change the session's sql_mode, so the split stays valid).
 */
async function execute(input: Readable, conn: MysqlConnection, dsn: MysqlDsn, opts: RestoreOptions, safety?: SafetyBackup): Promise<RestoreResult> {
  const splitter = new MysqlStatementSplitter({ partsAbove: LONG_STATEMENT });
  let db = dsn.database;
  let statements = 0;
  const tables = new Set<string>();
  let pending: Promise<void> | undefined;
  const run = async (s: SqlStatement) => {
    let status: number;
    try {
      status = (s.parts ? await execParts(conn, s.parts) : await conn.exec(clientCommand(s.text) ?? s.text)).serverStatus;
    } catch (err) {
      throw statementError(err, s);
    }
    statements++;
    splitter.noBackslashEscapes = (status & SERVER_STATUS_NO_BACKSLASH_ESCAPES) !== 0;
  };
  await forEachStatement(input, opts.signal, splitter, async (s) => {
    const info = classifyStatement(s.text);
    if (!keepForTables(info, opts.tables, db)) return;
    if (pending) await pending;
    pending = undefined;
    if (safety) await safety.before(info, db);
    const done = run(s);
    if (info.kind === 'insert') {
      pending = done;
      done.catch(() => undefined); // observed by the next statement or at the end
    } else {
      await done;
    }
    if (info.kind === 'use' && info.name) db = info.name;
    if ((info.kind === 'create-table' || info.kind === 'insert') && info.name) tables.add(info.db ? `${info.db}.${info.name}` : info.name);
  });
  if (pending) await pending;
  return { statements, tables: [...tables] };
}

/** The server's error for a statement, with the dump line and the statement's start. */
function statementError(err: unknown, s: SqlStatement): DatabaseError {
  const cause = (err as DatabaseError).cause as { message?: string } | undefined;
  const msg = Buffer.from(cause?.message ?? String(err), 'latin1').toString('utf8');
  const head = Buffer.from(s.text.slice(0, 120), 'latin1').toString('utf8').replace(/\s+/g, ' ');
  return new DatabaseError('mysql', `restore failed at line ${s.line} (${head}${s.text.length > 120 ? '…' : ''}): ${msg}`, { cause: cause ?? err });
}

/**
 * The SQL for a mysql-client command the stream carries inside an executable comment, as
 * `mariadb-binlog` writes them: `/*!\C utf8mb4 *\/` (charset) becomes `SET NAMES utf8mb4`.
 */
export function clientCommand(stmt: string): string | undefined {
  const m = /^\/\*!\\C\s+([\w-]+)\s*\*\/$/.exec(stmt);
  return m ? `SET NAMES ${m[1]}` : undefined;
}

/** Reads the whole dump, changes nothing, prints what would change in the target. */
async function dryRun(input: Readable, dsn: MysqlDsn, opts: RestoreOptions): Promise<RestoreResult> {
  const report = new DryRunReport(dsn, opts);
  await report.inspectTarget();
  const splitter = new MysqlStatementSplitter();
  let statements = 0;
  await forEachStatement(input, opts.signal, splitter, async (s) => {
    const mode = sqlModeChange(s.text);
    if (mode !== undefined) splitter.noBackslashEscapes = mode;
    const info = classifyStatement(s.text);
    if (!keepForTables(info, opts.tables, report.db)) return;
    statements++;
    await report.add(info, s.text);
  });
  return { statements, tables: report.finish() };
}
