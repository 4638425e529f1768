/**
 * `binlog status`: whether binary logging is on, its format, the binlog files with sizes, the current
 * file/position and the GTID state — on MySQL before and after 8.2 and on MariaDB.
 *
 * The statements differ by server: MySQL ≥ 8.2 has `SHOW BINARY LOG STATUS` (8.4 dropped
 * `SHOW MASTER STATUS`), older MySQL and MariaDB answer `SHOW MASTER STATUS`. Column sets differ too:
 * MySQL's status has `Executed_Gtid_Set` and its `SHOW BINARY LOGS` an `Encrypted` column; MariaDB keeps
 * GTID state in variables (`gtid_binlog_pos`, `gtid_current_pos`). The mapping functions below are pure
 * so every variant is unit-tested.
 */
import { DatabaseError } from '../errors.js';
import { describeServer, namedRows, openServer, type BinlogServer, type Row } from './connection.js';

export type Flavor = 'mysql' | 'mariadb';

export interface BinlogFile {
  name: string;
  size: number;
  encrypted?: boolean;
}

export interface BinlogStatus {
  server: string;
  version: string;
  flavor: Flavor;
  serverId?: number;
  serverUuid?: string;
  enabled: boolean;
  format?: string;
  rowImage?: string;
  checksum?: string;
  basename?: string;
  maxSize?: number;
  /** How long the server keeps binlogs, in seconds (0 = forever). */
  expireSeconds?: number;
  current?: { file: string; position: number };
  gtid: { mode?: string; executed?: string; purged?: string; binlogPos?: string; currentPos?: string; strictMode?: boolean };
  files: BinlogFile[];
}

export const VARIABLES = [
  'log_bin', 'log_bin_basename', 'binlog_format', 'binlog_row_image', 'binlog_checksum', 'server_id', 'server_uuid',
  'max_binlog_size', 'expire_logs_days', 'binlog_expire_logs_seconds', 'gtid_mode', 'gtid_executed', 'gtid_purged',
  'gtid_binlog_pos', 'gtid_current_pos', 'gtid_strict_mode',
];

export function flavorOf(version: string, comment = ''): Flavor {
  return /mariadb/i.test(version) || /mariadb/i.test(comment) ? 'mariadb' : 'mysql';
}

/** The statement that reports the current binlog file and position on this server. */
export function statusStatement(flavor: Flavor, version: string): string {
  if (flavor === 'mariadb') return 'SHOW MASTER STATUS';
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  const [maj, min] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  return maj > 8 || (maj === 8 && min >= 2) ? 'SHOW BINARY LOG STATUS' : 'SHOW MASTER STATUS';
}

/** The other spelling, tried when a server rejects the first (forks, unusual version strings). */
export function otherStatusStatement(stmt: string): string {
  return stmt === 'SHOW MASTER STATUS' ? 'SHOW BINARY LOG STATUS' : 'SHOW MASTER STATUS';
}

function pick(row: Row, ...names: string[]): unknown {
  const lower = new Map(Object.keys(row).map((k) => [k.toLowerCase(), k]));
  for (const n of names) {
    const k = lower.get(n.toLowerCase());
    if (k !== undefined) return row[k];
  }
  return undefined;
}

/** `SHOW BINARY LOGS` rows → files (MySQL 8 adds `Encrypted`). */
export function mapBinaryLogs(rows: Row[]): BinlogFile[] {
  return rows.map((r) => {
    const enc = pick(r, 'Encrypted');
    return {
      name: String(pick(r, 'Log_name')),
      size: Number(pick(r, 'File_size')),
      ...(enc === undefined || enc === null ? {} : { encrypted: String(enc).toLowerCase() === 'yes' }),
    };
  });
}

/** A status row (`SHOW MASTER STATUS` / `SHOW BINARY LOG STATUS`) → current position and, on MySQL, the executed GTID set. */
export function mapStatusRow(row: Row | undefined): { current?: { file: string; position: number }; executed?: string } {
  if (!row) return {};
  const executed = pick(row, 'Executed_Gtid_Set');
  return {
    current: { file: String(pick(row, 'File')), position: Number(pick(row, 'Position')) },
    ...(typeof executed === 'string' && executed !== '' ? { executed: executed.replace(/\s+/g, '') } : {}),
  };
}

/** `SHOW GLOBAL VARIABLES` rows → name → value. */
export function mapVariables(rows: Row[]): Record<string, string> {
  return Object.fromEntries(rows.map((r) => [String(pick(r, 'Variable_name')).toLowerCase(), String(pick(r, 'Value') ?? '')]));
}

/** Assembles the status from what the server answered. */
export function buildStatus(a: { server: string; version: string; comment?: string; vars: Record<string, string>; logs: Row[]; status?: Row }): BinlogStatus {
  const v = a.vars;
  const flavor = flavorOf(a.version, a.comment);
  const num = (x?: string) => (x === undefined || x === '' ? undefined : Number(x));
  const st = mapStatusRow(a.status);
  const expire = num(v.binlog_expire_logs_seconds) || (num(v.expire_logs_days) ?? 0) * 86400;
  const enabled = ['on', '1'].includes((v.log_bin ?? '').toLowerCase());
  const gtid: BinlogStatus['gtid'] = flavor === 'mariadb'
    ? { binlogPos: v.gtid_binlog_pos ?? '', currentPos: v.gtid_current_pos ?? '', strictMode: (v.gtid_strict_mode ?? '').toUpperCase() === 'ON' }
    : { mode: v.gtid_mode ?? 'OFF', executed: st.executed ?? (v.gtid_executed ?? '').replace(/\s+/g, ''), purged: (v.gtid_purged ?? '').replace(/\s+/g, '') };
  return {
    server: a.server, version: a.version, flavor,
    ...(num(v.server_id) !== undefined ? { serverId: num(v.server_id) } : {}),
    ...(v.server_uuid ? { serverUuid: v.server_uuid } : {}),
    enabled,
    ...(enabled ? {
      format: v.binlog_format, rowImage: v.binlog_row_image, checksum: v.binlog_checksum, basename: v.log_bin_basename,
      maxSize: num(v.max_binlog_size), expireSeconds: expire,
    } : {}),
    ...(st.current ? { current: st.current } : {}),
    gtid,
    files: mapBinaryLogs(a.logs),
  };
}

/** The one line a server without binary logging gets. */
export function notEnabledMessage(server: string): string {
  return `binary logging is not enabled on ${server} (log_bin is OFF): add "log_bin = mysql-bin", "server_id = 1" and "binlog_format = ROW" under [mysqld] in the server's config and restart it`;
}

/** Asks the server. Throws DatabaseError (with the missing privilege named) when it refuses. */
export async function queryStatus(settings: BinlogServer): Promise<BinlogStatus> {
  const server = describeServer(settings);
  const conn = await openServer(settings);
  try {
    const [info] = await namedRows(conn, 'SELECT VERSION() AS version, @@version_comment AS comment');
    const version = String(info!.version);
    const varRows = await namedRows(conn, `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${VARIABLES.map(() => '?').join(',')})`, VARIABLES);
    const vars = mapVariables(varRows);
    const base = { server, version, comment: String(info!.comment ?? ''), vars };
    if (!['on', '1'].includes((vars.log_bin ?? '').toLowerCase())) return buildStatus({ ...base, logs: [] });
    const logs = await privileged(() => namedRows(conn, 'SHOW BINARY LOGS'), server, 'SHOW BINARY LOGS');
    const stmt = statusStatement(flavorOf(version, base.comment), version);
    const status = await privileged(() => namedRows(conn, stmt), server, stmt).catch(async (err) => {
      if ((err as { cause?: { errno?: number } }).cause?.errno !== 1064) throw err;
      return privileged(() => namedRows(conn, otherStatusStatement(stmt)), server, otherStatusStatement(stmt));
    });
    return buildStatus({ ...base, logs, status: status[0] });
  } finally {
    await conn.close().catch(() => conn.destroy());
  }
}

async function privileged(run: () => Promise<Row[]>, server: string, stmt: string): Promise<Row[]> {
  try {
    return await run();
  } catch (err) {
    const e = err as { errno?: number; message: string };
    const denied = e.errno === 1227 || e.errno === 1045 || e.errno === 1142;
    const hint = denied ? ' (the user needs REPLICATION CLIENT on MySQL, BINLOG MONITOR on MariaDB ≥ 10.5)' : '';
    throw new DatabaseError('mysql', `${server}: ${stmt} failed: ${e.message}${hint}`, { cause: err });
  }
}
