/** Exact per-class statistics: checked against sorting every value, on random data with heavy repeats. */
import { ExactValues } from '../../src/slowlog/values.js';

function reference(all: number[]) {
  const v = [...all].sort((a, b) => a - b);
  const n = v.length;
  const sum = v.reduce((a, b) => a + b, 0);
  const mean = sum / n;
  return {
    count: n, sum, min: v[0], max: v[n - 1], avg: mean,
    median: n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1]! + v[n / 2]!) / 2,
    p95: v[(n >= 10 ? Math.floor(n * 0.95) : n) - 1],
    stddev: Math.sqrt(v.reduce((a, x) => a + (x - mean) ** 2, 0) / n),
  };
}

test('median, p95, stddev, sum, min, max are exact for any mix of repeats and spreads', () => {
  let seed = 7;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let trial = 0; trial < 200; trial++) {
    const n = 1 + Math.floor(random() * 30_000);
    const spread = trial % 3 === 0 ? 5 : trial % 3 === 1 ? 5000 : 5e7;
    const store = new ExactValues();
    const all: number[] = [];
    for (let i = 0; i < n; i++) {
      const x = Math.floor(random() ** 3 * spread);
      store.add(x);
      all.push(x);
    }
    const ref = reference(all);
    const got = store.stats();
    expect({ trial, ...got, stddev: Math.round(got.stddev * 1e6) }).toEqual({ trial, ...ref, stddev: Math.round(ref.stddev * 1e6) });
    const { values, counts } = store.sorted();
    expect(values.length).toBe(new Set(all).size);
    expect(Array.from(counts).reduce((a, b) => a + b, 0)).toBe(n);
  }
});

test('memory follows the distinct values, not the number of values', () => {
  const store = new ExactValues();
  for (let i = 0; i < 1_000_000; i++) store.add(100 + (i % 500));
  // 500 distinct values: room for distinct + pending (1024) values and counts, 8 bytes each, plus the pending buffer
  expect(store.bytes()).toBeLessThanOrEqual((500 + 1024) * 8 * 1.5 + 1024 * 4);
  expect(store.stats()).toMatchObject({ count: 1_000_000, min: 100, max: 599, median: 349.5, p95: 574 });
});

test('values beyond 32 bits or with fractions switch the store to 64-bit floats without losing any', () => {
  const store = new ExactValues();
  const all = [5, 7, 2 ** 40, 7, 0.5, 3, 2 ** 33 + 1];
  for (const x of all) store.add(x);
  expect(store.stats()).toEqual(reference(all));
});

test('pt-query-digest ranks: p95 is the maximum below 10 values, and the value at ⌊0.95·n⌋ from 10 on', () => {
  const s = new ExactValues();
  for (let i = 1; i <= 9; i++) s.add(i);
  expect(s.stats().p95).toBe(9);
  s.add(10);
  expect(s.stats().p95).toBe(9); // ⌊9.5⌋ = rank 9
  const t = new ExactValues();
  for (let i = 1; i <= 100; i++) t.add(i);
  expect(t.stats()).toMatchObject({ p95: 95, median: 50.5 });
});
