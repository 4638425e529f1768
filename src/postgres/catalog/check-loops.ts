/**
 * A CHECK constraint that calls a function which reads the table itself (a SQL-standard `BEGIN ATOMIC`
 * body records that dependency) cannot go inline into CREATE TABLE: the table would need the function
 * and the function the table. As pg_dump does, such a check is taken out of the table and added after
 * the data (`ALTER TABLE … ADD CONSTRAINT`). Runs once every object's dependencies are resolved.
 */
import { ident, qname } from '../quote.js';
import type { CatalogContext } from './context.js';
import { key, obj, type DumpObject } from './model.js';
import type { Relations, RelationRow } from './relations.js';
import type { CheckConstraint } from './tables.js';

export async function separateCheckLoops(
  ctx: CatalogContext, rels: Relations, checks: Map<number, CheckConstraint[]>, rebuild: (r: RelationRow, checks: CheckConstraint[]) => string,
): Promise<void> {
  const all = [...checks.values()].flat();
  if (!all.length) return;
  const rows = await ctx.rows<{ con: number; cat: string; ref: number }>(`
    SELECT d.objid::int AS con, d.refclassid::regclass::text AS cat, d.refobjid::int AS ref FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_constraint'::regclass AND d.objid = ANY($1::oid[]) AND d.deptype = 'n' AND d.refobjid >= 16384`, [all.map((c) => c.oid)]);
  const refs = new Map<number, Set<string>>();
  for (const r of rows) {
    const to = ctx.resolve(key(r.cat.replace(/^pg_catalog\./, ''), r.ref));
    if (to) refs.set(r.con, (refs.get(r.con) ?? new Set()).add(to));
  }
  for (const [rel, list] of checks) {
    const tableKey = key('pg_class', rel);
    const table = ctx.objects.get(tableKey);
    const looped = list.filter((c) => [...(refs.get(c.oid) ?? [])].some((r) => r !== tableKey && reaches(ctx.objects, r, tableKey)));
    if (!table || !looped.length) continue;
    const kept = list.filter((c) => !looped.includes(c));
    checks.set(rel, kept);
    const r = rels.all.get(rel)!;
    table.sql = rebuild(r, kept);
    const stillNeeded = new Set(kept.flatMap((c) => [...(refs.get(c.oid) ?? [])]));
    for (const c of looped) {
      for (const d of refs.get(c.oid) ?? []) if (!stillNeeded.has(d)) table.deps.delete(d);
      const k = `check:${c.oid}`;
      const sql = `ALTER TABLE ${qname(r.schema, r.name)}\n    ADD CONSTRAINT ${ident(c.name)} ${c.def};\n`;
      ctx.add(obj({ key: k, kind: 'CONSTRAINT', section: 'post', schema: r.schema, name: `${r.name} ${c.name}`, sql, deps: [tableKey, ...(refs.get(c.oid) ?? [])] }));
      ctx.objects.get(`comment:${c.oid}`)?.deps.add(k);
    }
  }
}

/** True when `from` needs `target`, directly or through other objects. */
function reaches(objects: Map<string, DumpObject>, from: string, target: string): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const k = stack.pop()!;
    if (k === target) return true;
    if (seen.has(k)) continue;
    seen.add(k);
    for (const d of objects.get(k)?.deps ?? []) stack.push(d);
  }
  return false;
}
