/**
 * Every value of one metric of one query class, kept exactly but compactly, so that median and p95
 * are exact (pt-query-digest reads them from ~5%-wide histogram buckets instead).
 *
 * Values arrive in a pending buffer; when it fills, it is sorted and merged (in place, from the back)
 * into a sorted array of distinct values with their counts. Log metrics are quantized — times in whole
 * microseconds, row counts are integers — so values are stored as 32-bit integers (8 bytes per distinct
 * value with its count; a store switches to 64-bit floats only if a value does not fit). Memory is
 * bounded by the number of distinct values, not by the number of entries: a class seen a million times
 * in the same few thousand microsecond values costs a few tens of KB.
 */

export interface Distribution {
  count: number;
  sum: number;
  min: number;
  max: number;
  avg: number;
  /** The middle value; for an even count, the mean of the two middle values. */
  median: number;
  /** The value at rank ⌊0.95·n⌋ (1-based, ascending) for n ≥ 10, else the maximum — pt-query-digest's rank. */
  p95: number;
  /** Population standard deviation. */
  stddev: number;
}

type Numbers = Uint32Array | Float64Array;

const FIRST_PENDING = 8;
const MIN_FLUSH = 1024;

export class ExactValues {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  private pending: Numbers = new Uint32Array(0);
  private pendingCount = 0;
  private values: Numbers = new Uint32Array(0);
  private counts: Numbers = new Uint32Array(0);
  private distinct = 0;
  /** Values are 64-bit floats (some value was not a 32-bit unsigned integer). */
  private wide = false;

  add(value: number): void {
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (value >>> 0 !== value && !this.wide) this.widen();
    if (this.pendingCount === this.pending.length) this.makeRoom();
    this.pending[this.pendingCount++] = value;
  }

  /** Distinct values in ascending order with how often each occurred. */
  sorted(): { values: Numbers; counts: Numbers } {
    this.flush();
    return { values: this.values.subarray(0, this.distinct), counts: this.counts.subarray(0, this.distinct) };
  }

  /** Bytes held by the typed arrays (for the documented memory bound). */
  bytes(): number {
    return this.pending.byteLength + this.values.byteLength + this.counts.byteLength;
  }

  stats(): Distribution {
    const { values, counts } = this.sorted();
    const n = this.count;
    if (n === 0) return { count: 0, sum: 0, min: 0, max: 0, avg: 0, median: 0, p95: 0, stddev: 0 };
    const mean = this.sum / n;
    let squares = 0;
    for (let i = 0; i < values.length; i++) squares += counts[i] * (values[i] - mean) ** 2;
    const at = (rank: number) => valueAtRank(values, counts, rank);
    const median = n % 2 ? at((n + 1) / 2) : (at(n / 2) + at(n / 2 + 1)) / 2;
    const p95 = at(n >= 10 ? Math.floor(n * 0.95) : n);
    return { count: n, sum: this.sum, min: this.min, max: this.max, avg: mean, median, p95, stddev: Math.sqrt(squares / n) };
  }

  private makeRoom(): void {
    const limit = Math.max(MIN_FLUSH, this.distinct >> 1);
    if (this.pending.length < limit) {
      this.pending = resized(this.pending, Math.min(limit, Math.max(FIRST_PENDING, this.pending.length * 2)));
      return;
    }
    this.flush();
  }

  /** Sorts the pending values and merges them into values/counts, from the back, without a new array unless it must grow. */
  private flush(): void {
    const p = this.pendingCount;
    if (p === 0) return;
    const add = this.pending.subarray(0, p).sort();
    const need = this.distinct + p;
    if (this.values.length < need) {
      const capacity = Math.max(need, Math.ceil(this.values.length * 1.5));
      this.values = resized(this.values, capacity);
      this.counts = resized(this.counts, capacity);
    }
    const { values, counts } = this;
    let i = this.distinct - 1;
    let j = p - 1;
    let out = need;
    while (j >= 0) {
      const v = add[j];
      if (i >= 0 && values[i] > v) {
        out--;
        values[out] = values[i];
        counts[out] = counts[i--];
      } else if (out < need && values[out] === v) {
        counts[out]++;
        j--;
      } else if (i >= 0 && values[i] === v) {
        out--;
        values[out] = v;
        counts[out] = counts[i--] + 1;
        j--;
      } else {
        out--;
        values[out] = v;
        counts[out] = 1;
        j--;
      }
    }
    // the old values below i stay where they are; close the gap the merge left (if any)
    const gap = out - (i + 1);
    if (gap > 0) {
      values.copyWithin(i + 1, out, need);
      counts.copyWithin(i + 1, out, need);
    }
    this.distinct = need - gap;
    this.pendingCount = 0;
  }

  /** A value does not fit 32 bits: switch this store to 64-bit floats. */
  private widen(): void {
    this.wide = true;
    this.pending = Float64Array.from(this.pending);
    this.values = Float64Array.from(this.values);
    this.counts = Float64Array.from(this.counts);
  }
}

function resized<T extends Numbers>(a: T, length: number): T {
  const b = new (a.constructor as { new (n: number): T })(length);
  b.set(a.subarray(0, Math.min(a.length, length)));
  return b;
}

/** The value at 1-based rank `rank` in ascending order. */
function valueAtRank(values: Numbers, counts: Numbers, rank: number): number {
  let seen = 0;
  for (let i = 0; i < values.length; i++) {
    seen += counts[i];
    if (seen >= rank) return values[i];
  }
  return values[values.length - 1];
}
