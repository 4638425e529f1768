/** How a job result reads in a notification. Results are redacted before they get here. */
import { formatBytes, formatDuration } from '../util/duration.js';
import type { JobResult } from '../jobs/types.js';

const ICON: Record<JobResult['status'], string> = { success: '✅', failure: '❌', aborted: '⚠️' };
const VERB: Record<JobResult['status'], string> = { success: 'succeeded', failure: 'failed', aborted: 'was aborted' };

/** One line: `✅ onedump job app-db (dump) succeeded in 12.3s, 4.5 MiB → local, s3` */
export function headline(r: JobResult): string {
  const parts = [`${ICON[r.status]} onedump job ${r.job} (${r.type}) ${VERB[r.status]} in ${formatDuration(r.durationMs)}`];
  if (r.dryRun) parts[0] += ' [dry run]';
  if (r.bytes !== undefined) parts.push(formatBytes(r.bytes));
  const okDest = r.destinations.filter((d) => d.ok).map((d) => d.storage);
  if (okDest.length) parts.push(`→ ${okDest.join(', ')}`);
  return parts.join(', ').replace(', →', ' →');
}

/** Headline plus the error, failed destinations and the job's summary, as plain text lines. */
export function details(r: JobResult): string[] {
  const lines: string[] = [];
  if (r.error) lines.push(`Error: ${r.error}`);
  const stored = r.destinations.filter((d) => d.ok && d.key).map((d) => `${d.storage}:${d.key}`);
  if (stored.length && !r.dryRun) lines.push(`Stored: ${stored.join(', ')}`);
  for (const d of r.destinations.filter((x) => !x.ok)) lines.push(`Destination ${d.storage} failed: ${d.error ?? 'unknown error'}`);
  if (r.attempts > 1) lines.push(`Attempts: ${r.attempts}`);
  if (r.summary) lines.push(r.summary);
  return lines;
}

export function plainText(r: JobResult): string {
  return [headline(r), ...details(r)].join('\n');
}
