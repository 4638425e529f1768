/**
 * Splits a stream of mysql-client SQL into statements the way the `mysql`/`mariadb` client does:
 *
 * - `'…'` and `"…"` strings with backslash escapes (none while the session has NO_BACKSLASH_ESCAPES:
 *   set `noBackslashEscapes` between statements, from the server's status flag or `sqlModeChange`),
 *   `` `…` `` identifiers;
 * - `-- ` and `#` comments to the end of the line, `/* … *\/` comments; executable comments
 *   (`/*!50003 … *\/`, `/*M!100100 … *\/`) are code: the delimiter ends a statement inside them too;
 * - the `DELIMITER xx` command at the start of a statement (routine, trigger and event bodies, and
 *   `mariadb-binlog` output with its `/*!*\/;` delimiter);
 * - statements that are only whitespace and comments are dropped; leading comments are not sent.
 *
 * Input is text decoded as latin1, one character per byte, so that any byte survives unchanged
 * (`Buffer.from(text, 'latin1')` gives the original bytes back). Multi-byte character sets whose
 * characters may contain a quote or backslash byte (sjis, big5, gbk, cp932) are not supported.
 *
 * Pull-based: `push()` text, then call `next()` until it returns undefined. Memory is bounded by the
 * longest statement. A statement longer than `partsAbove` characters is handed over in the pieces it
 * was read in (`parts`), not joined, so that it is held once in memory (see long-query.ts).
 */

export interface SqlStatement {
  /**
   * The statement without leading comments and without its delimiter; when `parts` is set, only its
   * first `HEAD` characters (enough to classify it and to name it in errors).
   */
  text: string;
  /** 1-based line where the statement's text starts. */
  line: number;
  /** The whole statement in pieces (`parts.join('')`), for statements longer than `partsAbove`. */
  parts?: string[];
}

/** Characters of a long statement's start kept in `text`. */
const HEAD = 65536;

export interface SplitterOptions {
  /** Statements longer than this many characters come as `parts`. @default Infinity */
  partsAbove?: number;
}

const enum State {
  Code,
  String,
  LineComment,
  BlockComment,
}

/** Characters that may change the state or end a statement (besides the delimiter). */
function specials(delimiter: string): RegExp {
  const chars = new Set(['\'', '"', '`', '#', '-', '/', delimiter[0]!]);
  return new RegExp(`[${[...chars].map((c) => c.replace(/[\\\]^-]/g, '\\$&')).join('')}]`, 'g');
}

export class MysqlStatementSplitter {
  /** True while the session has NO_BACKSLASH_ESCAPES (backslash is then an ordinary character). */
  noBackslashEscapes = false;
  private delim = ';';
  private codeRe = specials(';');
  private buf = '';
  private pos = 0;
  private start = 0;
  /** Where the statement's first character that is not whitespace or comment is; -1 if none yet. */
  private body = -1;
  /** Line of `body`. */
  private bodyLine = 1;
  /** Already scanned text of the current statement that was moved out of `buf` (long statements). */
  private parts: string[] = [];
  /** Total length of `parts`. */
  private partsLength = 0;
  private readonly partsAbove: number;
  private state = State.Code;
  private quote = '';
  private ended = false;
  /** Line number at `start`. */
  private line = 1;

  constructor(opts: SplitterOptions = {}) {
    this.partsAbove = opts.partsAbove ?? Infinity;
  }

  get delimiter(): string {
    return this.delim;
  }

  push(text: string): void {
    // Text before `pos` has been scanned. Move it out of the working buffer (into `parts` when it
    // belongs to the statement), so that scanning stays linear however long a statement is: a 50 MB
    // BINLOG statement arriving in 64 KiB chunks would otherwise be rescanned/copied per chunk.
    const scanned = this.pos;
    if (scanned > this.start) {
      if (this.body >= 0) {
        this.parts.push(this.buf.slice(this.body, scanned));
        this.partsLength += scanned - this.body;
        this.body = 0;
      }
      this.line += countLines(this.buf, this.start, scanned);
    } else if (this.body >= 0) {
      this.body -= this.start;
    }
    this.buf = this.buf.slice(Math.max(scanned, this.start)) + text;
    this.pos = 0;
    this.start = 0;
  }

  /** Marks the end of input: `next()` then also returns a last statement that has no delimiter. */
  end(): void {
    this.ended = true;
  }

  /** The next complete statement, or undefined when more input is needed (or none is left). */
  next(): SqlStatement | undefined {
    for (;;) {
      const r = this.scan();
      if (r === 'more') {
        if (!this.ended) return undefined;
        const stmt = this.take(this.buf.length, this.buf.length);
        this.pos = this.buf.length;
        return stmt ?? undefined;
      }
      const stmt = this.take(r.end, r.next);
      if (stmt) return stmt;
    }
  }

  /** Ends the statement at `end`, continues at `next`. Returns undefined for an empty statement. */
  private take(end: number, next: number): SqlStatement | undefined {
    const body = this.body;
    const line = this.bodyLine;
    const long = body >= 0 && this.partsLength + end - body > this.partsAbove;
    const parts = long ? trimPartsEnd([...this.parts, this.buf.slice(body, end)]) : undefined;
    const text = parts ? head(parts) : body >= 0 ? trimEndAscii(this.parts.length ? this.parts.join('') + this.buf.slice(body, end) : this.buf.slice(body, end)) : '';
    this.parts = [];
    this.partsLength = 0;
    this.line += countLines(this.buf, this.start, next);
    this.start = next;
    this.pos = next;
    this.body = -1;
    this.state = State.Code;
    if (parts) return { text, line, parts };
    return text ? { text, line } : undefined;
  }

  /** Advances until a statement ends ({end, next}) or the text runs out ('more'). */
  private scan(): { end: number; next: number } | 'more' {
    const s = this.buf;
    for (;;) {
      if (this.state === State.String) {
        if (!this.skipString(s)) return 'more';
        continue;
      }
      if (this.state === State.LineComment) {
        const k = s.indexOf('\n', this.pos);
        if (k < 0) { this.pos = s.length; return 'more'; }
        this.pos = k + 1;
        this.state = State.Code;
        continue;
      }
      if (this.state === State.BlockComment) {
        const k = s.indexOf('*/', this.pos);
        if (k < 0) { this.pos = Math.max(this.pos, s.length - 1); return 'more'; }
        this.pos = k + 2;
        this.state = State.Code;
        continue;
      }
      if (this.body < 0) {
        const r = this.scanStatementStart(s);
        if (r !== 'code') return r;
        continue;
      }
      this.codeRe.lastIndex = this.pos;
      const m = this.codeRe.exec(s);
      if (!m) { this.pos = s.length; return 'more'; }
      const i = m.index;
      const r = this.token(s, i);
      if (r === 'more') { this.pos = i; return 'more'; }
      if (r !== 'next') return r;
    }
  }

  /** Skips whitespace before a statement; handles DELIMITER. 'code' once text or a comment starts. */
  private scanStatementStart(s: string): { end: number; next: number } | 'more' | 'code' {
    while (this.pos < s.length) {
      const c = s[this.pos]!;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') { this.pos++; continue; }
      if (s.startsWith(this.delim, this.pos)) return { end: this.pos, next: this.pos + this.delim.length };
      if (c === 'd' || c === 'D') {
        const r = this.delimiterCommand(s);
        if (r !== 'no') return r;
      }
      const r = this.comment(s, this.pos, true);
      if (r === 'more') return 'more';
      if (r) return 'code'; // inside a comment now: the main loop skips it
      this.body = this.pos;
      this.bodyLine = this.line + countLines(s, this.start, this.pos);
      return 'code';
    }
    return 'more';
  }

  /** `DELIMITER xx` up to the end of the line: changes the delimiter, yields nothing. */
  private delimiterCommand(s: string): { end: number; next: number } | 'more' | 'no' {
    const head = s.slice(this.pos, this.pos + 10);
    if (head.length < 10 && !this.ended && 'delimiter '.startsWith(head.toLowerCase())) return 'more';
    if (!/^delimiter[ \t]/i.test(head)) return 'no';
    const eol = s.indexOf('\n', this.pos);
    if (eol < 0 && !this.ended) return 'more';
    const lineEnd = eol < 0 ? s.length : eol;
    const arg = s.slice(this.pos + 10, lineEnd).trim().split(/[ \t]/)[0]!.replace(/^(['"`])(.*)\1$/, '$2');
    if (!arg) throw new Error(`line ${this.line + countLines(s, this.start, this.pos)}: DELIMITER must be followed by a delimiter character or string`);
    this.delim = arg;
    this.codeRe = specials(arg);
    return { end: this.pos, next: eol < 0 ? s.length : eol + 1 };
  }

  /**
   * If a comment starts at i, enters it and returns true; 'more' when it cannot tell yet.
   * Executable comments (`/*!`, `/*M!`) are code, not comments.
   */
  private comment(s: string, i: number, atStart: boolean): boolean | 'more' {
    const c = s[i];
    if (c === '#') {
      this.state = State.LineComment;
      this.pos = i + 1;
      return true;
    }
    if (c === '-' ) {
      if (i + 2 >= s.length && !this.ended) return 'more';
      const n = s[i + 2];
      if (s[i + 1] === '-' && (n === undefined || n <= ' ' || atStart)) {
        this.state = State.LineComment;
        this.pos = i + 2;
        return true;
      }
      return false;
    }
    if (c === '/') {
      if (i + 3 >= s.length && !this.ended) return 'more';
      if (s[i + 1] !== '*') return false;
      if (s[i + 2] === '!' || (s[i + 2] === 'M' && s[i + 3] === '!')) return false;
      this.state = State.BlockComment;
      this.pos = i + 2;
      return true;
    }
    return false;
  }

  /** Handles the special character at i inside code. */
  private token(s: string, i: number): { end: number; next: number } | 'more' | 'next' {
    const d = this.delim;
    if (s[i] === d[0]) {
      if (i + d.length > s.length && !this.ended && d.startsWith(s.slice(i))) return 'more';
      if (s.startsWith(d, i)) return { end: i, next: i + d.length };
    }
    const c = s[i]!;
    if (c === '\'' || c === '"' || c === '`') {
      this.state = State.String;
      this.quote = c;
      this.pos = i + 1;
      return 'next';
    }
    const r = this.comment(s, i, false);
    if (r === 'more') return 'more';
    if (!r) this.pos = i + 1;
    return 'next';
  }

  /** Moves past the end of the current string; false when it does not end in the text so far. */
  private skipString(s: string): boolean {
    const q = this.quote;
    if (q === '`' || this.noBackslashEscapes) {
      const k = s.indexOf(q, this.pos);
      if (k < 0) { this.pos = s.length; return false; }
      this.pos = k + 1;
      this.state = State.Code;
      return true;
    }
    const re = q === "'" ? SINGLE_QUOTED : DOUBLE_QUOTED;
    re.lastIndex = this.pos;
    for (;;) {
      const m = re.exec(s);
      if (!m) { this.pos = s.length; return false; }
      if (m[0] === q) {
        this.pos = m.index + 1;
        this.state = State.Code;
        return true;
      }
      if (m.index + 1 >= s.length) { this.pos = m.index; return false; }
      re.lastIndex = m.index + 2;
    }
  }
}

const SINGLE_QUOTED = /['\\]/g;
const DOUBLE_QUOTED = /["\\]/g;

/** Trims ASCII whitespace only: in latin1-decoded text a trailing 0xA0 byte may be half of a character. */
function trimEndAscii(s: string): string {
  let e = s.length;
  while (e > 0) {
    const c = s.charCodeAt(e - 1);
    if (c !== 32 && (c < 9 || c > 13)) break;
    e--;
  }
  return e === s.length ? s : s.slice(0, e);
}

/** Trims ASCII whitespace off the end of the last pieces (dropping those that become empty). */
function trimPartsEnd(parts: string[]): string[] {
  for (;;) {
    const last = trimEndAscii(parts.at(-1)!);
    if (last || parts.length === 1) {
      parts[parts.length - 1] = last;
      return parts;
    }
    parts.pop();
  }
}

/** The first `HEAD` characters of a statement given in pieces. */
function head(parts: string[]): string {
  let s = '';
  for (const p of parts) {
    s += p.slice(0, HEAD - s.length);
    if (s.length >= HEAD) break;
  }
  return s;
}

function countLines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = s.indexOf('\n', from); i >= 0 && i < to; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

const NO_BACKSLASH_ESCAPES_BIT = 1048576;

/**
 * Whether a statement sets the session's sql_mode, and if so whether NO_BACKSLASH_ESCAPES is on after
 * it. For dry runs (no server to ask); a live restore reads the server's status flag instead.
 * Understands `SET [SESSION] sql_mode = '…'`, `SET @@session.sql_mode = 1411383296` (mariadb-binlog),
 * and the same inside executable comments. Returns undefined when the statement does not set it.
 */
export function sqlModeChange(stmt: string): boolean | undefined {
  const m = /\b(?:@@(?:session\.)?|session\s+|local\s+)?sql_mode\s*:?=\s*('(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.)*"|\d+|@\w+)/i.exec(stmt);
  if (!m || !/^\s*(\/\*!\d*\s*)?set\b/i.test(stmt)) return undefined;
  const v = m[1]!;
  if (/^\d+$/.test(v)) return (Number(v) & NO_BACKSLASH_ESCAPES_BIT) !== 0;
  if (v.startsWith('@')) return undefined;
  return /NO_BACKSLASH_ESCAPES/i.test(v);
}
