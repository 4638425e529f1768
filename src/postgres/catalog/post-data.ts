/** Post-data objects: indexes (and their partition attachments), triggers, rules, policies, statistics, RLS. */
import { ident, literal, qname, role } from '../quote.js';
import type { CatalogContext } from './context.js';
import { commentSql, key, obj } from './model.js';
import type { Relations, RelationRow } from './relations.js';

interface IndexRow {
  oid: number;
  rel: number;
  schema: string;
  name: string;
  def: string;
  clustered: boolean;
  replident: boolean;
  parent: number | null;
  constraint: number | null;
  stats: string[];
  comment: string | null;
}

export async function loadIndexes(ctx: CatalogContext, rels: Relations, tableMap: Map<number, RelationRow>): Promise<void> {
  const rows = await ctx.rows<IndexRow>(`
    SELECT i.indexrelid::int AS oid, i.indrelid::int AS rel, n.nspname AS schema, ic.relname AS name,
      pg_catalog.pg_get_indexdef(i.indexrelid) AS def, i.indisclustered AS clustered, i.indisreplident AS replident,
      (SELECT h.inhparent::int FROM pg_catalog.pg_inherits h WHERE h.inhrelid = i.indexrelid) AS parent,
      (SELECT c.oid::int FROM pg_catalog.pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x')) AS constraint,
      ARRAY(SELECT a.attnum || ' ' || a.attstattarget FROM pg_catalog.pg_attribute a WHERE a.attrelid = i.indexrelid AND a.attstattarget > 0) AS stats,
      pg_catalog.obj_description(i.indexrelid, 'pg_class') AS comment
    FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
      JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
    WHERE i.indrelid = ANY($1::oid[]) AND (i.indisvalid OR t.relkind = 'p')`, [[...tableMap.keys()]]);
  const byOid = new Map(rows.map((r) => [r.oid, r]));
  for (const ix of rows) {
    const table = tableMap.get(ix.rel)!;
    const tname = qname(table.schema, table.name);
    const iname = qname(ix.schema, ix.name);
    let extra = '';
    for (const s of ix.stats) {
      const [num, target] = s.split(' ');
      extra += `ALTER INDEX ${iname} ALTER COLUMN ${num} SET STATISTICS ${target};\n`;
    }
    if (ix.clustered) extra += `ALTER TABLE ${tname} CLUSTER ON ${ident(ix.name)};\n`;
    if (ix.replident) extra += `ALTER TABLE ONLY ${tname} REPLICA IDENTITY USING INDEX ${ident(ix.name)};\n`;
    extra += commentSql(`INDEX ${iname}`, ix.comment, literal);
    const own = ix.constraint ? key('pg_constraint', ix.constraint) : key('pg_class', ix.oid);
    if (!ix.constraint) {
      ctx.add(obj({ key: own, kind: 'INDEX', section: 'post', schema: ix.schema, name: ix.name, sql: `${ix.def};\n`, deps: [key('pg_class', ix.rel)] }));
    }
    if (extra) ctx.add(obj({ key: `index-extra:${ix.oid}`, kind: 'INDEX', section: 'post', schema: ix.schema, name: ix.name, sql: extra, deps: [own] }));
    const parent = ix.parent ? byOid.get(ix.parent) : undefined;
    if (parent) {
      const parentKey = parent.constraint ? key('pg_constraint', parent.constraint) : key('pg_class', parent.oid);
      const sql = `ALTER INDEX ${qname(parent.schema, parent.name)} ATTACH PARTITION ${iname};\n`;
      ctx.add(obj({ key: `index-attach:${ix.oid}`, kind: 'INDEX ATTACH', section: 'post', schema: ix.schema, name: ix.name, sql, deps: [own, parentKey] }));
    }
  }
}

const ENABLE: Record<string, string> = { D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS' };

export async function loadTriggers(ctx: CatalogContext, tableMap: Map<number, RelationRow>): Promise<void> {
  const parent = ctx.version >= 130000 ? 't.tgparentid::int' : '0';
  const rows = await ctx.rows<{ oid: number; rel: number; name: string; def: string; enabled: string; parent: number; comment: string | null }>(`
    SELECT t.oid::int AS oid, t.tgrelid::int AS rel, t.tgname AS name, pg_catalog.pg_get_triggerdef(t.oid) AS def, t.tgenabled AS enabled,
      ${parent} AS parent, pg_catalog.obj_description(t.oid, 'pg_trigger') AS comment
    FROM pg_catalog.pg_trigger t WHERE t.tgrelid = ANY($1::oid[]) AND NOT t.tgisinternal`, [[...tableMap.keys()]]);
  for (const t of rows) {
    if (t.parent) continue; // cloned onto a partition by its parent's trigger
    const table = tableMap.get(t.rel)!;
    const tname = qname(table.schema, table.name);
    let sql = `${t.def};\n`;
    if (ENABLE[t.enabled]) sql += `ALTER TABLE ${tname} ${ENABLE[t.enabled]} TRIGGER ${ident(t.name)};\n`;
    sql += commentSql(`TRIGGER ${ident(t.name)} ON ${tname}`, t.comment, literal);
    ctx.add(obj({ key: key('pg_trigger', t.oid), kind: 'TRIGGER', section: 'post', schema: table.schema, name: `${table.name} ${t.name}`, sql, deps: [key('pg_class', t.rel)] }));
  }
}

export async function loadRules(ctx: CatalogContext, relMap: Map<number, RelationRow>): Promise<void> {
  const rows = await ctx.rows<{ oid: number; rel: number; name: string; def: string; enabled: string; comment: string | null }>(`
    SELECT r.oid::int AS oid, r.ev_class::int AS rel, r.rulename AS name, pg_catalog.pg_get_ruledef(r.oid) AS def, r.ev_enabled AS enabled,
      pg_catalog.obj_description(r.oid, 'pg_rewrite') AS comment
    FROM pg_catalog.pg_rewrite r WHERE r.ev_class = ANY($1::oid[])`, [[...relMap.keys()]]);
  for (const r of rows) {
    const rel = relMap.get(r.rel)!;
    if (r.name === '_RETURN') {
      ctx.alias.set(key('pg_rewrite', r.oid), key('pg_class', r.rel));
      continue;
    }
    const tname = qname(rel.schema, rel.name);
    let sql = `${r.def.replace(/;\s*$/, '')};\n`;
    if (ENABLE[r.enabled]) sql += `ALTER TABLE ${tname} ${ENABLE[r.enabled]} RULE ${ident(r.name)};\n`;
    sql += commentSql(`RULE ${ident(r.name)} ON ${tname}`, r.comment, literal);
    ctx.add(obj({ key: key('pg_rewrite', r.oid), kind: 'RULE', section: 'post', schema: rel.schema, name: `${rel.name} ${r.name}`, sql, deps: [key('pg_class', r.rel)] }));
  }
}

const COMMAND: Record<string, string> = { r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE' };

/** Row-level security: ENABLE/FORCE on each table and its policies. */
export async function loadPolicies(ctx: CatalogContext, tableMap: Map<number, RelationRow>): Promise<void> {
  for (const t of tableMap.values()) {
    if (!t.rls && !t.forceRls) continue;
    const tname = qname(t.schema, t.name);
    const sql = (t.rls ? `ALTER TABLE ${tname} ENABLE ROW LEVEL SECURITY;\n` : '') + (t.forceRls ? `ALTER TABLE ${tname} FORCE ROW LEVEL SECURITY;\n` : '');
    ctx.add(obj({ key: `rls:${t.oid}`, kind: 'ROW SECURITY', section: 'post', schema: t.schema, name: t.name, sql, deps: [key('pg_class', t.oid)] }));
  }
  const rows = await ctx.rows<{ oid: number; rel: number; name: string; permissive: boolean; cmd: string; roles: string[]; qual: string | null; check: string | null; comment: string | null }>(`
    SELECT p.oid::int AS oid, p.polrelid::int AS rel, p.polname AS name, p.polpermissive AS permissive, p.polcmd AS cmd,
      ARRAY(SELECT CASE WHEN r = 0 THEN '' ELSE pg_catalog.pg_get_userbyid(r)::text END FROM unnest(p.polroles) AS r) AS roles,
      pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS qual, pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS check,
      pg_catalog.obj_description(p.oid, 'pg_policy') AS comment
    FROM pg_catalog.pg_policy p WHERE p.polrelid = ANY($1::oid[])`, [[...tableMap.keys()]]);
  for (const p of rows) {
    const t = tableMap.get(p.rel)!;
    const tname = qname(t.schema, t.name);
    let sql = `CREATE POLICY ${ident(p.name)} ON ${tname}`;
    if (!p.permissive) sql += ' AS RESTRICTIVE';
    if (COMMAND[p.cmd]) sql += ` FOR ${COMMAND[p.cmd]}`;
    if (!(p.roles.length === 1 && p.roles[0] === '')) sql += ` TO ${p.roles.map(role).join(', ')}`;
    if (p.qual != null) sql += ` USING (${p.qual})`;
    if (p.check != null) sql += ` WITH CHECK (${p.check})`;
    sql += ';\n' + commentSql(`POLICY ${ident(p.name)} ON ${tname}`, p.comment, literal);
    ctx.add(obj({ key: key('pg_policy', p.oid), kind: 'POLICY', section: 'post', schema: t.schema, name: `${t.name} ${p.name}`, sql, deps: [key('pg_class', t.oid)] }));
  }
}

export async function loadStatistics(ctx: CatalogContext, relMap: Map<number, RelationRow>): Promise<void> {
  const target = ctx.version >= 130000 ? 's.stxstattarget::int' : 'NULL::int';
  const rows = await ctx.rows<{ oid: number; rel: number; schema: string; name: string; def: string; target: number | null; owner: string; comment: string | null }>(`
    SELECT s.oid::int AS oid, s.stxrelid::int AS rel, n.nspname AS schema, s.stxname AS name, pg_catalog.pg_get_statisticsobjdef(s.oid) AS def,
      ${target} AS target, pg_catalog.pg_get_userbyid(s.stxowner) AS owner, pg_catalog.obj_description(s.oid, 'pg_statistic_ext') AS comment
    FROM pg_catalog.pg_statistic_ext s JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace WHERE s.stxrelid = ANY($1::oid[])`, [[...relMap.keys()]]);
  for (const s of rows) {
    const name = qname(s.schema, s.name);
    let sql = `${s.def};\n`;
    if (s.target != null && s.target >= 0) sql += `ALTER STATISTICS ${name} SET STATISTICS ${s.target};\n`;
    sql += `ALTER STATISTICS ${name} OWNER TO ${role(s.owner)};\n` + commentSql(`STATISTICS ${name}`, s.comment, literal);
    ctx.add(obj({ key: key('pg_statistic_ext', s.oid), kind: 'STATISTICS', section: 'post', schema: s.schema, name: s.name, sql, deps: [key('pg_class', s.rel)] }));
  }
}
