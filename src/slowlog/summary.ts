/**
 * A short plain-text summary for notifications (Slack shows it in a code block, limited to ~3000
 * characters): one overview line and one line per top class.
 */
import { clip, count, percent, seconds, when } from './units.js';
import { sortName } from './table.js';
import type { SlowReport } from './report.js';

/** Characters of the whole summary, below Slack's 3000-character text limit with room for a headline. */
export const SUMMARY_LIMIT = 2800;

export function summaryText(r: SlowReport, top = r.classes.length): string {
  const s = r.summary;
  const lines = [
    `${count(s.entries)} queries in ${count(s.classes)} classes` + (s.malformed ? ` (${count(s.malformed)} malformed entries)` : '') +
      `, ${when(s.first_seen)} to ${when(s.last_seen)} UTC` + (s.qps !== null ? `, ${count(s.qps)} QPS` : '') + `, total ${seconds(s.query_time.sum)}`,
    `Top ${Math.min(top, r.classes.length)} by ${sortName(r.options.sort)}:`,
  ];
  let used = lines.join('\n').length;
  for (const c of r.classes.slice(0, top)) {
    const head = `${c.rank}. ${percent(c.time_share)} ${seconds(c.query_time.sum)} total, ${count(c.count)} calls, avg ${seconds(c.query_time.avg)}, p95 ${seconds(c.query_time.p95)}`;
    const line = `${head}\n   ${c.id.slice(0, 16)} ${clip(c.fingerprint, 100)}`;
    if (used + line.length + 1 > SUMMARY_LIMIT) {
      lines.push(`… ${r.classes.length - c.rank + 1} more`);
      break;
    }
    lines.push(line);
    used += line.length + 1;
  }
  return lines.join('\n');
}
