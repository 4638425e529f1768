/**
 * Object kinds the native driver does not rebuild. Rather than leave them out silently, a dump that
 * would need one fails at once, naming the kind and an example, and points at the pg_dump driver.
 */
import { DatabaseError } from '../../errors.js';
import { SYSTEM_SCHEMA_SQL, type CatalogContext } from './context.js';

/** Kind, catalog, name expression and namespace column (or null for database-wide objects). */
const KINDS: [string, string, string, string | null][] = [
  ['conversion', 'pg_conversion', 'conname', 'connamespace'],
  ['text search parser', 'pg_ts_parser', 'prsname', 'prsnamespace'],
  ['text search template', 'pg_ts_template', 'tmplname', 'tmplnamespace'],
  ['foreign-data wrapper', 'pg_foreign_data_wrapper', 'fdwname', null],
  ['foreign server', 'pg_foreign_server', 'srvname', null],
  ['publication', 'pg_publication', 'pubname', null],
  ['transform', 'pg_transform', "trftype::regtype::text", null],
  ['access method', 'pg_am', 'amname', null],
  ['procedural language', 'pg_language', 'lanname', null],
  ['large object', 'pg_largeobject_metadata', 'oid::text', null],
];

export async function refuseUnsupported(ctx: CatalogContext): Promise<void> {
  if (ctx.sel.tablesOnly) return;
  const parts = KINDS.map(([kind, cat, name, nsp], i) => {
    const join = nsp ? ` JOIN pg_catalog.pg_namespace n ON n.oid = x.${nsp}` : '';
    const schemaCol = nsp ? 'n.nspname' : 'NULL::text';
    const where = nsp ? ` AND ${SYSTEM_SCHEMA_SQL('n.nspname')}` : '';
    return `(SELECT ${i} AS i, ${schemaCol} AS schema, (${name})::text AS name, x.oid::int AS oid FROM pg_catalog.${cat} x${join}
      WHERE x.oid >= 16384${where} AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
        WHERE d.classid = 'pg_catalog.${cat}'::regclass AND d.objid = x.oid AND d.deptype IN ('e', 'i')) LIMIT 1)`;
  });
  // subscriptions live in a shared catalog: only this database's count
  parts.push(`(SELECT ${KINDS.length} AS i, NULL::text AS schema, s.subname::text AS name, s.oid::int AS oid FROM pg_catalog.pg_subscription s
    WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = current_database()) LIMIT 1)`);
  const rows = await ctx.rows<{ i: number; schema: string | null; name: string }>(parts.join('\nUNION ALL\n'));
  const found = rows.filter((r) => r.schema == null || ctx.sel.object(r.schema));
  if (!found.length) return;
  const list = found.map((r) => `${KINDS[r.i]?.[0] ?? 'subscription'} ${r.schema ? `${r.schema}.` : ''}${r.name}`).join(', ');
  throw new DatabaseError('postgres', `the database has objects the native driver does not dump (${list}); use driver pg_dump for it`);
}
