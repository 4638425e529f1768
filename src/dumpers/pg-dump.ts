/**
 * `pg_dump`: wraps PostgreSQL's pg_dump (plain or custom format). Restores go through the same
 * PostgreSQL restore as the native driver: plain scripts natively, custom archives through pg_restore.
 */
import { parseDuration } from '../util/duration.js';
import { parsePgDsn, pgEndpoint, withEndpoint } from '../postgres/dsn.js';
import { PgDumpDumper, RESERVED_OPTIONS } from '../postgres/pg-dump.js';
import { restorePostgres } from '../postgres/restore.js';
import { postgresCommonSchema } from './postgres.js';
import type { DatabaseDriver } from './types.js';

export const pgDumpDriver: DatabaseDriver = {
  name: 'pg_dump',
  description: 'PostgreSQL through the pg_dump program (plain SQL or custom-format archive).',
  family: 'postgres',
  extension: (db) => (db.format === 'custom' ? '.dump' : '.sql'),
  schema: {
    properties: {
      ...postgresCommonSchema,
      format: {
        enum: ['plain', 'custom'], default: 'plain',
        description: '`plain`: an SQL script (psql -f loads it). `custom`: a pg_dump archive, restored through pg_restore; it is compressed by pg_dump already, so use `compress: none`.',
      },
      binary: { type: 'string', minLength: 1, default: 'pg_dump', description: 'The pg_dump program (name on PATH or path). Must be at least the server\'s major version.' },
      options: {
        type: 'array', items: { type: 'string' }, default: [],
        description: 'Extra pg_dump arguments, after onedump\'s own (e.g. `--no-owner`, `--exclude-table-data=logs`). Output, format, connection and snapshot options are onedump\'s.',
      },
    },
  },
  check(db) {
    const issues: { path: string; message: string }[] = [];
    if (db.where && Object.keys(db.where).length) issues.push({ path: 'where', message: 'pg_dump cannot filter rows; use driver postgres for where:' });
    ((db.options as string[] | undefined) ?? []).forEach((o, i) => {
      if (RESERVED_OPTIONS.test(o)) issues.push({ path: `options[${i}]`, message: `"${o}" is set by onedump (output, format, connection or snapshot); use dsn: or format:` });
    });
    return issues;
  },
  endpoint: (db) => pgEndpoint(db.dsn),
  async createDumper(db, ctx) {
    return new PgDumpDumper(withEndpoint(parsePgDsn(db.dsn), ctx.endpoint), {
      binary: (db.binary as string | undefined) ?? 'pg_dump',
      format: db.format === 'custom' ? 'custom' : 'plain',
      schemas: db.schemas as string[] | undefined,
      excludeSchemas: db.exclude_schemas as string[] | undefined,
      tables: db.tables,
      excludeTables: db.exclude_tables,
      schemaOnly: db.schema_only === true,
      dataOnly: db.data_only === true,
      lockTimeoutMs: db.lock_wait_timeout === undefined ? undefined : parseDuration(db.lock_wait_timeout as string | number),
      options: (db.options as string[] | undefined) ?? [],
    }, ctx.log);
  },
  restore: (input, target, opts) => restorePostgres(input, target, opts),
};
