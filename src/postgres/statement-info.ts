/**
 * What a statement of a PostgreSQL dump does, read from its first tokens: its verb (`CREATE TABLE`,
 * `COPY`, `GRANT`, …), the object it creates and the table it belongs to (for `--tables`), and whether
 * it can run inside the restore's transaction.
 */

/** A possibly schema-qualified name; parts are as stored (quotes removed, unquoted parts lower-cased). */
export interface QName {
  schema?: string;
  name: string;
}

export type Handling =
  /** Runs in the restore transaction. */
  | 'run'
  /** Session settings: always run, even with --tables. */
  | 'session'
  /** BEGIN/COMMIT in the script: the restore is already one transaction. */
  | 'ignore'
  /** Cannot run in a transaction block but is harmless afterwards (VACUUM, … CONCURRENTLY): runs after COMMIT. */
  | 'defer'
  /** Cannot be part of an atomic restore into one database (CREATE DATABASE, ROLLBACK, …). */
  | 'refuse';

export interface StatementInfo {
  /** Leading keywords, upper-case, e.g. `CREATE TABLE`, `ALTER SEQUENCE`, `COMMENT ON COLUMN`. */
  verb: string;
  /** The object a CREATE makes. */
  object?: QName;
  /** The table (or view, sequence, index) the statement is about, for `--tables`. */
  table?: QName;
  /** `ALTER SEQUENCE s OWNED BY t.c` / identity `SEQUENCE NAME s`: the owned sequence. */
  ownedSequence?: QName;
  handling: Handling;
}

type Token = { kind: 'word' | 'ident' | 'string' | 'punct'; text: string };

/** The first `limit` tokens: words upper-cased in `text`, quoted identifiers and strings unquoted. */
export function tokens(sql: string, limit = 64): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length && out.length < limit) {
    const c = sql[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '-' && sql[i + 1] === '-') { const k = sql.indexOf('\n', i); i = k < 0 ? sql.length : k + 1; continue; }
    if (c === '/' && sql[i + 1] === '*') { const k = sql.indexOf('*/', i + 2); i = k < 0 ? sql.length : k + 2; continue; }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let text = '';
      for (; j < sql.length; j++) {
        if (sql[j] === c) {
          if (sql[j + 1] === c) { text += c; j++; continue; }
          break;
        }
        text += sql[j];
      }
      out.push({ kind: c === '"' ? 'ident' : 'string', text });
      i = j + 1;
      continue;
    }
    const m = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(sql.slice(i, i + 200));
    if (m) { out.push({ kind: 'word', text: m[0] }); i += m[0].length; continue; }
    out.push({ kind: 'punct', text: c });
    i++;
  }
  return out;
}

/** Parses `a.b` / `"A"."b"` from tokens at `at`; returns the name and the index after it. */
function qualified(t: Token[], at: number): [QName | undefined, number] {
  const parts: string[] = [];
  let i = at;
  while (i < t.length && (t[i]!.kind === 'word' || t[i]!.kind === 'ident')) {
    parts.push(t[i]!.kind === 'word' ? t[i]!.text.toLowerCase() : t[i]!.text);
    if (t[i + 1]?.text !== '.') { i++; break; }
    i += 2;
  }
  if (!parts.length) return [undefined, at];
  const name = parts.pop()!;
  return [{ schema: parts.length ? parts[parts.length - 1] : undefined, name }, i];
}

/** `schema.table.column` → `schema.table`. */
function dropLast(t: Token[], at: number): QName | undefined {
  const parts: string[] = [];
  for (let i = at; i < t.length && (t[i]!.kind === 'word' || t[i]!.kind === 'ident'); i += 2) {
    parts.push(t[i]!.kind === 'word' ? t[i]!.text.toLowerCase() : t[i]!.text);
    if (t[i + 1]?.text !== '.') break;
  }
  if (parts.length < 2) return undefined;
  parts.pop();
  return { schema: parts.length > 1 ? parts[parts.length - 2] : undefined, name: parts[parts.length - 1]! };
}

/** Parses a qualified name from a string literal such as `'public."My Seq"'`. */
export function nameFromLiteral(s: string): QName | undefined {
  return qualified(tokens(s), 0)[0];
}

const upper = (t: Token | undefined) => (t?.kind === 'word' ? t.text.toUpperCase() : '');

/** Index of the first word `w` at parenthesis depth 0 (or any depth) from `at`, or -1. */
function findWord(t: Token[], at: number, ...words: string[]): number {
  return findWordAt(t, at, 0, words);
}

function findWordAt(t: Token[], at: number, level: number | 'any', words: string[]): number {
  let depth = 0;
  for (let i = at; i < t.length; i++) {
    if (t[i]!.text === '(' && t[i]!.kind === 'punct') depth++;
    else if (t[i]!.text === ')' && t[i]!.kind === 'punct') depth--;
    else if ((level === 'any' || depth === level) && words.includes(upper(t[i]))) return i;
  }
  return -1;
}

/** Skips optional words (e.g. IF NOT EXISTS, ONLY). */
function skip(t: Token[], i: number, ...words: string[]): number {
  while (words.includes(upper(t[i]))) i++;
  return i;
}

const RELATION_WORDS = ['TABLE', 'VIEW', 'SEQUENCE', 'INDEX', 'TYPE', 'DOMAIN', 'SCHEMA', 'FUNCTION', 'PROCEDURE', 'AGGREGATE', 'EXTENSION', 'TRIGGER', 'POLICY', 'RULE', 'STATISTICS'];

function describeCreate(t: Token[]): StatementInfo {
  let i = skip(t, 1, 'OR', 'REPLACE', 'GLOBAL', 'LOCAL', 'TEMP', 'TEMPORARY', 'UNLOGGED', 'UNIQUE', 'RECURSIVE', 'TRUSTED', 'PROCEDURAL', 'CONSTRAINT', 'DEFAULT');
  let what = upper(t[i]);
  if (what === 'MATERIALIZED' || what === 'FOREIGN' || what === 'EVENT' || what === 'TEXT') { what += ' ' + upper(t[i + 1]); i++; }
  if (what === 'TEXT SEARCH') { what += ' ' + upper(t[i + 1]); i++; }
  const verb = `CREATE ${what}`;
  i = skip(t, i + 1, 'CONCURRENTLY', 'IF', 'NOT', 'EXISTS');
  if (what === 'DATABASE' || what === 'TABLESPACE' || what === 'SUBSCRIPTION') return { verb, handling: 'refuse' };
  if (what === 'INDEX') {
    const concurrently = t.slice(0, 6).some((x) => upper(x) === 'CONCURRENTLY');
    const on = findWord(t, i, 'ON');
    const [table] = on >= 0 ? qualified(t, skip(t, on + 1, 'ONLY')) : [undefined];
    const [object] = upper(t[i]) === 'ON' ? [undefined] : qualified(t, i);
    return { verb, object: object && table ? { schema: table.schema, name: object.name } : object, table, handling: concurrently ? 'defer' : 'run' };
  }
  const [object, after] = qualified(t, i);
  if (what === 'SCHEMA' && upper(t[i]) === 'AUTHORIZATION') return { verb, object: t[i + 1] ? { name: t[i + 1]!.text } : undefined, handling: 'run' };
  if (what === 'TRIGGER' || what === 'POLICY' || what === 'RULE') {
    let on = findWord(t, after, 'ON');
    if (what === 'RULE') on = findWord(t, after, 'TO');
    const [table] = on >= 0 ? qualified(t, skip(t, on + 1, 'ONLY')) : [undefined];
    return { verb, object, table, handling: 'run' };
  }
  if (what === 'STATISTICS') {
    const from = findWord(t, after, 'FROM');
    return { verb, object, table: from >= 0 ? qualified(t, from + 1)[0] : undefined, handling: 'run' };
  }
  const relation = ['TABLE', 'VIEW', 'MATERIALIZED VIEW', 'SEQUENCE', 'FOREIGN TABLE'].includes(what);
  return { verb, object, table: relation ? object : undefined, handling: 'run' };
}

function describeAlter(t: Token[]): StatementInfo {
  let what = upper(t[1]);
  let i = 2;
  if (what === 'MATERIALIZED' || what === 'FOREIGN' || what === 'DEFAULT' || what === 'LARGE') { what += ' ' + upper(t[2]); i = 3; }
  const verb = `ALTER ${what}`;
  if (what === 'SYSTEM' || what === 'SUBSCRIPTION' || what === 'TABLESPACE') return { verb, handling: 'refuse' };
  if (what === 'DATABASE') return { verb, handling: findWord(t, 2, 'TABLESPACE') >= 0 ? 'refuse' : 'run' };
  i = skip(t, i, 'IF', 'EXISTS', 'ONLY');
  const [name, after] = qualified(t, i);
  if (['TABLE', 'VIEW', 'MATERIALIZED VIEW', 'FOREIGN TABLE', 'INDEX'].includes(what)) {
    const attach = findWord(t, after, 'ATTACH');
    if (attach >= 0 && upper(t[attach + 1]) === 'PARTITION') return { verb, table: qualified(t, attach + 2)[0], handling: 'run' };
    const seqName = findWordAt(t, after, 'any', ['NAME']);
    const owned = seqName >= 0 && upper(t[seqName - 1]) === 'SEQUENCE' ? qualified(t, seqName + 1)[0] : undefined;
    return { verb, table: name, ownedSequence: owned, handling: 'run' };
  }
  if (what === 'SEQUENCE') {
    const owned = findWord(t, after, 'OWNED');
    if (owned >= 0 && upper(t[owned + 1]) === 'BY' && upper(t[owned + 2]) !== 'NONE') {
      return { verb, table: dropLast(t, owned + 2), ownedSequence: name, handling: 'run' };
    }
    return { verb, table: name, handling: 'run' };
  }
  return { verb, object: name, handling: 'run' };
}

function describeComment(t: Token[]): StatementInfo {
  let what = upper(t[2]);
  let i = 3;
  if (what === 'MATERIALIZED' || what === 'FOREIGN') { what += ' ' + upper(t[3]); i = 4; }
  const verb = `COMMENT ON ${what}`;
  if (what === 'COLUMN') return { verb, table: dropLast(t, i), handling: 'run' };
  if (['TABLE', 'VIEW', 'MATERIALIZED VIEW', 'SEQUENCE', 'FOREIGN TABLE', 'INDEX'].includes(what)) return { verb, table: qualified(t, i)[0], handling: 'run' };
  if (['CONSTRAINT', 'TRIGGER', 'POLICY', 'RULE'].includes(what)) {
    const on = findWord(t, i + 1, 'ON');
    if (upper(t[on + 1]) === 'DOMAIN') return { verb, handling: 'run' };
    return { verb, table: on >= 0 ? qualified(t, on + 1)[0] : undefined, handling: 'run' };
  }
  return { verb, handling: 'run' };
}

function describeGrant(t: Token[]): StatementInfo {
  const verb = upper(t[0]);
  const on = findWord(t, 1, 'ON');
  if (on < 0) return { verb, handling: 'run' };
  const kind = upper(t[on + 1]);
  if (kind === 'TABLE' || kind === 'SEQUENCE') return { verb, table: qualified(t, on + 2)[0], handling: 'run' };
  if (RELATION_WORDS.includes(kind) || ['ALL', 'LARGE', 'FOREIGN', 'LANGUAGE', 'DATABASE', 'TABLESPACE'].includes(kind)) return { verb, handling: 'run' };
  return { verb, table: qualified(t, on + 1)[0], handling: 'run' };
}

/** Describes one statement (the text without its `;`). */
export function describeStatement(sql: string): StatementInfo {
  const t = tokens(sql);
  const first = upper(t[0]);
  switch (first) {
    case 'CREATE':
      return describeCreate(t);
    case 'ALTER':
      return describeAlter(t);
    case 'COMMENT':
      return describeComment(t);
    case 'GRANT':
    case 'REVOKE':
      return describeGrant(t);
    case 'COPY':
      return { verb: 'COPY', table: qualified(t, 1)[0], handling: 'run' };
    case 'REFRESH':
      return { verb: 'REFRESH MATERIALIZED VIEW', table: qualified(t, skip(t, 3, 'CONCURRENTLY'))[0], handling: 'run' };
    case 'SET':
    case 'RESET':
      return { verb: first, handling: 'session' };
    case 'SELECT':
      return describeSelect(t);
    case 'BEGIN':
    case 'COMMIT':
    case 'END':
    case 'START':
      return { verb: first, handling: 'ignore' };
    case 'ROLLBACK':
    case 'ABORT':
    case 'SAVEPOINT':
    case 'RELEASE':
    case 'PREPARE':
      return { verb: first, handling: 'refuse' };
    case 'VACUUM':
      return { verb: first, handling: 'defer' };
    case 'REINDEX':
      return { verb: first, handling: ['SYSTEM', 'DATABASE'].includes(upper(t[1])) || t.some((x) => upper(x) === 'CONCURRENTLY') ? 'defer' : 'run' };
    case 'DROP': {
      const what = upper(t[1]);
      if (what === 'DATABASE' || what === 'TABLESPACE' || what === 'SUBSCRIPTION') return { verb: `DROP ${what}`, handling: 'refuse' };
      return { verb: `DROP ${what}`, handling: upper(t[2]) === 'CONCURRENTLY' ? 'defer' : 'run' };
    }
    default:
      return { verb: first || upper(t[0]) || '?', handling: 'run' };
  }
}

/** `SELECT pg_catalog.setval('seq', …)` belongs to the sequence; `set_config` is a session setting. */
function describeSelect(t: Token[]): StatementInfo {
  const fn = t[1]?.text === 'pg_catalog' || upper(t[1]) === 'PG_CATALOG' ? t[3] : t[1];
  const name = fn?.text.toLowerCase();
  if (name === 'set_config') return { verb: 'SELECT set_config', handling: 'session' };
  if (name === 'setval') {
    const lit = t.find((x) => x.kind === 'string');
    return { verb: 'SELECT setval', table: lit ? nameFromLiteral(lit.text) : undefined, handling: 'run' };
  }
  return { verb: 'SELECT', handling: 'run' };
}
