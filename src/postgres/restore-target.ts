/**
 * The target of a restore: opened (or created, when the database does not exist yet), inspected for
 * objects the dump would replace, those objects saved to a safety backup and dropped — all inside the
 * restore's transaction, so a failure leaves the target as it was.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { DatabaseError } from '../errors.js';
import type { Logger } from '../util/log.js';
import type { PgTarget } from './dsn.js';
import { aclSql } from './catalog/acl.js';
import { PostgresDumper } from './dumper.js';
import { NAMED_KINDS, nameKey, type DumpContents, type NamedKind } from './prescan.js';
import { ident, qname } from './quote.js';
import { dropSigned, findSigned, type ExistingSigned } from './restore-signed.js';
import { closePg, connectPg, type PgClient } from './session.js';

export interface OpenedTarget {
  client?: PgClient;
  /** The database did not exist (and, unless dry-run, was created for this restore). */
  created: boolean;
}

function missingDatabase(err: unknown): boolean {
  return (err as { cause?: { code?: string } }).cause?.code === '3D000';
}

/** Connects to the target; creates the database (from template0, like `createdb -T template0`) if missing. */
export async function openTarget(t: PgTarget, dryRun: boolean): Promise<OpenedTarget> {
  try {
    return { client: await connectPg(t), created: false };
  } catch (err) {
    if (!missingDatabase(err)) throw err;
  }
  if (dryRun) return { created: true };
  const maint = await connectPg(t, 'postgres').catch(() => connectPg(t, 'template1'));
  try {
    await maint.query(`CREATE DATABASE ${ident(t.database)} TEMPLATE template0`);
  } catch (err) {
    throw new DatabaseError('postgres', `cannot create database ${t.database}: ${(err as Error).message}`, { cause: err });
  } finally {
    await closePg(maint);
  }
  return { client: await connectPg(t), created: true };
}

/** Drops a database this restore created (after a failure). */
export async function dropCreated(t: PgTarget): Promise<void> {
  const maint = await connectPg(t, 'postgres').catch(() => connectPg(t, 'template1'));
  try {
    await maint.query(`DROP DATABASE IF EXISTS ${ident(t.database)} WITH (FORCE)`);
  } finally {
    await closePg(maint);
  }
}

/** True when the target has any table, view, sequence, type, cast or event trigger of its own (not from an extension). */
export async function hasUserObjects(client: PgClient): Promise<boolean> {
  const r = await client.query<{ found: boolean }>(`
    SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r','p','v','m','S','f') AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname !~ '^pg_'
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e'))
    OR EXISTS (SELECT 1 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
      WHERE t.typtype IN ('e','d','r','c') AND t.oid >= 16384 AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname !~ '^pg_'
        AND (t.typtype <> 'c' OR EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c'))
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e'))
    OR EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger e WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = e.oid AND d.deptype = 'e'))
    OR EXISTS (SELECT 1 FROM pg_catalog.pg_cast c WHERE c.oid >= 16384
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('e', 'i'))) AS found`);
  return r.rows[0]!.found;
}

export interface Existing {
  relations: { schema: string; name: string; kind: string }[];
  types: { oid: number; schema: string; name: string; kind: string }[];
  named: { kind: NamedKind; schema: string; name: string }[];
  signed: ExistingSigned[];
}

/** Catalog, name and namespace columns of each named kind. */
const NAMED_CATALOG: Record<NamedKind, [string, string, string]> = {
  'TEXT SEARCH CONFIGURATION': ['pg_ts_config', 'cfgname', 'cfgnamespace'],
  'TEXT SEARCH DICTIONARY': ['pg_ts_dict', 'dictname', 'dictnamespace'],
  COLLATION: ['pg_collation', 'collname', 'collnamespace'],
};

/** Which of the relations and types the dump creates already exist in the target. */
export async function findExisting(client: PgClient, c: DumpContents, includeTypes: boolean): Promise<Existing> {
  const split = (keys: string[]) => [keys.map((k) => k.slice(0, k.indexOf('.'))), keys.map((k) => k.slice(k.indexOf('.') + 1))];
  const [rs, rn] = split(c.relations.map((r) => nameKey(r.name)));
  const relations = (await client.query<{ schema: string; name: string; kind: string }>(`
    SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      JOIN unnest($1::text[], $2::text[]) AS w(s, r) ON w.s = n.nspname AND w.r = c.relname
    WHERE c.relkind IN ('r','p','v','m','S','f')`, [rs, rn])).rows;
  if (!includeTypes) return { relations, types: [], named: [], signed: [] };
  const [ts, tn] = split(c.types.map(nameKey));
  const types = (await client.query<{ oid: number; schema: string; name: string; kind: string }>(`
    SELECT t.oid::int AS oid, n.nspname AS schema, t.typname AS name, t.typtype AS kind FROM pg_catalog.pg_type t
      JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
      JOIN unnest($1::text[], $2::text[]) AS w(s, r) ON w.s = n.nspname AND w.r = t.typname
    WHERE t.typtype IN ('e','d','r','c','b')`, [ts, tn])).rows;
  const named: Existing['named'] = [];
  for (const kind of NAMED_KINDS) {
    const [cat, col, nsp] = NAMED_CATALOG[kind];
    const [ns, nn] = split(c.named.filter((o) => o.kind === kind).map((o) => nameKey(o.name)));
    if (!ns.length) continue;
    const found = (await client.query<{ schema: string; name: string }>(`
      SELECT n.nspname AS schema, o.${col} AS name FROM pg_catalog.${cat} o JOIN pg_catalog.pg_namespace n ON n.oid = o.${nsp}
        JOIN unnest($1::text[], $2::text[]) AS w(s, r) ON w.s = n.nspname AND w.r = o.${col}`, [ns, nn])).rows;
    named.push(...found.map((f) => ({ kind, ...f })));
  }
  return { relations, types, named, signed: await findSigned(client, c.signed) };
}

export interface Companions {
  /** Views on replaced relations that the dump also defines: replaced with them. */
  views: { schema: string; name: string; kind: string }[];
  /** Foreign keys of kept tables that reference replaced tables and that the dump adds: dropped, then re-added. */
  foreignKeys: { schema: string; table: string; name: string }[];
  /** Functions over replaced tables' row types (or reading them, SQL-standard bodies) that the dump recreates. */
  functions: { oid: number; schema: string; name: string; args: string; kind: string }[];
}

/**
 * What else must go for the replaced relations to be dropped, when the dump brings it back: views that
 * read them (restored with them, even under --tables) and foreign keys that reference them. Anything
 * the dump does not recreate is left alone, and then stops the restore when the drop fails.
 */
export async function findCompanions(client: PgClient, e: Existing, c: DumpContents, withFunctions: boolean): Promise<Companions> {
  const names = e.relations.map((r) => qname(r.schema, r.name));
  if (!names.length) return { views: [], foreignKeys: [], functions: [] };
  const inDump = new Set(c.relations.map((r) => nameKey(r.name)));
  const views = (await client.query<{ schema: string; name: string; kind: string }>(`
    WITH RECURSIVE base AS (SELECT to_regclass(x)::oid AS oid FROM unnest($1::text[]) AS x),
    v AS (
      SELECT r.ev_class AS oid FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
        WHERE d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass
          AND d.refobjid IN (SELECT oid FROM base) AND r.ev_class <> d.refobjid
      UNION SELECT r.ev_class FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid JOIN v ON d.refobjid = v.oid
        WHERE d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass AND r.ev_class <> d.refobjid)
    SELECT n.nspname AS schema, cl.relname AS name, cl.relkind AS kind FROM v JOIN pg_catalog.pg_class cl ON cl.oid = v.oid
      JOIN pg_catalog.pg_namespace n ON n.oid = cl.relnamespace WHERE v.oid NOT IN (SELECT oid FROM base)`, [names])).rows;
  const fks = (await client.query<{ schema: string; table: string; name: string }>(`
    WITH base AS (SELECT to_regclass(x)::oid AS oid FROM unnest($1::text[]) AS x)
    SELECT n.nspname AS schema, t.relname AS table, co.conname AS name FROM pg_catalog.pg_constraint co
      JOIN pg_catalog.pg_class t ON t.oid = co.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
    WHERE co.contype = 'f' AND co.conparentid = 0 AND co.confrelid IN (SELECT oid FROM base) AND co.conrelid NOT IN (SELECT oid FROM base)`, [names])).rows;
  const recreated = new Set(c.functions.map(nameKey));
  const functions = withFunctions ? (await dependentFunctions(client, names)).filter((f) => recreated.has(`${f.schema}.${f.name}`)) : [];
  return {
    views: views.filter((v) => inDump.has(`${v.schema}.${v.name}`)),
    foreignKeys: fks.filter((f) => c.foreignKeys.has(`${f.schema}.${f.table}|${f.name}`)),
    functions,
  };
}

async function dependentFunctions(client: PgClient, names: string[]): Promise<Companions['functions']> {
  return (await client.query<Companions['functions'][number]>(`
    WITH base AS (SELECT to_regclass(x)::oid AS oid FROM unnest($1::text[]) AS x),
    refs AS (
      SELECT 'pg_catalog.pg_class'::regclass AS cat, oid FROM base
      UNION ALL SELECT 'pg_catalog.pg_type'::regclass, c.reltype FROM pg_catalog.pg_class c WHERE c.oid IN (SELECT oid FROM base)
      UNION ALL SELECT 'pg_catalog.pg_type'::regclass, t.typarray FROM pg_catalog.pg_class c JOIN pg_catalog.pg_type t ON t.oid = c.reltype
        WHERE c.oid IN (SELECT oid FROM base))
    SELECT DISTINCT p.oid::int AS oid, n.nspname AS schema, p.proname AS name, pg_catalog.pg_get_function_identity_arguments(p.oid) AS args, p.prokind AS kind
    FROM pg_catalog.pg_depend d JOIN refs ON d.refclassid = refs.cat AND d.refobjid = refs.oid
      JOIN pg_catalog.pg_proc p ON d.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = d.objid
      JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace`, [names])).rows;
}

/**
 * Drops the functions that `findCompanions` found (the dump creates them again). A column default,
 * constraint or index of a replaced relation that calls one would stop the drop (and the relation
 * itself cannot go first while the function reads it): those go with CASCADE, as the dump recreates
 * them with their relation; anything else that uses the function still stops the restore.
 */
export async function dropFunctions(client: PgClient, fns: Companions['functions'], replaced: Existing['relations']): Promise<void> {
  const relations = replaced.map((r) => qname(r.schema, r.name));
  for (const f of fns) {
    const kw = f.kind === 'p' ? 'PROCEDURE' : f.kind === 'a' ? 'AGGREGATE' : 'FUNCTION';
    const sig = `${qname(f.schema, f.name)}(${f.args})`;
    const [users] = (await client.query<{ others: number; mine: number }>(`
      WITH base AS (SELECT to_regclass(x)::oid AS oid FROM unnest($1::text[]) AS x),
      users AS (
        SELECT coalesce(ad.adrelid, co.conrelid, ix.indrelid) AS rel FROM pg_catalog.pg_depend d
          LEFT JOIN pg_catalog.pg_attrdef ad ON d.classid = 'pg_catalog.pg_attrdef'::regclass AND ad.oid = d.objid
          LEFT JOIN pg_catalog.pg_constraint co ON d.classid = 'pg_catalog.pg_constraint'::regclass AND co.oid = d.objid AND co.contypid = 0
          LEFT JOIN pg_catalog.pg_index ix ON d.classid = 'pg_catalog.pg_class'::regclass AND ix.indexrelid = d.objid
        WHERE d.refclassid = 'pg_catalog.pg_proc'::regclass AND d.refobjid = $2::oid AND d.deptype = 'n')
      SELECT count(*) FILTER (WHERE rel IS NULL OR rel NOT IN (SELECT oid FROM base))::int AS others,
        count(*) FILTER (WHERE rel IN (SELECT oid FROM base))::int AS mine FROM users`, [relations, f.oid])).rows;
    const cascade = users && users.mine > 0 && users.others === 0 ? ' CASCADE' : '';
    await client.query(`DROP ${kw} IF EXISTS ${sig}${cascade}`);
  }
}

/** Drops the foreign keys that `findCompanions` found (the dump adds them back after the data). */
export async function dropForeignKeys(client: PgClient, fks: Companions['foreignKeys']): Promise<void> {
  for (const f of fks) await client.query(`ALTER TABLE ${qname(f.schema, f.table)} DROP CONSTRAINT ${ident(f.name)}`);
}

/** Locks the relations about to be replaced, so the safety backup holds exactly what is dropped. */
export async function lockExisting(client: PgClient, e: Existing): Promise<void> {
  const names = e.relations.filter((r) => 'rpvf'.includes(r.kind)).map((r) => qname(r.schema, r.name));
  if (!names.length) return;
  try {
    await client.query(`LOCK TABLE ${names.join(', ')} IN ACCESS EXCLUSIVE MODE`);
  } catch (err) {
    throw new DatabaseError('postgres', `cannot lock the tables the restore replaces: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Drops what the dump replaces, views first. Relations are dropped without CASCADE: anything else that
 * depends on them makes the restore fail (and roll back) with PostgreSQL's message. Types are dropped
 * with CASCADE only when everything that cascade reaches is recreated by the dump.
 */
export async function dropExisting(client: PgClient, e: Existing, c: DumpContents): Promise<void> {
  const names = (kinds: string[]) => e.relations.filter((r) => kinds.includes(r.kind)).map((r) => qname(r.schema, r.name));
  const groups: [string, string[]][] = [
    ['MATERIALIZED VIEW', names(['m'])], ['VIEW', names(['v'])], ['FOREIGN TABLE', names(['f'])], ['TABLE', names(['r', 'p'])], ['SEQUENCE', names(['S'])],
  ];
  for (const [kind, list] of groups) {
    if (!list.length) continue;
    try {
      await client.query(`DROP ${kind} IF EXISTS ${list.join(', ')}`);
    } catch (err) {
      const d = (err as { detail?: string }).detail;
      throw new DatabaseError('postgres', `cannot replace ${list.join(', ')}: ${(err as Error).message}${d ? ` (${d.replace(/\n/g, '; ')})` : ''}; drop those objects first or restore into an empty database`, { cause: err });
    }
  }
  await dropSigned(client, e.signed, ['OPERATOR CLASS', 'OPERATOR FAMILY', 'OPERATOR', 'CAST']);
  if (e.types.length) await dropTypes(client, e, c);
  for (const kind of NAMED_KINDS) {
    const list = e.named.filter((o) => o.kind === kind).map((o) => qname(o.schema, o.name));
    if (!list.length) continue;
    try {
      await client.query(`DROP ${kind} IF EXISTS ${list.join(', ')}`);
    } catch (err) {
      throw new DatabaseError('postgres', `cannot replace ${kind.toLowerCase()}(s) ${list.join(', ')}: ${(err as Error).message}; restore into an empty database`, { cause: err });
    }
  }
}

async function dropTypes(client: PgClient, e: Existing, c: DumpContents): Promise<void> {
  const recreated = new Set([...c.functions, ...c.types].map(nameKey));
  const reached = (await client.query<{ schema: string | null; name: string | null; what: string; companion: boolean }>(`
    WITH RECURSIVE deps AS (
      SELECT d.classid, d.objid, d.objsubid FROM pg_catalog.pg_depend d
        WHERE d.refclassid = 'pg_catalog.pg_type'::regclass AND d.refobjid = ANY($1::oid[]) AND d.deptype = 'n'
      UNION SELECT d.classid, d.objid, d.objsubid FROM pg_catalog.pg_depend d JOIN deps
        ON d.refclassid = deps.classid AND d.refobjid = deps.objid AND d.deptype = 'n')
    SELECT coalesce(pn.nspname, tn.nspname) AS schema, coalesce(p.proname, t.typname) AS name,
      pg_catalog.pg_describe_object(deps.classid, deps.objid, deps.objsubid) AS what,
      EXISTS (SELECT 1 FROM pg_catalog.pg_depend i WHERE i.classid = deps.classid AND i.objid = deps.objid AND i.deptype = 'i')
        OR EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE deps.classid = 'pg_catalog.pg_constraint'::regclass AND c.oid = deps.objid AND c.contypid <> 0) AS companion
    FROM deps LEFT JOIN pg_catalog.pg_proc p ON deps.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = deps.objid
      LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
      LEFT JOIN pg_catalog.pg_type t ON deps.classid = 'pg_catalog.pg_type'::regclass AND t.oid = deps.objid
      LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace`, [e.types.map((t) => t.oid)])).rows;
  // what the dump recreates, and companions that go with their type (array types, range constructors), may go
  const lost = reached.filter((r) => !r.companion && !(r.schema && r.name && recreated.has(`${r.schema}.${r.name}`)));
  if (lost.length) {
    throw new DatabaseError('postgres', `cannot replace type(s) ${e.types.map((t) => `${t.schema}.${t.name}`).join(', ')}: ${lost.slice(0, 5).map((l) => l.what).join(', ')} depend(s) on them and the dump does not recreate them; restore into an empty database`);
  }
  const domains = e.types.filter((t) => t.kind === 'd').map((t) => qname(t.schema, t.name));
  const others = e.types.filter((t) => t.kind !== 'd').map((t) => qname(t.schema, t.name));
  if (domains.length) await client.query(`DROP DOMAIN IF EXISTS ${domains.join(', ')} CASCADE`);
  if (others.length) await client.query(`DROP TYPE IF EXISTS ${others.join(', ')} CASCADE`);
}

/** Exact table pattern for a name (quotes keep dots and wildcards literal). */
function exactPattern(schema: string, name: string): string {
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  return `${q(schema)}.${q(name)}`;
}

/**
 * Saves the relations about to be replaced — definitions and data, read through the restore's own
 * transaction — to `<baseDir>/onedump-safety/<db>-<timestamp>.sql.gz` (written whole, then renamed).
 */
export async function safetyBackup(client: PgClient, t: PgTarget, e: Existing, baseDir: string, log: Logger, signal: AbortSignal): Promise<string> {
  const dir = resolve(baseDir, 'onedump-safety');
  await mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const file = join(dir, `${t.database}-${stamp}.sql.gz`);
  const temp = `${file}.partial`;
  const tables = e.relations.map((r) => exactPattern(r.schema, r.name));
  const dumper = new PostgresDumper(t, { tables, schemaOnly: false, dataOnly: false, parallel: 1, session: client }, log);
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const written = pipeline(out, createGzip(), createWriteStream(temp, { mode: 0o600 }));
  try {
    await dumper.dump(out, { signal });
    out.end();
    await written;
    await rename(temp, file);
  } catch (err) {
    out.destroy();
    await written.catch(() => undefined);
    await rm(temp, { force: true });
    throw err;
  }
  return file;
}

interface DefaultAcl {
  role: string;
  schema: string | null;
  type: string;
  acl: string[];
  baseline: string[] | null;
}

const DEFACL_ON: Record<string, string> = { r: 'TABLES', S: 'SEQUENCES', f: 'FUNCTIONS', T: 'TYPES', n: 'SCHEMAS' };

async function defaultAcls(client: PgClient): Promise<DefaultAcl[]> {
  return (await client.query<DefaultAcl>(`
    SELECT pg_catalog.pg_get_userbyid(d.defaclrole)::text AS role, n.nspname::text AS schema, d.defaclobjtype AS type, d.defaclacl::text[] AS acl,
      CASE WHEN d.defaclnamespace = 0 THEN pg_catalog.acldefault(CASE d.defaclobjtype WHEN 'S' THEN 's' ELSE d.defaclobjtype END::"char", d.defaclrole)::text[] END AS baseline
    FROM pg_catalog.pg_default_acl d LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace`)).rows;
}

function defaultAclSql(d: DefaultAcl, from: string[] | null, to: string[] | null): string {
  const prefix = `ALTER DEFAULT PRIVILEGES FOR ROLE ${ident(d.role)}${d.schema ? ` IN SCHEMA ${ident(d.schema)}` : ''}`;
  return aclSql({ on: DEFACL_ON[d.type] ?? 'TABLES', owner: d.role, acl: to ?? [], baseline: from, prefix });
}

const defaultAclKey = (d: DefaultAcl) => `${d.role}|${d.schema ?? ''}|${d.type}`;

/**
 * The target's default privileges must not leak into the objects a restore creates (their privileges
 * come from the dump): they are reset for the restore and put back afterwards, except where the dump
 * sets default privileges of its own.
 */
export async function suspendDefaultAcls(client: PgClient): Promise<() => Promise<void>> {
  const saved = await defaultAcls(client);
  for (const d of saved) await client.query(defaultAclSql(d, d.acl, d.baseline));
  return async () => {
    const now = new Set((await defaultAcls(client)).map(defaultAclKey));
    for (const d of saved) if (!now.has(defaultAclKey(d))) await client.query(defaultAclSql(d, d.baseline, d.acl));
  };
}
