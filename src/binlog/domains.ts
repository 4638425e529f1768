/**
 * `--stop-gtid` with several MariaDB GTID domains. One GTID names a point in one domain only, and the two
 * readings of it disagree: `mariadb-binlog --stop-position=0-1-42` prints no event of any other domain at
 * all (domains missing from a GTID stop list are skipped), while stopping at the transaction's position
 * keeps the other domains' transactions that came before it. Rather than pick one silently, a replay
 * range that holds another domain's transactions is refused, naming the position that means "every
 * domain, up to just after this GTID".
 */
import { VerifyError } from '../errors.js';
import { parseGtid } from './gtid.js';
import { formatCoordinate, type Coordinate } from './names.js';
import type { RestorePlan } from './plan.js';
import { walkReplayRange } from './scope.js';
import type { StopPoint } from './stop-point.js';

export async function checkGtidDomains(plan: RestorePlan, stop: StopPoint, signal?: AbortSignal): Promise<void> {
  if (stop.kind !== 'gtid' || stop.gtid.flavor !== 'mariadb') return;
  const domain = stop.gtid.domain;
  let other: { gtid: string; domain: number; at: Coordinate } | undefined;
  await walkReplayRange(plan, {
    group(g, file) {
      const parsed = g.gtid ? parseGtid(g.gtid) : undefined;
      if (parsed?.flavor !== 'mariadb' || parsed.domain === domain) return;
      other = { gtid: g.gtid!, domain: parsed.domain, at: { file, position: g.start } };
      return 'stop';
    },
  }, signal);
  if (!other) return;
  throw new VerifyError(
    `--stop-gtid ${stop.text} names GTID domain ${domain}, but the binlogs to replay also hold transactions of domain ${other.domain} (${other.gtid} at ${formatCoordinate(other.at)}): ` +
    `mariadb-binlog would skip that domain entirely, a cut by position would keep what came before. ` +
    `To replay every domain up to just after ${stop.text}, use --stop-position ${formatCoordinate(plan.stop.coordinate)} (or --stop-datetime)`,
  );
}
