/**
 * The binlog files a restore can use: archived ones (from a binlog job's storages) or files already on
 * disk (`--from-dir`). Listing is cheap (manifests, or the first bytes of each file); `fetch` gives a
 * local, fully checked copy (size and sha256 against the manifest, and a complete scan) — a restore
 * fetches every file it needs before it changes anything.
 */
import type { BinlogSummary } from './scanner.js';

export interface CatalogFile {
  name: string;
  seq: number;
  /** False for a partial copy of a file the server was still writing. */
  closed: boolean;
  /** Epoch seconds of the file's first event. */
  created?: number;
  /** GTID state before the file (MariaDB Gtid_list / MySQL Previous_gtids). */
  gtidStart?: string;
}

export interface FetchedFile {
  name: string;
  /** Local path mariadb-binlog reads. */
  path: string;
  summary: BinlogSummary;
  closed: boolean;
}

export interface BinlogCatalog {
  /** For messages: `storages s3, local under app-binlogs/` or `dir /restore/binlogs`. */
  readonly description: string;
  /** Every file, oldest first. */
  list(signal?: AbortSignal): Promise<CatalogFile[]>;
  /** A verified local copy of the file (cached: fetching twice reads once). */
  fetch(name: string, signal?: AbortSignal): Promise<FetchedFile>;
  /** Removes temporary copies. */
  close(): Promise<void>;
}
