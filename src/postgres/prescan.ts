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

/**
 * Objects without `OR REPLACE` that a name alone does not identify, which a non-empty target may have
 * already: dropped and recreated. `parts`: CAST [source, target] (types as written); EVENT TRIGGER
 * [name]; OPERATOR [schema, name, left, right] (types as written, '' for none); OPERATOR CLASS and
 * OPERATOR FAMILY [schema, name, access method]. Names as stored.
 */
export interface SignedObject {
  kind: 'CAST' | 'EVENT TRIGGER' | 'OPERATOR' | 'OPERATOR CLASS' | 'OPERATOR FAMILY';
  parts: string[];
}

export type RelationKind = 'TABLE' | 'VIEW' | 'MATERIALIZED VIEW' | 'SEQUENCE' | 'FOREIGN TABLE';

export interface DumpContents {
  relations: { kind: RelationKind; name: QName }[];
  types: QName[];
  functions: QName[];
  /** Objects without `OR REPLACE` that a non-empty target may have already: dropped and recreated. */
  named: { kind: NamedKind; name: QName }[];
  signed: SignedObject[];
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
    else if (what === 'EVENT TRIGGER') c.signed.push({ kind: what, parts: [info.object.name] });
  }
  const signed = verb === 'CREATE CAST' || verb === 'CREATE OPERATOR' ? signedObject(sql) : undefined;
  if (signed) c.signed.push(signed);
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

const OPERATOR = /^\s*CREATE\s+OPERATOR\s+(?:("(?:[^"]|"")+"|[\w$]+)\s*\.\s*)?([^\s(]+)\s*\(/i;
const OPCLASS = new RegExp(`^\\s*CREATE\\s+OPERATOR\\s+(CLASS|FAMILY)\\s+((?:${IDENT})(?:\\s*\\.\\s*(?:${IDENT}))?)[\\s\\S]*?\\bUSING\\s+(${IDENT})`, 'i');

/** `CREATE CAST` / `CREATE OPERATOR [CLASS | FAMILY]`: what identifies the object. */
export function signedObject(sql: string): SignedObject | undefined {
  const cls = OPCLASS.exec(sql);
  if (cls) {
    const name = nameFromLiteral(cls[2]!);
    const am = nameFromLiteral(cls[3]!);
    return name && am ? { kind: `OPERATOR ${cls[1]!.toUpperCase()}` as SignedObject['kind'], parts: [name.schema ?? 'public', name.name, am.name] } : undefined;
  }
  const op = OPERATOR.exec(sql);
  if (op) {
    const arg = (which: string) => new RegExp(`\\b${which}\\s*=\\s*([^,)]+?)\\s*[,)]`, 'i').exec(sql)?.[1] ?? '';
    const schema = op[1] ? nameFromLiteral(op[1])!.name : 'public';
    return { kind: 'OPERATOR', parts: [schema, op[2]!, arg('LEFTARG'), arg('RIGHTARG')] };
  }
  const types = /^\s*CREATE\s+CAST\b/i.test(sql) ? castTypes(sql) : undefined;
  return types ? { kind: 'CAST', parts: types } : undefined;
}

/** `CREATE CAST (source AS target) …`: the two type names as written (quotes and typmods kept). */
export function castTypes(sql: string): [string, string] | undefined {
  const open = sql.indexOf('(');
  if (open < 0) return undefined;
  const parts: string[] = [''];
  let depth = 0;
  for (let i = open + 1; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === '"') {
      const end = sql.indexOf('"', i + 1);
      const close = end < 0 ? sql.length : end;
      parts[parts.length - 1] += sql.slice(i, close + 1);
      i = close;
      continue;
    }
    if (c === ')' && depth === 0) break;
    if (c === '(') depth++;
    if (c === ')') depth--;
    const as = depth === 0 && /^\sAS\s/i.exec(sql.slice(i, i + 4));
    if (as && parts.length === 1) {
      parts.push('');
      i += 2;
      continue;
    }
    parts[parts.length - 1] += c;
  }
  const [source, target] = parts.map((p) => p.trim());
  return source && target ? [source, target] : undefined;
}

export function emptyContents(): DumpContents {
  return { relations: [], types: [], functions: [], named: [], signed: [], foreignKeys: new Map(), owner: new Map() };
}

export async function scanDump(input: Readable): Promise<DumpContents> {
  const c = emptyContents();
  for await (const ev of readSql(input)) {
    if (ev.kind === 'statement') noteStatement(c, ev.sql.toString('utf8'));
  }
  return c;
}
