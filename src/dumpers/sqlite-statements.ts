/**
 * What a statement of a SQLite dump does, for `restore --tables`: which table it creates or fills, or
 * which object it creates. Reads only the leading tokens; identifiers may be quoted any way SQLite
 * allows ("…", `…`, […], '…').
 */

export type StatementKind =
  | 'table' // CREATE TABLE t
  | 'rows' // INSERT INTO t
  | 'index' // CREATE INDEX … ON t
  | 'trigger' // CREATE TRIGGER … ON t
  | 'view' // CREATE VIEW
  | 'virtual-table' // INSERT INTO sqlite_schema(…) VALUES('table','t',…): a virtual table's schema row
  | 'sequence-reset' // DELETE FROM sqlite_sequence
  | 'sequence' // INSERT INTO sqlite_sequence VALUES('t', n)
  | 'file-pragma' // PRAGMA user_version / application_id / journal_mode: properties of the whole file
  | 'stats' // ANALYZE, INSERT INTO / DELETE FROM / DROP TABLE sqlite_statN: the query planner's statistics
  | 'other'; // BEGIN, COMMIT, other PRAGMAs

export interface StatementInfo {
  kind: StatementKind;
  /** The table the statement belongs to, where it has one. */
  table?: string;
}

interface Token {
  text: string;
  quoted: boolean;
  /** Offset just after the token. */
  end: number;
}

const QUOTES: Record<string, string> = { '"': '"', '`': '`', '[': ']', "'": "'" };

/** The first `max` tokens of `sql`, skipping whitespace and comments. */
export function leadingTokens(sql: string, max: number): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length && out.length < max) {
    const c = sql[i]!;
    if (/\s/.test(c)) i++;
    else if (c === '-' && sql[i + 1] === '-') i = nextIndex(sql, '\n', i);
    else if (c === '/' && sql[i + 1] === '*') i = nextIndex(sql, '*/', i + 2) + 1;
    else if (QUOTES[c]) {
      const [text, end] = readQuoted(sql, i, QUOTES[c]!);
      out.push({ text, quoted: true, end });
      i = end;
    } else if (/[\p{L}\p{N}_$]/u.test(c)) {
      let j = i + 1;
      while (j < sql.length && /[\p{L}\p{N}_$]/u.test(sql[j]!)) j++;
      out.push({ text: sql.slice(i, j), quoted: false, end: j });
      i = j;
    } else {
      out.push({ text: c, quoted: false, end: i + 1 });
      i++;
    }
  }
  return out;
}

function nextIndex(s: string, what: string, from: number): number {
  const k = s.indexOf(what, from);
  return k < 0 ? s.length : k + 1;
}

function readQuoted(s: string, start: number, close: string): [string, number] {
  let text = '';
  let i = start + 1;
  while (i < s.length) {
    const k = s.indexOf(close, i);
    if (k < 0) return [text + s.slice(i), s.length];
    text += s.slice(i, k);
    if (close !== ']' && s[k + 1] === close) {
      text += close;
      i = k + 2;
      continue;
    }
    return [text, k + 1];
  }
  return [text, i];
}

const upper = (t: Token | undefined) => (t && !t.quoted ? t.text.toUpperCase() : '');

/** Skips optional keywords (`TEMP`, `IF NOT EXISTS`, ...) starting at `i`. */
function skipWords(tokens: Token[], i: number, words: string[]): number {
  while (i < tokens.length && words.includes(upper(tokens[i]))) i++;
  return i;
}

/** `DELETE FROM sqlite_statN` or `DROP TABLE [IF EXISTS] sqlite_statN`. */
function statTable(t: Token[], w0: string): boolean {
  const i = w0 === 'DELETE' && upper(t[1]) === 'FROM' ? 2 : w0 === 'DROP' && upper(t[1]) === 'TABLE' ? skipWords(t, 2, ['IF', 'EXISTS']) : -1;
  return i > 0 && /^sqlite_stat\d$/.test(t[i]?.text ?? '');
}

/** Classifies one complete statement of a SQLite dump. */
export function classifyStatement(sql: string): StatementInfo {
  const t = leadingTokens(sql, 64);
  const w0 = upper(t[0]);
  if (w0 === 'INSERT' && upper(t[1]) === 'INTO' && t[2]) return classifyInsert(sql, t[2]);
  if (w0 === 'DELETE' && upper(t[1]) === 'FROM' && t[2]?.text === 'sqlite_sequence') return { kind: 'sequence-reset' };
  if (w0 === 'ANALYZE' || statTable(t, w0)) return { kind: 'stats' };
  if (w0 === 'PRAGMA' && ['USER_VERSION', 'APPLICATION_ID', 'JOURNAL_MODE'].includes(upper(t[1]))) return { kind: 'file-pragma' };
  if (w0 !== 'CREATE') return { kind: 'other' };
  let i = skipWords(t, 1, ['TEMP', 'TEMPORARY', 'UNIQUE']);
  const what = upper(t[i]);
  i = skipWords(t, i + 1, ['IF', 'NOT', 'EXISTS']);
  if (what === 'TABLE') return { kind: 'table', table: t[i]?.text };
  if (what === 'VIEW') return { kind: 'view' };
  if (what === 'INDEX' || what === 'TRIGGER') {
    const on = t.findIndex((tok, k) => k > i && upper(tok) === 'ON');
    return { kind: what === 'INDEX' ? 'index' : 'trigger', table: on > 0 ? t[on + 1]?.text : undefined };
  }
  return { kind: 'other' };
}

function classifyInsert(sql: string, target: Token): StatementInfo {
  if (target.text === 'sqlite_sequence') return { kind: 'sequence', table: firstStringAfterValues(sql, 0) };
  if (/^sqlite_stat\d$/.test(target.text)) return { kind: 'stats' };
  if (target.text === 'sqlite_schema' || target.text === 'sqlite_master') return { kind: 'virtual-table', table: firstStringAfterValues(sql, 1) };
  return { kind: 'rows', table: target.text };
}

/** The `n`-th string literal inside `VALUES(...)`. */
function firstStringAfterValues(sql: string, n: number): string | undefined {
  const v = /\bVALUES\s*\(/i.exec(sql);
  if (!v) return undefined;
  let i = v.index + v[0].length;
  for (let k = 0; k <= n; k++) {
    const q = sql.indexOf("'", i);
    if (q < 0) return undefined;
    const [text, end] = readQuoted(sql, q, "'");
    if (k === n) return text;
    i = end;
  }
  return undefined;
}
