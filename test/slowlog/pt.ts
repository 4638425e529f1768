/**
 * pt-query-digest (Debian percona-toolkit) as the reference: its JSON report, its QueryRewriter, and a
 * port of its statistics (EventAggregator::_calc_metrics) to check our exact values against its
 * histogram-based figures.
 */
import { execFileSync } from 'node:child_process';
import { expect } from '@jest/globals';
import type { Analysis } from '../../src/slowlog/analyze.js';
import type { ExactValues } from '../../src/slowlog/values.js';

export const PT = '/usr/bin/pt-query-digest';

export interface PtMetric {
  sum: string;
  min: string;
  max: string;
  avg: string;
  median: string;
  pct_95: string;
  stddev: string;
}

export interface PtClass {
  checksum: string;
  fingerprint: string;
  query_count: number;
  metrics: Record<string, PtMetric | undefined>;
}

export interface PtReport {
  global: { query_count: number; unique_query_count: number };
  classes: PtClass[];
}

/** `pt-query-digest --output json` over every class (no top-N limit) of the given (plain) files. */
export function ptDigest(files: string[]): PtReport {
  // stderr ignored: on malformed input pt-query-digest prints Perl warnings and carries on
  const out = execFileSync(PT, ['--no-version-check', '--output', 'json', '--limit', '100%:1000000', ...files], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
  return JSON.parse(out) as PtReport;
}

/** Fingerprints by pt-query-digest's own QueryRewriter (the bytes of each query, NUL-separated). */
export function ptFingerprints(queries: string[]): string[] {
  const script = 'require "' + PT + '"; binmode STDIN; binmode STDOUT; my $qr = QueryRewriter->new; my $in = do { local $/; <STDIN> }; ' +
    'print join("\\0", map { $qr->fingerprint($_) } split(/\\0/, $in, -1));';
  const out = execFileSync('perl', ['-e', script], { input: Buffer.from(queries.join('\0'), 'latin1'), maxBuffer: 1 << 28 });
  return out.toString('latin1').split('\0');
}

/** pt-query-digest's class ID for a fingerprint (Transformers::make_checksum). */
export function ptChecksums(fingerprints: string[]): string[] {
  const script = 'require "' + PT + '"; binmode STDIN; binmode STDOUT; my $in = do { local $/; <STDIN> }; ' +
    'print join("\\n", map { Transformers::make_checksum($_) } split(/\\0/, $in, -1));';
  return execFileSync('perl', ['-e', script], { input: Buffer.from(fingerprints.join('\0'), 'latin1') }).toString('latin1').split('\n');
}

// EventAggregator's constants
const BUCK_SIZE = 1.05;
const BASE_LOG = Math.log(BUCK_SIZE);
const BASE_OFFSET = Math.abs(1 - Math.log(0.000001) / BASE_LOG);
const NUM_BUCK = 1000;
const MIN_BUCK = 0.000001;

function bucketIdx(v: number): number {
  if (v < MIN_BUCK) return 0;
  const idx = Math.trunc(BASE_OFFSET + Math.log(v) / BASE_LOG);
  return idx > NUM_BUCK - 1 ? NUM_BUCK - 1 : idx;
}

export function bucketValue(b: number): number {
  return b === 0 ? 0 : BUCK_SIZE ** (b - 1) * MIN_BUCK;
}

/**
 * EventAggregator::_calc_metrics, line for line: median, pct_95 and stddev from the 1.05-wide
 * buckets of the given values (`scale` turns our stored integers into pt's units: 1e-6 for times).
 */
export function ptStats(store: ExactValues, scale: number): { median: number; pct_95: number; stddev: number } {
  const { values, counts } = store.sorted();
  const n = store.count;
  const min = store.min * scale;
  const max = store.max * scale;
  if (n === 1 || max === min) return { median: max, pct_95: max, stddev: 0 };
  if (n === 2) {
    const mean = (min + max) / 2;
    return { median: mean, pct_95: max, stddev: Math.sqrt((max - mean) ** 2 * 2) };
  }
  const buckets = new Array<number>(NUM_BUCK).fill(0);
  for (let i = 0; i < values.length; i++) buckets[bucketIdx(values[i]! * scale)]! += counts[i]!;
  const cutoff = n >= 10 ? Math.trunc(n * 0.95) : n;
  const topVals = n - cutoff;
  const mid = Math.trunc(n / 2);
  let totalLeft = n;
  let sumExcl = 0;
  let sum = 0;
  let sumsq = 0;
  let median = 0;
  let prev = NUM_BUCK - 1;
  let bucket95 = 0;
  for (let b = NUM_BUCK - 1; b >= 0; b--) {
    const val = buckets[b]!;
    if (!val) continue;
    totalLeft -= val;
    sumExcl += val;
    if (!bucket95 && sumExcl > topVals) bucket95 = b;
    if (!median && totalLeft <= mid) median = cutoff % 2 || val > 1 ? bucketValue(b) : (bucketValue(b) + bucketValue(prev)) / 2;
    sum += val * bucketValue(b);
    sumsq += val * bucketValue(b) ** 2;
    prev = b;
  }
  const variance = sumsq / n - (sum / n) ** 2;
  let stddev = variance > 0 ? Math.sqrt(variance) : 0;
  stddev = Math.min(stddev, (max - min) / 2);
  return { median, pct_95: bucketValue(bucket95), stddev };
}

/** Perl's `sprintf('%.6f')` / `sprintf('%d')` as pt-query-digest prints metrics. */
function printed(v: number, time: boolean): string {
  return time ? v.toFixed(6) : String(Math.trunc(v));
}

const METRICS = [
  { pt: 'Query_time', ours: 'queryTime', scale: 1e-6, time: true },
  { pt: 'Lock_time', ours: 'lockTime', scale: 1e-6, time: true },
  { pt: 'Rows_sent', ours: 'rowsSent', scale: 1, time: false },
  { pt: 'Rows_examined', ours: 'rowsExamined', scale: 1, time: false },
] as const;

export interface Comparison {
  /** Class IDs pt-query-digest reports that we do not (expected differences, documented). */
  onlyPt?: string[];
  /** Class IDs we report that pt-query-digest does not. */
  onlyOurs?: string[];
  /** Classes whose count legitimately differs (pt merged or lost entries there): id → [ours, pt]. */
  counts?: Record<string, [number, number]>;
}

/**
 * Our analysis against pt-query-digest's JSON: the same class IDs, and for each class the same count
 * and Query_time sum; p95 within pt's bucket error (its value is the lower bound of a 5%-wide bucket
 * holding our exact value at the same rank); and pt's median/p95/stddev recomputed from our exact
 * values with its algorithm equal to what it printed (so both saw the same values).
 */
export function expectAgreement(analysis: Analysis, pt: PtReport, expected: Comparison = {}): void {
  const ours = new Map([...analysis.aggregator.classes.values()].map((c) => [c.id, c]));
  const theirs = new Map(pt.classes.map((c) => [c.checksum, c]));
  const onlyPt = [...theirs.keys()].filter((id) => !ours.has(id)).sort();
  const onlyOurs = [...ours.keys()].filter((id) => !theirs.has(id)).sort();
  expect({ onlyPt, onlyOurs }).toEqual({ onlyPt: [...(expected.onlyPt ?? [])].sort(), onlyOurs: [...(expected.onlyOurs ?? [])].sort() });
  let compared = 0;
  for (const [id, p] of theirs) {
    const c = ours.get(id);
    if (!c) continue;
    const countsDiffer = expected.counts?.[id];
    if (countsDiffer) {
      expect([c.count, p.query_count]).toEqual(countsDiffer);
      compared++;
      continue;
    }
    expect({ id, count: c.count }).toEqual({ id, count: p.query_count });
    for (const m of METRICS) {
      const store = c[m.ours];
      const metric = p.metrics[m.pt];
      if (!metric) {
        // pt leaves out a metric whose every figure is zero
        expect({ id, metric: m.pt, max: store.count ? store.max : 0 }).toEqual({ id, metric: m.pt, max: 0 });
        continue;
      }
      const label = `${id} ${m.pt}`;
      expect({ label, sum: round6(store.sum * m.scale) }).toEqual({ label, sum: round6(Number(metric.sum)) });
      const sim = ptStats(store, m.scale);
      expect({ label, median: printed(sim.median, m.time), p95: printed(sim.pct_95, m.time), stddev: printed(sim.stddev, m.time) })
        .toEqual({ label, median: metric.median, p95: metric.pct_95, stddev: metric.stddev });
      const exactP95 = store.stats().p95 * m.scale;
      expect(Number(metric.pct_95)).toBeLessThanOrEqual(exactP95 + 1e-6);
      expect(exactP95).toBeLessThanOrEqual(m.time ? Number(metric.pct_95) * BUCK_SIZE + 1e-6 : (Number(metric.pct_95) + 1) * BUCK_SIZE);
    }
    compared++;
  }
  expect(compared).toBeGreaterThan(0);
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
