/**
 * Sequences: definitions, OWNED BY links, identity columns (created through ALTER TABLE … ADD
 * GENERATED, like pg_dump) and their current positions (`setval` in the data section).
 */
import { ident, literal, qname, role } from '../quote.js';
import { aclSql } from './acl.js';
import type { CatalogContext } from './context.js';
import { commentSql, key, obj } from './model.js';
import type { Relations, RelationRow } from './relations.js';

interface SequenceRow {
  oid: number;
  type: string;
  start: string;
  increment: string;
  max: string;
  min: string;
  cache: string;
  cycle: boolean;
}

async function sequenceParams(ctx: CatalogContext, oids: number[]): Promise<Map<number, SequenceRow>> {
  if (!oids.length) return new Map();
  const rows = await ctx.rows<SequenceRow>(`
    SELECT s.seqrelid::int AS oid, pg_catalog.format_type(s.seqtypid, NULL) AS type, s.seqstart::text AS start,
      s.seqincrement::text AS increment, s.seqmax::text AS max, s.seqmin::text AS min, s.seqcache::text AS cache, s.seqcycle AS cycle
    FROM pg_catalog.pg_sequence s WHERE s.seqrelid = ANY($1::oid[])`, [oids]);
  return new Map(rows.map((r) => [r.oid, r]));
}

function options(s: SequenceRow): string[] {
  const o = [`START WITH ${s.start}`, `INCREMENT BY ${s.increment}`, `MINVALUE ${s.min}`, `MAXVALUE ${s.max}`, `CACHE ${s.cache}`];
  if (s.cycle) o.push('CYCLE');
  return o;
}

/**
 * Adds SEQUENCE and SEQUENCE OWNED BY objects; returns, per table oid, the SQL that turns its identity
 * columns into identity columns (to be appended to the table's own definition).
 */
export async function loadSequences(ctx: CatalogContext, rels: Relations): Promise<Map<number, string>> {
  const seqs = rels.selected.filter((r) => r.kind === 'S');
  const params = await sequenceParams(ctx, seqs.map((s) => s.oid));
  const ownedBy = new Map(rels.owned.map((o) => [o.seq, o]));
  const identity = new Map<number, string>();
  for (const s of seqs) {
    const p = params.get(s.oid)!;
    const name = qname(s.schema, s.name);
    const owner = ownedBy.get(s.oid);
    const table = owner && rels.all.get(owner.rel);
    const extras = commentSql(`SEQUENCE ${name}`, s.comment, literal) + aclSql({ on: `SEQUENCE ${name}`, owner: s.owner, acl: s.acl, baseline: s.baseline });
    if (owner?.deptype === 'i' && table) {
      const kind = rels.columns.get(table.oid)?.find((c) => c.name === owner.column)?.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT';
      const sql = `ALTER TABLE ${qname(table.schema, table.name)} ALTER COLUMN ${ident(owner.column)} ADD GENERATED ${kind} AS IDENTITY (\n`
        + `    SEQUENCE NAME ${name}\n    ${options(p).join('\n    ')}\n);\n` + extras;
      identity.set(table.oid, (identity.get(table.oid) ?? '') + sql);
      ctx.alias.set(key('pg_class', s.oid), key('pg_class', table.oid));
      continue;
    }
    const as = p.type === 'bigint' ? '' : `\n    AS ${p.type}`;
    const sql = `CREATE ${s.persistence === 'u' ? 'UNLOGGED ' : ''}SEQUENCE ${name}${as}\n    ${options(p).join('\n    ')};\n`
      + `ALTER SEQUENCE ${name} OWNER TO ${role(s.owner)};\n` + extras;
    ctx.add(obj({ key: key('pg_class', s.oid), kind: 'SEQUENCE', section: 'pre', schema: s.schema, name: s.name, owner: s.owner, sql }));
    if (owner && table) {
      ctx.add(obj({
        key: `owned:${s.oid}`, kind: 'SEQUENCE OWNED BY', section: 'pre', schema: s.schema, name: s.name,
        sql: `ALTER SEQUENCE ${name} OWNED BY ${qname(table.schema, table.name)}.${ident(owner.column)};\n`,
        deps: [key('pg_class', s.oid), key('pg_class', table.oid)],
      }));
    }
  }
  return identity;
}

/** `setval` for every dumped sequence, read now (sequences are not transactional, as in pg_dump). */
export async function loadSequenceValues(ctx: CatalogContext, rels: Relations): Promise<void> {
  const seqs = rels.selected.filter((r) => r.kind === 'S');
  for (let i = 0; i < seqs.length; i += 100) {
    const batch = seqs.slice(i, i + 100);
    const sql = batch.map((s) => `SELECT ${s.oid}::int AS oid, last_value::text AS last, is_called AS called FROM ${qname(s.schema, s.name)}`).join(' UNION ALL ');
    const values = new Map((await ctx.rows<{ oid: number; last: string; called: boolean }>(sql)).map((r) => [r.oid, r]));
    for (const s of batch) addSetval(ctx, s, values.get(s.oid)!);
  }
}

function addSetval(ctx: CatalogContext, s: RelationRow, v: { last: string; called: boolean }): void {
  const sql = `SELECT pg_catalog.setval(${literal(qname(s.schema, s.name))}, ${v.last}, ${v.called});\n`;
  ctx.add(obj({ key: `setval:${s.oid}`, kind: 'SEQUENCE SET', section: 'data', schema: s.schema, name: s.name, sql, deps: [key('pg_class', s.oid)] }));
}
