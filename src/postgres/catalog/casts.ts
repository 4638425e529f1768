/**
 * User-defined casts and event triggers: objects outside any schema, dumped (as by pg_dump) only when
 * the whole database is — not with `schemas` or `tables`, nor (unlike pg_dump, whose file would not
 * load) when `exclude_schemas` leaves out their function or types. Casts come after their function and
 * types; event triggers last of all, so they cannot fire while the dump loads.
 */
import { ident, literal, role } from '../quote.js';
import type { CatalogContext } from './context.js';
import { commentSql, key, obj } from './model.js';

interface CastRow {
  oid: number;
  source: string;
  target: string;
  /** `f` function, `i` inout, `b` binary-coercible. */
  method: string;
  func: string | null;
  /** `e` explicit, `a` assignment, `i` implicit. */
  context: string;
  /** Schemas of the source and target types and of the function. */
  schemas: string[];
  comment: string | null;
}

const CONTEXT: Record<string, string> = { a: ' AS ASSIGNMENT', i: ' AS IMPLICIT' };

export async function loadCasts(ctx: CatalogContext): Promise<void> {
  if (ctx.sel.tablesOnly || ctx.sel.schemasOnly) return;
  const rows = await ctx.rows<CastRow>(`
    SELECT c.oid::int AS oid, pg_catalog.format_type(c.castsource, NULL) AS source, pg_catalog.format_type(c.casttarget, NULL) AS target,
      c.castmethod AS method, CASE WHEN c.castfunc <> 0 THEN c.castfunc::regprocedure::text END AS func, c.castcontext AS context,
      ARRAY(SELECT n.nspname::text FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE t.oid IN (c.castsource, c.casttarget)
        UNION ALL SELECT n.nspname::text FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE p.oid = c.castfunc) AS schemas,
      pg_catalog.obj_description(c.oid, 'pg_cast') AS comment
    FROM pg_catalog.pg_cast c WHERE c.oid >= 16384
      -- the cast from a range type to its multirange comes with the range type
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_cast'::regclass AND d.objid = c.oid AND d.deptype = 'i')`);
  for (const c of rows) {
    // a cast over an excluded schema's type or function would not load
    if (ctx.isMember('pg_cast', c.oid) || !c.schemas.every((n) => ctx.sel.schema(n))) continue;
    const what = `CAST (${c.source} AS ${c.target})`;
    const how = c.method === 'f' ? `WITH FUNCTION ${c.func}` : c.method === 'i' ? 'WITH INOUT' : 'WITHOUT FUNCTION';
    const sql = `CREATE ${what} ${how}${CONTEXT[c.context] ?? ''};\n` + commentSql(what, c.comment, literal);
    ctx.add(obj({ key: key('pg_cast', c.oid), kind: 'CAST', section: 'pre', schema: '', name: what, sql }));
  }
}

interface EventTriggerRow {
  oid: number;
  name: string;
  event: string;
  owner: string;
  /** `O` origin (the default), `D` disabled, `R` replica, `A` always. */
  enabled: string;
  tags: string[] | null;
  func: string;
  funcSchema: string;
  comment: string | null;
}

const ENABLE: Record<string, string> = { D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS' };

export async function loadEventTriggers(ctx: CatalogContext): Promise<void> {
  if (ctx.sel.tablesOnly || ctx.sel.schemasOnly) return;
  const rows = await ctx.rows<EventTriggerRow>(`
    SELECT e.oid::int AS oid, e.evtname AS name, e.evtevent AS event, pg_catalog.pg_get_userbyid(e.evtowner) AS owner,
      e.evtenabled AS enabled, e.evttags::text[] AS tags, e.evtfoid::regproc::text AS func,
      (SELECT n.nspname FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE p.oid = e.evtfoid) AS "funcSchema",
      pg_catalog.obj_description(e.oid, 'pg_event_trigger') AS comment
    FROM pg_catalog.pg_event_trigger e WHERE e.oid >= 16384`);
  for (const e of rows) {
    if (ctx.isMember('pg_event_trigger', e.oid) || !ctx.sel.schema(e.funcSchema)) continue;
    const name = ident(e.name);
    let sql = `CREATE EVENT TRIGGER ${name} ON ${ident(e.event)}\n`;
    if (e.tags?.length) sql += `         WHEN TAG IN (${e.tags.map(literal).join(', ')})\n`;
    sql += `   EXECUTE FUNCTION ${e.func}();\n`;
    if (ENABLE[e.enabled]) sql += `ALTER EVENT TRIGGER ${name} ${ENABLE[e.enabled]};\n`;
    sql += `ALTER EVENT TRIGGER ${name} OWNER TO ${role(e.owner)};\n` + commentSql(`EVENT TRIGGER ${name}`, e.comment, literal);
    ctx.add(obj({ key: key('pg_event_trigger', e.oid), kind: 'EVENT TRIGGER', section: 'post', schema: '', name: e.name, owner: e.owner, sql }));
  }
}
