/** Number, duration and text helpers shared by the human-readable report formats. */

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

/** Cuts `text` to `width` characters, marking the cut with `…`; line breaks become spaces. */
export function clip(text: string, width: number): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ');
  return [...flat].length <= width ? flat : [...flat].slice(0, width - 1).join('') + '…';
}

/** Hard-wraps each line of `text` to `width` characters with `indent`; at most `maxLines` lines. */
export function wrap(text: string, width: number, indent = '', maxLines = Infinity): string[] {
  const out: string[] = [];
  const room = width - indent.length;
  for (const line of text.replace(/\r/g, '').replace(/\t/g, '    ').split('\n')) {
    const chars = [...line];
    for (let i = 0; i === 0 || i < chars.length; i += room) out.push(indent + chars.slice(i, i + room).join(''));
  }
  if (out.length <= maxLines) return out;
  return [...out.slice(0, maxLines - 1), `${indent}… (${out.length - maxLines + 1} more lines)`];
}

function trim(s: string): string {
  return s.includes('.') && !s.includes('e') ? s.replace(/\.?0+$/, '') : s;
}
