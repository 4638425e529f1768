/**
 * Text search dictionaries (a template and its options) and configurations (a parser and the
 * dictionaries mapped to each token type), written as pg_dump writes them. Parsers and templates are
 * C code and stay with the kinds the native driver refuses.
 */
import { literal, qname, role } from '../quote.js';
import { SYSTEM_SCHEMA_SQL, type CatalogContext } from './context.js';
import { commentSql, key, obj } from './model.js';

interface TsRow {
  oid: number;
  schema: string;
  name: string;
  owner: string;
  /** Qualified template (dictionaries) or parser (configurations). */
  base: string;
  /** Dictionary options as `pg_ts_dict.dictinitoption` holds them. */
  options: string | null;
  /** Configuration mappings, `token WITH dict, …` (qualified), one a token type. */
  mappings: string[] | null;
  comment: string | null;
}

const base = (cat: string, col: string, nsp: string) =>
  `(SELECT quote_ident(bn.nspname) || '.' || quote_ident(b.${col}name) FROM pg_catalog.${cat} b JOIN pg_catalog.pg_namespace bn ON bn.oid = b.${nsp} WHERE b.oid = x.`;

export async function loadTextSearch(ctx: CatalogContext): Promise<void> {
  const dicts = await ctx.rows<TsRow>(`
    SELECT x.oid::int AS oid, n.nspname AS schema, x.dictname AS name, pg_catalog.pg_get_userbyid(x.dictowner) AS owner,
      ${base('pg_ts_template', 'tmpl', 'tmplnamespace')}dicttemplate) AS base, x.dictinitoption AS options, NULL AS mappings,
      pg_catalog.obj_description(x.oid, 'pg_ts_dict') AS comment
    FROM pg_catalog.pg_ts_dict x JOIN pg_catalog.pg_namespace n ON n.oid = x.dictnamespace
    WHERE x.oid >= 16384 AND ${SYSTEM_SCHEMA_SQL('n.nspname')}`);
  for (const d of dicts) {
    if (ctx.isMember('pg_ts_dict', d.oid) || !ctx.sel.object(d.schema)) continue;
    const name = qname(d.schema, d.name);
    const sql = `CREATE TEXT SEARCH DICTIONARY ${name} (\n    TEMPLATE = ${d.base}${d.options ? `,\n    ${d.options}` : ''} );\n`;
    add(ctx, 'pg_ts_dict', 'TEXT SEARCH DICTIONARY', d, sql);
  }
  const configs = await ctx.rows<TsRow>(`
    SELECT x.oid::int AS oid, n.nspname AS schema, x.cfgname AS name, pg_catalog.pg_get_userbyid(x.cfgowner) AS owner,
      ${base('pg_ts_parser', 'prs', 'prsnamespace')}cfgparser) AS base, NULL AS options,
      ARRAY(SELECT t.alias || ' WITH ' || string_agg(m.mapdict::regdictionary::text, ', ' ORDER BY m.mapseqno)
        FROM pg_catalog.pg_ts_config_map m JOIN pg_catalog.ts_token_type(x.cfgparser) t ON t.tokid = m.maptokentype
        WHERE m.mapcfg = x.oid GROUP BY m.maptokentype, t.alias ORDER BY m.maptokentype) AS mappings,
      pg_catalog.obj_description(x.oid, 'pg_ts_config') AS comment
    FROM pg_catalog.pg_ts_config x JOIN pg_catalog.pg_namespace n ON n.oid = x.cfgnamespace
    WHERE x.oid >= 16384 AND ${SYSTEM_SCHEMA_SQL('n.nspname')}`);
  for (const c of configs) {
    if (ctx.isMember('pg_ts_config', c.oid) || !ctx.sel.object(c.schema)) continue;
    const name = qname(c.schema, c.name);
    let sql = `CREATE TEXT SEARCH CONFIGURATION ${name} (\n    PARSER = ${c.base} );\n`;
    for (const m of c.mappings ?? []) sql += `ALTER TEXT SEARCH CONFIGURATION ${name}\n    ADD MAPPING FOR ${m};\n`;
    add(ctx, 'pg_ts_config', 'TEXT SEARCH CONFIGURATION', c, sql);
  }
}

function add(ctx: CatalogContext, cat: string, kind: 'TEXT SEARCH DICTIONARY' | 'TEXT SEARCH CONFIGURATION', r: TsRow, create: string): void {
  const name = qname(r.schema, r.name);
  const sql = create + `ALTER ${kind} ${name} OWNER TO ${role(r.owner)};\n` + commentSql(`${kind} ${name}`, r.comment, literal);
  ctx.add(obj({ key: key(cat, r.oid), kind, section: 'pre', schema: r.schema, name: r.name, owner: r.owner, sql }));
}
