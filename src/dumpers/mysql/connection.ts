/**
 * Connections to MySQL/MariaDB through mysql2: one-line errors for the usual failures (wrong password,
 * unknown database, refused or unreachable host), a small promise API for metadata queries, and the
 * server's flavour and version.
 */
import mysql from 'mysql2';
import { DatabaseError, markTransient } from '../../errors.js';
import { describeEndpoint, type MysqlDsn } from './dsn.js';

export interface Endpoint {
  host: string;
  port: number;
}

export interface ConnectOptions {
  /** Connect here instead of the DSN's host and port (SSH tunnel). */
  endpoint?: Endpoint;
  /** Default database; `null` for none (default: the DSN's). */
  database?: string | null;
  /**
   * `binary` makes mysql2 send statement text byte for byte (restores of dumps that are not UTF-8
   * throughout); the server-side character set is then set with `SET NAMES` by the caller.
   * @default 'utf8mb4'
   */
  charset?: 'utf8mb4' | 'binary';
  /** Driver name for error messages. @default 'mysql' */
  driver?: string;
}

export interface MysqlConnection {
  readonly core: mysql.Connection;
  readonly threadId: number;
  /** `10.11.6-MariaDB-0+deb12u1`, `8.0.36`. */
  readonly version: string;
  readonly mariadb: boolean;
  /** Runs one statement; rows as arrays of strings/null (numbers and dates as text). */
  rows(sql: string, values?: unknown[]): Promise<(string | null)[][]>;
  /** Runs one statement; values as raw bytes (for text in the charset it was stored in). */
  rawRows(sql: string): Promise<(Buffer | null)[][]>;
  /** Runs a statement without a result set; resolves with the server status flags of its OK packet. */
  exec(sql: string): Promise<{ serverStatus: number; affectedRows: number }>;
  close(): Promise<void>;
  /** Closes the socket at once (abort). */
  destroy(): void;
}

/** Opens a connection; rejects with a one-line DatabaseError that names the server and the cause. */
export async function connectMysql(dsn: MysqlDsn, opts: ConnectOptions = {}): Promise<MysqlConnection> {
  const driver = opts.driver ?? 'mysql';
  const database = opts.database === undefined ? dsn.database : opts.database ?? undefined;
  const core = mysql.createConnection({
    host: opts.endpoint?.host ?? dsn.host,
    port: opts.endpoint?.port ?? dsn.port,
    ...(dsn.socket && !opts.endpoint ? { socketPath: dsn.socket } : {}),
    user: dsn.user,
    password: dsn.password ?? '',
    ...(database ? { database } : {}),
    ...(dsn.ssl ? { ssl: dsn.ssl } : {}),
    charset: opts.charset === 'binary' ? 'BINARY' : 'UTF8MB4_GENERAL_CI',
    // without session tracking mysql2 keeps its client-side encoding when a statement runs SET NAMES
    ...(opts.charset === 'binary' ? { flags: ['-SESSION_TRACK'] } : {}),
    connectTimeout: dsn.connectTimeoutMs,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    decimalNumbers: false,
    multipleStatements: false,
    timezone: 'Z',
  });
  core.on('error', () => undefined); // errors surface through the pending command
  try {
    await new Promise<void>((resolve, reject) => core.connect((err) => (err ? reject(err) : resolve())));
  } catch (err) {
    core.destroy();
    throw connectError(err, dsn, driver, database, opts.endpoint);
  }
  const conn = wrap(core, driver);
  const [[id, version]] = (await conn.rows('SELECT CONNECTION_ID(), VERSION()')) as [[string, string]];
  return Object.assign(conn, { threadId: Number(id), version, mariadb: /mariadb/i.test(version) });
}

function wrap(core: mysql.Connection, driver: string): MysqlConnection {
  const query = <T>(sql: string, values: unknown[] | undefined, extra: Record<string, unknown>): Promise<T> =>
    new Promise((resolve, reject) => {
      core.query({ sql, values, rowsAsArray: true, ...extra }, (err, res) => (err ? reject(queryError(err, sql, driver)) : resolve(res as T)));
    });
  return {
    core,
    threadId: 0,
    version: '',
    mariadb: false,
    rows: (sql, values) => query(sql, values, { typeCast: (field: { string(): string | null }) => field.string() }),
    rawRows: (sql) => query(sql, undefined, { typeCast: (field: { buffer(): Buffer | null }) => field.buffer() }),
    exec: async (sql) => {
      const r = await query<{ serverStatus?: number; affectedRows?: number }>(sql, undefined, {});
      return { serverStatus: r.serverStatus ?? 0, affectedRows: r.affectedRows ?? 0 };
    },
    close: () => new Promise<void>((resolve) => core.end(() => resolve())),
    destroy: () => core.destroy(),
  };
}

/** A failed statement: names the statement (shortened) and keeps the server's code in `cause`. */
export function queryError(err: unknown, sql: string, driver = 'mysql'): DatabaseError {
  const e = err as { message?: string; code?: string };
  const short = sql.length > 100 ? sql.slice(0, 100) + '…' : sql;
  return new DatabaseError(driver, `${e.message ?? String(err)} (while running: ${short.replace(/\s+/g, ' ')})`, { cause: err });
}

/** One line for the usual reasons a connection fails. */
export function connectError(err: unknown, dsn: MysqlDsn, driver: string, database?: string, endpoint?: Endpoint): DatabaseError {
  const e = err as { code?: string; errno?: number; message?: string };
  const where = describeEndpoint(dsn, endpoint);
  let why: string;
  switch (e.code) {
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_DBACCESS_DENIED_ERROR':
      why = `access denied for user "${dsn.user}" (wrong user or password, or no privilege): ${e.message}`;
      break;
    case 'ER_BAD_DB_ERROR':
      why = `unknown database "${database ?? ''}"`;
      break;
    case 'ECONNREFUSED':
      why = 'connection refused (is the server running and listening there?)';
      break;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      why = `cannot resolve host "${dsn.host}"`;
      break;
    case 'ETIMEDOUT':
      why = `no answer within ${dsn.connectTimeoutMs / 1000}s (host unreachable or port filtered)`;
      break;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      why = 'host unreachable';
      break;
    default:
      why = e.message ?? String(err);
  }
  const out = new DatabaseError(driver, `cannot connect to ${where}: ${why}`, { cause: err });
  if (e.code === 'ER_CON_COUNT_ERROR') markTransient(out);
  return out;
}
