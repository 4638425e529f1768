/**
 * A streaming reader of PostgreSQL SQL scripts (pg_dump plain output, onedump's own dumps, psql files):
 * splits bytes into statements the way psql does, and passes `COPY … FROM stdin` data through untouched.
 *
 * Correct for: '…' strings (with standard_conforming_strings on or off, tracked from `SET` statements),
 * E'…' strings with backslash escapes, "…" identifiers, $$…$$ and $tag$…$tag$ bodies, -- and nested
 * /* *\/ comments, parentheses, `BEGIN ATOMIC … END` function bodies (psql's heuristic), psql
 * backslash meta-commands at the start of a statement, and COPY data up to a `\.` line.
 * Memory is bounded by the longest single statement; COPY data is never accumulated.
 */
export type SqlEvent =
  /** One statement, without its terminating `;` (leading whitespace and comments dropped). */
  | { kind: 'statement'; sql: Buffer; line: number; copyFromStdin: boolean }
  /** A psql backslash command (`\restrict`, `\connect`, …), the whole line without its newline. */
  | { kind: 'meta'; text: string; line: number }
  /** Raw COPY data bytes (whole or partial lines) for the preceding `COPY … FROM stdin`. */
  | { kind: 'copy-data'; data: Buffer }
  /** The `\.` line that ends COPY data. */
  | { kind: 'copy-end'; line: number };

/** A script that cannot be read (unterminated string, COPY data without `\.`), with its line. */
export class SqlSyntaxError extends Error {
  constructor(readonly line: number, message: string) {
    super(`line ${line}: ${message}`);
  }
}

const enum St { Normal, Single, Double, Dollar, LineComment, BlockComment, Word, Number, Meta, CopyStart, Copy }

const NL = 0x0a;
/** `terminatorAt`: undecided until more bytes arrive. */
const NEED = -2;
const isIdentStart = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c >= 0x80;
const isIdentCont = (c: number) => isIdentStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x24;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === NL || c === 0x0d || c === 0x0c || c === 0x0b;

function countNewlines(b: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = b.indexOf(NL, from); i >= 0 && i < to; i = b.indexOf(NL, i + 1)) n++;
  return n;
}

export class PgSqlReader {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private line = 1;
  private state = St.Normal;
  /** Start of the current statement in `buf`, or -1 while only whitespace/comments were seen. */
  private start = -1;
  private startLine = 1;
  private escapes = false;
  private tag: Buffer | undefined;
  private commentDepth = 0;
  private tokenStart = 0;
  private parens = 0;
  private beginDepth = 0;
  /** psql's heuristic: first letters of the leading CREATE/OR/REPLACE/FUNCTION/PROCEDURE words. */
  private leading: string[] = [];
  private wordCount = 0;
  private words: string[] = [];
  private prevWord = '';
  private copyFromStdin = false;
  private copyLineStart = false;
  private standardStrings = true;
  private events: SqlEvent[] = [];

  /** Adds bytes; returns the events they completed. */
  push(chunk: Buffer): SqlEvent[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    this.scan(false);
    return this.take();
  }

  /** Ends the input: returns the last events, or throws if something was left open. */
  end(): SqlEvent[] {
    this.scan(true);
    const s = this.state;
    if (s === St.Copy || s === St.CopyStart) throw new SqlSyntaxError(this.line, 'COPY data is not terminated by a "\\." line (truncated dump?)');
    if (s === St.Single || s === St.Double) throw new SqlSyntaxError(this.startLine, 'unterminated quoted string or identifier (truncated dump?)');
    if (s === St.Dollar) throw new SqlSyntaxError(this.startLine, 'unterminated dollar-quoted string (truncated dump?)');
    if (s === St.BlockComment) throw new SqlSyntaxError(this.line, 'unterminated /* comment');
    if (s === St.Meta) this.finishMeta(this.buf.length);
    if (this.start >= 0) {
      const sql = this.buf.subarray(this.start, this.buf.length);
      if (sql.some((c) => !isSpace(c))) this.emitStatement(this.buf.length);
    }
    return this.take();
  }

  private take(): SqlEvent[] {
    const out = this.events;
    this.events = [];
    // keep only what the current statement (or an unfinished token) still needs
    const keep = this.start >= 0 ? this.start : this.state === St.Meta ? this.tokenStart : this.pos;
    if (keep > 0) {
      this.buf = this.buf.subarray(keep);
      this.pos -= keep;
      this.tokenStart -= keep;
      if (this.start >= 0) this.start -= keep;
    }
    return out;
  }

  private markStart(at: number): void {
    if (this.start < 0) {
      this.start = at;
      this.startLine = this.line;
    }
  }

  /** Runs the state machine as far as the buffered bytes allow. */
  private scan(eof: boolean): void {
    const b = this.buf;
    while (this.pos < b.length) {
      switch (this.state) {
        case St.Copy:
        case St.CopyStart:
          if (!this.scanCopy(eof)) return;
          break;
        case St.Single:
        case St.Double:
          if (!this.scanQuoted(eof)) return;
          break;
        case St.Dollar:
          if (!this.scanDollar()) return;
          break;
        case St.LineComment: {
          const nl = b.indexOf(NL, this.pos);
          if (nl < 0) { this.pos = b.length; return; }
          this.pos = nl + 1;
          this.line++;
          this.state = St.Normal;
          break;
        }
        case St.BlockComment:
          if (!this.scanBlockComment(eof)) return;
          break;
        case St.Word:
        case St.Number:
          if (!this.scanWord(eof)) return;
          break;
        case St.Meta: {
          const nl = b.indexOf(NL, this.pos);
          if (nl < 0) { this.pos = b.length; return; }
          this.finishMeta(nl);
          this.pos = nl + 1;
          this.line++;
          break;
        }
        default:
          if (!this.scanNormal(eof)) return;
      }
    }
  }

  /** One byte (or the start of a token) in normal state; false when more input is needed. */
  private scanNormal(eof: boolean): boolean {
    const b = this.buf;
    const i = this.pos;
    const c = b[i]!;
    const next = i + 1 < b.length ? b[i + 1] : undefined;
    if (c === NL) { this.line++; this.pos++; return true; }
    if (isSpace(c)) { this.pos++; return true; }
    if ((c === 0x2d || c === 0x2f) && next === undefined && !eof) return false; // '-' or '/' at the end: wait
    if (c === 0x2d && next === 0x2d) { this.state = St.LineComment; this.pos += 2; return true; }
    if (c === 0x2f && next === 0x2a) { this.state = St.BlockComment; this.commentDepth = 1; this.pos += 2; return true; }
    if (c === 0x5c && this.start < 0) { // backslash at statement start: psql meta-command
      this.tokenStart = i;
      this.startLine = this.line;
      this.state = St.Meta;
      this.pos++;
      return true;
    }
    this.markStart(i);
    if (c === 0x27) return this.openQuote(St.Single, this.escapes || !this.standardStrings, i);
    if (c === 0x22) return this.openQuote(St.Double, false, i);
    if (c === 0x24) return this.scanDollarOpen(eof);
    if (isIdentStart(c)) { this.state = St.Word; this.tokenStart = i; this.pos++; return true; }
    if (isDigit(c)) { this.state = St.Number; this.tokenStart = i; this.pos++; return true; }
    this.escapes = false;
    this.prevWord = c === 0x2e ? this.prevWord : '';
    if (c === 0x28) this.parens++;
    else if (c === 0x29) this.parens = Math.max(0, this.parens - 1);
    else if (c === 0x3b && this.parens === 0 && this.beginDepth === 0) {
      this.emitStatement(i);
      this.pos = i + 1;
      return true;
    }
    this.pos++;
    return true;
  }

  private openQuote(state: St, escapes: boolean, at: number): boolean {
    this.state = state;
    this.escapes = escapes;
    this.tokenStart = at;
    this.pos = at + 1;
    return true;
  }

  /** Inside '…' or "…": find the closing quote (a doubled quote continues the token). */
  private scanQuoted(eof: boolean): boolean {
    const b = this.buf;
    const q = this.state === St.Single ? 0x27 : 0x22;
    let i = this.pos;
    for (;;) {
      const k = b.indexOf(q, i);
      const stop = k < 0 ? b.length : k;
      if (this.escapes) {
        // a backslash escapes the next byte, which may be a quote
        let bs = b.indexOf(0x5c, i);
        while (bs >= 0 && bs < stop) {
          if (bs + 1 >= b.length) { this.advance(bs); return false; }
          if (b[bs + 1] === q || bs + 1 === stop) { this.advance(bs + 2); return this.scanQuoted(eof); }
          bs = b.indexOf(0x5c, bs + 2);
        }
      }
      if (k < 0) { this.advance(b.length); return false; }
      if (k + 1 >= b.length && !eof) { this.advance(k); return false; }
      if (b[k + 1] === q) { i = k + 2; continue; }
      this.advance(k + 1);
      this.state = St.Normal;
      this.escapes = false;
      this.prevWord = '';
      return true;
    }
  }

  /** Moves the scan position, counting the newlines passed. */
  private advance(to: number): void {
    if (to > this.pos) this.line += countNewlines(this.buf, this.pos, to);
    this.pos = to;
  }

  /** `$` in normal state: a dollar-quote opening, a parameter `$1`, or a plain `$`. */
  private scanDollarOpen(eof: boolean): boolean {
    const b = this.buf;
    const i = this.pos;
    let j = i + 1;
    if (j < b.length && isDigit(b[j]!)) { this.state = St.Number; this.tokenStart = i; this.pos = j; return true; }
    if (j < b.length && isIdentStart(b[j]!)) {
      j++;
      while (j < b.length && isIdentCont(b[j]!) && b[j] !== 0x24) j++;
    }
    if (j >= b.length) {
      if (!eof) return false;
      this.pos = b.length;
      return true;
    }
    if (b[j] !== 0x24) { this.pos = i + 1; return true; }
    this.tag = Buffer.from(b.subarray(i, j + 1));
    this.state = St.Dollar;
    this.tokenStart = i;
    this.pos = j + 1;
    return true;
  }

  private scanDollar(): boolean {
    const b = this.buf;
    const tag = this.tag!;
    const k = b.indexOf(tag, this.pos);
    if (k < 0) {
      this.advance(Math.max(this.pos, b.length - tag.length + 1));
      return false;
    }
    this.advance(k + tag.length);
    this.state = St.Normal;
    this.prevWord = '';
    return true;
  }

  private scanBlockComment(eof: boolean): boolean {
    const b = this.buf;
    let i = this.pos;
    while (i < b.length) {
      const c = b[i]!;
      if ((c === 0x2a || c === 0x2f) && i + 1 >= b.length && !eof) { this.advance(i); return false; }
      if (c === 0x2a && b[i + 1] === 0x2f) {
        i += 2;
        if (--this.commentDepth === 0) { this.advance(i); this.state = St.Normal; return true; }
      } else if (c === 0x2f && b[i + 1] === 0x2a) {
        i += 2;
        this.commentDepth++;
      } else i++;
    }
    this.advance(i);
    return false;
  }

  /** An identifier/keyword or a number; a word decides E'…' strings and the statement's shape. */
  private scanWord(eof: boolean): boolean {
    const b = this.buf;
    let i = this.pos;
    const number = this.state === St.Number;
    while (i < b.length && (number ? isIdentCont(b[i]!) || b[i] === 0x2e : isIdentCont(b[i]!))) i++;
    if (i >= b.length && !eof) { this.pos = i; return false; }
    this.pos = i;
    this.state = St.Normal;
    if (number) { this.prevWord = ''; return true; }
    const word = b.toString('latin1', this.tokenStart, i).toLowerCase();
    if (i < b.length && b[i] === 0x27 && word === 'e') { this.escapes = true; return true; }
    this.noteWord(word);
    return true;
  }

  private noteWord(word: string): void {
    if (this.wordCount === 0) this.leading = [];
    if (['create', 'function', 'procedure', 'or', 'replace'].includes(word) && this.wordCount < 4) this.leading[this.wordCount] = word[0]!;
    this.wordCount++;
    if (this.words.length < 4) this.words.push(word);
    const [a, b2, c, d] = this.leading;
    if (a === 'c' && (b2 === 'f' || b2 === 'p' || (b2 === 'o' && c === 'r' && (d === 'f' || d === 'p'))) && this.parens === 0) {
      if (word === 'begin') this.beginDepth++;
      else if (word === 'case' && this.beginDepth >= 1) this.beginDepth++;
      else if (word === 'end' && this.beginDepth > 0) this.beginDepth--;
    }
    if (this.parens === 0 && word === 'stdin' && this.prevWord === 'from' && this.words[0] === 'copy') this.copyFromStdin = true;
    this.prevWord = this.parens === 0 ? word : '';
  }

  private emitStatement(end: number): void {
    const sql = Buffer.from(this.buf.subarray(this.start, end));
    const copy = this.copyFromStdin;
    this.events.push({ kind: 'statement', sql, line: this.startLine, copyFromStdin: copy });
    if (this.words[0] === 'set' && this.words[1] === 'standard_conforming_strings') {
      const v = /(?:=|\bto)\s*'?(\w+)'?\s*$/i.exec(sql.toString('latin1'))?.[1]?.toLowerCase();
      if (v) this.standardStrings = ['on', 'true', 'yes', '1'].includes(v);
    }
    this.start = -1;
    this.parens = 0;
    this.beginDepth = 0;
    this.wordCount = 0;
    this.words = [];
    this.prevWord = '';
    this.copyFromStdin = false;
    this.escapes = false;
    if (copy) this.state = St.CopyStart;
  }

  private finishMeta(end: number): void {
    let text = this.buf.toString('utf8', this.tokenStart, end);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    this.events.push({ kind: 'meta', text, line: this.startLine });
    this.state = St.Normal;
  }

  /**
   * COPY data: everything up to a line that is exactly `\.`. `CopyStart` first drops the rest of
   * the COPY command's own line.
   */
  private scanCopy(eof: boolean): boolean {
    const b = this.buf;
    if (this.state === St.CopyStart) {
      const nl = b.indexOf(NL, this.pos);
      if (nl < 0) { this.pos = b.length; return false; }
      this.pos = nl + 1;
      this.line++;
      this.state = St.Copy;
      this.copyLineStart = true;
      return true;
    }
    if (this.copyLineStart) {
      const end = this.terminatorAt(this.pos, eof);
      if (end === NEED) return false;
      if (end >= 0) return this.endCopy(this.pos, end);
    }
    for (let from = this.pos; ;) {
      const k = b.indexOf('\n\\.', from);
      if (k < 0) break;
      const end = this.terminatorAt(k + 1, eof);
      if (end === NEED) { this.emitCopy(k + 1); this.copyLineStart = true; return false; }
      if (end >= 0) { this.emitCopy(k + 1); return this.endCopy(k + 1, end); }
      from = k + 1;
    }
    // no terminator buffered: pass everything on but a tail that could start one
    let end = b.length;
    let lineStart = b[end - 1] === NL;
    if (!eof && b[end - 1] === 0x5c && end - 1 > this.pos && b[end - 2] === NL) {
      end--;
      lineStart = true;
    }
    this.emitCopy(end);
    this.copyLineStart = lineStart;
    return false;
  }

  /** If a `\.` line starts at `i`: the index after it; -1 if not; NEED if more bytes must be seen. */
  private terminatorAt(i: number, eof: boolean): number {
    const b = this.buf;
    const need = (end: number) => (eof ? end : NEED);
    if (i >= b.length) return need(-1);
    if (b[i] !== 0x5c) return -1;
    if (i + 1 >= b.length) return eof ? -1 : NEED;
    if (b[i + 1] !== 0x2e) return -1;
    if (i + 2 >= b.length) return need(b.length);
    if (b[i + 2] === NL) return i + 3;
    if (b[i + 2] !== 0x0d) return -1;
    if (i + 3 >= b.length) return need(b.length);
    return b[i + 3] === NL ? i + 4 : -1;
  }

  private emitCopy(end: number): void {
    if (end <= this.pos) return;
    this.events.push({ kind: 'copy-data', data: this.buf.subarray(this.pos, end) });
    this.line += countNewlines(this.buf, this.pos, end);
    this.pos = end;
  }

  private endCopy(marker: number, after: number): boolean {
    this.emitCopy(marker);
    this.events.push({ kind: 'copy-end', line: this.line });
    if (this.buf[after - 1] === NL) this.line++;
    this.pos = after;
    this.state = St.Normal;
    return true;
  }
}

/** Reads a whole stream as events, with backpressure: the next chunk is read when the consumer asks. */
export async function* readSql(input: AsyncIterable<Buffer | string>): AsyncGenerator<SqlEvent> {
  const reader = new PgSqlReader();
  for await (const chunk of input) yield* reader.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  yield* reader.end();
}
