/**
 * The pure parts: status column mapping for every server family (MySQL < 8.2, ≥ 8.2, MariaDB),
 * stop-point parsing with time zones and DST, GTID states, file names, and the event walker on a
 * synthetic MySQL 8 binlog (GTID events, Previous_gtids, BEGIN/XID and DDL groups) — servers this
 * machine cannot run.
 */
import { buildStatus, mapBinaryLogs, mapStatusRow, notEnabledMessage, statusStatement } from '../../src/binlog/status.js';
import { parseStopPoint, wallTimeToEpoch } from '../../src/binlog/stop-point.js';
import { parseGtid, sameGtid, stateContains } from '../../src/binlog/gtid.js';
import { compareCoordinates, nextBinlogName, parseBinlogName, parseCoordinate } from '../../src/binlog/names.js';
import { BinlogScanner } from '../../src/binlog/scanner.js';
import { GroupTracker, type EventGroup } from '../../src/binlog/groups.js';
import { eventDatabase } from '../../src/binlog/scope.js';

describe('binlog status across server families', () => {
  test('picks SHOW BINARY LOG STATUS from MySQL 8.2 on, SHOW MASTER STATUS before and on MariaDB', () => {
    expect(statusStatement('mysql', '8.4.3')).toBe('SHOW BINARY LOG STATUS');
    expect(statusStatement('mysql', '8.2.0')).toBe('SHOW BINARY LOG STATUS');
    expect(statusStatement('mysql', '9.1.0-commercial')).toBe('SHOW BINARY LOG STATUS');
    expect(statusStatement('mysql', '8.1.0')).toBe('SHOW MASTER STATUS');
    expect(statusStatement('mysql', '8.0.36-28')).toBe('SHOW MASTER STATUS');
    expect(statusStatement('mysql', '5.7.44-log')).toBe('SHOW MASTER STATUS');
    expect(statusStatement('mariadb', '11.4.2-MariaDB')).toBe('SHOW MASTER STATUS');
  });

  test('maps MySQL 8.4 columns: Encrypted, Executed_Gtid_Set, binlog_expire_logs_seconds, server_uuid', () => {
    const s = buildStatus({
      server: 'db:3306', version: '8.4.3', comment: 'MySQL Community Server - GPL',
      vars: { log_bin: 'ON', binlog_format: 'ROW', binlog_row_image: 'FULL', binlog_checksum: 'CRC32', server_id: '7', server_uuid: '3e11fa47-71ca-11e1-9e33-c80aa9429562', gtid_mode: 'ON', gtid_executed: 'ignored', gtid_purged: '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-2', binlog_expire_logs_seconds: '2592000', max_binlog_size: '1073741824', log_bin_basename: '/var/lib/mysql/binlog' },
      logs: [{ Log_name: 'binlog.000001', File_size: '180', Encrypted: 'No' }, { Log_name: 'binlog.000002', File_size: '2048', Encrypted: 'Yes' }],
      status: { File: 'binlog.000002', Position: '2048', Binlog_Do_DB: '', Binlog_Ignore_DB: '', Executed_Gtid_Set: '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,\n4e11fa47-71ca-11e1-9e33-c80aa9429562:1-3' },
    });
    expect(s).toMatchObject({
      flavor: 'mysql', enabled: true, serverId: 7, serverUuid: '3e11fa47-71ca-11e1-9e33-c80aa9429562', format: 'ROW', expireSeconds: 2592000,
      current: { file: 'binlog.000002', position: 2048 },
      gtid: { mode: 'ON', executed: '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,4e11fa47-71ca-11e1-9e33-c80aa9429562:1-3', purged: '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-2' },
      files: [{ name: 'binlog.000001', size: 180, encrypted: false }, { name: 'binlog.000002', size: 2048, encrypted: true }],
    });
  });

  test('maps MySQL 5.7 (no Encrypted column, expire_logs_days) and GTID mode off', () => {
    const s = buildStatus({
      server: 'db:3306', version: '5.7.44-log',
      vars: { log_bin: 'ON', binlog_format: 'MIXED', server_id: '1', gtid_mode: 'OFF', gtid_executed: '', expire_logs_days: '7' },
      logs: [{ Log_name: 'mysql-bin.000009', File_size: 154 }],
      status: { File: 'mysql-bin.000009', Position: 154, Binlog_Do_DB: '', Binlog_Ignore_DB: '', Executed_Gtid_Set: '' },
    });
    expect(s.expireSeconds).toBe(7 * 86400);
    expect(s.gtid).toEqual({ mode: 'OFF', executed: '', purged: '' });
    expect(s.files).toEqual([{ name: 'mysql-bin.000009', size: 154 }]);
  });

  test('maps MariaDB: four status columns, GTID state from variables', () => {
    const s = buildStatus({
      server: 'db:3306', version: '10.11.6-MariaDB-0+deb12u1-log',
      vars: { log_bin: 'ON', binlog_format: 'ROW', server_id: '1', gtid_binlog_pos: '0-1-42,1-2-7', gtid_current_pos: '0-1-42,1-2-7', gtid_strict_mode: 'ON', expire_logs_days: '0' },
      logs: [{ Log_name: 'mysql-bin.000001', File_size: '328' }],
      status: { File: 'mysql-bin.000001', Position: '328', Binlog_Do_DB: '', Binlog_Ignore_DB: '' },
    });
    expect(s.flavor).toBe('mariadb');
    expect(s.gtid).toEqual({ binlogPos: '0-1-42,1-2-7', currentPos: '0-1-42,1-2-7', strictMode: true });
    expect(s.expireSeconds).toBe(0);
  });

  test('a server without binary logging: disabled, and one line saying how to enable it', () => {
    const s = buildStatus({ server: 'db:3306', version: '8.0.36', vars: { log_bin: 'OFF' }, logs: [] });
    expect(s.enabled).toBe(false);
    expect(s.current).toBeUndefined();
    expect(notEnabledMessage('db:3306')).not.toContain('\n');
    expect(mapStatusRow(undefined)).toEqual({});
    expect(mapBinaryLogs([])).toEqual([]);
  });
});

describe('stop points', () => {
  test('wall time in a zone → epoch seconds', () => {
    expect(wallTimeToEpoch('2024-06-01 12:00:00', 'Europe/Berlin')).toBe(Date.UTC(2024, 5, 1, 10, 0, 0) / 1000);
    expect(wallTimeToEpoch('2024-01-15 12:00:00', 'Europe/Berlin')).toBe(Date.UTC(2024, 0, 15, 11, 0, 0) / 1000);
    expect(wallTimeToEpoch('2024-06-01 12:00:00', 'UTC')).toBe(Date.UTC(2024, 5, 1, 12, 0, 0) / 1000);
    expect(wallTimeToEpoch('2024-06-01 12:00:00', 'Asia/Kolkata')).toBe(Date.UTC(2024, 5, 1, 6, 30, 0) / 1000);
  });

  test('times skipped or repeated by a DST change are refused, as are impossible ones', () => {
    expect(() => wallTimeToEpoch('2024-03-10 02:30:00', 'America/New_York')).toThrow(/does not exist in America\/New_York/);
    expect(() => wallTimeToEpoch('2024-11-03 01:30:00', 'America/New_York')).toThrow(/happens twice/);
    expect(() => wallTimeToEpoch('2024-02-30 10:00:00', 'UTC')).toThrow(/no such date/);
    expect(() => wallTimeToEpoch('2024-06-01', 'UTC')).toThrow(/YYYY-MM-DD HH:MM:SS/);
    expect(() => wallTimeToEpoch('2024-06-01 10:00:00', 'Mars/Olympus')).toThrow(/unknown time zone/);
  });

  test('exactly one kind of stop point', () => {
    expect(() => parseStopPoint({})).toThrow(/exactly one/);
    expect(() => parseStopPoint({ stopGtid: '0-1-2', stopPosition: 'mysql-bin.000001:4' })).toThrow(/exactly one/);
    expect(() => parseStopPoint({ stopGtid: '0-1-2', timezone: 'UTC' })).toThrow(/--timezone only applies/);
    expect(parseStopPoint({ stopPosition: 'mysql-bin.000042:1234' })).toMatchObject({ kind: 'position', coordinate: { file: 'mysql-bin.000042', position: 1234 } });
    expect(() => parseStopPoint({ stopPosition: 'mysql-bin:12' })).toThrow(/FILE:POS/);
    expect(parseStopPoint({ stopDatetime: '2024-06-01 12:00:00', timezone: 'UTC' })).toMatchObject({ kind: 'datetime', epoch: Date.UTC(2024, 5, 1, 12) / 1000 });
  });
});

describe('GTIDs and names', () => {
  const uuid = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
  test('MariaDB and MySQL GTIDs, and whether a state includes one', () => {
    expect(parseGtid('0-1-42')).toMatchObject({ flavor: 'mariadb', domain: 0, server: 1, seq: 42n });
    expect(parseGtid(`${uuid.toUpperCase()}:17`)).toMatchObject({ flavor: 'mysql', uuid, gno: 17n });
    expect(() => parseGtid('42')).toThrow(/--stop-gtid wants/);
    expect(stateContains('0-1-42,1-2-7', parseGtid('0-1-42'))).toBe(true);
    expect(stateContains('0-1-42,1-2-7', parseGtid('0-1-43'))).toBe(false);
    expect(stateContains('0-1-42,1-2-7', parseGtid('1-2-8'))).toBe(false);
    expect(stateContains('0-1-42', parseGtid('2-1-1'))).toBe(false);
    expect(stateContains(`${uuid}:1-5:7-9,4e11fa47-71ca-11e1-9e33-c80aa9429562:1-3`, parseGtid(`${uuid}:8`))).toBe(true);
    expect(stateContains(`${uuid}:1-5:7-9`, parseGtid(`${uuid}:6`))).toBe(false);
    expect(stateContains(`${uuid}:1-5:7`, parseGtid(`${uuid}:7`))).toBe(true);
    expect(sameGtid(parseGtid(`${uuid}:8`), `${uuid}:8`)).toBe(true);
    expect(sameGtid(parseGtid('0-1-8'), '0-2-8')).toBe(false);
  });

  test('binlog file names and coordinates', () => {
    expect(parseBinlogName('mysql-bin.000042')).toEqual({ name: 'mysql-bin.000042', base: 'mysql-bin', seq: 42 });
    expect(parseBinlogName('mysql-bin.index')).toBeUndefined();
    expect(parseBinlogName('.mysql-bin.000001.onedump-tmp-ab')).toBeUndefined();
    expect(nextBinlogName('mysql-bin.999999')).toBe('mysql-bin.1000000');
    expect(compareCoordinates(parseCoordinate('b.000002:4'), parseCoordinate('b.000001:9000'))).toBeGreaterThan(0);
    expect(compareCoordinates(parseCoordinate('b.1000000:4'), parseCoordinate('b.999999:4'))).toBeGreaterThan(0);
  });
});

/** A synthetic MySQL 8 binlog: the layouts of libbinlogevents, CRC32 fields left zero (onedump does not check them). */
function mysqlBinlog(uuid: string): { bytes: Buffer; positions: number[] } {
  const parts: Buffer[] = [Buffer.from([0xfe, 0x62, 0x69, 0x6e])];
  const positions: number[] = [];
  let pos = 4;
  const ev = (type: number, body: Buffer, ts = 1_700_000_000) => {
    const size = 19 + body.length + 4;
    const h = Buffer.alloc(19);
    h.writeUInt32LE(ts, 0); h.writeUInt8(type, 4); h.writeUInt32LE(5, 5); h.writeUInt32LE(size, 9); h.writeUInt32LE(pos + size, 13);
    positions.push(pos);
    parts.push(h, body, Buffer.from('lxyz')); // a checksum whose bytes read as letters
    pos += size;
  };
  const sid = Buffer.from(uuid.replace(/-/g, ''), 'hex');
  const u64 = (n: number) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); return b; };
  const fde = Buffer.alloc(2 + 50 + 4 + 1 + 41 + 1);
  fde.writeUInt16LE(4, 0); fde.write('8.0.36', 2, 'latin1'); fde.writeUInt8(19, 56);
  fde.writeUInt8(13, 57 + 1); fde.writeUInt8(8, 57 + 18); fde.writeUInt8(1, fde.length - 1);
  const query = (db: string, sql: string) => Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, db.length, 0, 0, 0, 0]), Buffer.from(db), Buffer.from([0]), Buffer.from(sql)]);
  const gtid = (gno: number) => Buffer.concat([Buffer.from([1]), sid, u64(gno), Buffer.alloc(17)]);
  ev(15, fde);
  ev(35, Buffer.concat([u64(1), sid, u64(1), u64(1), u64(6)])); // Previous_gtids uuid:1-5
  ev(33, gtid(6)); ev(2, query('app', 'BEGIN')); ev(19, Buffer.concat([Buffer.alloc(8), Buffer.from([3]), Buffer.from('app'), Buffer.from([0, 1]), Buffer.from('t'), Buffer.from([0])])); ev(30, Buffer.alloc(20)); ev(16, u64(99), 1_700_000_005);
  ev(33, gtid(7)); ev(2, query('app', 'ALTER TABLE t ADD c INT'), 1_700_000_009);
  ev(33, gtid(8)); ev(2, query('app', 'BEGIN')); ev(2, query('app', 'INSERT INTO m VALUES (1)')); ev(2, query('app', 'COMMIT'), 1_700_000_010);
  ev(4, Buffer.concat([u64(4), Buffer.from('binlog.000002')]), 1_700_000_010);
  return { bytes: Buffer.concat(parts), positions };
}

test('the walker reads a MySQL 8 binlog: Previous_gtids, GTID groups ending at XID, at a DDL statement and at COMMIT', () => {
  const uuid = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
  const { bytes, positions } = mysqlBinlog(uuid);
  const groups: EventGroup[] = [];
  const dbs: string[] = [];
  let scanner: BinlogScanner;
  const tracker = new GroupTracker((g) => groups.push(g), () => scanner.fde?.postHeaderLengths[1] ?? 13);
  scanner = new BinlogScanner('binlog.000001', (e) => {
    tracker.feed(e);
    const db = eventDatabase(e, scanner.fde);
    if (db) dbs.push(db);
  });
  for (let i = 0; i < bytes.length; i += 13) scanner.push(bytes.subarray(i, i + 13));
  const s = scanner.finish();
  expect(s).toMatchObject({ serverVersion: '8.0.36', checksum: true, end: 'rotate', nextFile: 'binlog.000002', closedAt: 1_700_000_010, gtidStart: `${uuid}:1-5`, firstGtid: `${uuid}:6`, lastGtid: `${uuid}:8`, events: 14 });
  expect(groups).toEqual([
    { start: positions[2], end: positions[7], committed: 1_700_000_005, gtid: `${uuid}:6` },
    { start: positions[7], end: positions[9], committed: 1_700_000_009, gtid: `${uuid}:7` },
    { start: positions[9], end: positions[13], committed: 1_700_000_010, gtid: `${uuid}:8` },
  ]);
  expect(dbs).toEqual(['app', 'app', 'app']); // the table map, the DDL, the INSERT; BEGIN/COMMIT do not count
});
