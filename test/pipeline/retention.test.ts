/** Retention selection on synthetic timelines (restic's forget rules). */
import { isoWeek, planRetention, type Dated } from '../../src/pipeline/retention.js';

const NOW = new Date('2026-03-15T12:00:00Z');

/** One backup a day at 02:00 UTC for `days` days up to NOW, plus extra ones. */
function daily(days: number, extra: string[] = []): Dated[] {
  const out: Dated[] = [];
  for (let i = 0; i < days; i++) {
    const t = new Date(Date.UTC(2026, 2, 15 - i, 2, 0, 0));
    out.push({ key: t.toISOString().slice(0, 10), time: t });
  }
  for (const e of extra) out.push({ key: e, time: new Date(e) });
  return out;
}

const kept = (items: Dated[], policy: Parameters<typeof planRetention>[1], tz?: string) =>
  planRetention(items, policy, NOW, tz).keep.map((k) => k.item.key);

test('keep_last keeps the N newest, in any input order', () => {
  const items = daily(10).reverse();
  expect(kept(items, { keep_last: 3 })).toEqual(['2026-03-15', '2026-03-14', '2026-03-13']);
  const plan = planRetention(items, { keep_last: 3 }, NOW);
  expect(plan.remove.map((r) => r.key)).toEqual(daily(10).slice(3).map((d) => d.key));
});

test('keep_days keeps what finished less than N days ago', () => {
  // 2026-03-12T02:00 is 3.4 days before NOW: outside 3 days, inside 4
  expect(kept(daily(10), { keep_days: 3 })).toEqual(['2026-03-15', '2026-03-14', '2026-03-13']);
  expect(kept(daily(10), { keep_days: 4 })).toHaveLength(4);
});

test('keep_daily keeps the newest backup of each of the last N days that have one', () => {
  const items = daily(5, ['2026-03-15T08:00:00Z', '2026-03-14T23:00:00Z']).filter((d) => d.key !== '2026-03-13');
  expect(kept(items, { keep_daily: 3 })).toEqual(['2026-03-15T08:00:00Z', '2026-03-14T23:00:00Z', '2026-03-12']);
});

test('day boundaries follow the job time zone', () => {
  const items: Dated[] = [
    { key: 'a', time: new Date('2026-03-14T23:30:00Z') }, // 2026-03-15 00:30 in Berlin
    { key: 'b', time: new Date('2026-03-14T22:30:00Z') }, // 2026-03-14 23:30 in Berlin
  ];
  expect(kept(items, { keep_daily: 1 })).toEqual(['a']);
  expect(kept(items, { keep_daily: 2 }, 'UTC')).toEqual(['a']); // same UTC day: one bucket
  expect(kept(items, { keep_daily: 2 }, 'Europe/Berlin')).toEqual(['a', 'b']);
});

test('keep_weekly uses ISO weeks (a year may start in the previous one)', () => {
  expect(isoWeek(2021, 1, 1)).toBe('2020-W53');
  expect(isoWeek(2024, 12, 30)).toBe('2025-W01');
  expect(isoWeek(2026, 3, 15)).toBe('2026-W11');
  expect(kept(daily(30), { keep_weekly: 3 })).toEqual(['2026-03-15', '2026-03-08', '2026-03-01']);
});

test('keep_monthly keeps the newest of each of the last N months', () => {
  const items = daily(0, ['2026-03-01T00:00:00Z', '2026-02-27T00:00:00Z', '2026-02-03T00:00:00Z', '2025-12-31T00:00:00Z', '2025-11-30T00:00:00Z']);
  expect(kept(items, { keep_monthly: 3 })).toEqual(['2026-03-01T00:00:00Z', '2026-02-27T00:00:00Z', '2025-12-31T00:00:00Z']);
});

test('rules combine: a backup any rule keeps is kept, with the reasons', () => {
  const plan = planRetention(daily(60), { keep_last: 2, keep_weekly: 2, keep_monthly: 3 }, NOW);
  expect(plan.keep.map((k) => [k.item.key, k.reasons])).toEqual([
    ['2026-03-15', ['newest', 'last', 'weekly', 'monthly']],
    ['2026-03-14', ['last']],
    ['2026-03-08', ['weekly']],
    ['2026-02-28', ['monthly']],
    ['2026-01-31', ['monthly']],
  ]);
  expect(plan.remove).toHaveLength(55);
});

test('the newest backup is always kept, even by a policy that keeps nothing recent', () => {
  const old = daily(0, ['2025-01-01T00:00:00Z', '2024-12-01T00:00:00Z']);
  expect(kept(old, { keep_days: 1 })).toEqual(['2025-01-01T00:00:00Z']);
  expect(planRetention([], { keep_last: 1 }, NOW)).toEqual({ keep: [], remove: [] });
});
