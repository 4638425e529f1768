/**
 * MySQL/MariaDB connection strings: `mysql://user:pass@host:3306/db?ssl=true` (also `mariadb://`).
 * Go-style DSNs (`user:pass@tcp(host:3306)/db`) are converted by the config loader before they get here.
 *
 * Query parameters understood: `socket` (unix socket path), `ssl`/`tls` (`true`, `false`,
 * `skip-verify`), `ssl_ca` (CA file), `connect_timeout` (seconds). Others (Go driver options such as
 * `parseTime`, `charset`, `loc`) are accepted and ignored: dumps always use utf8mb4 and UTC.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../../errors.js';

export interface MysqlDsn {
  host: string;
  port: number;
  user: string;
  password?: string;
  /** The database named in the path, if any. */
  database?: string;
  socket?: string;
  ssl?: { rejectUnauthorized: boolean; ca?: string };
  connectTimeoutMs: number;
}

const SCHEMES = new Set(['mysql:', 'mariadb:', 'mysqlx:']);

/** Parses a `mysql://` or `mariadb://` DSN; throws a UsageError naming what is wrong. */
export function parseMysqlDsn(dsn: string): MysqlDsn {
  let u: URL;
  try {
    u = new URL(dsn);
  } catch {
    throw new UsageError(`not a MySQL DSN (expected mysql://user:pass@host:3306/db): ${redactedDsn(dsn)}`);
  }
  if (!SCHEMES.has(u.protocol)) throw new UsageError(`not a MySQL DSN (scheme ${u.protocol}, expected mysql:// or mariadb://)`);
  const q = u.searchParams;
  const db = decodeURIComponent(u.pathname.replace(/^\/+/, ''));
  const sslParam = (q.get('ssl') ?? q.get('tls') ?? '').toLowerCase();
  let ssl: MysqlDsn['ssl'];
  if (sslParam === 'true' || sslParam === 'required' || sslParam === '1' || q.has('ssl_ca')) {
    ssl = { rejectUnauthorized: true, ...(q.get('ssl_ca') ? { ca: readFileSync(q.get('ssl_ca')!, 'utf8') } : {}) };
  } else if (sslParam === 'skip-verify' || sslParam === 'insecure') {
    ssl = { rejectUnauthorized: false };
  }
  const timeout = Number(q.get('connect_timeout') ?? 10);
  return {
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username) || 'root',
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db ? { database: db } : {}),
    ...(q.get('socket') ? { socket: q.get('socket')! } : {}),
    ...(ssl ? { ssl } : {}),
    connectTimeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout * 1000 : 10_000,
  };
}

/** The DSN with its password replaced by `***`, for messages. */
export function redactedDsn(dsn: string): string {
  return dsn.replace(/(:\/\/[^:/?#@\s]*:)[^@/\s]+@/, '$1***@');
}

/** `host:port` (or the socket path) for messages. */
export function describeEndpoint(d: MysqlDsn, endpoint?: { host: string; port: number }): string {
  if (endpoint) return `${endpoint.host}:${endpoint.port} (tunnel to ${d.host}:${d.port})`;
  return d.socket ? d.socket : `${d.host}:${d.port}`;
}

/** The same DSN pointing at another database (for restores into a differently named target). */
export function withDatabase(dsn: string, database: string): string {
  const u = new URL(dsn);
  u.pathname = '/' + encodeURIComponent(database);
  return u.toString();
}
