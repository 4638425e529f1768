/**
 * Table constraints. Valid local CHECK constraints go inline into CREATE TABLE (returned to the table
 * builder); primary keys, unique and exclusion constraints, NOT VALID checks and foreign keys become
 * post-data objects, so the data loads before them — foreign keys last, which makes cyclic ones work.
 */
import { ident, literal, qname } from '../quote.js';
import type { CatalogContext } from './context.js';
import { commentSql, key, obj } from './model.js';
import type { Relations, RelationRow } from './relations.js';
import type { CheckConstraint } from './tables.js';

interface ConstraintRow {
  oid: number;
  rel: number;
  name: string;
  type: 'c' | 'f' | 'p' | 'u' | 'x' | 't' | 'n';
  def: string;
  validated: boolean;
  local: boolean;
  parent: number;
  index: number;
  refrel: number;
  comment: string | null;
}

export interface ConstraintInfo {
  /** Inline CHECK constraints per table oid. */
  checks: Map<number, CheckConstraint[]>;
  /** Foreign keys: referencing → referenced table oids (for data-only ordering). */
  foreignKeys: { rel: number; refrel: number }[];
}

export async function loadConstraints(ctx: CatalogContext, rels: Relations): Promise<ConstraintInfo> {
  const tables = rels.selected.filter((r) => r.kind === 'r' || r.kind === 'p');
  const byOid = new Map(tables.map((r) => [r.oid, r]));
  const rows = await ctx.rows<ConstraintRow>(`
    SELECT c.oid::int AS oid, c.conrelid::int AS rel, c.conname AS name, c.contype AS type, pg_catalog.pg_get_constraintdef(c.oid) AS def,
      c.convalidated AS validated, c.conislocal AS local, c.conparentid::int AS parent, c.conindid::int AS index,
      c.confrelid::int AS refrel, pg_catalog.obj_description(c.oid, 'pg_constraint') AS comment
    FROM pg_catalog.pg_constraint c WHERE c.conrelid = ANY($1::oid[]) ORDER BY c.conrelid, c.conname`, [tables.map((t) => t.oid)]);
  const info: ConstraintInfo = { checks: new Map(), foreignKeys: [] };
  for (const c of rows) {
    const table = byOid.get(c.rel)!;
    if (c.type === 'c') addCheck(ctx, info, table, c);
    else if (c.type === 'p' || c.type === 'u' || c.type === 'x') addKey(ctx, table, c);
    else if (c.type === 'f') {
      info.foreignKeys.push({ rel: c.rel, refrel: c.refrel });
      if (!c.parent) addForeignKey(ctx, table, c);
    }
  }
  return info;
}

function constraintComment(table: RelationRow, c: ConstraintRow): string {
  return commentSql(`CONSTRAINT ${ident(c.name)} ON ${qname(table.schema, table.name)}`, c.comment, literal);
}

function addCheck(ctx: CatalogContext, info: ConstraintInfo, table: RelationRow, c: ConstraintRow): void {
  // a partition is created stand-alone and then attached, so it must already have its parent's checks
  if (!c.local && !table.isPartition) {
    // inherited: comes with the parent (but a comment on the child's copy is its own)
    const sql = constraintComment(table, c);
    if (sql) ctx.add(obj({ key: `comment:${c.oid}`, kind: 'CONSTRAINT', section: 'post', schema: table.schema, name: `${table.name} ${c.name}`, sql, deps: [key('pg_class', table.oid)] }));
    return;
  }
  if (c.validated) {
    const list = info.checks.get(table.oid) ?? [];
    list.push({ oid: c.oid, rel: c.rel, name: c.name, def: c.def });
    info.checks.set(table.oid, list);
    const sql = constraintComment(table, c);
    if (sql) ctx.add(obj({ key: `comment:${c.oid}`, kind: 'CONSTRAINT', section: 'post', schema: table.schema, name: `${table.name} ${c.name}`, sql, deps: [key('pg_class', table.oid)] }));
    return;
  }
  const sql = `ALTER TABLE ${qname(table.schema, table.name)}\n    ADD CONSTRAINT ${ident(c.name)} ${c.def};\n` + constraintComment(table, c);
  ctx.add(obj({ key: key('pg_constraint', c.oid), kind: 'CONSTRAINT', section: 'post', schema: table.schema, name: `${table.name} ${c.name}`, sql, deps: [key('pg_class', table.oid)] }));
}

function addKey(ctx: CatalogContext, table: RelationRow, c: ConstraintRow): void {
  const sql = `ALTER TABLE ONLY ${qname(table.schema, table.name)}\n    ADD CONSTRAINT ${ident(c.name)} ${c.def};\n` + constraintComment(table, c);
  const k = key('pg_constraint', c.oid);
  ctx.add(obj({ key: k, kind: 'CONSTRAINT', section: 'post', schema: table.schema, name: `${table.name} ${c.name}`, sql, deps: [key('pg_class', table.oid)] }));
  if (c.index) ctx.alias.set(key('pg_class', c.index), k);
}

function addForeignKey(ctx: CatalogContext, table: RelationRow, c: ConstraintRow): void {
  const only = table.kind === 'p' ? '' : 'ONLY ';
  const sql = `ALTER TABLE ${only}${qname(table.schema, table.name)}\n    ADD CONSTRAINT ${ident(c.name)} ${c.def};\n` + constraintComment(table, c);
  ctx.add(obj({
    key: key('pg_constraint', c.oid), kind: 'FK CONSTRAINT', section: 'post', schema: table.schema, name: `${table.name} ${c.name}`, sql,
    deps: [key('pg_class', table.oid), key('pg_class', c.refrel), key('pg_class', c.index)],
  }));
}
