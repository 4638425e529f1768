/**
 * `mysqldump`: runs `mariadb-dump` (or `mysqldump`) and streams its output into the pipeline.
 *
 * An argv array, never a shell string; the password goes in a 0600 defaults-extra-file inside a private
 * 0700 temp directory that is removed afterwards; defaults `--single-transaction --routines --triggers
 * --events --hex-blob` (plus `--master-data=2` when binary logging is on) that `options:` extend or
 * override; stderr is kept for the error; the exit status is checked; a missing program or one that does
 * not match the server (MySQL's tool for MariaDB or the reverse, or older than the server) is a clear
 * error. Row counts and the binlog position are read from the output as it streams.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { AbortError, DatabaseError } from '../../errors.js';
import type { DatabaseDriver, DriverContext, Dumper, DumpInfo } from '../types.js';
import { listTables, resolveDatabases } from './catalog.js';
import { connectMysql, type MysqlConnection } from './connection.js';
import { DumpOutput } from './dump-output.js';
import { describeEndpoint, parseMysqlDsn, type MysqlDsn } from './dsn.js';
import { defaultsFileContent, mysqldumpArgs, optionIssues } from './mysqldump-args.js';
import { DumpOutputScanner } from './mysqldump-scan.js';
import { findProgram, programVersion, checkVersions } from './program.js';
import { listed } from './plan.js';
import { mysqldumpSchema, type MysqlDatabaseConfig } from './schema.js';
import { mysqlEndpoint } from './native.js';
import { restoreMysql } from './restore.js';

interface ServerFacts {
  version: string;
  mariadb: boolean;
  binlog: boolean;
  databases: string[];
  ignore: string[];
}

class MysqldumpDumper implements Dumper {
  constructor(private readonly cfg: MysqlDatabaseConfig, private readonly dsn: MysqlDsn, private readonly ctx: DriverContext) {}

  /** What the command line depends on: server flavour, binlog, databases, tables to leave out. */
  private async facts(): Promise<ServerFacts> {
    const c = await connectMysql(this.dsn, { endpoint: this.ctx.endpoint, database: null, driver: 'mysqldump' });
    try {
      const databases = await resolveDatabases(c, this.cfg.databases, this.dsn.database, describeEndpoint(this.dsn, this.ctx.endpoint));
      const binlog = (await c.rows('SELECT @@log_bin'))[0]![0] === '1';
      return { version: c.version, mariadb: c.mariadb, binlog, databases, ignore: await this.ignored(c, databases) };
    } finally {
      await c.close();
    }
  }

  private async ignored(c: MysqlConnection, databases: string[]): Promise<string[]> {
    const multi = this.cfg.databases !== undefined;
    if (!this.cfg.exclude_tables && !(multi && this.cfg.tables)) return [];
    const out: string[] = [];
    for (const db of databases) {
      for (const t of await listTables(c, db)) {
        if (listed(this.cfg.exclude_tables, t) || (multi && this.cfg.tables && !listed(this.cfg.tables, t))) out.push(`${db}.${t.name}`);
      }
    }
    return out;
  }

  async dump(out: Writable, { signal }: { signal: AbortSignal }): Promise<DumpInfo> {
    const program = findProgram(this.cfg.binary);
    const facts = await this.facts();
    const tool = await programVersion(program);
    checkVersions(program, tool, facts);
    const dir = mkdtempSync(join(tmpdir(), 'onedump-mysqldump-'));
    try {
      const defaultsFile = join(dir, 'my.cnf');
      writeFileSync(defaultsFile, defaultsFileContent(this.dsn.password), { mode: 0o600 });
      const multi = this.cfg.databases !== undefined;
      const args = mysqldumpArgs({
        dsn: this.dsn, cfg: this.cfg, defaultsFile, databases: facts.databases, multi, ignore: facts.ignore,
        tables: multi ? [] : this.cfg.tables ?? [], binlog: facts.binlog, mariadb: facts.mariadb, endpoint: this.ctx.endpoint,
        dumpHistory: tool.mariadb && versionAtLeast(tool.version, 10, 11),
      });
      this.ctx.log.debug(`running ${program} ${args.join(' ')}`);
      const scanner = new DumpOutputScanner(multi ? undefined : facts.databases[0]);
      await run(program, args, new DumpOutput(out, signal), scanner, signal);
      const tables = scanner.finish();
      return {
        driver: 'mysqldump', serverVersion: facts.version, databases: facts.databases, tables,
        ...(scanner.coordinates ? { snapshot: { method: 'mysqldump', ...scanner.coordinates } } : {}),
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Runs the program, streams stdout (with backpressure) to `output`; rejects with stderr on failure. */
function run(program: string, args: string[], output: DumpOutput, scanner: DumpOutputScanner, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let failed: unknown;
    const onAbort = () => child.kill('SIGTERM');
    signal.addEventListener('abort', onAbort, { once: true });
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-16_384)));
    child.stdout.on('data', (chunk: Buffer) => {
      if (failed) return;
      try {
        scanner.push(chunk);
        if (!output.push(chunk)) {
          child.stdout.pause();
          output.drained().then(() => child.stdout.resume(), (err) => { failed = err; child.kill('SIGTERM'); });
        }
      } catch (err) {
        failed = err;
        child.kill('SIGTERM');
      }
    });
    child.on('error', (err) => { failed ??= new DatabaseError('mysqldump', `cannot run ${program}: ${err.message}`, { cause: err }); });
    child.on('close', (code, sig) => {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) return reject(new AbortError('aborted', { cause: signal.reason }));
      if (failed) return reject(failed);
      if (code !== 0) {
        const why = stderr.trim().split('\n').filter((l) => !/^(Warning|mysqldump: \[Warning\])/i.test(l)).slice(-3).join(' | ') || `signal ${sig}`;
        return reject(new DatabaseError('mysqldump', `${program} exited with code ${code ?? sig}: ${why}`));
      }
      resolve();
    });
  });
}

export const mysqldumpDriver: DatabaseDriver = {
  name: 'mysqldump',
  description: 'MySQL/MariaDB through mariadb-dump/mysqldump (password in a private defaults file, never on the command line).',
  family: 'mysql',
  extension: () => '.sql',
  schema: mysqldumpSchema,
  endpoint: (db) => mysqlEndpoint(db.dsn),
  check(db) {
    const cfg = db as MysqlDatabaseConfig;
    const issues = optionIssues(cfg.options).map((message) => ({ path: 'database.options', message }));
    const where = Object.keys(cfg.where ?? {});
    if (where.length && !(where.length === 1 && cfg.tables?.length === 1 && listed(cfg.tables, parseKey(where[0]!)))) {
      issues.push({ path: 'database.where', message: 'mysqldump applies one --where to every table: with this driver `where` must name the only table in `tables` (use driver mysql for per-table filters)' });
    }
    return issues;
  },
  async createDumper(db, ctx) {
    return new MysqldumpDumper(db as MysqlDatabaseConfig, parseMysqlDsn(db.dsn), ctx);
  },
  restore: (input, target, opts) => restoreMysql(input, target, opts),
};

function parseKey(key: string): { db: string; name: string } {
  const i = key.indexOf('.');
  return i < 0 ? { db: '', name: key } : { db: key.slice(0, i), name: key.slice(i + 1) };
}

/** `10.11.6` ≥ 10.11 */
function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}
