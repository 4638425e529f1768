/**
 * The stop point of a point-in-time restore, from the command line:
 *  - `--stop-datetime "YYYY-MM-DD HH:MM:SS"` in `--timezone` (an IANA zone; default: this machine's zone,
 *    as mysqlbinlog reads it). Exclusive, like mysqlbinlog: transactions that committed at or after that
 *    second are not replayed. A wall time that a DST change skips or repeats is refused (say which one
 *    you mean with --timezone UTC).
 *  - `--stop-position FILE:POS`: replay events that start before POS in FILE.
 *  - `--stop-gtid GTID`: replay up to and including that transaction.
 */
import { UsageError } from '../errors.js';
import { parseGtid, type Gtid } from './gtid.js';
import { parseCoordinate, type Coordinate } from './names.js';

export type StopPoint =
  | { kind: 'datetime'; epoch: number; text: string; timeZone: string }
  | { kind: 'position'; coordinate: Coordinate; text: string }
  | { kind: 'gtid'; gtid: Gtid; text: string };

export interface StopArgs {
  stopDatetime?: string;
  timezone?: string;
  stopPosition?: string;
  stopGtid?: string;
}

export function parseStopPoint(a: StopArgs): StopPoint {
  const given = [a.stopDatetime, a.stopPosition, a.stopGtid].filter((x) => x !== undefined);
  if (given.length !== 1) throw new UsageError('give exactly one of --stop-datetime, --stop-position, --stop-gtid');
  if (a.timezone && a.stopDatetime === undefined) throw new UsageError('--timezone only applies to --stop-datetime');
  if (a.stopPosition !== undefined) return { kind: 'position', coordinate: parseCoordinate(a.stopPosition), text: a.stopPosition };
  if (a.stopGtid !== undefined) return { kind: 'gtid', gtid: parseGtid(a.stopGtid), text: a.stopGtid };
  const timeZone = a.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  return { kind: 'datetime', epoch: wallTimeToEpoch(a.stopDatetime!, timeZone), text: `${a.stopDatetime} ${timeZone}`, timeZone };
}

const WALL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;

/** Offset of `zone` from UTC at instant `ms`, in ms. */
function offsetAt(ms: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(ms));
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) - Math.floor(ms / 1000) * 1000;
}

/** Seconds since the epoch of a wall-clock time in `zone`; UsageError when it is invalid, skipped or ambiguous. */
export function wallTimeToEpoch(text: string, zone: string): number {
  const m = WALL.exec(text.trim());
  if (!m) throw new UsageError(`--stop-datetime wants "YYYY-MM-DD HH:MM:SS", got "${text}"`);
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new UsageError(`unknown time zone "${zone}" (use an IANA name such as Europe/Berlin, or UTC)`);
  }
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(asUtc);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) throw new UsageError(`--stop-datetime: no such date/time "${text}"`);
  // the offset can only be one of those around that day; keep the candidates that map back to the wall time
  const offsets = new Set([offsetAt(asUtc - 86_400_000, zone), offsetAt(asUtc, zone), offsetAt(asUtc + 86_400_000, zone)]);
  const hits = [...offsets].map((o) => asUtc - o).filter((t) => offsetAt(t, zone) === asUtc - t);
  const unique = [...new Set(hits)];
  if (!unique.length) throw new UsageError(`--stop-datetime "${text}" does not exist in ${zone} (skipped by a daylight-saving change); give it in UTC with --timezone UTC`);
  if (unique.length > 1) throw new UsageError(`--stop-datetime "${text}" happens twice in ${zone} (daylight-saving change); give it in UTC with --timezone UTC`);
  return unique[0]! / 1000;
}
