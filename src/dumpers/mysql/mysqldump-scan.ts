/**
 * Reads mysqldump's output as it streams by, line by line: rows per table (each extended INSERT is one
 * line, since mysqldump escapes newlines) and the binlog coordinates from `--master-data=2`
 * (`-- CHANGE MASTER TO MASTER_LOG_FILE='…', MASTER_LOG_POS=…;`, and with `--gtid`
 * `-- SET GLOBAL gtid_slave_pos='…';`). Holds at most one line.
 */
import { countInsertRows } from './statement-kind.js';
import type { BinlogCoordinates } from './snapshot.js';

export class DumpOutputScanner {
  private position?: { binlog_file: string; binlog_position: number };
  private gtid: { gtid_binlog_pos?: string; gtid_executed?: string } = {};
  private rest = '';
  private db?: string;
  /** The table whose multi-line INSERT is being read. */
  private current?: string;
  private readonly rows: Record<string, number> = {};

  /** @param single the database of a single-database dump (keys are then plain table names). */
  constructor(private readonly single?: string) {}

  push(chunk: Buffer): void {
    const text = this.rest + chunk.toString('latin1');
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      this.line(text.slice(start, nl));
      start = nl + 1;
    }
    this.rest = text.slice(start);
  }

  /** The binlog coordinates the dump recorded, if it did. */
  get coordinates(): BinlogCoordinates | undefined {
    return this.position ? { ...this.position, ...this.gtid } : undefined;
  }

  /** Per-table row counts (every dumped table appears, with 0 when empty). */
  finish(): Record<string, number> {
    if (this.rest) this.line(this.rest);
    this.rest = '';
    return this.rows;
  }

  private key(table: string): string {
    const name = Buffer.from(table.replace(/``/g, '`'), 'latin1').toString('utf8');
    return this.single !== undefined ? name : `${this.db ?? ''}.${name}`;
  }

  /** Adds the rows of one INSERT line, or of one row line of a multi-line INSERT (MariaDB 10.11+). */
  private line(l: string): void {
    if (this.current !== undefined && l.startsWith('(')) {
      this.rows[this.current] = (this.rows[this.current] ?? 0) + countInsertRows('VALUES ' + l);
      if (l.endsWith(';')) this.current = undefined;
      return;
    }
    this.current = undefined;
    if (l.startsWith('INSERT INTO `')) {
      const m = /^INSERT INTO `((?:[^`]|``)+)`/.exec(l);
      if (!m) return;
      const key = this.key(m[1]!);
      const values = /\bVALUES\s*$/.test(l) ? 0 : countInsertRows(l);
      this.rows[key] = (this.rows[key] ?? 0) + values;
      if (!l.endsWith(';')) this.current = key;
      return;
    }
    if (l.startsWith('CREATE TABLE `')) {
      const m = /^CREATE TABLE `((?:[^`]|``)+)`/.exec(l);
      if (m) this.rows[this.key(m[1]!)] ??= 0;
      return;
    }
    if (l.startsWith('USE `')) {
      this.db = Buffer.from(l.slice(5, l.lastIndexOf('`')).replace(/``/g, '`'), 'latin1').toString('utf8');
      return;
    }
    if (!l.startsWith('-- ')) return;
    const cm = /^-- CHANGE MASTER TO MASTER_LOG_FILE='([^']+)', MASTER_LOG_POS=(\d+)/.exec(l);
    if (cm) this.position = { binlog_file: cm[1]!, binlog_position: Number(cm[2]) };
    const gtid = /^-- SET GLOBAL gtid_slave_pos='([^']*)'/.exec(l);
    if (gtid?.[1]) this.gtid.gtid_binlog_pos = gtid[1];
    const purged = /^-- SET @@GLOBAL.GTID_PURGED=(?:\/\*!80000 '\+'\*\/ )?'([^']*)'/.exec(l);
    if (purged?.[1]) this.gtid.gtid_executed = purged[1];
  }
}
