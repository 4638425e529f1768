/** Every database driver. */
import { Registry } from '../util/registry.js';
import { pgDumpDriver } from './pg-dump.js';
import { postgresDriver } from './postgres.js';
import { sqliteDriver } from './sqlite.js';
import { mysqlNativeDriver } from './mysql/native.js';
import { mysqldumpDriver } from './mysql/mysqldump.js';
import type { DatabaseDriver } from './types.js';

export const databaseDrivers = new Registry<DatabaseDriver>('database driver', [
  sqliteDriver, mysqlNativeDriver, mysqldumpDriver, postgresDriver, pgDumpDriver,
]);
