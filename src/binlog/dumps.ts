/**
 * What a dump's manifest says about the binlog: the coordinates its snapshot was taken at (recorded by
 * the mysql/mysqldump drivers as `snapshot.binlog_file` / `snapshot.binlog_position`, plus the GTID
 * state: `gtid_binlog_pos` on MariaDB, `gtid_executed` on MySQL).
 */
import type { Manifest } from '../pipeline/manifest.js';
import { parseBinlogName, type Coordinate } from './names.js';

export function dumpCoordinate(m: Manifest): Coordinate | undefined {
  const s = m.snapshot ?? {};
  const file = s.binlog_file;
  const pos = Number(s.binlog_position);
  if (typeof file !== 'string' || !parseBinlogName(file) || !Number.isInteger(pos) || pos < 4) return undefined;
  return { file, position: pos };
}

export function dumpGtid(m: Manifest): string | undefined {
  const s = m.snapshot ?? {};
  const g = s.gtid_binlog_pos ?? s.gtid_executed;
  return typeof g === 'string' && g ? g : undefined;
}
