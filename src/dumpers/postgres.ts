/**
 * `postgres`: native PostgreSQL dumps through node-postgres and COPY streams — no external binary.
 * Plain SQL output (loadable by `psql -f`), one snapshot, optional parallel readers; restores any
 * PostgreSQL dump (plain natively, custom format through pg_restore).
 */
import type { DatabaseConfig } from '../config/types.js';
import { parseDuration } from '../util/duration.js';
import { parsePgDsn, pgEndpoint, withEndpoint } from '../postgres/dsn.js';
import { PostgresDumper } from '../postgres/dumper.js';
import { restorePostgres } from '../postgres/restore.js';
import type { DatabaseDriver } from './types.js';

/** Keys shared by both PostgreSQL drivers. */
export const postgresCommonSchema: Record<string, unknown> = {
  schemas: {
    type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true,
    description: 'Only these schemas (`*` and `?` wildcards). Default: every schema but the system ones. Extensions are then left out, as with `pg_dump -n`.',
  },
  exclude_schemas: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true, description: 'Leave these schemas out (`*` and `?` wildcards).' },
  lock_wait_timeout: {
    $ref: '#/$defs/duration',
    description: 'Fail instead of waiting longer than this for the ACCESS SHARE table locks taken at the start (`--lock-wait-timeout`). Default: wait.',
  },
};

/** The `postgres` driver's settings, as the dumper takes them. */
export function dumpOptions(db: DatabaseConfig) {
  return {
    schemas: db.schemas as string[] | undefined,
    exclude_schemas: db.exclude_schemas as string[] | undefined,
    tables: db.tables,
    exclude_tables: db.exclude_tables,
    where: db.where,
    schemaOnly: db.schema_only === true,
    dataOnly: db.data_only === true,
    parallel: (db.parallel as number | undefined) ?? 1,
    lockTimeoutMs: db.lock_wait_timeout === undefined ? undefined : parseDuration(db.lock_wait_timeout as string | number),
  };
}

export const postgresDriver: DatabaseDriver = {
  name: 'postgres',
  description: 'PostgreSQL, native (node-postgres and COPY streams; no external binary). Plain SQL that psql -f also loads.',
  family: 'postgres',
  extension: () => '.sql',
  schema: {
    properties: {
      ...postgresCommonSchema,
      parallel: {
        type: 'integer', minimum: 1, maximum: 32, default: 1,
        description: 'Connections reading table data at once, all on the same exported snapshot; big tables are split into page ranges (PostgreSQL 14+).',
      },
    },
  },
  endpoint: (db) => pgEndpoint(db.dsn),
  async createDumper(db, ctx) {
    return new PostgresDumper(withEndpoint(parsePgDsn(db.dsn), ctx.endpoint), dumpOptions(db), ctx.log);
  },
  restore: (input, target, opts) => restorePostgres(input, target, opts),
};
