/**
 * Query fingerprints, rule for rule as pt-query-digest 3.x computes them (`QueryRewriter::fingerprint`),
 * so that class IDs (upper-case hex MD5 of the fingerprint, `make_checksum`) match its reports.
 *
 * Strings here are "binary strings": one character per byte of the log (decoded as latin1), exactly as
 * Perl sees the bytes. That is why the patterns spell whitespace as `[\t\n\v\f\r ]` (JS `\s` would also
 * match byte 0xA0, a UTF-8 continuation byte) and lower-case ASCII only (Perl's `lc` on bytes).
 */
import { createHash } from 'node:crypto';

/** How a dialect's text differs before the MySQL rules apply. */
export type Dialect = 'mysql' | 'postgres';

const MYSQLDUMP = /^SELECT \/\*!40001 SQL_NO_CACHE \*\/ \* FROM `/;
const PT_TOOL = /\/\*\w+\.\w+:[0-9]\/[0-9]\*\//;
const CALL = /^[\t\n\v\f\r ]*(call[\t\n\v\f\r ]+[^\t\n\v\f\r ]+)\(/i;
const MULTI_INSERT = /^((?:INSERT|REPLACE)(?: IGNORE)?[\t\n\v\f\r ]+INTO[\s\S]+?VALUES[\t\n\v\f\r ]*\([\s\S]*?\))[\t\n\v\f\r ]*,[\t\n\v\f\r ]*\(/i;
const MULTI_LINE_COMMENT = /\/\*[^!][\s\S]*?\*\//g;
const ONE_LINE_COMMENT = /(?:--|#)[^'"\r\n]*(?=[\r\n]|$)/g;
const USE_DB = /^use [^\t\n\v\f\r ]+(?=\n?$)/i;
const ESCAPED_QUOTE = /\\["']/g;
const DOUBLE_QUOTED = /"[\s\S]*?"/g;
const SINGLE_QUOTED = /'[\s\S]*?'/g;
const BOOLEAN = /\bfalse\b|\btrue\b/gi;
const NUMBER = /[0-9+-][0-9a-f.xb+-]*/g;
const NUMBER_PREFIX = /[xb.+-]\?/g;
const LEADING_SPACE = /^[\t\n\v\f\r ]+/;
// a run of [ \n\t\r\f] becomes one space; written so that single spaces are not matched at all
const SPACE_RUN = /[ \n\t\r\f]{2,}|[\n\t\r\f]/g;
const NULL = /\bnull\b/g;
const LIST = /\b(in|values?)(?:[\t\n\v\f\r ,]*\([\t\n\v\f\r ?,]*\))+/g;
const UNION = /\b(select[\t\n\v\f\r ][^\n]*?)(?:([\t\n\v\f\r ]union(?:[\t\n\v\f\r ]all)?)[\t\n\v\f\r ]\1)+/g;
const LIMIT = /\blimit \?(?:, ?\?| offset \?)?/;
const ORDER_BY = /\bORDER BY /i;
const ASC = /([^\n]+?)[\t\n\v\f\r ]+ASC/iy;
const UPPER = /[A-Z]+/g;
// the only latin1 characters toLowerCase() changes besides A-Z
const LATIN1_UPPER = /[\xc0-\xde]/;
// PostgreSQL only: positional parameters and dollar-quoted strings
const PG_PARAM = /\$[0-9]+/g;
const PG_DOLLAR_QUOTED = /\$([A-Za-z_][A-Za-z_0-9]*)?\$[\s\S]*?\$\1\$/g;
const PG_ESCAPE_STRING = /\b[Ee]'(?:[^'\\]|\\[\s\S]|'')*'/g;

/**
 * The fingerprint of one statement: literals → `?`, comments removed, whitespace folded, lower case,
 * `IN (...)`/`VALUES (...)` lists → `(?+)`, repeated UNIONs and `LIMIT` forms folded, `ORDER BY … ASC`
 * dropped; plus pt-query-digest's special cases (mysqldump, percona-toolkit, `call name`, `use ?`,
 * administrator commands unchanged). `postgres` additionally folds `$1` parameters and `$$…$$` strings
 * and keeps `"quoted"` identifiers.
 */
export function fingerprint(query: string, dialect: Dialect = 'mysql'): string {
  let q = query;
  // the first character (lower-cased) rules out the anchored special cases cheaply
  const head = q.charCodeAt(0) | 0x20;
  if (head === 0x73 /* s */ && MYSQLDUMP.test(q)) return 'mysqldump';
  if (q.includes('/*') && PT_TOOL.test(q)) return 'percona-toolkit';
  if (q.startsWith('administrator command: ')) return q;
  const call = head === 0x63 /* c */ || isSpace(q.charCodeAt(0)) ? CALL.exec(q) : null;
  if (call) return asciiLower(call[1]!);
  const insert = head === 0x69 /* i */ || head === 0x72 /* r */ ? MULTI_INSERT.exec(q) : null;
  if (insert) q = insert[1]!;
  if (q.includes('/*')) q = q.replace(MULTI_LINE_COMMENT, '');
  if (q.includes('--') || q.includes('#')) q = q.replace(ONE_LINE_COMMENT, '');
  if (USE_DB.test(q)) return q.replace(USE_DB, 'use ?');
  q = dialect === 'postgres' ? postgresLiterals(q) : mysqlLiterals(q);
  const lower = q.toLowerCase();
  if (lower.includes('true') || lower.includes('false')) q = q.replace(BOOLEAN, '?');
  q = q.replace(NUMBER, '?');
  if (q.includes('?')) q = q.replace(NUMBER_PREFIX, '?');
  if (isSpace(q.charCodeAt(0))) q = q.replace(LEADING_SPACE, '');
  if (q.endsWith('\n')) q = q.slice(0, -1);
  q = asciiLower(q.replace(SPACE_RUN, ' '));
  if (q.includes('null')) q = q.replace(NULL, '?');
  if (q.includes('(')) q = q.replace(LIST, '$1(?+)');
  if (q.includes('union')) q = q.replace(UNION, '$1 /*repeat$2*/');
  if (q.includes('limit ?')) q = q.replace(LIMIT, 'limit ?');
  return q.includes('order by ') ? dropAscInOrderBy(q) : q;
}

/** The class ID pt-query-digest prints: upper-case hex MD5 of the fingerprint's bytes. */
export function classId(fp: string): string {
  return createHash('md5').update(fp, 'latin1').digest('hex').toUpperCase();
}

function mysqlLiterals(q: string): string {
  if (q.includes('\\')) q = q.replace(ESCAPED_QUOTE, '');
  if (q.includes('"')) q = q.replace(DOUBLE_QUOTED, '?');
  return q.includes("'") ? q.replace(SINGLE_QUOTED, '?') : q;
}

/**
 * PostgreSQL: `"x"` is an identifier (kept), `$1` a parameter, `$tag$…$tag$` and `E'…'` strings; a
 * backslash in a plain `'…'` string is an ordinary character (standard_conforming_strings).
 */
function postgresLiterals(q: string): string {
  return q.replace(PG_DOLLAR_QUOTED, '?').replace(PG_ESCAPE_STRING, '?').replace(PG_PARAM, '?').replace(SINGLE_QUOTED, '?');
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Perl's `lc` on a byte string: only A-Z change. */
function asciiLower(s: string): string {
  return LATIN1_UPPER.test(s) ? s.replace(UPPER, (m) => m.toLowerCase()) : s.toLowerCase();
}

/**
 * pt-query-digest: `1 while $query =~ s/\G(.+?)\s+ASC/$1/gi && pos $query` after matching `ORDER BY `.
 * The substitution runs once (it resets `pos`), removing each `\s+ASC` in a chain of matches that starts
 * right after the first `order by ` and continues while each match begins where the previous ended.
 */
function dropAscInOrderBy(q: string): string {
  const at = ORDER_BY.exec(q);
  if (!at) return q;
  let pos = at.index + at[0].length;
  let out = q.slice(0, pos);
  ASC.lastIndex = pos;
  for (let m = ASC.exec(q); m; m = ASC.exec(q)) {
    out += m[1];
    pos = ASC.lastIndex;
  }
  return pos === at.index + at[0].length ? q : out + q.slice(pos);
}

const MYSQL_LITERAL = /'(?:[^'\\]|\\[\s\S]|'')*'|"(?:[^"\\]|\\[\s\S]|"")*"|\b0x[0-9a-f]+\b|\b[xb]'[0-9a-f]*'|(?<![\w.])[0-9]+(?:\.[0-9]*)?(?:e[+-]?[0-9]+)?\b|(?<![\w.])\.[0-9]+\b/gi;
const POSTGRES_LITERAL = /\$([A-Za-z_][A-Za-z_0-9]*)?\$[\s\S]*?\$\1\$|\b[Ee]'(?:[^'\\]|\\[\s\S]|'')*'|'(?:[^']|'')*'|(?<![\w.$])[0-9]+(?:\.[0-9]*)?(?:e[+-]?[0-9]+)?\b|(?<![\w.])\.[0-9]+\b/gi;

/**
 * The statement with its literal values (strings, numbers, hex/bit literals; dollar-quoted strings in
 * PostgreSQL) replaced by `?`, keeping everything else — case, spacing, comments, identifiers — as
 * written. For showing an example without the data in it (`--mask`).
 */
export function maskLiterals(query: string, dialect: Dialect = 'mysql'): string {
  return query.replace(dialect === 'postgres' ? POSTGRES_LITERAL : MYSQL_LITERAL, '?');
}
