/**
 * Relations (tables, partitions, views, materialized views, sequences): which ones the dump includes,
 * their columns, and the ACCESS SHARE locks that keep their definitions stable while the dump runs.
 */
import { DatabaseError } from '../../errors.js';
import { qname } from '../quote.js';
import { COLLATION_NAME_SQL, SYSTEM_SCHEMA_SQL, type CatalogContext } from './context.js';

export interface RelationRow {
  oid: number;
  schema: string;
  name: string;
  /** r table, p partitioned table, v view, m materialized view, S sequence, f foreign table. */
  kind: 'r' | 'p' | 'v' | 'm' | 'S' | 'f';
  persistence: 'p' | 'u' | 't';
  owner: string;
  acl: string[] | null;
  baseline: string[];
  comment: string | null;
  options: string[] | null;
  toastOptions: string[] | null;
  isPartition: boolean;
  bound: string | null;
  partkey: string | null;
  rls: boolean;
  forceRls: boolean;
  replident: string;
  oftype: number;
  am: string | null;
  populated: boolean;
  viewdef: string | null;
  pages: number;
  parents: number[];
  /** The row type and its array type. */
  rowtypes: number[];
}

export interface ColumnRow {
  rel: number;
  num: number;
  name: string;
  type: string;
  notnull: boolean;
  identity: '' | 'a' | 'd';
  generated: '' | 's' | 'v';
  local: boolean;
  collation: string | null;
  storage: string | null;
  compression: string | null;
  stattarget: number | null;
  options: string[] | null;
  acl: string[] | null;
  comment: string | null;
  default: string | null;
  defoid: number | null;
}

/** An owned sequence: `deptype` a = OWNED BY (serial), i = identity column. */
export interface OwnedSequence {
  seq: number;
  rel: number;
  column: string;
  deptype: 'a' | 'i';
}

export interface Relations {
  /** Every non-system relation, selected or not (parents of selected partitions are looked up here). */
  all: Map<number, RelationRow>;
  selected: RelationRow[];
  columns: Map<number, ColumnRow[]>;
  owned: OwnedSequence[];
}

async function relationRows(ctx: CatalogContext): Promise<RelationRow[]> {
  return ctx.rows<RelationRow>(`
    SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name, c.relkind AS kind, c.relpersistence AS persistence,
      pg_catalog.pg_get_userbyid(c.relowner) AS owner, c.relacl::text[] AS acl,
      pg_catalog.acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner)::text[] AS baseline,
      pg_catalog.obj_description(c.oid, 'pg_class') AS comment, c.reloptions AS options, tc.reloptions AS "toastOptions",
      c.relispartition AS "isPartition", CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END AS bound,
      CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partkey,
      c.relrowsecurity AS rls, c.relforcerowsecurity AS "forceRls", c.relreplident AS replident, c.reloftype::int AS oftype,
      am.amname AS am, c.relispopulated AS populated,
      CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END AS viewdef,
      CASE WHEN c.relkind = 'r' THEN (pg_catalog.pg_relation_size(c.oid) / current_setting('block_size')::int)::float8 ELSE 0 END AS pages,
      ARRAY(SELECT i.inhparent::int FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid ORDER BY i.inhseqno) AS parents,
      ARRAY[c.reltype::int, (SELECT rt.typarray::int FROM pg_catalog.pg_type rt WHERE rt.oid = c.reltype)] AS rowtypes
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_catalog.pg_class tc ON tc.oid = c.reltoastrelid LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND c.oid >= 16384 AND ${SYSTEM_SCHEMA_SQL('n.nspname')}`);
}

async function ownedSequences(ctx: CatalogContext): Promise<OwnedSequence[]> {
  return ctx.rows<OwnedSequence>(`
    SELECT d.objid::int AS seq, d.refobjid::int AS rel, a.attname AS column, d.deptype
    FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
      JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
    WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass
      AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0`);
}

/** Applies the selection: partitions follow their partitioned parent, owned sequences their table. */
function select(ctx: CatalogContext, all: Map<number, RelationRow>, owned: OwnedSequence[]): RelationRow[] {
  const chosen = new Set<number>();
  for (const r of all.values()) {
    if (!ctx.isMember('pg_class', r.oid) && ctx.sel.relation(r.schema, r.name)) chosen.add(r.oid);
  }
  const followsParent = (r: RelationRow): boolean => {
    for (let p = r; p.isPartition && p.parents.length; ) {
      const parent = all.get(p.parents[0]!);
      if (!parent || ctx.sel.excluded(parent.schema, parent.name)) return false;
      if (chosen.has(parent.oid)) return true;
      p = parent;
    }
    return false;
  };
  for (const r of all.values()) if (r.isPartition && !ctx.sel.excluded(r.schema, r.name) && followsParent(r)) chosen.add(r.oid);
  for (const o of owned) {
    const seq = all.get(o.seq);
    if (!seq) continue;
    if (chosen.has(o.rel) && !ctx.sel.excluded(seq.schema, seq.name)) chosen.add(o.seq);
    else chosen.delete(o.seq);
  }
  return [...all.values()].filter((r) => chosen.has(r.oid));
}

async function columnRows(ctx: CatalogContext, oids: number[]): Promise<Map<number, ColumnRow[]>> {
  const v = ctx.version;
  const rows = await ctx.rows<ColumnRow>(`
    SELECT a.attrelid::int AS rel, a.attnum::int AS num, a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
      a.attnotnull AS notnull, a.attidentity AS identity, ${v >= 120000 ? 'a.attgenerated' : "''"} AS generated, a.attislocal AS local,
      CASE WHEN a.attcollation <> t.typcollation THEN ${COLLATION_NAME_SQL('a.attcollation')} END AS collation,
      CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage::text END AS storage,
      ${v >= 140000 ? "NULLIF(a.attcompression::text, '')" : 'NULL::text'} AS compression,
      NULLIF(a.attstattarget::int, -1) AS stattarget, a.attoptions AS options, a.attacl::text[] AS acl,
      pg_catalog.col_description(a.attrelid, a.attnum) AS comment,
      pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS default, d.oid::int AS defoid
    FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
      LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum`, [oids]);
  const out = new Map<number, ColumnRow[]>();
  for (const r of rows) out.set(r.rel, [...(out.get(r.rel) ?? []), r]);
  return out;
}

/**
 * Loads and selects relations, then locks the selected tables and sequences in ACCESS SHARE mode
 * (as pg_dump does) so that no DDL changes them before their definitions are read.
 */
export async function loadRelations(ctx: CatalogContext, lockTimeoutMs?: number): Promise<Relations> {
  const rows = await relationRows(ctx);
  const all = new Map(rows.map((r) => [r.oid, r]));
  const owned = await ownedSequences(ctx);
  const selected = select(ctx, all, owned);
  const foreign = selected.find((r) => r.kind === 'f');
  if (foreign) throw new DatabaseError('postgres', `${foreign.schema}.${foreign.name} is a foreign table, which the native driver does not dump; use driver pg_dump`);
  const typed = selected.find((r) => r.oftype);
  if (typed) throw new DatabaseError('postgres', `${typed.schema}.${typed.name} is a typed table (CREATE TABLE … OF type), which the native driver does not dump; use driver pg_dump`);
  await lockRelations(ctx, selected.filter((r) => r.kind === 'r' || r.kind === 'p'), lockTimeoutMs);
  const columns = await columnRows(ctx, selected.map((r) => r.oid));
  const ids = new Set(selected.map((r) => r.oid));
  return { all, selected, columns, owned: owned.filter((o) => ids.has(o.seq)) };
}

async function lockRelations(ctx: CatalogContext, rels: RelationRow[], lockTimeoutMs?: number): Promise<void> {
  if (lockTimeoutMs) await ctx.client.query(`SET lock_timeout = ${Math.ceil(lockTimeoutMs)}`);
  try {
    for (let i = 0; i < rels.length; i += 200) {
      const names = rels.slice(i, i + 200).map((r) => qname(r.schema, r.name));
      await ctx.client.query(`LOCK TABLE ${names.join(', ')} IN ACCESS SHARE MODE`);
    }
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code === '55P03') throw new DatabaseError('postgres', `could not lock the tables to dump within lock_wait_timeout (${e.message})`, { cause: err });
    throw err;
  } finally {
    if (lockTimeoutMs) await ctx.client.query('SET lock_timeout = 0');
  }
}
