/**
 * User-defined operators, written as pg_dump writes them: after their function and types; commutator
 * and negator by reference (PostgreSQL makes a shell for one not created yet, filled in when it is).
 * Shell operators (no function) are left out, as pg_dump does.
 */
import { ident, literal, role } from '../quote.js';
import { SYSTEM_SCHEMA_SQL, type CatalogContext } from './context.js';
import { commentSql, key, obj } from './model.js';

interface OperatorRow {
  oid: number;
  schema: string;
  name: string;
  owner: string;
  func: string;
  left: string | null;
  right: string | null;
  commutator: string | null;
  negator: string | null;
  merges: boolean;
  hashes: boolean;
  restrict: string | null;
  join: string | null;
  comment: string | null;
}

const opRef = (col: string) => `(SELECT 'OPERATOR(' || quote_ident(rn.nspname) || '.' || r.oprname || ')' FROM pg_catalog.pg_operator r
  JOIN pg_catalog.pg_namespace rn ON rn.oid = r.oprnamespace WHERE r.oid = o.${col})`;
const typeOf = (col: string) => `CASE WHEN o.${col} <> 0 THEN pg_catalog.format_type(o.${col}, NULL) END`;
const procOf = (col: string) => `CASE WHEN o.${col} <> 0 THEN o.${col}::regproc::text END`;

export async function loadOperators(ctx: CatalogContext): Promise<void> {
  const rows = await ctx.rows<OperatorRow>(`
    SELECT o.oid::int AS oid, n.nspname AS schema, o.oprname AS name, pg_catalog.pg_get_userbyid(o.oprowner) AS owner,
      o.oprcode::regproc::text AS func, ${typeOf('oprleft')} AS left, ${typeOf('oprright')} AS right,
      ${opRef('oprcom')} AS commutator, ${opRef('oprnegate')} AS negator, o.oprcanmerge AS merges, o.oprcanhash AS hashes,
      ${procOf('oprrest')} AS restrict, ${procOf('oprjoin')} AS join, pg_catalog.obj_description(o.oid, 'pg_operator') AS comment
    FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
    WHERE o.oid >= 16384 AND o.oprcode <> 0 AND ${SYSTEM_SCHEMA_SQL('n.nspname')}`);
  for (const o of rows) {
    if (ctx.isMember('pg_operator', o.oid) || !ctx.sel.object(o.schema)) continue;
    const opts = [`FUNCTION = ${o.func}`];
    if (o.left) opts.push(`LEFTARG = ${o.left}`);
    if (o.right) opts.push(`RIGHTARG = ${o.right}`);
    if (o.commutator) opts.push(`COMMUTATOR = ${o.commutator}`);
    if (o.negator) opts.push(`NEGATOR = ${o.negator}`);
    if (o.merges) opts.push('MERGES');
    if (o.hashes) opts.push('HASHES');
    if (o.restrict) opts.push(`RESTRICT = ${o.restrict}`);
    if (o.join) opts.push(`JOIN = ${o.join}`);
    // an operator name is never quoted; only its schema is
    const name = `${ident(o.schema)}.${o.name}`;
    const sig = `${name} (${o.left ?? 'NONE'}, ${o.right ?? 'NONE'})`;
    const sql = `CREATE OPERATOR ${name} (\n    ${opts.join(',\n    ')}\n);\n` + `ALTER OPERATOR ${sig} OWNER TO ${role(o.owner)};\n`
      + commentSql(`OPERATOR ${sig}`, o.comment, literal);
    ctx.add(obj({ key: key('pg_operator', o.oid), kind: 'OPERATOR', section: 'pre', schema: o.schema, name: o.name, owner: o.owner, sql }));
  }
}
