/**
 * Finding positions in local binlog copies: where a stop point (time, position, GTID) falls, always at
 * a transaction boundary, and whether a recorded position is a real event boundary.
 */
import { createReadStream } from 'node:fs';
import { VerifyError } from '../errors.js';
import type { BinlogCatalog, CatalogFile, FetchedFile } from './catalog.js';
import { GroupTracker, type EventGroup } from './groups.js';
import { sameGtid, stateContains, type Gtid } from './gtid.js';
import { formatCoordinate, nextBinlogName, type Coordinate } from './names.js';
import type { FormatDescription } from './events.js';
import { BinlogScanner, type ScannedEvent } from './scanner.js';
import type { StopPoint } from './stop-point.js';

export interface ResolvedStop {
  coordinate: Coordinate;
  /** True when the whole of the file at `coordinate` is replayed (no --stop-position needed). */
  atEnd: boolean;
  /** For the plan: what the stop point turned out to be. */
  note: string;
}

type Visit = 'stop' | void;

/**
 * Refuses a file the replay cannot read: MariaDB encrypted binlogs (`encrypt_binlog`) copied from disk
 * (files mode) are archived byte for byte, but mariadb-binlog cannot decrypt them — it would stop at the
 * first encrypted event. Copies read over the replication protocol hold the events decrypted.
 */
export function checkReadable(file: FetchedFile): void {
  if (!file.summary.encrypted) return;
  throw new VerifyError(`binlog ${file.name} is encrypted (encrypt_binlog=ON): mariadb-binlog cannot decrypt binlog files, so it cannot be replayed; archive with mode: replication instead (the server sends the events decrypted)`);
}

/** Walks a local copy event by event; a visitor returning 'stop' ends the walk early. */
export async function walkFile(
  file: FetchedFile,
  visit: { event?(e: ScannedEvent, openGroupSince: number | undefined, fde: FormatDescription | undefined): Visit; group?(g: EventGroup): Visit },
  signal?: AbortSignal,
): Promise<void> {
  checkReadable(file);
  let stopped = false;
  let tracker: GroupTracker;
  const scanner: BinlogScanner = new BinlogScanner(file.name, (e) => {
    if (stopped || e.position >= file.summary.lastBoundary) return;
    if (visit.event?.(e, tracker.openSince, scanner.fde) === 'stop') stopped = true;
    if (!stopped) tracker.feed(e);
  });
  tracker = new GroupTracker((g) => {
    if (!stopped && visit.group?.(g) === 'stop') stopped = true;
  }, () => scanner.fde?.postHeaderLengths[1] ?? 13);
  for await (const chunk of createReadStream(file.path, { signal, highWaterMark: 1 << 20 })) {
    scanner.push(chunk as Buffer);
    if (stopped) break;
  }
}

const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');

/**
 * Checks that `position` in `file` is where an event starts (or the end of the file) and not inside a
 * transaction. `what` names the position in messages.
 */
export async function checkBoundary(file: FetchedFile, position: number, what: string, signal?: AbortSignal): Promise<void> {
  if (position === file.summary.lastBoundary) return;
  if (position > file.summary.lastBoundary) {
    throw new VerifyError(`${what} ${file.name}:${position} is past the end of the binlog (${file.summary.lastBoundary} bytes available)`);
  }
  let found = false;
  let before = 4;
  let inside: number | undefined;
  await walkFile(file, {
    event(e, open) {
      if (e.position < position) {
        before = e.position;
        return;
      }
      found = e.position === position;
      inside = open;
      return 'stop';
    },
  }, signal);
  if (!found) throw new VerifyError(`${what} ${file.name}:${position} is not where an event starts (nearest before: ${before}): position mismatch`);
  if (inside !== undefined) throw new VerifyError(`${what} ${file.name}:${position} is inside a transaction that starts at ${inside}; stop at ${inside} or after the transaction`);
}

/** Resolves a stop point to a coordinate in the catalog's files. */
export async function resolveStop(catalog: BinlogCatalog, files: CatalogFile[], stop: StopPoint, signal?: AbortSignal): Promise<ResolvedStop> {
  if (!files.length) throw new VerifyError(`no binlog files in ${catalog.description}`);
  if (stop.kind === 'position') {
    const c = stop.coordinate;
    if (!files.some((f) => f.name === c.file)) throw new VerifyError(`${c.file} is not in ${catalog.description}`);
    const file = await catalog.fetch(c.file, signal);
    await checkBoundary(file, c.position, '--stop-position', signal);
    return { coordinate: c, atEnd: c.position === file.summary.lastBoundary, note: `position ${formatCoordinate(c)}` };
  }
  return stop.kind === 'datetime' ? resolveDatetime(catalog, files, stop.epoch, signal) : resolveGtid(catalog, files, stop.gtid, signal);
}

/** The start of the first transaction that committed at or after `epoch`. */
async function resolveDatetime(catalog: BinlogCatalog, files: CatalogFile[], epoch: number, signal?: AbortSignal): Promise<ResolvedStop> {
  // every event of a file older than the next file's creation happened before it: start at the last file created before the stop
  let i = Math.max(0, files.findLastIndex((f) => f.created !== undefined && f.created < epoch));
  for (; i < files.length; i++) {
    const file = await catalog.fetch(files[i]!.name, signal);
    let hit: EventGroup | undefined;
    await walkFile(file, { group: (g) => (g.committed >= epoch ? ((hit = g), 'stop') : undefined) }, signal);
    if (hit) return { coordinate: { file: file.name, position: hit.start }, atEnd: false, note: `first transaction committed at or after ${iso(epoch)}: ${hit.gtid ?? 'at'} ${file.name}:${hit.start} (committed ${iso(hit.committed)})` };
    const next = files[i + 1];
    if (next && next.seq === files[i]!.seq + 1) continue;
    const covered = file.closed ? file.summary.closedAt ?? file.summary.lastTimestamp ?? 0 : file.summary.lastTimestamp ?? 0;
    if (!next && epoch <= covered) {
      return { coordinate: { file: file.name, position: file.summary.lastBoundary }, atEnd: true, note: `every transaction up to the end of ${file.name} (it covers until ${iso(covered)})` };
    }
    if (next) throw new VerifyError(`binlog ${nextBinlogName(file.name)} is missing from ${catalog.description} (the files go from ${file.name} to ${next.name}); it is needed to reach ${iso(epoch)}`);
    throw new VerifyError(`cannot tell what happened up to ${iso(epoch)}: the archive ends with ${file.name}${file.closed ? '' : ' (partial copy)'}, which covers until ${iso(covered)}; archive newer binlogs first (or use include_active)`);
  }
  throw new VerifyError(`no binlog file covers ${iso(epoch)}`);
}

/** Just after the transaction with that GTID. */
async function resolveGtid(catalog: BinlogCatalog, files: CatalogFile[], gtid: Gtid, signal?: AbortSignal): Promise<ResolvedStop> {
  if (stateContains(files[0]!.gtidStart, gtid)) {
    throw new VerifyError(`GTID ${gtid.text} is older than the oldest binlog in ${catalog.description} (${files[0]!.name} starts after ${files[0]!.gtidStart})`);
  }
  const start = Math.max(0, files.findLastIndex((f) => f.gtidStart !== undefined && !stateContains(f.gtidStart, gtid)));
  let last: string | undefined;
  for (let i = start; i < files.length; i++) {
    const file = await catalog.fetch(files[i]!.name, signal);
    let hit: EventGroup | undefined;
    await walkFile(file, { group: (g) => (sameGtid(gtid, g.gtid) ? ((hit = g), 'stop') : undefined) }, signal);
    if (hit) return { coordinate: { file: file.name, position: hit.end }, atEnd: hit.end === file.summary.lastBoundary, note: `just after GTID ${gtid.text} (${file.name}:${hit.start}-${hit.end}, committed ${iso(hit.committed)})` };
    last = file.summary.lastGtid ?? last;
    if (stateContains(files[i + 1]?.gtidStart, gtid)) break;
  }
  throw new VerifyError(`GTID ${gtid.text} is not in the binlogs of ${catalog.description} (searched ${files[start]!.name} to the end${last ? `; the newest GTID there is ${last}` : ''})`);
}
