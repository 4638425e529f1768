/**
 * GTIDs in both dialects: MariaDB `domain-server-seq` (state: a list, one per domain) and MySQL
 * `uuid:N` (state: a set of intervals per source uuid, `uuid:1-5:7-9,uuid2:1-3`).
 */
import { UsageError } from '../errors.js';

export type Gtid =
  | { flavor: 'mariadb'; domain: number; server: number; seq: bigint; text: string }
  | { flavor: 'mysql'; uuid: string; gno: bigint; text: string };

const MARIADB = /^(\d+)-(\d+)-(\d+)$/;
const MYSQL = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):(\d+)$/i;

export function parseGtid(text: string): Gtid {
  const t = text.trim();
  let m = MARIADB.exec(t);
  if (m) return { flavor: 'mariadb', domain: Number(m[1]), server: Number(m[2]), seq: BigInt(m[3]!), text: t };
  m = MYSQL.exec(t);
  if (m) return { flavor: 'mysql', uuid: m[1]!.toLowerCase(), gno: BigInt(m[2]!), text: `${m[1]!.toLowerCase()}:${m[2]}` };
  throw new UsageError(`--stop-gtid wants one GTID: MariaDB domain-server-seq (0-1-42) or MySQL uuid:N, got "${text}"`);
}

/** Same transaction? (MariaDB: domain, server and seq; MySQL: uuid and number.) */
export function sameGtid(a: Gtid, text: string | undefined): boolean {
  if (!text) return false;
  let b: Gtid;
  try {
    b = parseGtid(text);
  } catch {
    return false;
  }
  if (a.flavor === 'mariadb' && b.flavor === 'mariadb') return a.domain === b.domain && a.server === b.server && a.seq === b.seq;
  if (a.flavor === 'mysql' && b.flavor === 'mysql') return a.uuid === b.uuid && a.gno === b.gno;
  return false;
}

/**
 * Does a GTID state (MariaDB Gtid_list `0-1-5,1-2-9`, or a MySQL set) already include `g`?
 * MariaDB: the domain's last seq is at least g's. MySQL: g's number lies in one of the uuid's intervals.
 */
export function stateContains(state: string | undefined, g: Gtid): boolean {
  if (!state) return false;
  if (g.flavor === 'mariadb') {
    return state.split(',').map((s) => MARIADB.exec(s.trim())).some((m) => m && Number(m[1]) === g.domain && BigInt(m[3]!) >= g.seq);
  }
  for (const part of state.replace(/\s+/g, '').split(',')) {
    const [uuid, ...ranges] = part.split(':');
    if (uuid?.toLowerCase() !== g.uuid) continue;
    for (const r of ranges) {
      const [a, b] = r.split('-').map((x) => BigInt(x));
      if (a !== undefined && g.gno >= a && g.gno <= (b ?? a)) return true;
    }
  }
  return false;
}
