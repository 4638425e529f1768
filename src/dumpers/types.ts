/**
 * Database drivers: each one dumps a database as a byte stream and knows how to restore its dumps.
 */
import type { Readable, Writable } from 'node:stream';
import type { Logger } from '../util/log.js';
import type { DatabaseConfig } from '../config/types.js';

/** Metadata about a finished dump; goes into the manifest. */
export interface DumpInfo {
  driver: string;
  serverVersion?: string;
  /** Databases/schemas included. */
  databases?: string[];
  /** Consistency coordinates at the snapshot (binlog file/position/GTID, WAL LSN, ...). */
  snapshot?: Record<string, unknown>;
  /** Rows dumped per table (`db.table` or `table`). */
  tables: Record<string, number>;
}

export interface DumpOptions {
  /** Aborting MUST stop reading, release connections and reject promptly. */
  signal: AbortSignal;
}

export interface Dumper {
  /**
   * Writes the whole dump to `out`, honouring backpressure (wait for 'drain'), and resolves with its
   * metadata once the last byte is written. MUST NOT end or destroy `out` (the caller does).
   * MUST reject (not resolve) if the dump is incomplete for any reason.
   */
  dump(out: Writable, opts: DumpOptions): Promise<DumpInfo>;
}

export interface DriverContext {
  log: Logger;
  /** Directory of the job file; relative paths (SQLite files) resolve against it. */
  baseDir: string;
  /** When set (SSH tunnel), connect here instead of the DSN's host and port. */
  endpoint?: { host: string; port: number };
}

export interface RestoreOptions {
  signal: AbortSignal;
  log: Logger;
  /** Only these tables (names as in the dump). */
  tables?: string[];
  /** Print what would change, change nothing. */
  dryRun?: boolean;
  /** Where dry-run output goes. */
  out?: Writable;
  /** Before changing an existing target, save what will be replaced (default true). */
  safetyBackup?: boolean;
  /** Directory that relative paths (SQLite files, safety backups) resolve against. */
  baseDir?: string;
  /**
   * Opens the same dump again from its start (uncompressed), for drivers that read it twice (PostgreSQL
   * reads it once first to learn what it will replace in a non-empty target).
   */
  reopen?: () => Promise<Readable>;
  /** When set (SSH tunnel), connect here instead of the target DSN's host and port. */
  endpoint?: { host: string; port: number };
}

export interface RestoreResult {
  statements: number;
  tables: string[];
}

export interface DatabaseDriver {
  readonly name: string;
  readonly description: string;
  /** Database family, which decides which restore path loads a dump. */
  readonly family: 'sqlite' | 'mysql' | 'postgres';
  /** File extension of an uncompressed dump (`.sql`, or `.dump` for pg custom format). */
  extension(db: DatabaseConfig): string;
  /** Extra JSON-schema properties of the `database:` block, beyond the common ones. */
  readonly schema: { properties: Record<string, unknown>; required?: string[] };
  /** Semantic checks of the `database:` block beyond its schema (paths relative to it), run at load. */
  check?(db: DatabaseConfig): { path: string; message: string }[];
  /** Host and port the DSN points at (for SSH tunnels); undefined for file databases. */
  endpoint(db: DatabaseConfig): { host: string; port: number } | undefined;
  /** Checks of the `database:` block the schema cannot express, run once at load (paths like `database.options`). */
  check?(db: DatabaseConfig): { path: string; message: string }[];
  createDumper(db: DatabaseConfig, ctx: DriverContext): Promise<Dumper>;
  /**
   * Loads a dump (uncompressed, decrypted stream) into the database named by `target` (a DSN).
   * Where the database allows, MUST be all-or-nothing: a failure leaves the target as it was.
   */
  restore(input: Readable, target: string, opts: RestoreOptions): Promise<RestoreResult>;
}
