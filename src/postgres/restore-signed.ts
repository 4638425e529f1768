/**
 * Casts, event triggers, operators and operator classes/families that the dump creates and the target
 * has already (none has `OR REPLACE`, and a name alone does not identify them): found before the restore
 * and dropped — event triggers before any other DDL of the restore can fire them; the others after the
 * relations (whose indexes, defaults and views use them) and before the types they are built on.
 */
import { DatabaseError } from '../errors.js';
import type { SignedObject } from './prescan.js';
import type { PgClient } from './session.js';

export interface ExistingSigned {
  kind: SignedObject['kind'];
  /** What DROP <kind> names, e.g. `(ext.celsius AS numeric)`, `ext.<|(integer,integer)`, `ext.abs_ops USING btree`. */
  label: string;
}

/** Per kind: the label of each target object matching `w(a, b, c, d)`, the parts of one dump object. */
const FIND: Record<SignedObject['kind'], string> = {
  CAST: `SELECT '(' || x.castsource::regtype::text || ' AS ' || x.casttarget::regtype::text || ')' AS label FROM pg_catalog.pg_cast x
    JOIN w ON x.castsource = pg_catalog.to_regtype(w.a) AND x.casttarget = pg_catalog.to_regtype(w.b)`,
  'EVENT TRIGGER': 'SELECT quote_ident(x.evtname) AS label FROM pg_catalog.pg_event_trigger x JOIN w ON x.evtname = w.a',
  OPERATOR: `SELECT x.oid::regoperator::text AS label FROM pg_catalog.pg_operator x JOIN pg_catalog.pg_namespace n ON n.oid = x.oprnamespace
    JOIN w ON n.nspname = w.a AND x.oprname = w.b
      AND x.oprleft = coalesce(pg_catalog.to_regtype(nullif(w.c, '')), 0) AND x.oprright = coalesce(pg_catalog.to_regtype(nullif(w.d, '')), 0)`,
  'OPERATOR CLASS': opclass('pg_opclass', 'opc'),
  'OPERATOR FAMILY': opclass('pg_opfamily', 'opf'),
};

function opclass(cat: string, p: string): string {
  return `SELECT quote_ident(n.nspname) || '.' || quote_ident(x.${p}name) || ' USING ' || quote_ident(am.amname) AS label FROM pg_catalog.${cat} x
    JOIN pg_catalog.pg_namespace n ON n.oid = x.${p}namespace JOIN pg_catalog.pg_am am ON am.oid = x.${p}method
    JOIN w ON n.nspname = w.a AND x.${p}name = w.b AND am.amname = w.c`;
}

/** Which of the dump's signed objects exist in the target. */
export async function findSigned(client: PgClient, objects: SignedObject[]): Promise<ExistingSigned[]> {
  const found: ExistingSigned[] = [];
  for (const kind of Object.keys(FIND) as SignedObject['kind'][]) {
    const mine = objects.filter((o) => o.kind === kind);
    if (!mine.length) continue;
    const cols = [0, 1, 2, 3].map((i) => mine.map((o) => o.parts[i] ?? ''));
    const rows = (await client.query<{ label: string }>(`WITH w AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS w(a, b, c, d))
      ${FIND[kind]}`, cols)).rows;
    found.push(...rows.map((r) => ({ kind, label: r.label })));
  }
  return found;
}

/** Drops those of the given kinds, in that order, one at a time (DROP CAST and others take no list). */
export async function dropSigned(client: PgClient, found: ExistingSigned[], kinds: SignedObject['kind'][]): Promise<void> {
  for (const kind of kinds) {
    for (const o of found.filter((f) => f.kind === kind)) {
      try {
        await client.query(`DROP ${kind} IF EXISTS ${o.label}`);
      } catch (err) {
        const d = (err as { detail?: string }).detail;
        throw new DatabaseError('postgres', `cannot replace ${kind.toLowerCase()} ${o.label}: ${(err as Error).message}${d ? ` (${d.replace(/\n/g, '; ')})` : ''}; restore into an empty database`, { cause: err });
      }
    }
  }
}
