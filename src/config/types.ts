/**
 * The typed configuration produced by `loadConfig`. Everything here has passed the JSON schema and the
 * semantic checks; defaults from the schema are filled in. Plugin-specific blocks keep their YAML key
 * names (snake_case) and are typed by the plugin that owns them.
 */

export type NotifyOn = 'success' | 'failure';

export interface NotifierConfig {
  /** Unique name; defaults to the type (e.g. `slack`). Jobs may restrict themselves with `notify:`. */
  name: string;
  type: string;
  on: NotifyOn[];
  [key: string]: unknown;
}

export interface StorageConfig {
  type: string;
  [key: string]: unknown;
}

export interface SshConfig {
  host: string;
  port?: number;
  user: string;
  key_file?: string;
  key?: string;
  passphrase?: string;
  agent?: string | boolean;
  password?: string;
  known_hosts?: string;
  host_key_fingerprint?: string;
  insecure_ignore_host_key?: boolean;
}

/** The `database:` block of a dump job. */
export interface DatabaseConfig {
  driver: string;
  dsn: string;
  tables?: string[];
  exclude_tables?: string[];
  where?: Record<string, string>;
  schema_only?: boolean;
  data_only?: boolean;
  ssh?: SshConfig;
  /** Restores into this database are refused. */
  protected?: boolean;
  [key: string]: unknown;
}

export interface RetentionConfig {
  keep_last?: number;
  keep_days?: number;
  keep_daily?: number;
  keep_weekly?: number;
  keep_monthly?: number;
}

export interface JobConfig {
  name: string;
  type: string;
  schedule?: string;
  timezone?: string;
  /** Per-run time limit in milliseconds (0 = none). */
  timeoutMs: number;
  /** Extra attempts for transient failures. */
  retries: number;
  /** First backoff delay in milliseconds; doubles each attempt, with jitter. */
  retryDelayMs: number;
  /** Notifier names this job reports to (default: all). */
  notify?: string[];
  [key: string]: unknown;
}

export interface DumpJobConfig extends JobConfig {
  type: 'dump';
  database: DatabaseConfig;
  compress: 'gzip' | 'none';
  filename: string;
  to: string[];
  retention?: RetentionConfig;
  on_destination_failure?: 'fail' | 'continue';
  encrypt?: { age_recipients: string[] };
  [key: string]: unknown;
}

export interface Config {
  /** Absolute path of the job file. */
  file: string;
  /** Directory of the job file: relative paths in the config resolve against it. */
  baseDir: string;
  concurrency: number;
  /** How long the daemon lets running jobs finish after SIGTERM before aborting them. */
  shutdownGraceMs: number;
  notifiers: NotifierConfig[];
  storages: Record<string, StorageConfig>;
  jobs: JobConfig[];
  /** True when the file was written for the Go onedump and mapped onto this shape. */
  legacy: boolean;
}
