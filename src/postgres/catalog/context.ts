/**
 * What every catalog loader shares: the connection, the server version, the selection, the objects
 * collected so far, and the aliases that map catalog rows onto the dump object that creates them.
 */
import type { PgClient } from '../session.js';
import type { Selection } from './filter.js';
import { key, type DumpObject } from './model.js';

export interface DumpScope {
  schemaOnly: boolean;
  dataOnly: boolean;
  where?: Record<string, string>;
}

export class CatalogContext {
  readonly objects = new Map<string, DumpObject>();
  /** Catalog row key → key of the object that creates it (array types, rowtypes, constraint indexes, …). */
  readonly alias = new Map<string, string>();
  /** Catalog row key → extension key, for objects that belong to an extension. */
  readonly members = new Map<string, string>();

  constructor(
    readonly client: PgClient,
    readonly version: number,
    readonly sel: Selection,
    readonly scope: DumpScope,
  ) {}

  async rows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.client.query(sql, params)).rows as T[];
  }

  add(o: DumpObject): void {
    this.objects.set(o.key, o);
  }

  /** True when a catalog row belongs to an extension (pg_dump leaves those to CREATE EXTENSION). */
  isMember(catalog: string, oid: number): boolean {
    return this.members.has(key(catalog, oid));
  }

  /** The dump object a catalog row maps to, following aliases and extension membership. */
  resolve(k: string): string | undefined {
    for (let i = 0; i < 4; i++) {
      if (this.objects.has(k)) return k;
      const next = this.alias.get(k) ?? this.members.get(k);
      if (!next) return undefined;
      k = next;
    }
    return this.objects.has(k) ? k : undefined;
  }

  /** Adds `depKey` (resolved) to the dependencies of object `k` when both exist. */
  depend(k: string, depKey: string): void {
    const from = this.resolve(k);
    const to = this.resolve(depKey);
    if (from && to && from !== to) this.objects.get(from)!.deps.add(to);
  }
}

/** Quoted qualified name of a collation, as an SQL expression over `collation oid`. */
export const COLLATION_NAME_SQL = (oidExpr: string) =>
  `(SELECT quote_ident(cn.nspname) || '.' || quote_ident(cl.collname) FROM pg_catalog.pg_collation cl JOIN pg_catalog.pg_namespace cn ON cn.oid = cl.collnamespace WHERE cl.oid = ${oidExpr})`;

/** Schemas never dumped. */
export const SYSTEM_SCHEMA_SQL = (col: string) => `${col} NOT IN ('pg_catalog', 'information_schema') AND ${col} !~ '^pg_(toast|temp_|toast_temp_)'`;
