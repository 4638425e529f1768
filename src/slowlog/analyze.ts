/**
 * Slow-log analysis end to end: read each source line by line, parse (format per source, detected or
 * given), aggregate by fingerprint, build the report. Sources are read one after another; nothing but
 * the aggregates outlives a line.
 */
import { SlowAggregator, type EntryFilter } from './aggregate.js';
import { createParser, DetectingParser } from './format.js';
import { readLines, type LogSource } from './input.js';
import { buildReport, type ReportOptions, type SlowReport, type SourceReport } from './report.js';
import type { LogFormat } from './types.js';

export interface AnalyzeOptions extends ReportOptions {
  /** `auto` (default) detects each source's format from its first telling line (see format.ts). */
  format?: LogFormat | 'auto';
  signal?: AbortSignal;
}

export interface Analysis {
  report: SlowReport;
  /** The aggregates behind the report (every class, not only the top N). */
  aggregator: SlowAggregator;
}

export async function analyzeSlowLogs(sources: LogSource[], opts: AnalyzeOptions): Promise<Analysis> {
  const aggregator = new SlowAggregator(entryFilter(opts));
  const reports: SourceReport[] = [];
  for (const source of sources) {
    const stats = { name: source.name, format: undefined as LogFormat | undefined, bytes: 0, entries: 0, malformed: 0 };
    aggregator.sources.push(stats);
    const open = (format: LogFormat) => {
      stats.format = format;
      return createParser(format, aggregator.sink(stats, format));
    };
    const read = await readLines(source, () => (!opts.format || opts.format === 'auto' ? new DetectingParser(open) : open(opts.format)), opts.signal);
    stats.bytes = read.bytes;
    reports.push({ name: source.name, format: stats.format ?? null, gzip: read.gzip, bytes: read.bytes, text_bytes: read.textBytes, lines: read.lines, entries: stats.entries, malformed: stats.malformed });
  }
  return { report: buildReport(aggregator, opts, reports), aggregator };
}

/**
 * Filter values are typed by users (UTF-8); log fields are binary strings (see types.ts), so the
 * values are converted to compare byte for byte.
 */
function entryFilter(opts: AnalyzeOptions): EntryFilter {
  const match: EntryFilter['match'] = {};
  for (const [key, values] of Object.entries(opts.filter ?? {}) as [keyof NonNullable<EntryFilter['match']>, string[]][]) {
    if (values?.length) match[key] = values.map((v) => Buffer.from(v, 'utf8').toString('latin1'));
  }
  return { since: opts.since, until: opts.until, match: Object.keys(match).length ? match : undefined };
}
