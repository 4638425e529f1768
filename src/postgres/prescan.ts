/**
 * A first, read-only pass over a dump: which relations, types and functions it creates, and which
 * sequences and indexes belong to which table. Used before restoring into a database that already has
 * objects (to save and replace exactly those) and to follow `--tables` to owned sequences and indexes.
 */
import type { Readable } from 'node:stream';
import { readSql } from './sql-reader.js';
import { describeStatement, nameFromLiteral, type QName } from './statement-info.js';

export const NAMED_KINDS = ['TEXT SEARCH CONFIGURATION', 'TEXT SEARCH DICTIONARY', 'COLLATION'] as const;
export type NamedKind = (typeof NAMED_KINDS)[number];

export type RelationKind = 'TABLE' | 'VIEW' | 'MATERIALIZED VIEW' | 'SEQUENCE' | 'FOREIGN TABLE';

export interface DumpContents {
  relations: { kind: RelationKind; name: QName }[];
  types: QName[];
  functions: QName[];
  /** Objects without `OR REPLACE` that a non-empty target may have already: dropped and recreated. */
  named: { kind: NamedKind; name: QName }[];
  /** Foreign keys the dump adds: `schema.table|constraint` → the referenced table. */
  foreignKeys: Map<string, QName>;
  /** `schema.name` of a sequence or index → the table it belongs to. */
  owner: Map<string, QName>;
}

/** `schema.name`, unqualified names taken as `public` (pg_dump always qualifies). */
export function nameKey(n: QName): string {
  return `${n.schema ?? 'public'}.${n.name}`;
}

/** Records what one statement tells about the dump's contents. */
export function noteStatement(c: DumpContents, sql: string): void {
  const info = describeStatement(sql);
  const verb = info.verb;
  if (verb.startsWith('CREATE ') && info.object) {
    const what = verb.slice(7);
    if (['TABLE', 'VIEW', 'MATERIALIZED VIEW', 'SEQUENCE', 'FOREIGN TABLE'].includes(what)) c.relations.push({ kind: what as RelationKind, name: info.object });
    else if (what === 'TYPE' || what === 'DOMAIN') c.types.push(info.object);
    else if (['FUNCTION', 'PROCEDURE', 'AGGREGATE'].includes(what)) c.functions.push(info.object);
    else if ((NAMED_KINDS as readonly string[]).includes(what)) c.named.push({ kind: what as NamedKind, name: info.object });
    else if (what === 'INDEX' && info.table) c.owner.set(nameKey(info.object), info.table);
  }
  if (info.ownedSequence && info.table) c.owner.set(nameKey(info.ownedSequence), info.table);
  const added = verb === 'ALTER TABLE' && info.table ? addedConstraint(sql) : undefined;
  if (!added || !info.table) return;
  // PRIMARY KEY/UNIQUE/EXCLUDE constraints create an index of the same name
  if (added.kind !== 'FOREIGN') c.owner.set(nameKey({ schema: info.table.schema, name: added.name }), info.table);
  else if (added.references) c.foreignKeys.set(`${nameKey(info.table)}|${added.name}`, added.references);
}

const IDENT = '"(?:[^"]|"")+"|[\\w$]+';

/** `ALTER TABLE … ADD CONSTRAINT name KIND …`: the name, kind and (foreign keys) referenced table. */
export function addedConstraint(sql: string): { name: string; kind: string; references?: QName } | undefined {
  const m = new RegExp(`\\bADD\\s+CONSTRAINT\\s+(${IDENT})\\s+(PRIMARY|UNIQUE|EXCLUDE|FOREIGN|CHECK)\\b`, 'i').exec(sql);
  if (!m) return undefined;
  const raw = m[1]!;
  const name = raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw.toLowerCase();
  const kind = m[2]!.toUpperCase();
  const ref = kind === 'FOREIGN' ? new RegExp(`\\bREFERENCES\\s+((?:${IDENT})(?:\\s*\\.\\s*(?:${IDENT}))?)`, 'i').exec(sql) : null;
  return { name, kind, references: ref ? nameFromLiteral(ref[1]!) : undefined };
}

export function emptyContents(): DumpContents {
  return { relations: [], types: [], functions: [], named: [], foreignKeys: new Map(), owner: new Map() };
}

export async function scanDump(input: Readable): Promise<DumpContents> {
  const c = emptyContents();
  for await (const ev of readSql(input)) {
    if (ev.kind === 'statement') noteStatement(c, ev.sql.toString('utf8'));
  }
  return c;
}
