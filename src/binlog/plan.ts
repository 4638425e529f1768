/**
 * Planning a point-in-time restore — everything that can fail is checked here, before any database is
 * touched: where the stop point falls, which dump to start from (the newest whose recorded binlog
 * position is at or before the stop point), and that the binlogs from the dump's position to the stop
 * point are all there, verified and in one unbroken chain (no missing file, each file rotating into the
 * next, the dump's position an event boundary).
 */
import { VerifyError } from '../errors.js';
import type { BackupEntry } from '../restore/backups.js';
import type { Logger } from '../util/log.js';
import type { BinlogCatalog, CatalogFile, FetchedFile } from './catalog.js';
import { dumpCoordinate } from './dumps.js';
import { checkBoundary, checkReadable, resolveStop, type ResolvedStop } from './locate.js';
import { compareCoordinates, formatCoordinate, nextBinlogName, parseBinlogName, type Coordinate } from './names.js';
import type { StopPoint } from './stop-point.js';

export interface RestorePlan {
  dump: BackupEntry;
  /** Where the dump's snapshot was taken: replay starts here. */
  start: Coordinate;
  stop: ResolvedStop;
  /** The binlogs to replay, in order, as verified local files. */
  files: FetchedFile[];
  /** Replay only this database's events (`mariadb-binlog --database`). */
  database?: string;
}

export async function planRestore(a: {
  catalog: BinlogCatalog; dumps: BackupEntry[]; stop: StopPoint; log: Logger; signal?: AbortSignal; dumpJob: string;
}): Promise<RestorePlan> {
  const usable = a.dumps.map((d) => ({ d, c: dumpCoordinate(d.manifest) })).filter((x): x is { d: BackupEntry; c: Coordinate } => !!x.c);
  if (!usable.length) {
    throw new VerifyError(`dump job ${a.dumpJob} has no dump that records a binlog position${a.dumps.length ? ` (${a.dumps.length} dump(s) without one)` : ''}; take a dump with the mysql or mysqldump driver on a server with binary logging`);
  }
  const base = parseBinlogName(usable[0]!.c.file)!.base;
  const files = (await a.catalog.list(a.signal)).filter((f) => parseBinlogName(f.name)!.base === base);
  const stop = await resolveStop(a.catalog, files, a.stop, a.signal);
  a.log.info(`stop point: ${stop.note}`);
  const before = usable.filter((x) => compareCoordinates(x.c, stop.coordinate) <= 0).sort((x, y) => compareCoordinates(y.c, x.c));
  const chosen = before[0];
  if (!chosen) {
    const oldest = usable.sort((x, y) => compareCoordinates(x.c, y.c))[0]!;
    throw new VerifyError(`no dump of job ${a.dumpJob} was taken before the stop point ${formatCoordinate(stop.coordinate)} (the oldest, ${oldest.d.key}, starts at ${formatCoordinate(oldest.c)})`);
  }
  a.log.info(`base dump: ${chosen.d.storage}:${chosen.d.key} (binlog position ${formatCoordinate(chosen.c)})`);
  const chain = await fetchChain(a.catalog, files, chosen.c, stop.coordinate, a.signal);
  await checkBoundary(chain[0]!, chosen.c.position, `the dump's recorded binlog position`, a.signal);
  return { dump: chosen.d, start: chosen.c, stop, files: chain };
}

/** Fetches and checks every file from `from.file` to `to.file`; names exactly the first one missing. */
async function fetchChain(catalog: BinlogCatalog, files: CatalogFile[], from: Coordinate, to: Coordinate, signal?: AbortSignal): Promise<FetchedFile[]> {
  const names: string[] = [];
  for (let n = from.file; parseBinlogName(n)!.seq <= parseBinlogName(to.file)!.seq; n = nextBinlogName(n)) names.push(n);
  const have = new Set(files.map((f) => f.name));
  const missing = names.filter((n) => !have.has(n));
  if (missing.length) {
    throw new VerifyError(`binlog ${missing[0]} is missing from ${catalog.description}${missing.length > 1 ? ` (also ${missing.slice(1).join(', ')})` : ''}: replaying from the dump's position ${formatCoordinate(from)} to ${formatCoordinate(to)} needs every file from ${names[0]} to ${names.at(-1)}`);
  }
  const chain: FetchedFile[] = [];
  for (const name of names) chain.push(await catalog.fetch(name, signal));
  chain.forEach((f, i) => {
    checkReadable(f);
    const next = chain[i + 1];
    if (!next) return;
    if (!f.closed) throw new VerifyError(`binlog ${f.name} is archived only partially (up to position ${f.summary.lastBoundary}, while the server was writing it); the complete file is needed to reach ${next.name}`);
    if (f.summary.end === 'rotate' && f.summary.nextFile !== next.name) {
      throw new VerifyError(`binlog chain broken: ${f.name} rotates to ${f.summary.nextFile}, but the next file is ${next.name}`);
    }
  });
  return chain;
}
