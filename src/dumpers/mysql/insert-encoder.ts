/**
 * Turns MySQL text-protocol row packets straight into extended INSERT statements, byte for byte, without
 * decoding values into JavaScript objects: numbers are copied, text is escaped as mysql_real_escape_string
 * does, binary values become hex literals. Statements stay under `maxStatement` bytes (a single row larger
 * than that gets a statement of its own), and output is handed on in chunks of whole statements, so
 * chunks from several tables may be interleaved safely.
 */
import { BYTE_ESCAPES } from './quote.js';

/** How a column's value is written. */
export const enum ValueKind {
  /** Copied as the server sent it (integers, DECIMAL, DOUBLE, YEAR). */
  Raw = 0,
  /** A quoted, escaped string (text in the connection's utf8mb4, dates, ENUM/SET, JSON). */
  Text = 1,
  /** A hex literal `0x…` (binary strings, BLOBs, BIT, spatial values); `''` when empty. */
  Hex = 2,
}

const HEX = Buffer.from('0123456789abcdef', 'latin1');
const NULL_BYTES = Buffer.from('NULL', 'latin1');
const SLAB = 4 * 1024 * 1024;
/** Chunks are handed on once they hold at least this much. */
const FLUSH_AT = 512 * 1024;

/** Writes `'…'` with mysql_real_escape_string's escapes. */
function escapeText(buf: Buffer, p: number, e: number, out: Buffer, o: number): number {
  out[o++] = 0x27;
  for (; p < e; p++) {
    const c = buf[p]!;
    const x = BYTE_ESCAPES[c]!;
    if (x === 0) out[o++] = c;
    else {
      out[o++] = 0x5c;
      out[o++] = x;
    }
  }
  out[o++] = 0x27;
  return o;
}

/** `0x` and two hex digits per byte. */
function writeHex(buf: Buffer, p: number, e: number, out: Buffer, o: number): number {
  out[o++] = 0x30;
  out[o++] = 0x78;
  for (; p < e; p++) {
    const c = buf[p]!;
    out[o++] = HEX[c >> 4]!;
    out[o++] = HEX[c & 15]!;
  }
  return o;
}

export class InsertEncoder {
  /** Rows encoded so far. */
  rows = 0;
  private out: Buffer = Buffer.allocUnsafe(SLAB);
  private pos = 0;
  private stmtLen = 0;
  private inStatement = false;

  /**
   * @param head `INSERT INTO \`t\` (\`a\`,\`b\`) VALUES ` as bytes.
   * @param kinds one entry per column of the result set.
   * @param sink receives chunks of whole statements; returns false when the consumer is full.
   */
  constructor(
    private readonly head: Buffer,
    private readonly kinds: Uint8Array,
    private readonly maxStatement: number,
    private readonly sink: (chunk: Buffer) => boolean,
  ) {}

  /** Encodes one row packet payload `buf[start, end)`. Returns false when the sink asked to pause. */
  row(buf: Buffer, start: number, end: number): boolean {
    const n = this.kinds.length;
    const bound = (end - start) * 2 + n * 5 + 8;
    let flushed = true;
    if (this.inStatement && this.stmtLen + bound > this.maxStatement) flushed = this.endStatement();
    this.ensure(bound + this.head.length + 4);
    const out = this.out;
    let o = this.pos;
    const before = o;
    if (!this.inStatement) {
      this.head.copy(out, o);
      o += this.head.length;
      out[o++] = 0x28; // (
      this.inStatement = true;
      this.stmtLen = 0;
    } else {
      out[o++] = 0x2c; // ,
      out[o++] = 0x28;
    }
    let p = start;
    const kinds = this.kinds;
    for (let i = 0; i < n; i++) {
      if (i) out[o++] = 0x2c;
      let len = buf[p++]!;
      if (len === 0xfb) {
        NULL_BYTES.copy(out, o);
        o += 4;
        continue;
      }
      if (len === 0xfc) {
        len = buf[p]! | (buf[p + 1]! << 8);
        p += 2;
      } else if (len === 0xfd) {
        len = buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16);
        p += 3;
      } else if (len === 0xfe) {
        len = buf.readUInt32LE(p) + buf.readUInt32LE(p + 4) * 0x100000000;
        p += 8;
      }
      const e = p + len;
      const kind = kinds[i];
      if (kind === ValueKind.Raw) {
        if (len > 32) {
          buf.copy(out, o, p, e);
          o += len;
        } else {
          for (; p < e; p++) out[o++] = buf[p]!;
        }
      } else if (kind === ValueKind.Text) {
        o = escapeText(buf, p, e, out, o);
      } else if (len === 0) {
        out[o++] = 0x27;
        out[o++] = 0x27;
      } else {
        o = writeHex(buf, p, e, out, o);
      }
      p = e;
    }
    out[o++] = 0x29; // )
    this.stmtLen += o - before;
    this.pos = o;
    this.rows++;
    return flushed;
  }

  /** Ends the open statement and hands on everything; returns the sink's answer. */
  finish(): boolean {
    if (this.inStatement) {
      this.out[this.pos++] = 0x3b;
      this.out[this.pos++] = 0x0a;
      this.inStatement = false;
    }
    return this.flush();
  }

  private endStatement(): boolean {
    this.out[this.pos++] = 0x3b; // ;
    this.out[this.pos++] = 0x0a;
    this.inStatement = false;
    return this.pos >= FLUSH_AT ? this.flush() : true;
  }

  private flush(): boolean {
    if (!this.pos) return true;
    const chunk = this.out.subarray(0, this.pos);
    this.out = this.out.length - this.pos >= FLUSH_AT * 2 ? this.out.subarray(this.pos) : Buffer.allocUnsafe(SLAB);
    this.pos = 0;
    return this.sink(chunk);
  }

  /** Makes room for `need` more bytes, keeping the open statement contiguous. */
  private ensure(need: number): void {
    if (this.pos + need + 2 <= this.out.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(SLAB, this.pos + need + 2));
    this.out.copy(bigger, 0, 0, this.pos);
    this.out = bigger;
  }
}
