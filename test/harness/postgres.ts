/**
 * The shared PostgreSQL 15 on 127.0.0.1:5432 (trust auth) for tests: uniquely named databases and
 * roles that are dropped afterwards, the hostile corpus, and the comparisons a round trip must pass —
 * row-level hashes per table, sequence positions, and `pg_dump --schema-only`.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { ROOT } from './util.js';

export const PG_HOST = '127.0.0.1';
export const PG_PORT = 5432;

export function uniqueName(prefix = 'od_pg'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export function pgDsn(db: string, user = 'postgres', password?: string): string {
  return `postgres://${encodeURIComponent(user)}${password ? `:${encodeURIComponent(password)}` : ''}@${PG_HOST}:${PG_PORT}/${db}`;
}

/** Runs SQL in a database (default: postgres) and returns the rows. */
export async function pgQuery<T = Record<string, unknown>>(sql: string, db = 'postgres', params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ host: PG_HOST, port: PG_PORT, user: 'postgres', database: db });
  await c.connect();
  try {
    const r = await c.query(sql, params);
    return (Array.isArray(r) ? r[r.length - 1]!.rows : r.rows) as T[];
  } finally {
    await c.end();
  }
}

export interface TestDb {
  name: string;
  dsn: string;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

function handle(name: string): TestDb {
  return {
    name,
    dsn: pgDsn(name),
    query: (sql, params) => pgQuery(sql, name, params),
    drop: async () => void (await pgQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
  };
}

export async function createDb(prefix = 'od_pg'): Promise<TestDb> {
  const name = uniqueName(prefix);
  await pgQuery(`CREATE DATABASE "${name}" TEMPLATE template0`);
  return handle(name);
}

/** A database name that does not exist yet (a restore creates it); drop() removes it if it was. */
export function futureDb(prefix = 'od_pg'): TestDb {
  return handle(uniqueName(prefix));
}

export async function createRole(): Promise<{ name: string; drop(): Promise<void> }> {
  const name = uniqueName('od_pg_role');
  await pgQuery(`CREATE ROLE ${name}`);
  return { name, drop: async () => void (await pgQuery(`DROP ROLE IF EXISTS ${name}`)) };
}

/** Runs a fixture script (test/postgres/fixtures/NAME) through psql, `:ROLE` replaced by `role`. */
export function loadFixture(db: TestDb, name: string, role = 'postgres'): void {
  const sql = readFileSync(join(ROOT, 'test/postgres/fixtures', name), 'utf8').replace(/:ROLE/g, role);
  execFileSync('psql', ['-h', PG_HOST, '-p', String(PG_PORT), '-U', 'postgres', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', db.name], { input: sql, stdio: ['pipe', 'ignore', 'pipe'] });
}

/** Loads the hostile corpus, plus `app.big` with `bigRows` rows. */
export async function loadCorpus(db: TestDb, role: string, bigRows = 20_000): Promise<void> {
  loadFixture(db, 'corpus.sql', role);
  await db.query(`CREATE TABLE app.big (id bigint PRIMARY KEY, label text NOT NULL, amount numeric(12,2), at timestamptz, flags integer[]);
    INSERT INTO app.big SELECT i, md5(i::text) || repeat('x', i % 40), i * 0.37, '2020-01-01'::timestamptz + i * interval '1 minute', ARRAY[i % 3, i % 5]
      FROM generate_series(1, ${bigRows}) i;
    ANALYZE`);
}

/** Row count and a hash over every row's text form, per table and populated materialized view. */
export async function tableHashes(db: TestDb): Promise<Record<string, string>> {
  const rels = await db.query<{ rel: string; kind: string }>(`
    SELECT format('%I.%I', n.nspname, c.relname) AS rel, c.relkind AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'm') AND c.relispopulated AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'
    ORDER BY 1`);
  const out: Record<string, string> = {};
  const c = new pg.Client({ host: PG_HOST, port: PG_PORT, user: 'postgres', database: db.name });
  await c.connect();
  try {
    await c.query("SET TimeZone = 'Asia/Kathmandu'; SET extra_float_digits = 3");
    for (const r of rels) {
      const q = `SELECT count(*) AS n, md5(coalesce(string_agg(md5(od_row_alias::text), ',' ORDER BY md5(od_row_alias::text)), '')) AS h
        FROM ${r.kind === 'r' ? 'ONLY ' : ''}${r.rel} od_row_alias`;
      const row = (await c.query<{ n: string; h: string }>(q)).rows[0]!;
      out[r.rel] = `${row.n} ${row.h}`;
    }
  } finally {
    await c.end();
  }
  return out;
}

/** `last_value is_called` of every sequence. */
export async function sequencePositions(db: TestDb): Promise<Record<string, string>> {
  const seqs = await db.query<{ seq: string }>(`SELECT format('%I.%I', schemaname, sequencename) AS seq FROM pg_sequences ORDER BY 1`);
  const out: Record<string, string> = {};
  for (const s of seqs) {
    const [r] = await db.query<{ v: string }>(`SELECT last_value::text || ' ' || is_called AS v FROM ${s.seq}`);
    out[s.seq] = r!.v;
  }
  return out;
}

/** `pg_dump --schema-only`, without the per-run `\restrict` key lines. */
export function schemaDump(db: TestDb): string {
  const out = execFileSync('pg_dump', ['-h', PG_HOST, '-p', String(PG_PORT), '-U', 'postgres', '--schema-only', db.name], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return out.split('\n').filter((l) => !/^\\(un)?restrict /.test(l)).join('\n');
}

/** Everything a round trip must preserve. */
export async function fingerprint(db: TestDb): Promise<{ rows: Record<string, string>; sequences: Record<string, string>; schema: string }> {
  return { rows: await tableHashes(db), sequences: await sequencePositions(db), schema: schemaDump(db) };
}
