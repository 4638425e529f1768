/**
 * What the slow-log parsers produce. Text fields are "binary strings": one character per byte of the
 * log (latin1-decoded), so fingerprints and IDs are computed over the exact bytes, as pt-query-digest
 * does; reports decode them as UTF-8 for display.
 */

/** The log formats onedump reads. */
export type LogFormat = 'mysql' | 'postgres';

/** One logged statement. */
export interface SlowEntry {
  /** The statement as logged, without the terminating `;` (MySQL) — or `administrator command: X`. */
  query: string;
  /** True for `# administrator command: X` entries (their row counts are taken as 0, like pt-query-digest). */
  admin: boolean;
  /** Default database: `use db;`, else the header's `Schema:`, else the last one seen earlier in the file. */
  db?: string;
  user?: string;
  host?: string;
  /** When it ran, in ms since the epoch: `SET timestamp=`, else `# Time:`, else the previous entry's. */
  time?: number;
  /** Query_time in whole microseconds. */
  queryTime: number;
  /** Lock_time in microseconds, when logged. */
  lockTime?: number;
  rowsSent?: number;
  rowsExamined?: number;
  /** 1-based line of the file where the entry starts. */
  line: number;
}

/** An entry that could not be read; counted and reported, never merged into another. */
export interface MalformedEntry {
  line: number;
  reason: string;
}

/** Where a parser delivers what it reads. */
export interface EntrySink {
  entry(entry: SlowEntry): void;
  malformed(entry: MalformedEntry): void;
}

/** A streaming parser: fed one line at a time (without its line break), then `end()` once. */
export interface LogParser {
  line(text: string, lineNo: number): void;
  end(): void;
}
