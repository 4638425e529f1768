/**
 * The command line of the `mysqldump` driver: defaults, the user's `options:` (which extend or replace
 * defaults by name), filters, and the checks on options that must not be given there.
 */
import type { MysqlDsn } from './dsn.js';
import type { MysqlDatabaseConfig } from './schema.js';

export const DEFAULT_OPTIONS = ['--single-transaction', '--routines', '--triggers', '--events', '--hex-blob'];

/** Options onedump sets itself (connection, password, output) and refuses in `options:`. */
const RESERVED = /^--?(p|password|h|host|P|port|u|user|S|socket|protocol|r|result-file|B|databases|A|all-databases|defaults-file|defaults-extra-file|no-defaults|login-path|tab|T)(=|$)/;
const RESERVED_SHORT = /^-[phPuSrBAT]/;

/** Problems with `options:` (one message each), for the config checks. */
export function optionIssues(options: string[] | undefined): string[] {
  return (options ?? []).filter((o) => RESERVED.test(o) || (RESERVED_SHORT.test(o) && !o.startsWith('--')))
    .map((o) => `option ${o.split('=')[0]} is set by onedump (connection, password and output come from the DSN and the job)`);
}

/** The option's name without value and without `skip-`/`disable-`/`enable-`/`no-` prefixes. */
function baseName(option: string): string {
  return option.replace(/^--/, '').split('=')[0]!.replace(/^(skip|disable|enable)-/, '').replace(/_/g, '-');
}

/** Defaults not overridden by the user's options, then the user's options. */
export function mergeOptions(defaults: string[], user: string[] = []): string[] {
  const named = new Set(user.map(baseName));
  return [...defaults.filter((d) => !named.has(baseName(d))), ...user];
}

export interface ArgsInput {
  dsn: MysqlDsn;
  cfg: MysqlDatabaseConfig;
  defaultsFile: string;
  /** Databases to dump (already resolved, `"*"` expanded). */
  databases: string[];
  multi: boolean;
  /** `db.table` names to leave out (exclude_tables, or everything not in `tables` with several databases). */
  ignore: string[];
  /** Tables to dump from the single database (empty: all). */
  tables: string[];
  binlog: boolean;
  mariadb: boolean;
  /** mariadb-dump ≥ 10.11: add `--dump-history` so system-versioned tables keep their history. */
  dumpHistory?: boolean;
  endpoint?: { host: string; port: number };
}

/** argv (without the program) for one mysqldump run. */
export function mysqldumpArgs(a: ArgsInput): string[] {
  const { dsn, cfg } = a;
  const args = [`--defaults-extra-file=${a.defaultsFile}`, `--user=${dsn.user}`];
  if (dsn.socket && !a.endpoint) args.push(`--socket=${dsn.socket}`);
  else args.push(`--host=${a.endpoint?.host ?? dsn.host}`, `--port=${a.endpoint?.port ?? dsn.port}`, '--protocol=TCP');
  if (dsn.ssl) args.push('--ssl', ...(dsn.ssl.rejectUnauthorized ? ['--ssl-verify-server-cert'] : []));
  const defaults = [...DEFAULT_OPTIONS, '--default-character-set=utf8mb4'];
  if (a.binlog) defaults.push('--master-data=2', ...(a.mariadb ? ['--gtid'] : []));
  if (a.dumpHistory) defaults.push('--dump-history');
  if (cfg.routines === false) defaults.push('--skip-routines');
  if (cfg.triggers === false) defaults.push('--skip-triggers');
  if (cfg.events === false) defaults.push('--skip-events');
  if (cfg.schema_only) defaults.push('--no-data');
  if (cfg.data_only) defaults.push('--no-create-info', '--skip-triggers', '--skip-routines', '--skip-events');
  args.push(...mergeOptions(dedupe(defaults), cfg.options));
  const where = Object.values(cfg.where ?? {})[0];
  if (where) args.push(`--where=${where}`);
  for (const t of a.ignore) args.push(`--ignore-table=${t}`);
  if (a.multi) args.push('--databases', ...a.databases);
  else args.push('--', a.databases[0]!, ...a.tables);
  return args;
}

/** Later flags about the same option win: keep only the last of each name. */
function dedupe(options: string[]): string[] {
  const last = new Map<string, string>();
  for (const o of options) last.set(baseName(o), o);
  return options.filter((o) => last.get(baseName(o)) === o);
}

/** A `my.cnf` holding the password, for `--defaults-extra-file`. */
export function defaultsFileContent(password: string | undefined): string {
  const quoted = (password ?? '').replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `[client]\npassword="${quoted}"\n`;
}
