/** Schemas, extensions, collations and default privileges. */
import { ident, literal, qname, role } from '../quote.js';
import { aclSql } from './acl.js';
import { SYSTEM_SCHEMA_SQL, type CatalogContext } from './context.js';
import { commentSql, key, obj } from './model.js';

interface SchemaRow {
  oid: number;
  name: string;
  owner: string;
  acl: string[] | null;
  baseline: string[] | null;
  comment: string | null;
}

export async function loadSchemas(ctx: CatalogContext): Promise<void> {
  const rows = await ctx.rows<SchemaRow>(`
    SELECT n.oid::int AS oid, n.nspname AS name, pg_catalog.pg_get_userbyid(n.nspowner) AS owner, n.nspacl::text[] AS acl,
      coalesce((SELECT ip.initprivs::text[] FROM pg_catalog.pg_init_privs ip
                WHERE ip.objoid = n.oid AND ip.classoid = 'pg_catalog.pg_namespace'::regclass AND ip.objsubid = 0),
               pg_catalog.acldefault('n', n.nspowner)::text[]) AS baseline,
      pg_catalog.obj_description(n.oid, 'pg_namespace') AS comment
    FROM pg_catalog.pg_namespace n WHERE ${SYSTEM_SCHEMA_SQL('n.nspname')}`);
  const defaultOwner = ctx.version >= 150000 ? 'pg_database_owner' : (await ctx.rows<{ u: string }>('SELECT pg_catalog.pg_get_userbyid(10) AS u'))[0]!.u;
  for (const s of rows) {
    if (ctx.isMember('pg_namespace', s.oid) || !ctx.sel.object(s.name)) continue;
    const name = ident(s.name);
    let sql = '';
    if (s.name === 'public') {
      // exists in every new database: only what differs from a fresh one
      if (s.owner !== defaultOwner) sql += `ALTER SCHEMA public OWNER TO ${role(s.owner)};\n`;
      if (s.comment !== 'standard public schema') sql += s.comment == null ? 'COMMENT ON SCHEMA public IS NULL;\n' : commentSql('SCHEMA public', s.comment, literal);
    } else {
      sql += `CREATE SCHEMA ${name};\nALTER SCHEMA ${name} OWNER TO ${role(s.owner)};\n`;
      sql += commentSql(`SCHEMA ${name}`, s.comment, literal);
    }
    sql += aclSql({ on: `SCHEMA ${name}`, owner: s.owner, acl: s.acl, baseline: s.baseline });
    if (sql) ctx.add(obj({ key: key('pg_namespace', s.oid), kind: 'SCHEMA', section: 'pre', schema: '', name: s.name, owner: s.owner, sql }));
  }
}

export async function loadExtensions(ctx: CatalogContext): Promise<void> {
  if (ctx.sel.tablesOnly || ctx.sel.schemasOnly) return;
  const rows = await ctx.rows<{ oid: number; name: string; schema: string; comment: string | null }>(`
    SELECT e.oid::int AS oid, e.extname AS name, n.nspname AS schema, pg_catalog.obj_description(e.oid, 'pg_extension') AS comment
    FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.oid >= 16384`);
  for (const e of rows) {
    const sql = `CREATE EXTENSION IF NOT EXISTS ${ident(e.name)} WITH SCHEMA ${ident(e.schema)};\n` + commentSql(`EXTENSION ${ident(e.name)}`, e.comment, literal);
    ctx.add(obj({ key: key('pg_extension', e.oid), kind: 'EXTENSION', section: 'pre', schema: '', name: e.name, sql }));
  }
}

interface CollationRow {
  oid: number;
  schema: string;
  name: string;
  owner: string;
  provider: string;
  deterministic: boolean;
  collate: string | null;
  ctype: string | null;
  locale: string | null;
  rules: string | null;
  comment: string | null;
}

export async function loadCollations(ctx: CatalogContext): Promise<void> {
  const v = ctx.version;
  const locale = v >= 170000 ? 'c.colllocale' : v >= 150000 ? 'c.colliculocale' : 'NULL::text';
  const rules = v >= 160000 ? 'c.collicurules' : 'NULL::text';
  const rows = await ctx.rows<CollationRow>(`
    SELECT c.oid::int AS oid, n.nspname AS schema, c.collname AS name, pg_catalog.pg_get_userbyid(c.collowner) AS owner,
      c.collprovider AS provider, c.collisdeterministic AS deterministic, c.collcollate AS collate, c.collctype AS ctype,
      ${locale} AS locale, ${rules} AS rules, pg_catalog.obj_description(c.oid, 'pg_collation') AS comment
    FROM pg_catalog.pg_collation c JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace
    WHERE c.oid >= 16384 AND ${SYSTEM_SCHEMA_SQL('n.nspname')}`);
  for (const c of rows) {
    if (ctx.isMember('pg_collation', c.oid) || !ctx.sel.object(c.schema)) continue;
    const opts: string[] = [];
    if (c.provider === 'i') {
      opts.push('provider = icu', `locale = ${literal(c.locale ?? c.collate ?? '')}`);
      if (c.rules) opts.push(`rules = ${literal(c.rules)}`);
    } else if (c.provider === 'b') {
      opts.push('provider = builtin', `locale = ${literal(c.locale ?? '')}`);
    } else {
      opts.push('provider = libc');
      if (c.collate === c.ctype) opts.push(`locale = ${literal(c.collate ?? '')}`);
      else opts.push(`lc_collate = ${literal(c.collate ?? '')}`, `lc_ctype = ${literal(c.ctype ?? '')}`);
    }
    if (!c.deterministic) opts.push('deterministic = false');
    const name = qname(c.schema, c.name);
    const sql = `CREATE COLLATION ${name} (${opts.join(', ')});\nALTER COLLATION ${name} OWNER TO ${role(c.owner)};\n` + commentSql(`COLLATION ${name}`, c.comment, literal);
    ctx.add(obj({ key: key('pg_collation', c.oid), kind: 'COLLATION', section: 'pre', schema: c.schema, name: c.name, owner: c.owner, sql }));
  }
}

const DEFACL_KINDS: Record<string, [string, string]> = { r: ['TABLES', 'r'], S: ['SEQUENCES', 's'], f: ['FUNCTIONS', 'f'], T: ['TYPES', 'T'], n: ['SCHEMAS', 'n'] };

/** `ALTER DEFAULT PRIVILEGES`, emitted last so that they do not change the objects the dump creates. */
export async function loadDefaultAcls(ctx: CatalogContext): Promise<void> {
  if (ctx.sel.tablesOnly) return;
  const rows = await ctx.rows<{ oid: number; role: string; schema: string | null; type: string; acl: string[]; baseline: string[] | null }>(`
    SELECT d.oid::int AS oid, pg_catalog.pg_get_userbyid(d.defaclrole) AS role, n.nspname AS schema, d.defaclobjtype AS type,
      d.defaclacl::text[] AS acl,
      CASE WHEN d.defaclnamespace = 0 THEN pg_catalog.acldefault(
        CASE d.defaclobjtype WHEN 'S' THEN 's' ELSE d.defaclobjtype END::"char", d.defaclrole)::text[] END AS baseline
    FROM pg_catalog.pg_default_acl d LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace`);
  for (const d of rows) {
    if (d.schema ? !ctx.sel.schema(d.schema) : ctx.sel.schemasOnly) continue;
    const [on] = DEFACL_KINDS[d.type] ?? [];
    if (!on) continue;
    const prefix = `ALTER DEFAULT PRIVILEGES FOR ROLE ${ident(d.role)}${d.schema ? ` IN SCHEMA ${ident(d.schema)}` : ''}`;
    const sql = aclSql({ on, owner: d.role, acl: d.acl, baseline: d.baseline, prefix });
    if (sql) ctx.add(obj({ key: key('pg_default_acl', d.oid), kind: 'DEFAULT ACL', section: 'post', schema: d.schema ?? '', name: `${d.role} ${on}`, sql }));
  }
}
