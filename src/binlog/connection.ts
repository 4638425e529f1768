/**
 * MySQL/MariaDB connection settings from a DSN (`mysql://user:pass@host:3306/db?socket=/run/mysqld.sock`),
 * for the binlog tools: a mysql2 connection for queries, and the same settings as client options for
 * `mariadb-binlog` (password only ever in a 0600 option file, see tool.ts).
 *
 * Without a password in the DSN, `MYSQL_PWD` from the environment is used, as the mysql client does.
 */
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { UsageError } from '../errors.js';
import { registerSecret } from '../util/redact.js';

export interface MysqlSettings {
  host: string;
  port: number;
  user: string;
  password?: string;
  database?: string;
  socketPath?: string;
  /** `ssl=required`: TLS; `ssl=verify_ca`/`verify_identity` also verify the certificate (`ssl-ca`: CA file). */
  ssl?: { ca?: string; verify: boolean };
}

/** Parses a `mysql://` or `mariadb://` DSN. */
export function parseMysqlDsn(dsn: string, env: NodeJS.ProcessEnv = process.env): MysqlSettings {
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    throw new UsageError(`not a MySQL DSN (want mysql://user:pass@host:3306/db): ${dsn.replace(/:[^:@/]*@/, ':***@')}`);
  }
  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') throw new UsageError(`not a MySQL DSN (scheme ${url.protocol}, want mysql://)`);
  const password = url.password ? decodeURIComponent(url.password) : env.MYSQL_PWD;
  if (password) registerSecret(password);
  const q = url.searchParams;
  const sslMode = (q.get('ssl') ?? q.get('ssl-mode') ?? '').toLowerCase();
  const ca = q.get('ssl-ca') ?? undefined;
  const ssl = ['true', '1', 'required', 'verify_ca', 'verify_identity'].includes(sslMode) || ca
    ? { ...(ca ? { ca } : {}), verify: sslMode.startsWith('verify') }
    : undefined;
  return {
    host: url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: url.port ? Number(url.port) : 3306,
    user: url.username ? decodeURIComponent(url.username) : userInfo().username,
    ...(password ? { password } : {}),
    ...(url.pathname.length > 1 ? { database: decodeURIComponent(url.pathname.slice(1)) } : {}),
    ...(q.get('socket') ? { socketPath: q.get('socket')! } : {}),
    ...(ssl ? { ssl } : {}),
  };
}

/** `host:port` (or the socket) for messages. */
export function describeServer(s: MysqlSettings): string {
  return s.socketPath ? s.socketPath : `${s.host}:${s.port}`;
}

/** Opens a mysql2 connection (promise API). The driver is imported lazily. */
export async function connectMysql(s: MysqlSettings) {
  const mysql = await import('mysql2/promise');
  return mysql.createConnection({
    host: s.host, port: s.port, user: s.user, password: s.password, database: s.database, socketPath: s.socketPath,
    ...(s.ssl ? { ssl: { ...(s.ssl.ca ? { ca: readFileSync(s.ssl.ca) } : {}), rejectUnauthorized: s.ssl.verify } } : {}),
    connectTimeout: 15_000, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true,
  });
}
