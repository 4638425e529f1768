/**
 * Which databases a replay would change: the databases of row events (their table maps) and the
 * default databases of statements, between the dump's position and the stop point. A dump of some
 * databases cannot be extended by binlogs that also change others: replaying those would fail on the
 * target (unknown database) or change databases the restore is not about — so the plan refuses it
 * before anything is touched.
 */
import { VerifyError } from '../errors.js';
import { EventType, readQueryStart, type FormatDescription } from './events.js';
import { walkFile } from './locate.js';
import { formatCoordinate, type Coordinate } from './names.js';
import type { RestorePlan } from './plan.js';
import type { ScannedEvent } from './scanner.js';
import type { EventGroup } from './groups.js';

/** Schemas whose changes travel with any restore (grants, time zones), never a reason to refuse. */
const SYSTEM = new Set(['mysql', 'sys', 'information_schema', 'performance_schema']);
const TABLE_MAP = 19;

/** The database an event changes, if it names one. */
export function eventDatabase(e: ScannedEvent, fde: FormatDescription | undefined): string | undefined {
  const body = e.head.subarray(19);
  if (e.header.type === TABLE_MAP) {
    const post = fde?.postHeaderLengths[TABLE_MAP - 1] ?? 8;
    const len = body[post];
    return len === undefined || body.length < post + 1 + len ? undefined : body.subarray(post + 1, post + 1 + len).toString('utf8');
  }
  // a MariaDB compressed query (log_bin_compress) keeps the query's layout; only the statement text is compressed
  if ((e.header.type === EventType.QUERY || e.header.type === EventType.MARIADB_QUERY_COMPRESSED) && body.length >= 13) {
    const word = e.header.type === EventType.QUERY ? readQueryStart(e.body() ?? body, fde?.postHeaderLengths[EventType.QUERY - 1] ?? 13)?.trimStart().toUpperCase() ?? '' : '';
    if (/^(BEGIN|COMMIT|ROLLBACK|XA |SAVEPOINT|RELEASE)/.test(word)) return undefined;
    const post = fde?.postHeaderLengths[EventType.QUERY - 1] ?? 13;
    const at = post + body.readUInt16LE(11);
    const len = body[8]!;
    return len && body.length >= at + len ? body.subarray(at, at + len).toString('utf8') : undefined;
  }
  return undefined;
}

type Visit = 'stop' | void;

/** Walks the plan's replay range (the dump's position to the stop point) event by event and group by group. */
export async function walkReplayRange(
  plan: RestorePlan,
  visit: { event?(e: ScannedEvent, fde: FormatDescription | undefined, file: string): Visit; group?(g: EventGroup, file: string): Visit },
  signal?: AbortSignal,
): Promise<void> {
  const last = plan.files.length - 1;
  for (const [i, file] of plan.files.entries()) {
    const from = i === 0 ? plan.start.position : 0;
    const to = i === last && !plan.stop.atEnd ? plan.stop.coordinate.position : Infinity;
    let ended = false;
    const call = (position: number, then: () => Visit): Visit => {
      if (position >= to) return 'stop';
      if (position < from) return;
      if (then() !== 'stop') return;
      ended = true;
      return 'stop';
    };
    await walkFile(file, {
      event: (e, _open, fde) => call(e.position, () => visit.event?.(e, fde, file.name)),
      group: (g) => call(g.start, () => visit.group?.(g, file.name)),
    }, signal);
    if (ended) return;
  }
}

/** Every database the plan's replay range touches, with where it is first touched. */
export async function databasesTouched(plan: RestorePlan, signal?: AbortSignal): Promise<Map<string, Coordinate>> {
  const found = new Map<string, Coordinate>();
  await walkReplayRange(plan, {
    event(e, fde, file) {
      const db = eventDatabase(e, fde);
      if (db && !found.has(db)) found.set(db, { file, position: e.position });
    },
  }, signal);
  return found;
}

/** Refuses a replay that changes databases outside the dump (unless the replay is limited to one database). */
export async function checkScope(plan: RestorePlan, onlyDatabase: string | undefined, signal?: AbortSignal): Promise<void> {
  const dumped = plan.dump.manifest.databases;
  if (!dumped?.length || onlyDatabase) return;
  const outside = [...(await databasesTouched(plan, signal))].filter(([db]) => !dumped.includes(db) && !SYSTEM.has(db));
  if (!outside.length) return;
  const [db, at] = outside[0]!;
  const more = outside.length > 1 ? ` (also ${outside.slice(1).map(([d]) => d).join(', ')})` : '';
  throw new VerifyError(
    `the binlogs to replay also change database ${db}${more} (first at ${formatCoordinate(at)}), which dump ${plan.dump.key} does not contain (it has ${dumped.join(', ')}): ` +
    `restore from a dump of every database, or pass --database ${dumped[0]} to replay only that database's events (as mysqlbinlog --database does: statements run under another default database are skipped)`,
  );
}
