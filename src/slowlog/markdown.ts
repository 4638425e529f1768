/** The report as Markdown (GitHub-flavoured): overview, a profile table, a section per class. */
import { names, overview } from './table.js';
import { clip, count, percent, printable, seconds, when } from './units.js';
import type { ClassReport, SlowReport, Stats } from './report.js';

export function markdownReport(r: SlowReport): string {
  const [title, ...rest] = overview(r);
  const out = [`# ${title}`, '', ...rest.map((l) => `- ${l}`), '', '| Rank | ID | Calls | Time % | Total | Avg | p95 | Max | Fingerprint |', '|---:|---|---:|---:|---:|---:|---:|---:|---|'];
  for (const c of r.classes) {
    out.push(`| ${c.rank} | \`${c.id.slice(0, 16)}\` | ${count(c.count)} | ${percent(c.time_share)} | ${seconds(c.query_time.sum)} | ${seconds(c.query_time.avg)} | ${seconds(c.query_time.p95)} | ${seconds(c.query_time.max)} | ${inlineCode(clip(c.fingerprint, 100))} |`);
  }
  for (const c of r.classes) out.push('', ...classSection(c));
  if (r.malformed.length) {
    out.push('', `## Malformed entries (${count(r.summary.malformed)})`, '');
    for (const m of r.malformed) out.push(`- \`${m.source}:${m.line}\`: ${m.reason}`);
  }
  return printable(out.join('\n')) + '\n';
}

function classSection(c: ClassReport): string[] {
  const ex = c.example;
  return [
    `## ${c.rank}. \`${c.id}\``,
    '',
    `${count(c.count)} calls, ${percent(c.time_share)} of query time; first seen ${when(c.first_seen)} UTC, last seen ${when(c.last_seen)} UTC.`,
    '',
    '| Attribute | Total | Min | Max | Avg | Median | p95 | Stddev |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    statsRow('Query time', c.query_time, seconds),
    statsRow('Lock time', c.lock_time, seconds),
    statsRow('Rows sent', c.rows_sent, count),
    statsRow('Rows examined', c.rows_examined, count),
    '',
    `- Databases: ${names(c.databases)}`,
    `- Users: ${names(c.users)}`,
    `- Hosts: ${names(c.hosts)}`,
    '',
    fence(c.fingerprint),
    '',
    `Example${ex.masked ? ' (literals masked)' : ''}: slowest call, ${seconds(ex.query_time)} at ${when(ex.time)} UTC${ex.db ? `, db ${ex.db}` : ''}, \`${ex.source}:${ex.line}\`${ex.truncated ? ' (truncated)' : ''}`,
    '',
    fence(ex.query),
  ];
}

function statsRow(label: string, s: Stats | null, fmt: (n: number) => string): string {
  if (!s) return `| ${label} | - | | | | | | |`;
  return `| ${label} | ${[s.sum, s.min, s.max, s.avg, s.median, s.p95, s.stddev].map(fmt).join(' | ')} |`;
}

/** A fenced SQL block whose fence is longer than any backtick run inside. */
function fence(sql: string): string {
  const longest = Math.max(2, ...(sql.match(/`+/g) ?? []).map((m) => m.length));
  const f = '`'.repeat(longest + 1);
  return `${f}sql\n${sql}\n${f}`;
}

/** Inline code that survives backticks and pipes inside a table cell. */
function inlineCode(s: string): string {
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((m) => m.length));
  const f = '`'.repeat(longest + 1);
  return `${f} ${s.replace(/\|/g, '\\|')} ${f}`;
}
