/**
 * The report: a plain JSON-able object, documented in docs/slowlog.md and by the JSON Schema
 * docs/slowlog-report.schema.json. The table, markdown and summary formats are views of it.
 * Times are in seconds, texts are decoded as UTF-8.
 */
import { maskLiterals } from './fingerprint.js';
import type { QueryClass, SlowAggregator, Tally } from './aggregate.js';
import type { Distribution, ExactValues } from './values.js';

export const SORT_KEYS = ['total', 'avg', 'max', 'p95', 'count'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface ReportOptions {
  top: number;
  sort: SortKey;
  mask: boolean;
  since?: number;
  until?: number;
  filter?: Partial<Record<'db' | 'user' | 'host', string[]>>;
  generatedAt?: Date;
}

export type Stats = Omit<Distribution, 'count'>;

export interface NamedCount {
  /** `null` for "all other values" once a class has seen more than 100 distinct ones. */
  name: string | null;
  count: number;
}

export interface ClassReport {
  rank: number;
  id: string;
  fingerprint: string;
  count: number;
  /** This class's share of the total Query_time of all counted entries (0..1). */
  time_share: number;
  query_time: Stats;
  lock_time: Stats | null;
  rows_sent: Stats | null;
  rows_examined: Stats | null;
  first_seen: string | null;
  last_seen: string | null;
  databases: NamedCount[];
  users: NamedCount[];
  hosts: NamedCount[];
  example: { query: string; truncated: boolean; masked: boolean; query_time: number; time: string | null; db: string | null; source: string; line: number };
}

export interface SourceReport {
  name: string;
  format: 'mysql' | 'postgres' | null;
  gzip: boolean;
  bytes: number;
  text_bytes: number;
  lines: number;
  entries: number;
  malformed: number;
}

export interface SlowReport {
  report: 'onedump-slowlog';
  version: 1;
  generated_at: string;
  options: { sort: SortKey; top: number; mask: boolean; since: string | null; until: string | null; filter: Partial<Record<'db' | 'user' | 'host', string[]>> };
  sources: SourceReport[];
  summary: {
    /** Entries parsed in all sources (before filters). */
    entries_parsed: number;
    /** Entries counted (after --since/--until/--filter). */
    entries: number;
    filtered_out: number;
    malformed: number;
    classes: number;
    first_seen: string | null;
    last_seen: string | null;
    span_seconds: number;
    /** Counted entries per second over the span; null when the span is zero. */
    qps: number | null;
    query_time: Stats;
  };
  malformed: { source: string; line: number; reason: string }[];
  classes: ClassReport[];
}

/** Sorts the classes, keeps the top N and renders everything JSON-able. */
export function buildReport(agg: SlowAggregator, opts: ReportOptions, sources: SourceReport[]): SlowReport {
  const total = agg.queryTime.sum;
  const stats = new Map<QueryClass, Distribution>();
  for (const c of agg.classes.values()) stats.set(c, c.queryTime.stats());
  const ranked = [...agg.classes.values()].sort((a, b) => compare(stats.get(a)!, stats.get(b)!, opts.sort) || (a.id < b.id ? -1 : 1));
  const span = agg.firstSeen !== undefined && agg.lastSeen !== undefined ? (agg.lastSeen - agg.firstSeen) / 1000 : 0;
  return {
    report: 'onedump-slowlog',
    version: 1,
    generated_at: (opts.generatedAt ?? new Date()).toISOString(),
    options: { sort: opts.sort, top: opts.top, mask: opts.mask, since: iso(opts.since), until: iso(opts.until), filter: opts.filter ?? {} },
    sources,
    summary: {
      entries_parsed: sources.reduce((n, s) => n + s.entries, 0),
      entries: agg.entries,
      filtered_out: agg.filteredOut,
      malformed: agg.malformedCount,
      classes: agg.classes.size,
      first_seen: iso(agg.firstSeen),
      last_seen: iso(agg.lastSeen),
      span_seconds: span,
      qps: span > 0 ? round(agg.entries / span, 6) : null,
      query_time: seconds(agg.queryTime.stats()),
    },
    malformed: agg.malformed.map((m) => ({ source: m.source, line: m.line, reason: m.reason })),
    classes: ranked.slice(0, opts.top > 0 ? opts.top : undefined).map((c, i) => classReport(c, i + 1, stats.get(c)!, total, opts.mask)),
  };
}

function compare(a: Distribution, b: Distribution, sort: SortKey): number {
  const key = (d: Distribution) => (sort === 'total' ? d.sum : sort === 'avg' ? d.avg : sort === 'max' ? d.max : sort === 'p95' ? d.p95 : d.count);
  return key(b) - key(a) || b.sum - a.sum;
}

function classReport(c: QueryClass, rank: number, qt: Distribution, total: number, mask: boolean): ClassReport {
  const ex = c.example!;
  const query = text(ex.query);
  return {
    rank,
    id: c.id,
    fingerprint: text(c.fingerprint),
    count: c.count,
    time_share: total > 0 ? round(qt.sum / total, 6) : 0,
    query_time: seconds(qt),
    lock_time: c.lockTime.count ? seconds(c.lockTime.stats()) : null,
    rows_sent: numbers(c.rowsSent),
    rows_examined: numbers(c.rowsExamined),
    first_seen: iso(c.firstSeen),
    last_seen: iso(c.lastSeen),
    databases: named(c.databases),
    users: named(c.users),
    hosts: named(c.hosts),
    example: {
      query: mask ? maskLiterals(query, c.dialect) : query,
      truncated: ex.truncated,
      masked: mask,
      query_time: ex.queryTime / 1e6,
      time: iso(ex.time),
      db: ex.db === undefined ? null : text(ex.db),
      source: ex.source,
      line: ex.line,
    },
  };
}

/** Microsecond distribution → seconds, rounded to the nanosecond (no float noise like 0.30000000000000004). */
function seconds(d: Distribution): Stats {
  const s = (us: number) => Math.round(us * 1000) / 1e9;
  return { sum: s(d.sum), min: s(d.min), max: s(d.max), avg: s(d.avg), median: s(d.median), p95: s(d.p95), stddev: s(d.stddev) };
}

function numbers(v: ExactValues): Stats | null {
  if (!v.count) return null;
  const d = v.stats();
  return { sum: d.sum, min: d.min, max: d.max, avg: round(d.avg, 6), median: d.median, p95: d.p95, stddev: round(d.stddev, 6) };
}

function named(t: Tally): NamedCount[] {
  const list: NamedCount[] = [...t.counts].map(([name, count]) => ({ name: text(name), count }));
  list.sort((a, b) => b.count - a.count || (a.name! < b.name! ? -1 : 1));
  if (t.other) list.push({ name: null, count: t.other });
  return list;
}

/** A log "binary string" decoded as UTF-8 (invalid sequences become U+FFFD). */
export function text(binary: string): string {
  return Buffer.from(binary, 'latin1').toString('utf8');
}

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
