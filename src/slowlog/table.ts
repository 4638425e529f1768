/**
 * The report as plain text for a terminal, in the spirit of pt-query-digest's report: an overview, a
 * profile (one line per class) and a block per class. Every line fits WIDTH (120) columns.
 */
import { clip, count, percent, seconds, when, wrap } from './units.js';
import type { ClassReport, NamedCount, SlowReport, Stats } from './report.js';

export const WIDTH = 120;
const EXAMPLE_LINES = 30;

export function tableReport(r: SlowReport): string {
  const lines = [...overview(r), '', ...profile(r)];
  for (const c of r.classes) lines.push('', ...classBlock(c));
  if (r.malformed.length) lines.push('', ...malformedList(r));
  return lines.map((l) => clip(l, WIDTH)).join('\n') + '\n';
}

/** The header lines shared with the markdown and summary formats. */
export function overview(r: SlowReport): string[] {
  const s = r.summary;
  const lines = [
    `onedump slow-log report: ${count(r.sources.length)} source${r.sources.length === 1 ? '' : 's'}, ${count(s.entries)} entries in ${count(s.classes)} classes` +
      (s.malformed ? `, ${count(s.malformed)} malformed` : '') + (s.filtered_out ? `, ${count(s.filtered_out)} filtered out` : ''),
    `Time range: ${when(s.first_seen)} to ${when(s.last_seen)} UTC (${count(s.span_seconds)} s)` + (s.qps !== null ? `, ${count(s.qps)} QPS` : ''),
    `Query time: total ${seconds(s.query_time.sum)}, avg ${seconds(s.query_time.avg)}, median ${seconds(s.query_time.median)}, p95 ${seconds(s.query_time.p95)}, max ${seconds(s.query_time.max)}`,
    `Top ${count(r.classes.length)} of ${count(s.classes)} classes by ${sortName(r.options.sort)}`,
  ];
  const filters = Object.entries(r.options.filter).map(([k, v]) => `${k}=${(v ?? []).join(',')}`);
  if (r.options.since) filters.push(`since ${r.options.since}`);
  if (r.options.until) filters.push(`until ${r.options.until}`);
  if (filters.length) lines.push(`Filters: ${filters.join('; ')}`);
  return lines;
}

export function sortName(sort: SlowReport['options']['sort']): string {
  return { total: 'total query time', avg: 'average query time', max: 'maximum query time', p95: '95th percentile query time', count: 'number of calls' }[sort];
}

function profile(r: SlowReport): string[] {
  const head = `${'Rank'.padStart(4)} ${'ID'.padEnd(16)} ${'Calls'.padStart(9)} ${'Time%'.padStart(6)} ${'Total'.padStart(8)} ${'Avg'.padStart(8)} ${'p95'.padStart(8)} ${'Max'.padStart(8)}  Fingerprint`;
  const room = WIDTH - head.length + 'Fingerprint'.length;
  const rows = r.classes.map((c) =>
    `${String(c.rank).padStart(4)} ${c.id.slice(0, 16)} ${count(c.count).padStart(9)} ${percent(c.time_share).padStart(6)} ` +
    `${seconds(c.query_time.sum).padStart(8)} ${seconds(c.query_time.avg).padStart(8)} ${seconds(c.query_time.p95).padStart(8)} ${seconds(c.query_time.max).padStart(8)}  ${clip(c.fingerprint, room)}`);
  return [head, ...rows];
}

function classBlock(c: ClassReport): string[] {
  const ex = c.example;
  const where = [when(ex.time) + ' UTC', ex.db ? `db ${ex.db}` : '', `${ex.source}:${ex.line}`].filter(Boolean).join(', ');
  return [
    `== Rank ${c.rank}: ID ${c.id}, ${count(c.count)} calls, ${percent(c.time_share)} of query time `.padEnd(WIDTH, '='),
    `First seen ${when(c.first_seen)} UTC, last seen ${when(c.last_seen)} UTC`,
    `${'Attribute'.padEnd(14)}${['Total', 'Min', 'Max', 'Avg', 'Median', 'p95', 'Stddev'].map((h) => h.padStart(11)).join('')}`,
    statsRow('Query time', c.query_time, seconds),
    statsRow('Lock time', c.lock_time, seconds),
    statsRow('Rows sent', c.rows_sent, count),
    statsRow('Rows examined', c.rows_examined, count),
    `Databases     ${names(c.databases)}`,
    `Users         ${names(c.users)}`,
    `Hosts         ${names(c.hosts)}`,
    'Fingerprint',
    ...wrap(c.fingerprint, WIDTH, '  ', EXAMPLE_LINES),
    `Example${ex.masked ? ' (literals masked)' : ''}: slowest call, ${seconds(ex.query_time)}, ${where}${ex.truncated ? ', truncated' : ''}`,
    ...wrap(ex.query, WIDTH, '  ', EXAMPLE_LINES),
  ];
}

function statsRow(label: string, s: Stats | null, fmt: (n: number) => string): string {
  if (!s) return `${label.padEnd(14)}${'-'.padStart(11)}`;
  return label.padEnd(14) + [s.sum, s.min, s.max, s.avg, s.median, s.p95, s.stddev].map((v) => clip(fmt(v), 10).padStart(11)).join('');
}

/** `app (1,200), shop (34), other (5)`. */
export function names(list: NamedCount[]): string {
  return list.length ? list.map((n) => `${n.name ?? 'other'} (${count(n.count)})`).join(', ') : '-';
}

function malformedList(r: SlowReport): string[] {
  const lines = [`Malformed entries: ${count(r.summary.malformed)}${r.summary.malformed > r.malformed.length ? ` (first ${r.malformed.length} listed)` : ''}`];
  for (const m of r.malformed) lines.push(`  ${m.source}:${m.line}: ${m.reason}`);
  return lines;
}
