/**
 * Opening node-postgres connections with clear failures: every connection error names the server and
 * database (never the password), and a connection that dies later never crashes the process.
 */
import type pg from 'pg';
import { DatabaseError, markTransient } from '../errors.js';
import { registerSecret } from '../util/redact.js';
import { clientConfig, type PgTarget } from './dsn.js';

export type PgClient = pg.Client;

/** Settings of every dump session: unambiguous text output, no timeouts, no silent RLS filtering. */
export const DUMP_SETTINGS = [
  "SET client_encoding = 'UTF8'",
  'SET DateStyle = ISO',
  'SET IntervalStyle = postgres',
  'SET extra_float_digits = 3',
  'SET statement_timeout = 0',
  'SET lock_timeout = 0',
  'SET idle_in_transaction_session_timeout = 0',
  'SET row_security = off',
  "SELECT pg_catalog.set_config('search_path', '', false)",
];

/** `host:port/db` for messages. */
export function where(t: PgTarget, database = t.database): string {
  return `${t.host}:${t.port}/${database}`;
}

/** A short reason for a failed connection, marked transient when retrying may help. */
export function connectionError(t: PgTarget, database: string, err: unknown): DatabaseError {
  const e = err as { code?: string; message?: string };
  const msg = e.message ?? String(err);
  const out = new DatabaseError('postgres', `cannot connect to ${where(t, database)} as ${t.user}: ${msg}`, { cause: err });
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', '57P03', '53300'].includes(e.code ?? '') || /timeout/i.test(msg)) {
    markTransient(out);
  }
  return out;
}

/**
 * Connects to `database` (default: the target's). The client keeps the last asynchronous error in
 * `lostReason(client)` instead of throwing it from an event.
 */
export async function connectPg(t: PgTarget, database = t.database): Promise<PgClient> {
  registerSecret(t.password);
  // loaded on first use: every onedump process loads every driver, most never talk to PostgreSQL
  const { default: driver } = await import('pg');
  const client = new driver.Client(clientConfig(t, database));
  client.on('error', (err) => {
    (client as unknown as { lost?: Error }).lost = err;
  });
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw connectionError(t, database, err);
  }
  return client;
}

/** The error that ended the connection, if it died on its own. */
export function lostReason(client: PgClient): Error | undefined {
  return (client as unknown as { lost?: Error }).lost;
}

/** Closes a client, ignoring errors (it may already be gone). */
export async function closePg(client: PgClient | undefined): Promise<void> {
  if (!client) return;
  await client.end().catch(() => undefined);
}

/** Runs several statements one after another. */
export async function runAll(client: PgClient, statements: string[]): Promise<void> {
  for (const s of statements) await client.query(s);
}

/** `15.4` style version and the numeric form (150004). */
export async function serverVersion(client: PgClient): Promise<{ text: string; num: number }> {
  const r = await client.query<{ v: string; n: string }>("SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS n");
  return { text: r.rows[0]!.v, num: Number(r.rows[0]!.n) };
}
