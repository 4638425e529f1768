/**
 * Definitions of tables (regular, unlogged, partitioned, partitions, inheritance children), views and
 * materialized views; column defaults; partition attachment; and the data entries of tables.
 * The shape follows pg_dump: CREATE TABLE with columns and CHECK constraints, partitions created
 * stand-alone and then attached, defaults set separately so that dependency cycles cannot arise.
 */
import { ident, literal, qname, role } from '../quote.js';
import { aclSql } from './acl.js';
import type { CatalogContext } from './context.js';
import { whereFor } from './filter.js';
import { commentSql, key, obj } from './model.js';
import type { ColumnRow, RelationRow, Relations } from './relations.js';

export interface CheckConstraint {
  oid: number;
  rel: number;
  name: string;
  def: string;
}

const STORAGE: Record<string, string> = { p: 'PLAIN', e: 'EXTERNAL', m: 'MAIN', x: 'EXTENDED' };

/** `WITH (a='1', toast.b='2')` from reloptions, or ''. */
function withOptions(options: string[] | null, toast: string[] | null = null): string {
  const fmt = (prefix: string) => (o: string) => {
    const eq = o.indexOf('=');
    return `${prefix}${o.slice(0, eq)}=${literal(o.slice(eq + 1))}`;
  };
  const all = [...(options ?? []).map(fmt('')), ...(toast ?? []).map(fmt('toast.'))];
  return all.length ? ` WITH (${all.join(', ')})` : '';
}

function columnLine(c: ColumnRow): string {
  let s = `    ${ident(c.name)} ${c.type}`;
  if (c.collation) s += ` COLLATE ${c.collation}`;
  if (c.generated === 's') s += ` GENERATED ALWAYS AS (${c.default}) STORED`;
  if (c.notnull) s += ' NOT NULL';
  return s;
}

/**
 * The per-column options `ALTER COLUMN … SET (…)` accepts (PostgreSQL 9–17). Anything else in
 * `attoptions` is the server's own bookkeeping (some builds stamp every column), which pg_dump leaves
 * out too: copied, it would make the dump fail on any other server.
 */
const COLUMN_OPTIONS = new Set(['n_distinct', 'n_distinct_inherited']);
const userColumnOptions = (options: string[] | null) => (options ?? []).filter((o) => COLUMN_OPTIONS.has(o.slice(0, o.indexOf('=')).toLowerCase()));

/** Column settings that CREATE TABLE cannot express. */
function columnExtras(table: string, cols: ColumnRow[]): string {
  let sql = '';
  for (const c of cols) {
    const col = `ALTER TABLE ONLY ${table} ALTER COLUMN ${ident(c.name)}`;
    if (c.stattarget != null) sql += `${col} SET STATISTICS ${c.stattarget};\n`;
    const options = userColumnOptions(c.options);
    if (options.length) sql += `${col} SET (${options.join(', ')});\n`;
    if (c.storage) sql += `${col} SET STORAGE ${STORAGE[c.storage]};\n`;
    if (c.compression) sql += `${col} SET COMPRESSION ${c.compression === 'l' ? 'lz4' : 'pglz'};\n`;
  }
  return sql;
}

function tableSql(ctx: CatalogContext, rels: Relations, r: RelationRow, checks: CheckConstraint[]): string {
  const name = qname(r.schema, r.name);
  const cols = rels.columns.get(r.oid) ?? [];
  const parents = r.parents.map((p) => rels.all.get(p)!).filter(Boolean);
  // partitions list every column (they are attached afterwards); inheritance children only their own
  const shown = r.isPartition ? cols : cols.filter((c) => c.local);
  const lines = shown.map(columnLine).concat(checks.map((c) => `    CONSTRAINT ${ident(c.name)} ${c.def}`));
  let sql = `CREATE ${r.persistence === 'u' ? 'UNLOGGED ' : ''}TABLE ${name} (\n${lines.join(',\n')}${lines.length ? '\n' : ''})`;
  if (parents.length && !r.isPartition) sql += `\nINHERITS (${parents.map((p) => qname(p.schema, p.name)).join(', ')})`;
  if (r.partkey) sql += `\nPARTITION BY ${r.partkey}`;
  if (r.am && r.am !== 'heap' && r.kind === 'r') sql += `\nUSING ${ident(r.am)}`;
  sql += withOptions(r.options, r.toastOptions) + ';\n';
  if (!r.isPartition) {
    for (const c of cols.filter((c) => !c.local && c.notnull)) {
      const inherited = parents.some((p) => rels.columns.get(p.oid)?.some((pc) => pc.name === c.name && pc.notnull));
      if (!inherited) sql += `ALTER TABLE ONLY ${name} ALTER COLUMN ${ident(c.name)} SET NOT NULL;\n`;
    }
  }
  sql += columnExtras(name, cols);
  if (r.replident === 'f') sql += `ALTER TABLE ONLY ${name} REPLICA IDENTITY FULL;\n`;
  if (r.replident === 'n') sql += `ALTER TABLE ONLY ${name} REPLICA IDENTITY NOTHING;\n`;
  return sql;
}

function viewSql(r: RelationRow): string {
  const name = qname(r.schema, r.name);
  const def = (r.viewdef ?? '').replace(/;\s*$/, '');
  if (r.kind === 'v') return `CREATE VIEW ${name}${withOptions(r.options)} AS\n${def};\n`;
  const using = r.am && r.am !== 'heap' ? ` USING ${ident(r.am)}` : '';
  return `CREATE MATERIALIZED VIEW ${name}${using}${withOptions(r.options)} AS\n${def}\n  WITH NO DATA;\n`;
}

/** Owner, comments (relation and columns) and privileges (relation and columns). */
function relationExtras(r: RelationRow, cols: ColumnRow[]): string {
  const name = qname(r.schema, r.name);
  const kw = r.kind === 'v' ? 'VIEW' : r.kind === 'm' ? 'MATERIALIZED VIEW' : 'TABLE';
  let sql = `ALTER ${kw} ${name} OWNER TO ${role(r.owner)};\n` + commentSql(`${kw} ${name}`, r.comment, literal);
  for (const c of cols) sql += commentSql(`COLUMN ${name}.${ident(c.name)}`, c.comment, literal);
  sql += aclSql({ on: `TABLE ${name}`, owner: r.owner, acl: r.acl, baseline: r.baseline });
  for (const c of cols) sql += aclSql({ on: `TABLE ${name}`, owner: r.owner, acl: c.acl, baseline: null, column: c.name });
  return sql;
}

/** The whole definition of a relation: CREATE, identity columns, owner, comments and privileges. */
export function relationSql(ctx: CatalogContext, rels: Relations, r: RelationRow, checks: CheckConstraint[], identity: Map<number, string>): string {
  const body = r.kind === 'v' || r.kind === 'm' ? viewSql(r) : tableSql(ctx, rels, r, checks);
  return body + (identity.get(r.oid) ?? '') + relationExtras(r, rels.columns.get(r.oid) ?? []);
}

/** Adds TABLE/VIEW/MATERIALIZED VIEW, TABLE ATTACH, DEFAULT, TABLE DATA and refresh objects. */
export function addRelations(ctx: CatalogContext, rels: Relations, checks: Map<number, CheckConstraint[]>, identity: Map<number, string>): void {
  for (const r of rels.selected) {
    if (r.kind === 'S') continue;
    const k = key('pg_class', r.oid);
    const cols = rels.columns.get(r.oid) ?? [];
    const kind = r.kind === 'v' ? 'VIEW' : r.kind === 'm' ? 'MATERIALIZED VIEW' : 'TABLE';
    const own = checks.get(r.oid) ?? [];
    const sql = relationSql(ctx, rels, r, own, identity);
    ctx.add(obj({ key: k, kind, section: 'pre', schema: r.schema, name: r.name, owner: r.owner, sql, deps: r.isPartition ? [] : r.parents.map((p) => key('pg_class', p)) }));
    for (const c of own) ctx.alias.set(key('pg_constraint', c.oid), k);
    for (const t of r.rowtypes) if (t) ctx.alias.set(key('pg_type', t), k);
    if (r.isPartition) addAttach(ctx, rels, r);
    addDefaults(ctx, r, cols);
    if (r.kind === 'r' && !ctx.scope.schemaOnly) addData(ctx, r, cols);
    if (r.kind === 'm' && r.populated && !ctx.scope.schemaOnly) {
      const sql = `REFRESH MATERIALIZED VIEW ${qname(r.schema, r.name)};\n`;
      ctx.add(obj({ key: `refresh:${r.oid}`, kind: 'MATERIALIZED VIEW DATA', section: 'post', schema: r.schema, name: r.name, sql, deps: [k] }));
    }
  }
}

function addAttach(ctx: CatalogContext, rels: Relations, r: RelationRow): void {
  const parent = rels.all.get(r.parents[0]!);
  if (!parent) return;
  const sql = `ALTER TABLE ONLY ${qname(parent.schema, parent.name)} ATTACH PARTITION ${qname(r.schema, r.name)} ${r.bound};\n`;
  ctx.add(obj({ key: `attach:${r.oid}`, kind: 'TABLE ATTACH', section: 'pre', schema: r.schema, name: r.name, sql, deps: [key('pg_class', r.oid), key('pg_class', parent.oid)] }));
}

function addDefaults(ctx: CatalogContext, r: RelationRow, cols: ColumnRow[]): void {
  const table = key('pg_class', r.oid);
  for (const c of cols) {
    if (c.defoid == null || c.default == null) continue;
    if (c.generated) {
      ctx.alias.set(key('pg_attrdef', c.defoid), table);
      continue;
    }
    const sql = `ALTER TABLE ONLY ${qname(r.schema, r.name)} ALTER COLUMN ${ident(c.name)} SET DEFAULT ${c.default};\n`;
    ctx.add(obj({ key: key('pg_attrdef', c.defoid), kind: 'DEFAULT', section: 'pre', schema: r.schema, name: `${r.name} ${c.name}`, sql, deps: [table] }));
  }
}

function addData(ctx: CatalogContext, r: RelationRow, cols: ColumnRow[]): void {
  const stored = cols.filter((c) => !c.generated);
  const columns = stored.map((c) => ident(c.name)).join(', ');
  const asText = (c: ColumnRow) => c.type === 'xml' || c.type === 'xml[]';
  const select = stored.some(asText) ? stored.map((c) => (asText(c) ? `${ident(c.name)}::text${c.type.endsWith('[]') ? '[]' : ''}` : ident(c.name))).join(', ') : undefined;
  const where = whereFor(ctx.scope.where, r.schema, r.name);
  ctx.add(obj({
    key: `data:${r.oid}`, kind: 'TABLE DATA', section: 'data', schema: r.schema, name: r.name, sql: '',
    deps: [key('pg_class', r.oid)],
    data: { oid: r.oid, schema: r.schema, name: r.name, columns, select, where, pages: r.pages },
  }));
}
