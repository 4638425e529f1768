/**
 * PostgreSQL connection strings: `postgres://user:pass@host:port/db?sslmode=…` (also `postgresql://`)
 * parsed once into the parts node-postgres and libpq (pg_dump, pg_restore, psql) need.
 */
import { readFileSync } from 'node:fs';
import type { ClientConfig } from 'pg';
import type { ConnectionOptions } from 'node:tls';
import { UsageError } from '../errors.js';

export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
const SSL_MODES: SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

export interface PgTarget {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
  sslmode?: SslMode;
  sslrootcert?: string;
  sslcert?: string;
  sslkey?: string;
  applicationName?: string;
  /** Seconds; 0 = no limit. */
  connectTimeout?: number;
}

/** Parses a DSN; a malformed one is a usage error naming what is wrong (never the password). */
export function parsePgDsn(dsn: string): PgTarget {
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    throw new UsageError('postgres: the DSN is not a URL (expected postgres://user:pass@host:port/db)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new UsageError(`postgres: DSN scheme "${url.protocol}" is not postgres:// or postgresql://`);
  }
  const q = url.searchParams;
  const sslmode = q.get('sslmode') ?? undefined;
  if (sslmode && !SSL_MODES.includes(sslmode as SslMode)) {
    throw new UsageError(`postgres: sslmode "${sslmode}" is not one of ${SSL_MODES.join(', ')}`);
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const user = decodeURIComponent(url.username) || q.get('user') || 'postgres';
  const host = q.get('host') ?? (decodeURIComponent(url.hostname).replace(/^\[(.*)\]$/, '$1') || 'localhost');
  return {
    host,
    port: Number(url.port || q.get('port') || 5432),
    user,
    password: url.password ? decodeURIComponent(url.password) : q.get('password') ?? undefined,
    database: database || user,
    sslmode: sslmode as SslMode | undefined,
    sslrootcert: q.get('sslrootcert') ?? undefined,
    sslcert: q.get('sslcert') ?? undefined,
    sslkey: q.get('sslkey') ?? undefined,
    applicationName: q.get('application_name') ?? undefined,
    connectTimeout: q.has('connect_timeout') ? Number(q.get('connect_timeout')) : undefined,
  };
}

/** The same target with host and port replaced (an SSH tunnel's local end). */
export function withEndpoint(t: PgTarget, endpoint?: { host: string; port: number }): PgTarget {
  return endpoint ? { ...t, host: endpoint.host, port: endpoint.port } : t;
}

/**
 * TLS settings for node-postgres. `prefer`/`allow` cannot be negotiated opportunistically by
 * node-postgres, so they connect without TLS (as libpq does when the server offers none).
 */
function tlsOptions(t: PgTarget): false | ConnectionOptions {
  if (!t.sslmode || t.sslmode === 'disable' || t.sslmode === 'allow' || t.sslmode === 'prefer') return false;
  const read = (file: string | undefined) => (file ? readFileSync(file) : undefined);
  try {
    const base: ConnectionOptions = { ca: read(t.sslrootcert), cert: read(t.sslcert), key: read(t.sslkey) };
    if (t.sslmode === 'require') return { ...base, rejectUnauthorized: false };
    if (t.sslmode === 'verify-ca') return { ...base, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    return { ...base, rejectUnauthorized: true };
  } catch (err) {
    throw new UsageError(`postgres: cannot read a TLS file named in the DSN: ${(err as Error).message}`);
  }
}

/** node-postgres client settings for a target. */
export function clientConfig(t: PgTarget, database = t.database): ClientConfig {
  return {
    host: t.host,
    port: t.port,
    user: t.user,
    password: t.password,
    database,
    ssl: tlsOptions(t),
    application_name: t.applicationName ?? 'onedump',
    connectionTimeoutMillis: t.connectTimeout ? t.connectTimeout * 1000 : 30_000,
    keepAlive: true,
  };
}

/** Environment for libpq programs (pg_dump, pg_restore, psql): everything but the password. */
export function libpqEnv(t: PgTarget, database = t.database): Record<string, string> {
  const env: Record<string, string> = {
    PGHOST: t.host,
    PGPORT: String(t.port),
    PGUSER: t.user,
    PGDATABASE: database,
    PGAPPNAME: t.applicationName ?? 'onedump',
  };
  if (t.sslmode) env.PGSSLMODE = t.sslmode;
  if (t.sslrootcert) env.PGSSLROOTCERT = t.sslrootcert;
  if (t.sslcert) env.PGSSLCERT = t.sslcert;
  if (t.sslkey) env.PGSSLKEY = t.sslkey;
  if (t.connectTimeout) env.PGCONNECT_TIMEOUT = String(t.connectTimeout);
  return env;
}

/** Where a DSN points (for SSH tunnels); undefined for a Unix socket directory. */
export function pgEndpoint(dsn: string): { host: string; port: number } | undefined {
  const t = parsePgDsn(dsn);
  return t.host.startsWith('/') ? undefined : { host: t.host, port: t.port };
}
