/** User-defined types: enums, composite types, range types and domains. */
import { DatabaseError } from '../../errors.js';
import { ident, literal, qname, role } from '../quote.js';
import { aclSql } from './acl.js';
import { COLLATION_NAME_SQL, SYSTEM_SCHEMA_SQL, type CatalogContext } from './context.js';
import { commentSql, key, obj } from './model.js';

interface TypeRow {
  oid: number;
  schema: string;
  name: string;
  kind: 'b' | 'c' | 'd' | 'e' | 'r';
  owner: string;
  acl: string[] | null;
  baseline: string[];
  comment: string | null;
  relid: number;
  array: number;
  basetype: string | null;
  notnull: boolean;
  default: string | null;
  collation: string | null;
  labels: string[];
}

export async function loadTypes(ctx: CatalogContext): Promise<void> {
  const rows = await ctx.rows<TypeRow>(`
    SELECT t.oid::int AS oid, n.nspname AS schema, t.typname AS name, t.typtype AS kind,
      pg_catalog.pg_get_userbyid(t.typowner) AS owner, t.typacl::text[] AS acl,
      pg_catalog.acldefault('T', t.typowner)::text[] AS baseline, pg_catalog.obj_description(t.oid, 'pg_type') AS comment,
      t.typrelid::int AS relid, t.typarray::int AS array,
      CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END AS basetype,
      t.typnotnull AS notnull, pg_catalog.pg_get_expr(t.typdefaultbin, 0) AS default,
      CASE WHEN t.typtype = 'd' AND t.typcollation <> 0 AND t.typcollation <> bt.typcollation THEN ${COLLATION_NAME_SQL('t.typcollation')} END AS collation,
      ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels
    FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
      LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
    WHERE t.oid >= 16384 AND ${SYSTEM_SCHEMA_SQL('n.nspname')} AND t.typtype IN ('b', 'c', 'd', 'e', 'r')
      AND (t.typtype <> 'c' OR EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c'))
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type a WHERE a.typarray = t.oid)`);
  const types = rows.filter((t) => !ctx.isMember('pg_type', t.oid) && ctx.sel.object(t.schema));
  const base = types.find((t) => t.kind === 'b');
  if (base) {
    throw new DatabaseError('postgres', `type ${base.schema}.${base.name} is a base type defined in C, which the native driver does not dump; use driver pg_dump`);
  }
  const attrs = await compositeAttributes(ctx, types.filter((t) => t.kind === 'c').map((t) => t.relid));
  const ranges = await rangeDetails(ctx, types.filter((t) => t.kind === 'r').map((t) => t.oid));
  const checks = await domainConstraints(ctx, types.filter((t) => t.kind === 'd').map((t) => t.oid));
  for (const t of types) {
    const name = qname(t.schema, t.name);
    let body: string;
    if (t.kind === 'e') body = `CREATE TYPE ${name} AS ENUM (\n${t.labels.map((l) => `    ${literal(l)}`).join(',\n')}\n);\n`;
    else if (t.kind === 'c') body = compositeSql(name, attrs.get(t.relid) ?? []);
    else if (t.kind === 'r') body = `CREATE TYPE ${name} AS RANGE (\n    ${ranges.get(t.oid)!.opts.join(',\n    ')}\n);\n`;
    else body = domainSql(name, t, checks.get(t.oid) ?? []);
    const kw = t.kind === 'd' ? 'DOMAIN' : 'TYPE';
    let sql = body + `ALTER ${kw} ${name} OWNER TO ${role(t.owner)};\n` + commentSql(`${kw} ${name}`, t.comment, literal);
    if (t.kind === 'c') {
      for (const a of attrs.get(t.relid) ?? []) sql += commentSql(`COLUMN ${name}.${ident(a.name)}`, a.comment, literal);
    }
    for (const c of checks.get(t.oid) ?? []) sql += commentSql(`CONSTRAINT ${ident(c.name)} ON DOMAIN ${name}`, c.comment, literal);
    sql += aclSql({ on: `TYPE ${name}`, owner: t.owner, acl: t.acl, baseline: t.baseline });
    const k = key('pg_type', t.oid);
    ctx.add(obj({ key: k, kind: t.kind === 'd' ? 'DOMAIN' : 'TYPE', section: 'pre', schema: t.schema, name: t.name, owner: t.owner, sql }));
    ctx.alias.set(key('pg_type', t.array), k);
    if (t.relid) ctx.alias.set(key('pg_class', t.relid), k);
    for (const c of checks.get(t.oid) ?? []) ctx.alias.set(key('pg_constraint', c.oid), k);
    for (const r of ranges.get(t.oid)?.related ?? []) ctx.alias.set(key('pg_type', r), k);
  }
}

interface AttrRow {
  rel: number;
  name: string;
  type: string;
  collation: string | null;
  comment: string | null;
}

async function compositeAttributes(ctx: CatalogContext, relids: number[]): Promise<Map<number, AttrRow[]>> {
  const out = new Map<number, AttrRow[]>();
  if (!relids.length) return out;
  const rows = await ctx.rows<AttrRow>(`
    SELECT a.attrelid::int AS rel, a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
      CASE WHEN a.attcollation <> t.typcollation THEN ${COLLATION_NAME_SQL('a.attcollation')} END AS collation,
      pg_catalog.col_description(a.attrelid, a.attnum) AS comment
    FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
    WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum`, [relids]);
  for (const r of rows) out.set(r.rel, [...(out.get(r.rel) ?? []), r]);
  return out;
}

function compositeSql(name: string, attrs: AttrRow[]): string {
  const cols = attrs.map((a) => `    ${ident(a.name)} ${a.type}${a.collation ? ` COLLATE ${a.collation}` : ''}`);
  return `CREATE TYPE ${name} AS (\n${cols.join(',\n')}\n);\n`;
}

/** Options of each range type, plus the oids of its multirange type and that type's array. */
async function rangeDetails(ctx: CatalogContext, oids: number[]): Promise<Map<number, { opts: string[]; related: number[] }>> {
  const out = new Map<number, { opts: string[]; related: number[] }>();
  if (!oids.length) return out;
  const multirange = ctx.version >= 140000
    ? `(SELECT quote_ident(mn.nspname) || '.' || quote_ident(mt.typname) FROM pg_catalog.pg_type mt JOIN pg_catalog.pg_namespace mn ON mn.oid = mt.typnamespace WHERE mt.oid = r.rngmultitypid)`
    : 'NULL::text';
  const related = ctx.version >= 140000
    ? 'ARRAY[r.rngmultitypid::int, (SELECT mt.typarray::int FROM pg_catalog.pg_type mt WHERE mt.oid = r.rngmultitypid)]'
    : 'ARRAY[]::int[]';
  const rows = await ctx.rows<{ oid: number; related: number[]; subtype: string; opclass: string | null; collation: string | null; canonical: string | null; subdiff: string | null; multirange: string | null }>(`
    SELECT r.rngtypid::int AS oid, pg_catalog.format_type(r.rngsubtype, NULL) AS subtype,
      CASE WHEN NOT oc.opcdefault THEN quote_ident(ocn.nspname) || '.' || quote_ident(oc.opcname) END AS opclass,
      CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation THEN ${COLLATION_NAME_SQL('r.rngcollation')} END AS collation,
      CASE WHEN r.rngcanonical <> 0 THEN r.rngcanonical::regproc::text END AS canonical,
      CASE WHEN r.rngsubdiff <> 0 THEN r.rngsubdiff::regproc::text END AS subdiff,
      ${multirange} AS multirange, ${related} AS related
    FROM pg_catalog.pg_range r JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype
      JOIN pg_catalog.pg_opclass oc ON oc.oid = r.rngsubopc JOIN pg_catalog.pg_namespace ocn ON ocn.oid = oc.opcnamespace
    WHERE r.rngtypid = ANY($1::oid[])`, [oids]);
  for (const r of rows) {
    const opts = [`subtype = ${r.subtype}`];
    if (r.multirange) opts.push(`multirange_type_name = ${r.multirange}`);
    if (r.opclass) opts.push(`subtype_opclass = ${r.opclass}`);
    if (r.collation) opts.push(`collation = ${r.collation}`);
    if (r.canonical) opts.push(`canonical = ${r.canonical}`);
    if (r.subdiff) opts.push(`subtype_diff = ${r.subdiff}`);
    out.set(r.oid, { opts, related: r.related });
  }
  return out;
}

interface DomainCheck {
  type: number;
  oid: number;
  name: string;
  kind: string;
  def: string;
  validated: boolean;
  comment: string | null;
}

async function domainConstraints(ctx: CatalogContext, oids: number[]): Promise<Map<number, DomainCheck[]>> {
  const out = new Map<number, DomainCheck[]>();
  if (!oids.length) return out;
  const rows = await ctx.rows<DomainCheck>(`
    SELECT c.contypid::int AS type, c.oid::int AS oid, c.conname AS name, c.contype AS kind, pg_catalog.pg_get_constraintdef(c.oid) AS def,
      c.convalidated AS validated, pg_catalog.obj_description(c.oid, 'pg_constraint') AS comment
    FROM pg_catalog.pg_constraint c WHERE c.contypid = ANY($1::oid[]) ORDER BY c.contypid, c.conname`, [oids]);
  for (const r of rows) out.set(r.type, [...(out.get(r.type) ?? []), r]);
  return out;
}

function domainSql(name: string, t: TypeRow, checks: DomainCheck[]): string {
  let sql = `CREATE DOMAIN ${name} AS ${t.basetype}`;
  if (t.collation) sql += ` COLLATE ${t.collation}`;
  if (t.default != null) sql += ` DEFAULT ${t.default}`;
  if (t.notnull && !checks.some((c) => c.kind === 'n')) sql += ' NOT NULL';
  for (const c of checks.filter((c) => c.validated)) sql += `\n\tCONSTRAINT ${ident(c.name)} ${c.def}`;
  sql += ';\n';
  for (const c of checks.filter((c) => !c.validated)) sql += `ALTER DOMAIN ${name} ADD CONSTRAINT ${ident(c.name)} ${c.def};\n`;
  return sql;
}
