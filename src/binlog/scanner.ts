/**
 * A streaming walker over one binlog file: feeds on chunks, finds every event boundary from the
 * headers, decodes the few structural events (see events.ts) and summarises the file. Memory stays
 * flat: of each event only its head (the first bytes, whole for small structural events) is kept,
 * and only until the event's callback returns.
 *
 * It is the one place that decides whether bytes are a complete, well-formed binlog: archive uploads
 * pass through it (a file that ends inside an event is never published as closed), and restores use it
 * to check positions and find stop points.
 */
import { Transform, type TransformCallback } from 'node:stream';
import {
  BINLOG_MAGIC, ENCRYPTED_MAGIC, EventType, HEADER_LEN, LOG_EVENT_BINLOG_IN_USE_F, LOG_EVENT_IGNORABLE_F, bodyOf, readFormatDescription,
  readHeader, readMariadbGtid, readMariadbGtidList, readMysqlGtid, readMysqlPreviousGtids, readRotate,
  type EventHeader, type FormatDescription,
} from './events.js';

/** One event as the scanner saw it. `head` holds the first bytes; `complete` says whether it is all. */
export interface ScannedEvent {
  /** Position of the event's first byte in its file. */
  position: number;
  header: EventHeader;
  head: Buffer;
  complete: boolean;
  /** Body without header and checksum, when the whole event was captured. */
  body(): Buffer | undefined;
}

/** What a whole pass over a file learnt. */
export interface BinlogSummary {
  /** Bytes read. */
  size: number;
  /** End of the last complete event: the largest prefix that is a well-formed binlog. */
  lastBoundary: number;
  events: number;
  serverVersion?: string;
  serverId?: number;
  /** Timestamp (epoch s) of the file's first event (its creation). */
  created?: number;
  /** Largest event timestamp seen. */
  lastTimestamp?: number;
  /** The server had not closed the file when these bytes were read. */
  inUse: boolean;
  checksum: boolean;
  /**
   * MariaDB `encrypt_binlog`: every event after the Start_encryption event is encrypted except its length,
   * so boundaries are still found (and the file archived byte for byte) but nothing in them is decoded.
   */
  encrypted: boolean;
  /** How the file ends: a rotate event (next file named), a stop event (clean shutdown), or neither. */
  end: 'rotate' | 'stop' | 'open';
  /** From the rotate event: the next file. */
  nextFile?: string;
  /** Timestamp of the closing rotate/stop event. */
  closedAt?: number;
  /** GTID state before this file: MariaDB Gtid_list entries, or MySQL Previous_gtids set. */
  gtidStart?: string;
  firstGtid?: string;
  lastGtid?: string;
}

export class BinlogFormatError extends Error {}

/** Structural events are captured whole (up to this size); others only their first bytes. */
const STRUCTURAL_CAPTURE = 1 << 16;
const DEFAULT_CAPTURE = 1024;
const STRUCTURAL = new Set<number>([
  EventType.FORMAT_DESCRIPTION, EventType.ROTATE, EventType.MARIADB_GTID_LIST, EventType.MYSQL_PREVIOUS_GTIDS,
  EventType.MARIADB_GTID, EventType.MYSQL_GTID, EventType.MYSQL_ANONYMOUS_GTID, EventType.STOP,
]);

export class BinlogScanner {
  /** Bytes consumed so far. */
  offset = 0;
  private magic = Buffer.alloc(0);
  private header = Buffer.alloc(0);
  private current?: { position: number; header: EventHeader; parts: Buffer[]; captured: number; want: number; left: number };
  fde?: FormatDescription;
  readonly summary: BinlogSummary = { size: 0, lastBoundary: 0, events: 0, inUse: false, checksum: false, encrypted: false, end: 'open' };

  /** `name` is used in error messages only. */
  constructor(private readonly name: string, private readonly onEvent?: (e: ScannedEvent) => void) {}

  push(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.offset < 4) i += this.takeMagic(chunk, i);
      else if (!this.current) i += this.takeHeader(chunk, i);
      else i += this.takeBody(chunk, i);
    }
    this.summary.size = this.offset;
  }

  /** Ends the pass. With `allowTail`, bytes after the last complete event are tolerated (a file being written). */
  finish(opts: { allowTail?: boolean } = {}): BinlogSummary {
    if (this.offset < 4) throw new BinlogFormatError(`${this.name}: not a binlog file (${this.offset} bytes, no header)`);
    if (!opts.allowTail && this.offset !== this.summary.lastBoundary) {
      throw new BinlogFormatError(`${this.name}: ends inside an event (last complete event ends at ${this.summary.lastBoundary}, file has ${this.offset} bytes): truncated`);
    }
    return this.summary;
  }

  private takeMagic(chunk: Buffer, i: number): number {
    const n = Math.min(4 - this.offset, chunk.length - i);
    this.magic = Buffer.concat([this.magic, chunk.subarray(i, i + n)]);
    this.offset += n;
    if (this.offset === 4) {
      if (this.magic.equals(ENCRYPTED_MAGIC)) throw new BinlogFormatError(`${this.name}: encrypted binlog files (binlog_encryption) are not supported`);
      if (!this.magic.equals(BINLOG_MAGIC)) throw new BinlogFormatError(`${this.name}: not a binlog file (bad magic bytes ${this.magic.toString('hex')})`);
      this.summary.lastBoundary = 4;
    }
    return n;
  }

  private takeHeader(chunk: Buffer, i: number): number {
    const n = Math.min(HEADER_LEN - this.header.length, chunk.length - i);
    this.header = this.header.length ? Buffer.concat([this.header, chunk.subarray(i, i + n)]) : Buffer.from(chunk.subarray(i, i + n));
    this.offset += n;
    if (this.header.length < HEADER_LEN) return n;
    const position = this.offset - HEADER_LEN;
    const header = this.summary.encrypted ? encryptedHeader(this.header) : readHeader(this.header);
    if (header.size < HEADER_LEN) throw new BinlogFormatError(`${this.name}: corrupt event at position ${position} (size ${header.size})`);
    if (header.nextPosition !== 0 && header.nextPosition !== (position + header.size) % 2 ** 32) {
      throw new BinlogFormatError(`${this.name}: corrupt event at position ${position} (says it ends at ${header.nextPosition}, its size says ${position + header.size})`);
    }
    const want = Math.min(header.size, STRUCTURAL.has(header.type) ? STRUCTURAL_CAPTURE : DEFAULT_CAPTURE);
    this.current = { position, header, parts: [this.header], captured: HEADER_LEN, want, left: header.size - HEADER_LEN };
    this.header = Buffer.alloc(0);
    if (this.current.left === 0) this.endEvent();
    return n;
  }

  private takeBody(chunk: Buffer, i: number): number {
    const cur = this.current!;
    const n = Math.min(cur.left, chunk.length - i);
    if (cur.captured < cur.want) {
      const keep = Math.min(n, cur.want - cur.captured);
      cur.parts.push(Buffer.from(chunk.subarray(i, i + keep)));
      cur.captured += keep;
    }
    cur.left -= n;
    this.offset += n;
    if (cur.left === 0) this.endEvent();
    return n;
  }

  private endEvent(): void {
    const cur = this.current!;
    this.current = undefined;
    const head = Buffer.concat(cur.parts);
    const complete = head.length === cur.header.size;
    const checksum = () => this.fde?.checksum ?? false;
    const event: ScannedEvent = {
      position: cur.position, header: cur.header, head, complete,
      body: () => (complete ? bodyOf(head, checksum()) : undefined),
    };
    this.note(event);
    this.summary.lastBoundary = cur.position + cur.header.size;
    this.summary.events++;
    this.onEvent?.(event);
  }

  /** Updates the summary from one event. */
  private note(e: ScannedEvent): void {
    const s = this.summary;
    const t = e.header.type;
    // read over the replication protocol, the events after it arrive decrypted and it is marked ignorable
    if (t === EventType.MARIADB_START_ENCRYPTION && !(e.header.flags & LOG_EVENT_IGNORABLE_F)) s.encrypted = true;
    if (e.header.timestamp) s.lastTimestamp = Math.max(s.lastTimestamp ?? 0, e.header.timestamp);
    if (t === EventType.FORMAT_DESCRIPTION && !this.fde) {
      if (!e.complete) throw new BinlogFormatError(`${this.name}: format description event too large`);
      this.fde = readFormatDescription(e.head);
      Object.assign(s, {
        serverVersion: this.fde.serverVersion, serverId: e.header.serverId, created: e.header.timestamp,
        inUse: (e.header.flags & LOG_EVENT_BINLOG_IN_USE_F) !== 0, checksum: this.fde.checksum,
      });
      return;
    }
    const body = e.body();
    if (!body) return;
    if (t === EventType.ROTATE && e.header.timestamp !== 0) {
      Object.assign(s, { end: 'rotate', nextFile: readRotate(body).next, closedAt: e.header.timestamp });
    } else if (t === EventType.STOP) {
      Object.assign(s, { end: 'stop', closedAt: e.header.timestamp });
    } else if (t === EventType.MARIADB_GTID_LIST && s.gtidStart === undefined) {
      s.gtidStart = readMariadbGtidList(body).join(',');
    } else if (t === EventType.MYSQL_PREVIOUS_GTIDS && s.gtidStart === undefined) {
      s.gtidStart = readMysqlPreviousGtids(body);
    } else if (t === EventType.MARIADB_GTID || t === EventType.MYSQL_GTID) {
      const gtid = t === EventType.MARIADB_GTID ? readMariadbGtid(body, e.header.serverId).gtid : readMysqlGtid(body, t).gtid;
      s.firstGtid ??= gtid;
      s.lastGtid = gtid;
    }
  }
}

/** An encrypted event's header: only the length (bytes 9–12) is in clear text; the type reads as 0 (unknown). */
function encryptedHeader(buf: Buffer): EventHeader {
  return { timestamp: 0, type: EventType.UNKNOWN, serverId: 0, size: buf.readUInt32LE(9), nextPosition: 0, flags: 0 };
}

/**
 * A pass-through stream that scans what flows through it and, at the end, fails the pipeline when the
 * bytes are not a complete binlog (so an upload behind it is aborted and nothing is published).
 */
export class BinlogScanStream extends Transform {
  readonly scanner: BinlogScanner;
  constructor(name: string, private readonly opts: { allowTail?: boolean; onEvent?: (e: ScannedEvent) => void } = {}) {
    super({ highWaterMark: 1 << 20 });
    this.scanner = new BinlogScanner(name, opts.onEvent);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.scanner.push(chunk);
      cb(null, chunk);
    } catch (err) {
      cb(err as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      this.scanner.finish({ allowTail: this.opts.allowTail });
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }
}
