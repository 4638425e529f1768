/**
 * What a MySQL dump will contain, decided before the snapshot is taken: the databases, and in each the
 * tables, sequences, views, triggers, routines and events that the job's filters select.
 */
import { UsageError } from '../../errors.js';
import type { MysqlConnection } from './connection.js';
import {
  listEvents, listRoutines, listTables, listTriggers, listViews, resolveDatabases,
  type RoutineInfo, type TableInfo, type TriggerInfo, type ViewInfo,
} from './catalog.js';
import type { MysqlDatabaseConfig } from './schema.js';

export interface DatabasePlan {
  db: string;
  /** Base tables and sequences. */
  tables: TableInfo[];
  views: ViewInfo[];
  triggers: TriggerInfo[];
  routines: RoutineInfo[];
  events: string[];
}

export interface DumpPlan {
  /** Several databases: statements carry `CREATE DATABASE`/`USE` and qualified names. */
  multi: boolean;
  databases: DatabasePlan[];
}

/** `db.table` or `table` names in a filter list match `t`. */
export function listed(list: string[] | undefined, t: { db: string; name: string }): boolean {
  return !!list && (list.includes(`${t.db}.${t.name}`) || list.includes(t.name));
}

/** @param where the server, for messages (`host:port`). */
export async function planDump(conn: MysqlConnection, cfg: MysqlDatabaseConfig, dsnDb: string | undefined, where: string): Promise<DumpPlan> {
  const multi = cfg.databases !== undefined;
  const dbs = await resolveDatabases(conn, cfg.databases, dsnDb, where);
  const found = new Set<string>();
  const databases: DatabasePlan[] = [];
  for (const db of dbs) {
    const all = (await listTables(conn, db)).filter((t) => {
      if (cfg.tables && !listed(cfg.tables, t)) return false;
      if (cfg.tables) found.add(`${t.db}.${t.name}`).add(t.name);
      return !listed(cfg.exclude_tables, t);
    });
    const names = new Set(all.map((t) => t.name));
    const wholeDb = !cfg.tables;
    const views = (await listViews(conn, db)).filter((v) => names.has(v.name));
    const triggers = cfg.triggers === false ? [] : (await listTriggers(conn, db)).filter((t) => names.has(t.table));
    const routines = wholeDb && cfg.routines !== false ? await listRoutines(conn, db) : [];
    const events = wholeDb && cfg.events !== false ? await listEvents(conn, db) : [];
    databases.push({ db, tables: all.filter((t) => t.type !== 'view'), views, triggers, routines, events });
  }
  const missing = (cfg.tables ?? []).filter((t) => !found.has(t));
  if (missing.length) throw new UsageError(`table${missing.length > 1 ? 's' : ''} not found in ${dbs.join(', ')}: ${missing.join(', ')}`);
  return { multi, databases };
}
