/**
 * What a MySQL restore would change, without changing anything: each table dropped and re-created or
 * newly created, the rows each table would receive, and the views, triggers, routines and events that
 * would be created or replaced. What already exists is read from the target when it can be reached.
 */
import type { RestoreOptions } from '../types.js';
import { connectMysql, type MysqlConnection } from './connection.js';
import type { MysqlDsn } from './dsn.js';
import { countInsertRows, type StatementInfo } from './statement-kind.js';

const OBJECT_WORD: Partial<Record<StatementInfo['kind'], string>> = {
  'create-view': 'view', 'create-trigger': 'trigger', 'create-routine': 'routine', 'create-event': 'event',
};

export class DryRunReport {
  db?: string;
  private conn?: MysqlConnection;
  private readonly existing = new Map<string, Map<string, { type: string; rows: string }>>();
  private readonly rows = new Map<string, number>();
  private readonly created = new Set<string>();

  constructor(private readonly dsn: MysqlDsn, private readonly opts: RestoreOptions) {
    this.db = dsn.database;
  }

  /** Connects to see what exists; a target that cannot be reached is reported and treated as empty. */
  async inspectTarget(): Promise<void> {
    try {
      this.conn = await connectMysql(this.dsn, { endpoint: this.opts.endpoint, database: null });
    } catch (err) {
      this.print(`(cannot inspect the target: ${(err as Error).message}; listing as if it were empty)`);
    }
    this.print(`dry run: nothing will be changed in ${this.dsn.host}:${this.dsn.port}${this.db ? `/${this.db}` : ''}`);
    if (this.db && this.conn && !(await this.objects(this.db)).size && !(await this.dbExists(this.db))) this.print(`would create database ${this.db}`);
  }

  async add(info: StatementInfo, text: string): Promise<void> {
    const db = info.db ?? this.db ?? '?';
    const key = `${db}.${info.name ?? ''}`;
    switch (info.kind) {
      case 'use':
        this.db = info.name;
        return;
      case 'database':
        if (/^\s*(\/\*!\d*\s*)?create/i.test(text) && info.name && !(await this.dbExists(info.name))) this.print(`would create database ${info.name}`);
        return;
      case 'create-table': {
        const old = (await this.objects(db)).get(info.name ?? '');
        this.created.add(key);
        this.print(old ? `would drop and re-create table ${key} (exists, ~${old.rows} rows)` : `would create table ${key}`);
        return;
      }
      case 'insert':
        this.rows.set(key, (this.rows.get(key) ?? 0) + countInsertRows(text));
        return;
      default: {
        const word = OBJECT_WORD[info.kind];
        if (word) this.print(`would create ${word} ${key}${(await this.objects(db)).has(info.name ?? '') && word === 'view' ? ' (replaces the existing view)' : ''}`);
      }
    }
  }

  /** Prints the row counts; returns the tables that would be created or filled. */
  finish(): string[] {
    for (const [t, n] of this.rows) {
      const pre = this.created.has(t) ? '' : ' (added to the existing rows)';
      this.print(`would load ${n} row${n === 1 ? '' : 's'} into ${t}${pre}`);
    }
    void this.conn?.close();
    return [...new Set([...this.created, ...this.rows.keys()])];
  }

  private print(line: string): void {
    this.opts.out?.write(line + '\n');
  }

  private async dbExists(db: string): Promise<boolean> {
    if (!this.conn) return false;
    return (await this.conn.rows('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [db])).length > 0;
  }

  private async objects(db: string): Promise<Map<string, { type: string; rows: string }>> {
    let m = this.existing.get(db);
    if (!m) {
      const rows = this.conn ? await this.conn.rows('SELECT TABLE_NAME, TABLE_TYPE, TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [db]) : [];
      m = new Map(rows.map(([n, t, r]) => [n!, { type: t!, rows: r ?? '0' }]));
      this.existing.set(db, m);
    }
    return m;
  }
}
