/** The `database:` keys of the MySQL-family drivers, as JSON-schema fragments, and their typed form. */
import type { DatabaseConfig } from '../../config/types.js';
import type { LockMode } from './snapshot.js';

export interface MysqlDatabaseConfig extends DatabaseConfig {
  databases?: string[] | '*';
  parallel?: number;
  lock?: LockMode;
  max_statement_size?: number;
  routines?: boolean;
  triggers?: boolean;
  events?: boolean;
  /** mysqldump driver: extra command-line options. */
  options?: string[];
  /** mysqldump driver: the program to run. */
  binary?: string;
}

export const DEFAULT_MAX_STATEMENT = 1024 * 1024;

/** Keys both MySQL drivers understand. */
export const mysqlCommonSchema: Record<string, unknown> = {
  databases: {
    description: 'Dump these databases (each with `CREATE DATABASE` and `USE`, like `mysqldump --databases`), or `"*"` for every database except mysql, information_schema, performance_schema and sys. Default: the database in the DSN, without `CREATE DATABASE`, so that it loads into a database of any name. With several databases, `tables`, `exclude_tables` and `where` take `db.table` or `table` names.',
    oneOf: [
      { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true },
      { const: '*' },
    ],
  },
  routines: { type: 'boolean', default: true, description: 'Include stored procedures and functions (whole-database dumps only).' },
  triggers: { type: 'boolean', default: true, description: 'Include triggers of the dumped tables.' },
  events: { type: 'boolean', default: true, description: 'Include scheduled events (whole-database dumps only).' },
};

export const mysqlNativeSchema = {
  properties: {
    ...mysqlCommonSchema,
    parallel: { type: 'integer', minimum: 1, maximum: 32, default: 1, description: 'Tables dumped at once, each on its own connection, all inside one consistent snapshot (needs a brief global read lock).' },
    lock: {
      enum: ['auto', 'flush', 'none'], default: 'auto',
      description: '`auto`: take `FLUSH TABLES WITH READ LOCK` only when needed (non-transactional tables, which are read under it; `parallel` > 1; binlog coordinates on MySQL) and release it as soon as possible. `flush`: always take it briefly. `none`: never (non-transactional tables and parallel workers may then be inconsistent).',
    },
    max_statement_size: { type: 'integer', minimum: 4096, maximum: 1073741824, default: DEFAULT_MAX_STATEMENT, description: 'Largest extended INSERT in bytes (a single larger row gets a statement of its own). Keep it well under the target server\'s max_allowed_packet.' },
    options: { type: 'array', items: { type: 'string' }, description: 'Accepted so that job files from the Go onedump (`options:` under `dbdriver: mysql`) load; the native driver ignores them with a warning. Use driver `mysqldump` to pass mysqldump options.' },
  },
};

export const mysqldumpSchema = {
  properties: {
    ...mysqlCommonSchema,
    binary: { type: 'string', minLength: 1, description: 'Program to run (default: `mariadb-dump`, else `mysqldump`, from PATH).' },
    options: {
      type: 'array', items: { type: 'string', pattern: '^-' },
      description: 'Extra mysqldump options, added after the defaults (`--single-transaction --routines --triggers --events --hex-blob`, plus `--master-data=2` when binary logging is on). An option names a default to override it: `--skip-routines` or `--routines=0` replaces `--routines`. Connection options and passwords are not allowed here.',
    },
  },
};
