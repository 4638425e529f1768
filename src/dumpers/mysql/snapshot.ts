/**
 * One consistent snapshot for a whole dump, shared by every worker connection (the technique mydumper
 * uses): a brief `FLUSH TABLES WITH READ LOCK` where it is needed, `START TRANSACTION WITH CONSISTENT
 * SNAPSHOT` on each connection under REPEATABLE READ, the binary-log coordinates of that point, unlock.
 *
 * `lock: auto` takes the global read lock only when it is needed: non-transactional tables (held until
 * they are read), several workers (their snapshots must start at the same point), or a MySQL server
 * with binary logging (whose coordinates are otherwise not tied to the snapshot). On MariaDB a single
 * worker needs no lock at all: `binlog_snapshot_file/position` are the snapshot's own coordinates.
 * `flush` always takes it; `none` never does (and says what that costs).
 */
import { DatabaseError } from '../../errors.js';
import type { Logger } from '../../util/log.js';
import type { MysqlConnection } from './connection.js';

export type LockMode = 'auto' | 'flush' | 'none';

/** Binary-log coordinates at the snapshot; what point-in-time recovery starts from. */
export interface BinlogCoordinates {
  binlog_file: string;
  binlog_position: number;
  /** MariaDB GTID position (`@@gtid_binlog_pos` at the snapshot). */
  gtid_binlog_pos?: string;
  /** MySQL executed GTID set. */
  gtid_executed?: string;
}

export interface Snapshot {
  /** Connections inside the shared snapshot; `workers[0]` holds the global read lock, if any. */
  workers: MysqlConnection[];
  /** Undefined when the server has no binary log. */
  coordinates?: BinlogCoordinates;
  /** True while the global read lock is held (non-transactional tables are being read). */
  locked: boolean;
  /** How the snapshot was taken, for the manifest. */
  method: 'lock' | 'snapshot';
  /** Releases the global read lock (no-op when not held). */
  unlock(): Promise<void>;
  close(): Promise<void>;
}

export interface SnapshotOptions {
  /** The connection that planned the dump; becomes `workers[0]`. */
  first: MysqlConnection;
  /** Opens (and prepares) another connection. */
  open(): Promise<MysqlConnection>;
  workers: number;
  lock: LockMode;
  /** Names of non-transactional tables that will be dumped. */
  nonTransactional: string[];
  log: Logger;
}

/** Session settings of every dump connection: exact values, no time limits, quoted identifiers. */
export async function prepareSession(c: MysqlConnection): Promise<void> {
  await c.exec("SET SESSION sql_mode = '', SESSION time_zone = '+00:00', SESSION net_write_timeout = 3600, SESSION net_read_timeout = 3600, SESSION sql_quote_show_create = 1");
  await c.exec('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  await c.exec(c.mariadb ? 'SET SESSION max_statement_time = 0' : 'SET SESSION max_execution_time = 0').catch(() => undefined);
}

export async function openSnapshot(opts: SnapshotOptions): Promise<Snapshot> {
  const workers: MysqlConnection[] = [opts.first];
  const closeAll = () => Promise.all(workers.map((w) => w.close().catch(() => w.destroy())));
  try {
    for (let i = 1; i < opts.workers; i++) workers.push(await opts.open());
    const main = workers[0]!;
    const binlog = (await main.rows('SELECT @@log_bin'))[0]![0] === '1';
    const needLock = opts.nonTransactional.length > 0 || opts.workers > 1;
    let locked = false;
    if (opts.lock === 'flush' || (opts.lock === 'auto' && (needLock || (binlog && !main.mariadb)))) {
      locked = await globalReadLock(main, opts.lock === 'auto' && !needLock, opts.log);
    } else if (opts.lock === 'none' && needLock) {
      opts.log.warn(`lock: none — ${opts.nonTransactional.length ? `non-transactional tables (${opts.nonTransactional.slice(0, 5).join(', ')}) may be inconsistent` : `the ${opts.workers} workers' snapshots start at slightly different points`}`);
    }
    await Promise.all(workers.map((w) => w.exec('START TRANSACTION WITH CONSISTENT SNAPSHOT')));
    const coordinates = binlog ? await readCoordinates(main, locked, opts.log) : undefined;
    const snap: Snapshot = {
      workers, coordinates, locked, method: locked ? 'lock' : 'snapshot',
      async unlock() {
        if (!snap.locked) return;
        snap.locked = false;
        await main.exec('UNLOCK TABLES');
      },
      close: async () => {
        await closeAll();
      },
    };
    if (locked && !opts.nonTransactional.length) await snap.unlock();
    return snap;
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** Takes FLUSH TABLES WITH READ LOCK; when `optional`, a missing privilege is a warning, not an error. */
async function globalReadLock(c: MysqlConnection, optional: boolean, log: Logger): Promise<boolean> {
  try {
    await c.exec('FLUSH TABLES WITH READ LOCK');
    return true;
  } catch (err) {
    if (optional) {
      log.warn(`cannot take a global read lock (${(err as Error).message}); binlog coordinates may be slightly ahead of the snapshot`);
      return false;
    }
    throw new DatabaseError('mysql', `cannot take the global read lock the dump needs (FLUSH TABLES WITH READ LOCK needs the RELOAD privilege; or set lock: none)`, { cause: err });
  }
}

async function readCoordinates(c: MysqlConnection, locked: boolean, log: Logger): Promise<BinlogCoordinates | undefined> {
  if (c.mariadb && !locked) {
    const status = new Map((await c.rows("SHOW STATUS LIKE 'binlog_snapshot_%'")).map((r) => [r[0]!.toLowerCase(), r[1]!]));
    const file = status.get('binlog_snapshot_file');
    const pos = status.get('binlog_snapshot_position');
    if (file && pos) {
      const gtid = (await c.rows('SELECT BINLOG_GTID_POS(?, ?)', [file, Number(pos)]))[0]![0];
      return { binlog_file: file, binlog_position: Number(pos), ...(gtid ? { gtid_binlog_pos: gtid } : {}) };
    }
  }
  const rows = await c.rows(c.mariadb || !/^(8\.[2-9]|9|[1-9]\d)/.test(c.version) ? 'SHOW MASTER STATUS' : 'SHOW BINARY LOG STATUS');
  if (!rows.length) return undefined;
  const [file, pos, , , gtidSet] = rows[0]!;
  if (!locked && !c.mariadb) log.warn('binlog coordinates read without a lock may be slightly ahead of the snapshot');
  const out: BinlogCoordinates = { binlog_file: file!, binlog_position: Number(pos) };
  if (c.mariadb) {
    const gtid = (await c.rows('SELECT @@gtid_binlog_pos'))[0]![0];
    if (gtid) out.gtid_binlog_pos = gtid;
  } else if (gtidSet) {
    out.gtid_executed = gtidSet.replace(/\s+/g, '');
  }
  return out;
}
