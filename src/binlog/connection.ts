/**
 * The server a binlog command talks to: the mysql driver's DSN (`mysql://user:pass@host:3306/`), plus
 * what the binlog tools add — the password from `MYSQL_PWD` when the DSN has none (as the mysql client
 * does), and the CA file's path (the external tool wants the path, not its content).
 */
import { registerSecret } from '../util/redact.js';
import { connectMysql, type MysqlConnection } from '../dumpers/mysql/connection.js';
import { describeEndpoint, parseMysqlDsn, type MysqlDsn } from '../dumpers/mysql/dsn.js';

export interface BinlogServer extends MysqlDsn {
  /** `ssl_ca` from the DSN: a CA file path for `mariadb-binlog --ssl-ca`. */
  caPath?: string;
}

export function binlogServer(dsn: string, env: NodeJS.ProcessEnv = process.env): BinlogServer {
  const d = parseMysqlDsn(dsn);
  const password = d.password ?? env.MYSQL_PWD;
  if (password) registerSecret(password);
  const caPath = new URL(dsn).searchParams.get('ssl_ca') ?? undefined;
  return { ...d, ...(password !== undefined ? { password } : {}), ...(caPath ? { caPath } : {}) };
}

/**
 * The DSN with the password from `MYSQL_PWD` filled in when it has none, so that a password never has
 * to be typed on a command line (the result stays in memory; the password is registered for redaction).
 */
export function dsnWithPassword(dsn: string, env: NodeJS.ProcessEnv = process.env): string {
  const s = binlogServer(dsn, env);
  if (s.password === undefined || parseMysqlDsn(dsn).password !== undefined) return dsn;
  const u = new URL(dsn);
  u.username ||= s.user;
  u.password = encodeURIComponent(s.password);
  return u.toString();
}

/** `host:port` or the socket, for messages. */
export function describeServer(s: MysqlDsn): string {
  return describeEndpoint(s);
}

export type Row = Record<string, unknown>;

/** Opens a connection without a default database. */
export function openServer(s: BinlogServer): Promise<MysqlConnection> {
  return connectMysql(s, { database: null });
}

/** Runs a statement and returns rows as objects keyed by column name (column sets vary by server). */
export function namedRows(conn: MysqlConnection, sql: string, values?: unknown[]): Promise<Row[]> {
  return new Promise((resolve, reject) => {
    conn.core.query({ sql, values }, (err, rows) => (err ? reject(err) : resolve(rows as Row[])));
  });
}
