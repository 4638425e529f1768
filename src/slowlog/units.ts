/** Number, duration and text helpers shared by the human-readable report formats. */
import { eastAsianWidth } from 'get-east-asian-width';

/** C0/C1 control characters other than tab and line feed: never sent to a terminal. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
/** Characters a terminal draws in no column: combining marks, zero-width and format characters. */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;

/** Seconds as `850µs`, `12.3ms`, `1.23s`, `2m03s`, `1h02m`. */
export function seconds(s: number): string {
  if (s === 0) return '0';
  if (s < 0.0009995) return `${Math.round(s * 1e6)}µs`;
  if (s < 0.9995) return `${trim((s * 1000).toPrecision(3))}ms`;
  if (s < 59.95) return `${trim(s.toPrecision(3))}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Integers with thousands separators; fractions with up to 3 significant digits. */
export function count(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return trim(n.toPrecision(3));
}

export function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** `2024-05-01 12:00:00` (UTC) from an ISO string; `-` for none. */
export function when(iso: string | null): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '-';
}

/**
 * Log text made safe for a terminal: control characters (an escape sequence in a logged string would
 * be run by the terminal) become U+FFFD, as invalid UTF-8 does.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, '\ufffd');
}

/** Terminal columns of one character: 2 for wide (CJK, fullwidth, emoji), 0 for combining marks. */
function columns(ch: string): number {
  const cp = ch.codePointAt(0)!;
  if (cp < 0x300) return 1;
  return ZERO_WIDTH.test(ch) ? 0 : eastAsianWidth(cp);
}

/** How many of `chars` from `from` on fit in `width` terminal columns. */
function fit(chars: string[], from: number, width: number): number {
  let used = 0;
  let i = from;
  for (; i < chars.length; i++) {
    used += columns(chars[i]!);
    if (used > width) break;
  }
  return i - from;
}

/** Cuts `text` to `width` terminal columns, marking the cut with `…`; line breaks become spaces. */
export function clip(text: string, width: number): string {
  const chars = [...printable(text.replace(/[\r\n\t]+/g, ' '))];
  if (fit(chars, 0, width) === chars.length) return chars.join('');
  return chars.slice(0, fit(chars, 0, width - 1)).join('') + '…';
}

/** Hard-wraps each line of `text` to `width` terminal columns with `indent`; at most `maxLines` lines. */
export function wrap(text: string, width: number, indent = '', maxLines = Infinity): string[] {
  const out: string[] = [];
  const room = width - indent.length;
  for (const line of printable(text.replace(/\r/g, '').replace(/\t/g, '    ')).split('\n')) {
    const chars = [...line];
    let i = 0;
    do {
      const take = Math.max(fit(chars, i, room), 1);
      out.push(indent + chars.slice(i, i + take).join(''));
      i += take;
    } while (i < chars.length);
  }
  if (out.length <= maxLines) return out;
  return [...out.slice(0, maxLines - 1), `${indent}… (${out.length - maxLines + 1} more lines)`];
}

function trim(s: string): string {
  return s.includes('.') && !s.includes('e') ? s.replace(/\.?0+$/, '') : s;
}
