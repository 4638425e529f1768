/**
 * Timestamps as slow logs and users write them. A time without a zone is read as local time of the
 * machine running onedump (as pt-query-digest does; set `TZ` to change it).
 */
import { parseDuration, DURATION_PATTERN } from '../util/duration.js';

const MYSQL_SHORT = /^(\d\d)(\d\d)(\d\d) +(\d{1,2}):(\d\d):(\d\d)(?:\.(\d{1,6}))?/;
const ISO = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?)? ?(Z|UTC|GMT|[+-]\d\d(?::?\d\d)?|[A-Z][A-Za-z]{1,4})?$/;
const DURATION = new RegExp(DURATION_PATTERN);

/** Zone abbreviations PostgreSQL commonly writes in log prefixes; others are read as local time. */
const ZONES: Record<string, number> = {
  Z: 0, UTC: 0, GMT: 0, WET: 0, WEST: 60, CET: 60, CEST: 120, EET: 120, EEST: 180, MSK: 180,
  EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420, JST: 540, KST: 540, AEST: 600, AEDT: 660,
};

/** `# Time:` of MySQL ≤ 5.6 and MariaDB (`240101 12:00:00[.ffffff]`) or MySQL ≥ 5.7 (ISO 8601). NaN if unreadable. */
export function parseLogTime(text: string): number {
  const short = MYSQL_SHORT.exec(text);
  if (short) {
    const [, yy, mo, d, h, mi, s, frac] = short;
    return new Date(2000 + Number(yy), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), fractionMs(frac)).getTime();
  }
  return parseIsoTime(text);
}

/** ISO-like date/time with an optional zone (offset, `Z`, `UTC`, a common abbreviation). NaN if unreadable. */
export function parseIsoTime(text: string): number {
  const m = ISO.exec(text.trim());
  if (!m) return NaN;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac, zone] = m;
  const offset = zone === undefined ? undefined : zoneOffsetMinutes(zone);
  if (offset === undefined) return new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), fractionMs(frac)).getTime();
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), fractionMs(frac)) - offset * 60_000;
}

/**
 * `--since`/`--until`: a duration (`24h`, `30m`, `7d`) counted back from `now`, a date or date-time
 * (ISO 8601, optional zone), or Unix seconds. Throws a message fit for the user when unreadable.
 */
export function parseTimeBound(value: string, now: number): number {
  const v = value.trim();
  if (DURATION.test(v) && /[a-z]$/.test(v)) return now - parseDuration(v);
  if (/^\d{9,11}(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const t = parseIsoTime(v);
  if (Number.isNaN(t)) throw new Error(`"${value}" is not a time: use a duration such as 24h, a date-time such as 2024-05-01T12:00:00Z, or Unix seconds`);
  return t;
}

function zoneOffsetMinutes(zone: string): number | undefined {
  if (zone in ZONES) return ZONES[zone];
  const m = /^([+-])(\d\d):?(\d\d)?$/.exec(zone);
  if (!m) return undefined;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
}

function fractionMs(frac: string | undefined): number {
  return frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
}
