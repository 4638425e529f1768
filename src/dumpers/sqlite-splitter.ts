/**
 * Splits a stream of SQLite SQL text into complete statements, like `sqlite3_complete()`: aware of
 * '…' strings, "…" `…` […] identifiers, -- and /* *\/ comments, and CREATE TRIGGER … BEGIN … END bodies.
 */

export class SqliteStatementSplitter {
  private buf = '';
  private pos = 0;
  private stmtStart = 0;
  /** Keywords seen in the current statement, uppercased (only the first few and the last one matter). */
  private words: string[] = [];
  private lastWord = '';
  /** Open CASE expressions inside a trigger body: their END does not end the trigger. */
  private caseDepth = 0;

  /** Adds text and returns the statements it completed (each including its trailing `;`). */
  push(text: string): string[] {
    this.buf += text;
    const out: string[] = [];
    const s = this.buf;
    let i = this.pos;
    while (i < s.length) {
      const next = this.step(s, i, out);
      if (next === undefined) break; // a token may continue in the next chunk
      i = next;
    }
    // drop consumed text to keep memory bounded by the longest statement
    this.buf = s.slice(this.stmtStart);
    this.pos = i - this.stmtStart;
    this.stmtStart = 0;
    return out;
  }

  /** Consumes one token at `i`; returns where the next starts, or undefined when more text is needed. */
  private step(s: string, i: number, out: string[]): number | undefined {
    const c = s[i]!;
    if (c === "'" || c === '"' || c === '`' || c === '[') {
      const end = quotedEnd(s, i, c === '[' ? ']' : c);
      if (end !== undefined) this.lastWord = '';
      return end;
    }
    if ((c === '-' || c === '/') && i + 1 >= s.length) return undefined;
    if (c === '-' && s[i + 1] === '-') {
      const k = s.indexOf('\n', i);
      return k < 0 ? undefined : k + 1;
    }
    if (c === '/' && s[i + 1] === '*') {
      const k = s.indexOf('*/', i + 2);
      return k < 0 ? undefined : k + 2;
    }
    if (c === ';') return this.semicolon(s, i, out);
    if (/[A-Za-z_]/.test(c)) return this.word(s, i);
    if (!/\s/.test(c)) this.lastWord = '';
    return i + 1;
  }

  /** Ends the statement, unless the `;` is inside a trigger body. */
  private semicolon(s: string, i: number, out: string[]): number {
    if (this.inTrigger() && this.lastWord !== 'END') return i + 1;
    const stmt = s.slice(this.stmtStart, i + 1).trim();
    if (stmt !== ';') out.push(stmt);
    this.stmtStart = i + 1;
    this.words = [];
    this.lastWord = '';
    this.caseDepth = 0;
    return i + 1;
  }

  private word(s: string, i: number): number | undefined {
    let j = i + 1;
    while (j < s.length && /[A-Za-z0-9_$]/.test(s[j]!)) j++;
    if (j >= s.length) return undefined;
    let w = s.slice(i, j).toUpperCase();
    if (this.words.length < 4) this.words.push(w);
    if (this.inTrigger()) {
      if (w === 'CASE') this.caseDepth++;
      else if (w === 'END' && this.caseDepth > 0) {
        this.caseDepth--;
        w = 'END CASE';
      }
    }
    this.lastWord = w;
    return j;
  }

  /** Whatever remains after the input ends (a statement without `;`), or '' if only whitespace. */
  end(): string {
    const rest = this.buf.trim();
    this.buf = '';
    this.pos = 0;
    return /^(?:--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\s)*$/.test(rest) ? '' : rest;
  }

  private inTrigger(): boolean {
    const [a, b, c] = this.words;
    return a === 'CREATE' && (b === 'TRIGGER' || ((b === 'TEMP' || b === 'TEMPORARY') && c === 'TRIGGER'));
  }
}

/** Index just after the quoted token starting at `i` (doubled quotes inside), or undefined if it is not closed yet. */
function quotedEnd(s: string, i: number, close: string): number | undefined {
  let j = i + 1;
  for (;;) {
    const k = s.indexOf(close, j);
    if (k < 0) return undefined;
    if (close !== ']' && s[k + 1] === close) {
      if (k + 2 >= s.length) return undefined; // the doubled quote may be a closing one plus the next chunk's
      j = k + 2;
      continue;
    }
    if (close !== ']' && k + 1 >= s.length) return undefined; // a quote at the very end may be doubled by the next chunk
    return k + 1;
  }
}
