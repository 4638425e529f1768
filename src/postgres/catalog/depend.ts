/**
 * pg_depend, read once: which catalog rows belong to extensions (left to CREATE EXTENSION), and the
 * dependencies between dumped objects that decide their order.
 */
import type { CatalogContext } from './context.js';
import { key } from './model.js';

/** Fills `ctx.members` with every extension member. */
export async function loadExtensionMembers(ctx: CatalogContext): Promise<void> {
  const rows = await ctx.rows<{ cat: string; oid: number; ext: number }>(`
    SELECT d.classid::regclass::text AS cat, d.objid::int AS oid, d.refobjid::int AS ext
    FROM pg_catalog.pg_depend d WHERE d.deptype = 'e' AND d.refclassid = 'pg_catalog.pg_extension'::regclass`);
  for (const r of rows) ctx.members.set(key(bare(r.cat), r.oid), key('pg_extension', r.ext));
}

/** `pg_catalog.pg_class` and `pg_class` both name the catalog; keys use the bare name. */
function bare(cat: string): string {
  return cat.replace(/^pg_catalog\./, '');
}

/**
 * Adds pg_depend edges between dumped objects. OWNED BY links (sequence → table) are skipped: they are
 * separate objects, and following them would put every serial column's table after its sequence's
 * owner and before its default — a cycle pg_dump also breaks this way.
 */
export async function loadDependencies(ctx: CatalogContext): Promise<void> {
  const rows = await ctx.rows<{ cat: string; oid: number; refcat: string; ref: number; type: string; seq: boolean }>(`
    SELECT d.classid::regclass::text AS cat, d.objid::int AS oid, d.refclassid::regclass::text AS refcat, d.refobjid::int AS ref,
      d.deptype AS type,
      (d.classid = 'pg_catalog.pg_class'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjsubid > 0
        AND EXISTS (SELECT 1 FROM pg_catalog.pg_class s WHERE s.oid = d.objid AND s.relkind = 'S')) AS seq
    FROM pg_catalog.pg_depend d WHERE d.deptype IN ('n', 'a', 'i') AND d.objid >= 16384`);
  for (const r of rows) {
    if (r.seq) continue;
    ctx.depend(key(bare(r.cat), r.oid), key(bare(r.refcat), r.ref));
  }
}
