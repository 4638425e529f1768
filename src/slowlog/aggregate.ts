/**
 * Groups entries into query classes by fingerprint and keeps, per class, exact distributions of
 * Query_time, Lock_time, Rows_sent and Rows_examined, first/last seen, databases, users, hosts and one
 * example (the slowest entry; the first one on ties). Memory grows with the number of classes and the
 * number of distinct metric values per class (see values.ts), never with the number of entries.
 */
import { classId, fingerprint, type Dialect } from './fingerprint.js';
import { ExactValues } from './values.js';
import type { EntrySink, MalformedEntry, SlowEntry } from './types.js';

/** Which entries count: a time window (ms since the epoch, `since` ≤ t < `until`) and exact-match filters. */
export interface EntryFilter {
  since?: number;
  until?: number;
  /** Each key keeps entries whose value is one of the listed ones; keys combine with AND. */
  match?: Partial<Record<'db' | 'user' | 'host', string[]>>;
}

/** Distinct databases/users/hosts kept per class; the rest are counted together. */
export const MAX_TALLY = 100;
/** Characters of the example statement kept per class. */
export const MAX_EXAMPLE = 64 * 1024;
/** Malformed entries listed individually (all are counted). */
export const MAX_MALFORMED_LISTED = 100;

/** Counts per distinct value, at most MAX_TALLY of them. */
export class Tally {
  readonly counts = new Map<string, number>();
  other = 0;

  add(value: string | undefined): void {
    if (value === undefined) return;
    const n = this.counts.get(value);
    if (n !== undefined) this.counts.set(value, n + 1);
    else if (this.counts.size < MAX_TALLY) this.counts.set(detach(value), 1);
    else this.other++;
  }
}

export interface Example {
  query: string;
  truncated: boolean;
  queryTime: number;
  time?: number;
  db?: string;
  source: string;
  line: number;
}

export class QueryClass {
  count = 0;
  readonly queryTime = new ExactValues();
  readonly lockTime = new ExactValues();
  readonly rowsSent = new ExactValues();
  readonly rowsExamined = new ExactValues();
  firstSeen?: number;
  lastSeen?: number;
  readonly databases = new Tally();
  readonly users = new Tally();
  readonly hosts = new Tally();
  example?: Example;

  constructor(readonly id: string, readonly fingerprint: string, readonly dialect: Dialect) {}

  add(e: SlowEntry, source: string): void {
    this.count++;
    this.queryTime.add(e.queryTime);
    if (e.lockTime !== undefined) this.lockTime.add(e.lockTime);
    if (e.rowsSent !== undefined) this.rowsSent.add(e.rowsSent);
    if (e.rowsExamined !== undefined) this.rowsExamined.add(e.rowsExamined);
    if (e.time !== undefined) {
      if (this.firstSeen === undefined || e.time < this.firstSeen) this.firstSeen = e.time;
      if (this.lastSeen === undefined || e.time > this.lastSeen) this.lastSeen = e.time;
    }
    this.databases.add(e.db);
    this.users.add(e.user);
    this.hosts.add(e.host);
    if (!this.example || e.queryTime > this.example.queryTime) {
      const truncated = e.query.length > MAX_EXAMPLE;
      this.example = {
        query: detach(truncated ? e.query.slice(0, MAX_EXAMPLE) : e.query),
        truncated, queryTime: e.queryTime, time: e.time, db: e.db === undefined ? undefined : detach(e.db), source, line: e.line,
      };
    }
  }
}

/** Per-source figures for the report. */
export interface SourceStats {
  name: string;
  format?: string;
  bytes: number;
  entries: number;
  malformed: number;
}

export class SlowAggregator {
  readonly classes = new Map<string, QueryClass>();
  /** Query_time of every counted entry. */
  readonly queryTime = new ExactValues();
  entries = 0;
  filteredOut = 0;
  malformedCount = 0;
  readonly malformed: (MalformedEntry & { source: string })[] = [];
  readonly sources: SourceStats[] = [];
  firstSeen?: number;
  lastSeen?: number;

  constructor(private readonly filter: EntryFilter = {}) {}

  /** A sink for one source (listed in `sources` by the caller); entries are fingerprinted in `dialect`. */
  sink(stats: SourceStats, dialect: Dialect): EntrySink {
    return {
      entry: (e) => {
        stats.entries++;
        this.add(e, stats.name, dialect);
      },
      malformed: (m) => {
        stats.malformed++;
        this.malformedCount++;
        if (this.malformed.length < MAX_MALFORMED_LISTED) this.malformed.push({ ...m, source: stats.name });
      },
    };
  }

  add(e: SlowEntry, source: string, dialect: Dialect): void {
    if (!this.keeps(e)) {
      this.filteredOut++;
      return;
    }
    const fp = fingerprint(e.query, dialect);
    let cls = this.classes.get(fp);
    if (!cls) {
      const key = detach(fp);
      cls = new QueryClass(classId(key), key, dialect);
      this.classes.set(key, cls);
    }
    cls.add(e, source);
    this.entries++;
    this.queryTime.add(e.queryTime);
    if (e.time !== undefined) {
      if (this.firstSeen === undefined || e.time < this.firstSeen) this.firstSeen = e.time;
      if (this.lastSeen === undefined || e.time > this.lastSeen) this.lastSeen = e.time;
    }
  }

  private keeps(e: SlowEntry): boolean {
    const f = this.filter;
    if (f.since !== undefined || f.until !== undefined) {
      if (e.time === undefined) return false;
      if (f.since !== undefined && e.time < f.since) return false;
      if (f.until !== undefined && e.time >= f.until) return false;
    }
    const m = f.match;
    if (!m) return true;
    if (m.db && (e.db === undefined || !m.db.includes(e.db))) return false;
    if (m.user && (e.user === undefined || !m.user.includes(e.user))) return false;
    if (m.host && (e.host === undefined || !m.host.includes(e.host))) return false;
    return true;
  }
}

/**
 * A copy that does not keep the (large) string it was sliced from alive: V8 substrings reference
 * their parent, and parsed text is sliced from 1 MiB read chunks.
 */
function detach(s: string): string {
  return Buffer.from(s, 'latin1').toString('latin1');
}
