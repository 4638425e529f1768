/**
 * Orders dump objects so the script loads in one pass: a topological sort over their dependencies
 * (from pg_depend), choosing among ready objects by section, then kind, then schema and name — the
 * order pg_dump produces. A dependency cycle (rare, e.g. through SQL-standard function bodies) is broken
 * at the object pg_dump would emit first, and reported to the caller.
 */
import { KIND_RANK, type DumpObject, type Section } from './model.js';

const SECTION_RANK: Record<Section, number> = { pre: 0, data: 1, post: 2 };
const kindRank = new Map<string, number>(KIND_RANK.map((k, i) => [k, i]));

function compare(a: DumpObject, b: DumpObject): number {
  return (
    SECTION_RANK[a.section] - SECTION_RANK[b.section] ||
    kindRank.get(a.kind)! - kindRank.get(b.kind)! ||
    (a.schema < b.schema ? -1 : a.schema > b.schema ? 1 : 0) ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
    (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
  );
}

/** A binary min-heap of objects. */
class Heap {
  private items: DumpObject[] = [];
  get size(): number {
    return this.items.length;
  }
  push(o: DumpObject): void {
    const a = this.items;
    a.push(o);
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (compare(a[i]!, a[p]!) >= 0) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): DumpObject | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length && last) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && compare(a[l]!, a[m]!) < 0) m = l;
        if (r < a.length && compare(a[r]!, a[m]!) < 0) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

/** Sorted objects, and the keys of objects emitted before all their dependencies (cycles). */
export function orderObjects(objects: DumpObject[]): { ordered: DumpObject[]; cycles: string[] } {
  const byKey = new Map(objects.map((o) => [o.key, o]));
  const waiting = new Map<string, number>();
  const dependents = new Map<string, DumpObject[]>();
  for (const o of objects) {
    let n = 0;
    for (const d of o.deps) {
      if (d === o.key || !byKey.has(d)) continue;
      n++;
      const list = dependents.get(d) ?? [];
      list.push(o);
      dependents.set(d, list);
    }
    waiting.set(o.key, n);
  }
  const heap = new Heap();
  for (const o of objects) if (waiting.get(o.key) === 0) heap.push(o);
  const ordered: DumpObject[] = [];
  const done = new Set<string>();
  const cycles: string[] = [];
  const emit = (o: DumpObject) => {
    done.add(o.key);
    ordered.push(o);
    for (const d of dependents.get(o.key) ?? []) {
      const left = waiting.get(d.key)! - 1;
      waiting.set(d.key, left);
      if (left === 0 && !done.has(d.key)) heap.push(d);
    }
  };
  while (ordered.length < objects.length) {
    const next = heap.pop();
    if (next) {
      if (!done.has(next.key)) emit(next);
      continue;
    }
    // a cycle: break it at the object that would come first
    const rest = objects.filter((o) => !done.has(o.key)).sort(compare);
    cycles.push(rest[0]!.key);
    emit(rest[0]!);
  }
  return { ordered, cycles };
}
