/**
 * Transaction boundaries in a binlog: which byte ranges form one event group (a transaction, a DDL
 * statement, an XA prepare), when each committed, and its GTID. A restore stops only between groups,
 * so a replay never ends inside a transaction.
 *
 * A group starts at a GTID event (MariaDB; MySQL, anonymous included) or, on servers without GTID
 * events, at BEGIN or at a standalone statement; it ends at its XID event, a COMMIT/ROLLBACK query,
 * an XA prepare, a MySQL transaction payload, or — for a standalone group (DDL) — its one statement.
 */
import { EventType, readMariadbGtid, readMysqlGtid, readQueryStart } from './events.js';
import type { ScannedEvent } from './scanner.js';

export interface EventGroup {
  /** Position of the group's first event. */
  start: number;
  /** Position just after its last event. */
  end: number;
  /** Timestamp (epoch s) of the event that committed it. */
  committed: number;
  /** `domain-server-seq` (MariaDB) or `uuid:gno` (MySQL); undefined without GTIDs. */
  gtid?: string;
}

const QUERY_TYPES = new Set<number>([EventType.QUERY, EventType.MARIADB_QUERY_COMPRESSED]);
const ENDS_GROUP = new Set<number>([EventType.XID, EventType.XA_PREPARE, EventType.MYSQL_TRANSACTION_PAYLOAD]);

export class GroupTracker {
  private open?: { start: number; gtid?: string; inTransaction: boolean; standalone: boolean };

  constructor(private readonly onGroup: (g: EventGroup) => void, private readonly queryPostHeader = () => 13) {}

  /** Position where the currently open group started, if one is open. */
  get openSince(): number | undefined {
    return this.open?.start;
  }

  feed(e: ScannedEvent): void {
    const t = e.header.type;
    if (t === EventType.MARIADB_GTID || t === EventType.MYSQL_GTID || t === EventType.MYSQL_ANONYMOUS_GTID || t === EventType.MYSQL_GTID_TAGGED) {
      this.startGtidGroup(e);
    } else if (QUERY_TYPES.has(t)) {
      this.query(e);
    } else if (ENDS_GROUP.has(t) && this.open) {
      this.close(e);
    }
  }

  private startGtidGroup(e: ScannedEvent): void {
    const body = e.body();
    const t = e.header.type;
    let gtid: string | undefined;
    let standalone = false;
    if (body && t === EventType.MARIADB_GTID) {
      const g = readMariadbGtid(body, e.header.serverId);
      gtid = g.gtid;
      standalone = g.standalone;
    } else if (body && t === EventType.MYSQL_GTID) {
      gtid = readMysqlGtid(body, t).gtid;
    }
    // a MariaDB non-standalone GTID event stands for BEGIN
    this.open = { start: e.position, gtid, inTransaction: t === EventType.MARIADB_GTID && !standalone, standalone };
  }

  private query(e: ScannedEvent): void {
    // the body without its checksum: CRC bytes after "COMMIT" could read as more letters
    const text = e.header.type === EventType.QUERY ? readQueryStart(e.body() ?? e.head.subarray(19), this.queryPostHeader())?.trimStart().toUpperCase() : undefined;
    const word = text ? /^[A-Z]+(?:\s+[A-Z]+)?/.exec(text)?.[0] ?? '' : '';
    if (word === 'BEGIN' || word === 'START TRANSACTION' || word === 'XA START' || word === 'XA BEGIN') {
      if (!this.open) this.open = { start: e.position, inTransaction: true, standalone: false };
      this.open.inTransaction = true;
      return;
    }
    if (word === 'COMMIT' || (word.startsWith('ROLLBACK') && !/^ROLLBACK\s+TO/.test(text ?? '')) || word === 'XA COMMIT' || word === 'XA ROLLBACK') {
      if (this.open) this.close(e);
      return;
    }
    if (this.open?.inTransaction) return; // a statement inside BEGIN … COMMIT
    if (!this.open) this.open = { start: e.position, inTransaction: false, standalone: true };
    this.close(e); // a standalone statement (DDL, or DML on a server without GTID events)
  }

  private close(e: ScannedEvent): void {
    const g = this.open!;
    this.open = undefined;
    this.onGroup({ start: g.start, end: e.position + e.header.size, committed: e.header.timestamp, ...(g.gtid ? { gtid: g.gtid } : {}) });
  }
}
