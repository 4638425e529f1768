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
      const c = s[i]!;
      if (c === "'" || c === '"' || c === '`' || c === '[') {
        const close = c === '[' ? ']' : c;
        let j = i + 1;
        for (;;) {
          const k = s.indexOf(close, j);
          if (k < 0) { j = -1; break; }
          if (close !== ']' && s[k + 1] === close) { j = k + 2; continue; }
          j = k + 1;
          break;
        }
        if (j < 0) break; // incomplete: wait for more text
        this.lastWord = '';
        i = j;
        continue;
      }
      if (c === '-' && s[i + 1] === '-') {
        const k = s.indexOf('\n', i);
        if (k < 0) break;
        i = k + 1;
        continue;
      }
      if (c === '-' && i + 1 >= s.length) break;
      if (c === '/' && s[i + 1] === '*') {
        const k = s.indexOf('*/', i + 2);
        if (k < 0) break;
        i = k + 2;
        continue;
      }
      if (c === '/' && i + 1 >= s.length) break;
      if (c === ';') {
        i++;
        if (this.inTrigger() && this.lastWord !== 'END') continue;
        const stmt = s.slice(this.stmtStart, i).trim();
        if (stmt !== ';') out.push(stmt);
        this.stmtStart = i;
        this.words = [];
        this.lastWord = '';
        this.caseDepth = 0;
        continue;
      }
      if (/[A-Za-z_]/.test(c)) {
        let j = i + 1;
        while (j < s.length && /[A-Za-z0-9_$]/.test(s[j]!)) j++;
        if (j >= s.length) break; // the word may continue in the next chunk
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
        i = j;
        continue;
      }
      if (!/\s/.test(c)) this.lastWord = '';
      i++;
    }
    // drop consumed text to keep memory bounded by the longest statement
    this.buf = s.slice(this.stmtStart);
    this.pos = i - this.stmtStart;
    this.stmtStart = 0;
    return out;
  }

  /** Whatever remains after the input ends (a statement without `;`), or '' if only whitespace. */
  end(): string {
    const rest = this.buf.trim();
    this.buf = '';
    this.pos = 0;
    return rest.replace(/^(--[^\n]*\n|\s)+$/, '');
  }

  private inTrigger(): boolean {
    const [a, b, c] = this.words;
    return a === 'CREATE' && (b === 'TRIGGER' || ((b === 'TEMP' || b === 'TEMPORARY') && c === 'TRIGGER'));
  }
}
