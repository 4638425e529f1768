/** Functions, procedures (pg_get_functiondef) and aggregates (rebuilt from pg_aggregate). */
import { literal, qname, role } from '../quote.js';
import { aclSql } from './acl.js';
import { SYSTEM_SCHEMA_SQL, type CatalogContext } from './context.js';
import { commentSql, key, obj } from './model.js';

interface FunctionRow {
  oid: number;
  schema: string;
  name: string;
  kind: 'f' | 'p' | 'w' | 'a';
  args: string;
  def: string | null;
  owner: string;
  acl: string[] | null;
  baseline: string[];
  comment: string | null;
}

export async function loadFunctions(ctx: CatalogContext): Promise<void> {
  const rows = await ctx.rows<FunctionRow>(`
    SELECT p.oid::int AS oid, n.nspname AS schema, p.proname AS name, p.prokind AS kind,
      pg_catalog.pg_get_function_identity_arguments(p.oid) AS args,
      CASE WHEN p.prokind <> 'a' THEN pg_catalog.pg_get_functiondef(p.oid) END AS def,
      pg_catalog.pg_get_userbyid(p.proowner) AS owner, p.proacl::text[] AS acl,
      pg_catalog.acldefault('f', p.proowner)::text[] AS baseline, pg_catalog.obj_description(p.oid, 'pg_proc') AS comment
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE p.oid >= 16384 AND ${SYSTEM_SCHEMA_SQL('n.nspname')}
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'i')`);
  const funcs = rows.filter((f) => !ctx.isMember('pg_proc', f.oid) && ctx.sel.object(f.schema));
  const aggregates = await aggregateBodies(ctx, funcs.filter((f) => f.kind === 'a').map((f) => f.oid));
  for (const f of funcs) {
    const sig = `${qname(f.schema, f.name)}(${f.args})`;
    const kw = f.kind === 'p' ? 'PROCEDURE' : f.kind === 'a' ? 'AGGREGATE' : 'FUNCTION';
    const create = f.kind === 'a' ? aggregates.get(f.oid)! : `${f.def!.replace(/\s+$/, '')};\n`;
    const sql = create + `ALTER ${kw} ${sig} OWNER TO ${role(f.owner)};\n` + commentSql(`${kw} ${sig}`, f.comment, literal)
      + aclSql({ on: `${kw === 'PROCEDURE' ? 'PROCEDURE' : 'FUNCTION'} ${sig}`, owner: f.owner, acl: f.acl, baseline: f.baseline });
    ctx.add(obj({ key: key('pg_proc', f.oid), kind: f.kind === 'a' ? 'AGGREGATE' : 'FUNCTION', section: 'pre', schema: f.schema, name: `${f.name}(${f.args})`, owner: f.owner, sql }));
  }
}

interface AggregateRow {
  oid: number;
  schema: string;
  name: string;
  kind: string;
  args: string;
  sfunc: string;
  stype: string;
  sspace: number;
  finalfunc: string | null;
  finalextra: boolean;
  finalmodify: string;
  combinefunc: string | null;
  serialfunc: string | null;
  deserialfunc: string | null;
  initcond: string | null;
  msfunc: string | null;
  minvfunc: string | null;
  mstype: string | null;
  msspace: number;
  mfinalfunc: string | null;
  mfinalextra: boolean;
  mfinalmodify: string;
  minitcond: string | null;
  sortop: string | null;
  parallel: string;
}

const MODIFY: Record<string, string> = { r: 'READ_ONLY', s: 'SHAREABLE', w: 'READ_WRITE' };
const PARALLEL: Record<string, string> = { s: 'SAFE', r: 'RESTRICTED' };

async function aggregateBodies(ctx: CatalogContext, oids: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  if (!oids.length) return out;
  const fn = (col: string) => `CASE WHEN a.${col} <> 0 THEN a.${col}::regproc::text END`;
  const rows = await ctx.rows<AggregateRow>(`
    SELECT a.aggfnoid::int AS oid, n.nspname AS schema, p.proname AS name, a.aggkind AS kind,
      pg_catalog.pg_get_function_arguments(a.aggfnoid) AS args,
      a.aggtransfn::regproc::text AS sfunc, pg_catalog.format_type(a.aggtranstype, NULL) AS stype, a.aggtransspace AS sspace,
      ${fn('aggfinalfn')} AS finalfunc, a.aggfinalextra AS finalextra, a.aggfinalmodify AS finalmodify,
      ${fn('aggcombinefn')} AS combinefunc, ${fn('aggserialfn')} AS serialfunc, ${fn('aggdeserialfn')} AS deserialfunc,
      a.agginitval AS initcond, ${fn('aggmtransfn')} AS msfunc, ${fn('aggminvtransfn')} AS minvfunc,
      CASE WHEN a.aggmtranstype <> 0 THEN pg_catalog.format_type(a.aggmtranstype, NULL) END AS mstype, a.aggmtransspace AS msspace,
      ${fn('aggmfinalfn')} AS mfinalfunc, a.aggmfinalextra AS mfinalextra, a.aggmfinalmodify AS mfinalmodify, a.aggminitval AS minitcond,
      (SELECT 'OPERATOR(' || quote_ident(opn.nspname) || '.' || o.oprname || ')' FROM pg_catalog.pg_operator o
         JOIN pg_catalog.pg_namespace opn ON opn.oid = o.oprnamespace WHERE o.oid = a.aggsortop) AS sortop,
      p.proparallel AS parallel
    FROM pg_catalog.pg_aggregate a JOIN pg_catalog.pg_proc p ON p.oid = a.aggfnoid JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE a.aggfnoid = ANY($1::oid[])`, [oids]);
  for (const a of rows) out.set(a.oid, aggregateSql(a));
  return out;
}

function aggregateSql(a: AggregateRow): string {
  const o = [`SFUNC = ${a.sfunc}`, `STYPE = ${a.stype}`];
  if (a.sspace) o.push(`SSPACE = ${a.sspace}`);
  if (a.finalfunc) {
    o.push(`FINALFUNC = ${a.finalfunc}`);
    if (a.finalextra) o.push('FINALFUNC_EXTRA');
    o.push(`FINALFUNC_MODIFY = ${MODIFY[a.finalmodify] ?? 'READ_ONLY'}`);
  }
  if (a.combinefunc) o.push(`COMBINEFUNC = ${a.combinefunc}`);
  if (a.serialfunc) o.push(`SERIALFUNC = ${a.serialfunc}`);
  if (a.deserialfunc) o.push(`DESERIALFUNC = ${a.deserialfunc}`);
  if (a.initcond != null) o.push(`INITCOND = ${literal(a.initcond)}`);
  if (a.msfunc) {
    o.push(`MSFUNC = ${a.msfunc}`, `MINVFUNC = ${a.minvfunc}`, `MSTYPE = ${a.mstype}`);
    if (a.msspace) o.push(`MSSPACE = ${a.msspace}`);
    if (a.mfinalfunc) {
      o.push(`MFINALFUNC = ${a.mfinalfunc}`);
      if (a.mfinalextra) o.push('MFINALFUNC_EXTRA');
      o.push(`MFINALFUNC_MODIFY = ${MODIFY[a.mfinalmodify] ?? 'READ_ONLY'}`);
    }
    if (a.minitcond != null) o.push(`MINITCOND = ${literal(a.minitcond)}`);
  }
  if (a.sortop) o.push(`SORTOP = ${a.sortop}`);
  if (PARALLEL[a.parallel]) o.push(`PARALLEL = ${PARALLEL[a.parallel]}`);
  if (a.kind === 'h') o.push('HYPOTHETICAL');
  return `CREATE AGGREGATE ${qname(a.schema, a.name)}(${a.args || '*'}) (\n    ${o.join(',\n    ')}\n);\n`;
}
