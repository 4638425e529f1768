/**
 * The binary log's on-disk format, as far as onedump needs it: the v4 event header, and the few event
 * bodies that carry file structure (format description, rotate, stop), transaction boundaries (GTID,
 * query BEGIN/COMMIT, XID, XA prepare, transaction payload) and GTID state (MariaDB Gtid_list, MySQL
 * Previous_gtids). Row events are never decoded: replaying them is `mariadb-binlog`'s job.
 *
 * Sources: MySQL `libbinlogevents` and MariaDB `sql/log_event.h` (type numbers, layouts); all integers
 * are little-endian.
 */

/** `\xfe b i n`: the first four bytes of every (unencrypted) binlog file. */
export const BINLOG_MAGIC = Buffer.from([0xfe, 0x62, 0x69, 0x6e]);
/** MySQL 8 encrypted binlog files start with `\xfd b i n` instead. */
export const ENCRYPTED_MAGIC = Buffer.from([0xfd, 0x62, 0x69, 0x6e]);
export const HEADER_LEN = 19;
/** Set in the first format description event while the server still writes the file. */
export const LOG_EVENT_BINLOG_IN_USE_F = 0x1;
/**
 * Set on an event a reader may skip. MariaDB sets it on the Start_encryption event it sends to a replica
 * (or `mariadb-binlog --read-from-remote-server`), whose events it has already decrypted.
 */
export const LOG_EVENT_IGNORABLE_F = 0x80;

export const EventType = {
  /** Also what an encrypted MariaDB event reads as (see scanner.ts). */
  UNKNOWN: 0,
  QUERY: 2,
  STOP: 3,
  ROTATE: 4,
  FORMAT_DESCRIPTION: 15,
  XID: 16,
  HEARTBEAT: 27,
  MYSQL_GTID: 33,
  MYSQL_ANONYMOUS_GTID: 34,
  MYSQL_PREVIOUS_GTIDS: 35,
  XA_PREPARE: 38,
  MYSQL_TRANSACTION_PAYLOAD: 40,
  MYSQL_GTID_TAGGED: 42,
  MARIADB_ANNOTATE_ROWS: 160,
  MARIADB_BINLOG_CHECKPOINT: 161,
  MARIADB_GTID: 162,
  MARIADB_GTID_LIST: 163,
  MARIADB_START_ENCRYPTION: 164,
  MARIADB_QUERY_COMPRESSED: 165,
} as const;

/** MariaDB GTID event flag: a single statement (DDL, non-transactional) without BEGIN/COMMIT. */
export const MARIADB_FL_STANDALONE = 0x1;

/** The fixed 19-byte header every v4 event starts with. */
export interface EventHeader {
  /** Seconds since the epoch (UTC) when the statement started on the originating server. */
  timestamp: number;
  type: number;
  serverId: number;
  /** Whole event, header and checksum included. */
  size: number;
  /** Position just after this event in its file (0 in some relayed/artificial events). */
  nextPosition: number;
  flags: number;
}

export function readHeader(buf: Buffer, at = 0): EventHeader {
  return {
    timestamp: buf.readUInt32LE(at),
    type: buf.readUInt8(at + 4),
    serverId: buf.readUInt32LE(at + 5),
    size: buf.readUInt32LE(at + 9),
    nextPosition: buf.readUInt32LE(at + 13),
    flags: buf.readUInt16LE(at + 17),
  };
}

export interface FormatDescription {
  binlogVersion: number;
  serverVersion: string;
  /** Seconds since the epoch; 0 in format description events that are not the file's first. */
  created: number;
  /** Length of the post-header of each event type (index = type − 1). */
  postHeaderLengths: number[];
  /** True when every event ends with a 4-byte CRC32. */
  checksum: boolean;
}

/** Server versions from which the format description event carries a checksum-algorithm byte. */
function checksumAware(version: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) return true;
  const [maj, min, pat] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (/mariadb/i.test(version)) return maj > 5 || (maj === 5 && min >= 3);
  return maj > 5 || (maj === 5 && (min > 6 || (min === 6 && pat >= 1)));
}

/** Decodes a format description event (`event` = the whole event, header included). */
export function readFormatDescription(event: Buffer): FormatDescription {
  const body = event.subarray(HEADER_LEN);
  const serverVersion = body.subarray(2, 52).toString('latin1').replace(/\0.*$/s, '');
  const aware = checksumAware(serverVersion);
  const end = aware ? body.length - 5 : body.length;
  const checksum = aware && body.readUInt8(body.length - 5) === 1;
  return {
    binlogVersion: body.readUInt16LE(0),
    serverVersion,
    created: body.readUInt32LE(52),
    postHeaderLengths: [...body.subarray(57, Math.max(57, end))],
    checksum,
  };
}

/** The body of an event without header and checksum. */
export function bodyOf(event: Buffer, checksum: boolean): Buffer {
  return event.subarray(HEADER_LEN, checksum ? Math.max(HEADER_LEN, event.length - 4) : event.length);
}

/** Rotate: the name of the next binlog file (and the position in it, always 4 in practice). */
export function readRotate(body: Buffer): { position: number; next: string } {
  return { position: Number(body.readBigUInt64LE(0)), next: body.subarray(8).toString('utf8') };
}

/** MariaDB GTID event → `domain-server-seq` plus its flags. */
export function readMariadbGtid(body: Buffer, serverId: number): { gtid: string; domain: number; seq: bigint; standalone: boolean } {
  const seq = body.readBigUInt64LE(0);
  const domain = body.readUInt32LE(8);
  const flags = body.readUInt8(12);
  return { gtid: `${domain}-${serverId}-${seq}`, domain, seq, standalone: (flags & MARIADB_FL_STANDALONE) !== 0 };
}

/** MariaDB Gtid_list: the GTID state before this file (`domain-server-seq` per domain). */
export function readMariadbGtidList(body: Buffer): string[] {
  const count = body.readUInt32LE(0) & 0x0fffffff;
  const out: string[] = [];
  for (let i = 0, at = 4; i < count && at + 16 <= body.length; i++, at += 16) {
    out.push(`${body.readUInt32LE(at)}-${body.readUInt32LE(at + 4)}-${body.readBigUInt64LE(at + 8)}`);
  }
  return out;
}

function uuidOf(bytes: Buffer): string {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** MySQL GTID / anonymous GTID event → `uuid:gno` (undefined for anonymous). */
export function readMysqlGtid(body: Buffer, type: number): { gtid?: string; uuid: string; gno: bigint } {
  const uuid = uuidOf(body.subarray(1, 17));
  const gno = body.readBigInt64LE(17);
  return { ...(type === EventType.MYSQL_GTID ? { gtid: `${uuid}:${gno}` } : {}), uuid, gno };
}

/** MySQL Previous_gtids: the GTID set executed before this file, as `uuid:a-b:c-d,...`. */
export function readMysqlPreviousGtids(body: Buffer): string {
  const sids = Number(body.readBigUInt64LE(0));
  const parts: string[] = [];
  let at = 8;
  for (let i = 0; i < sids && at + 24 <= body.length; i++) {
    const uuid = uuidOf(body.subarray(at, at + 16));
    const n = Number(body.readBigUInt64LE(at + 16));
    at += 24;
    const ranges: string[] = [];
    for (let k = 0; k < n && at + 16 <= body.length; k++, at += 16) {
      const start = body.readBigInt64LE(at);
      const end = body.readBigInt64LE(at + 8) - 1n; // stored exclusive
      ranges.push(start === end ? `${start}` : `${start}-${end}`);
    }
    parts.push([uuid, ...ranges].join(':'));
  }
  return parts.join(',');
}

/**
 * The start of a query event's statement text (enough to tell BEGIN/COMMIT/XA from other statements),
 * or undefined when the head captured does not reach it. `postHeaderLength` comes from the format
 * description (13 in every v4 server).
 */
export function readQueryStart(body: Buffer, postHeaderLength = 13): string | undefined {
  if (body.length < 13) return undefined;
  const dbLen = body.readUInt8(8);
  const statusLen = body.readUInt16LE(11);
  const at = postHeaderLength + statusLen + dbLen + 1;
  if (at >= body.length) return undefined;
  return body.subarray(at, Math.min(body.length, at + 32)).toString('latin1');
}
