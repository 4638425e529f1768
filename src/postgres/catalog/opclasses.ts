/**
 * User-defined operator families and classes, as pg_dump writes them: each family created empty, with
 * its loose members (`ALTER OPERATOR FAMILY … ADD`), each class with its own members and `FAMILY`.
 * Members map onto their family or class, so their operators and functions come first.
 */
import { ident, literal, qname, role } from '../quote.js';
import { SYSTEM_SCHEMA_SQL, type CatalogContext } from './context.js';
import { commentSql, key, obj } from './model.js';

interface OpRow {
  oid: number;
  schema: string;
  name: string;
  owner: string;
  am: string;
  comment: string | null;
  /** Classes only. */
  isDefault?: boolean;
  type?: string;
  storage?: string | null;
  family?: string;
}

interface MemberRow {
  oid: number;
  cat: 'pg_amop' | 'pg_amproc';
  /** `pg_opclass` (a class's own member) or `pg_opfamily` (a loose one). */
  parentCat: string;
  parent: number;
  item: string;
}

const OWNER_SQL = (cat: string, p: string) => `
  SELECT x.oid::int AS oid, n.nspname AS schema, x.${p}name AS name, pg_catalog.pg_get_userbyid(x.${p}owner) AS owner, am.amname AS am,
    pg_catalog.obj_description(x.oid, '${cat}') AS comment`;
const FROM_SQL = (cat: string, p: string) => `
  FROM pg_catalog.${cat} x JOIN pg_catalog.pg_namespace n ON n.oid = x.${p}namespace JOIN pg_catalog.pg_am am ON am.oid = x.${p}method
  WHERE x.oid >= 16384 AND ${SYSTEM_SCHEMA_SQL('n.nspname')}`;

export async function loadOperatorClasses(ctx: CatalogContext): Promise<void> {
  const families = (await ctx.rows<OpRow>(OWNER_SQL('pg_opfamily', 'opf') + FROM_SQL('pg_opfamily', 'opf')))
    .filter((f) => !ctx.isMember('pg_opfamily', f.oid) && ctx.sel.object(f.schema));
  const classes = (await ctx.rows<OpRow>(OWNER_SQL('pg_opclass', 'opc') + `, x.opcdefault AS "isDefault",
      pg_catalog.format_type(x.opcintype, NULL) AS type, CASE WHEN x.opckeytype <> 0 THEN pg_catalog.format_type(x.opckeytype, NULL) END AS storage,
      (SELECT quote_ident(fn.nspname) || '.' || quote_ident(f.opfname) FROM pg_catalog.pg_opfamily f JOIN pg_catalog.pg_namespace fn ON fn.oid = f.opfnamespace
        WHERE f.oid = x.opcfamily) AS family` + FROM_SQL('pg_opclass', 'opc')))
    .filter((c) => !ctx.isMember('pg_opclass', c.oid) && ctx.sel.object(c.schema));
  if (!families.length && !classes.length) return;
  const members = await ctx.rows<MemberRow>(`
    SELECT o.oid::int AS oid, 'pg_amop' AS cat, d.refclassid::regclass::text AS "parentCat", d.refobjid::int AS parent, o.amopstrategy AS num,
      'OPERATOR ' || o.amopstrategy || ' ' || o.amopopr::regoperator::text
        || CASE WHEN o.amoppurpose = 'o' THEN ' FOR ORDER BY ' || (SELECT quote_ident(fn.nspname) || '.' || quote_ident(f.opfname) FROM pg_catalog.pg_opfamily f
          JOIN pg_catalog.pg_namespace fn ON fn.oid = f.opfnamespace WHERE f.oid = o.amopsortfamily) ELSE '' END AS item
    FROM pg_catalog.pg_amop o JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_amop'::regclass AND d.objid = o.oid AND d.deptype IN ('i', 'a')
      AND d.refclassid IN ('pg_catalog.pg_opclass'::regclass, 'pg_catalog.pg_opfamily'::regclass)
    UNION ALL
    SELECT p.oid::int, 'pg_amproc', d.refclassid::regclass::text, d.refobjid::int, 1000 + p.amprocnum,
      'FUNCTION ' || p.amprocnum || ' (' || pg_catalog.format_type(p.amproclefttype, NULL) || ', ' || pg_catalog.format_type(p.amprocrighttype, NULL) || ') '
        || p.amproc::regprocedure::text
    FROM pg_catalog.pg_amproc p JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_amproc'::regclass AND d.objid = p.oid AND d.deptype IN ('i', 'a')
      AND d.refclassid IN ('pg_catalog.pg_opclass'::regclass, 'pg_catalog.pg_opfamily'::regclass)
    ORDER BY 5, 6`);
  const itemsOf = (cat: string, oid: number) => {
    const mine = members.filter((m) => m.parentCat.replace(/^pg_catalog\./, '') === cat && m.parent === oid);
    for (const m of mine) ctx.alias.set(key(m.cat, m.oid), key(cat, oid));
    return mine.map((m) => m.item);
  };
  for (const f of families) {
    const name = `${qname(f.schema, f.name)} USING ${ident(f.am)}`;
    const items = itemsOf('pg_opfamily', f.oid);
    let sql = `CREATE OPERATOR FAMILY ${name};\n`;
    if (items.length) sql += `ALTER OPERATOR FAMILY ${name} ADD\n    ${items.join(',\n    ')};\n`;
    add(ctx, 'pg_opfamily', 'OPERATOR FAMILY', f, name, sql);
  }
  for (const c of classes) {
    const name = `${qname(c.schema, c.name)} USING ${ident(c.am)}`;
    const items = [...(c.storage ? [`STORAGE ${c.storage}`] : []), ...itemsOf('pg_opclass', c.oid)];
    const sql = `CREATE OPERATOR CLASS ${qname(c.schema, c.name)}\n    ${c.isDefault ? 'DEFAULT ' : ''}FOR TYPE ${c.type} USING ${ident(c.am)} FAMILY ${c.family} AS\n    ${items.join(',\n    ')};\n`;
    add(ctx, 'pg_opclass', 'OPERATOR CLASS', c, name, sql);
  }
}

function add(ctx: CatalogContext, cat: string, kind: 'OPERATOR FAMILY' | 'OPERATOR CLASS', r: OpRow, name: string, create: string): void {
  const sql = create + `ALTER ${kind} ${name} OWNER TO ${role(r.owner)};\n` + commentSql(`${kind} ${name}`, r.comment, literal);
  ctx.add(obj({ key: key(cat, r.oid), kind, section: 'pre', schema: r.schema, name: r.name, owner: r.owner, sql }));
}
