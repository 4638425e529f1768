/**
 * `onedump restore --from PATH --to DSN` or `onedump restore FILE --job NAME [--latest|--backup KEY] [--to DSN]`.
 */
import type { CommandModule } from 'yargs';
import { loadConfig } from '../config/load.js';
import { UsageError } from '../errors.js';
import { dumpJobOf, jobBackups, protectedDsns, restore, sameDatabase } from '../restore/restore.js';
import { databaseDrivers } from '../dumpers/registry.js';
import { tunnelFor, type Tunnel } from '../ssh/tunnel.js';
import { localSource, urlSource, type RestoreSource } from '../restore/source.js';
import { readIdentities } from '../pipeline/encrypt.js';
import { isStorageUrl } from '../storages/url.js';
import { storageKinds } from '../storages/registry.js';
import { readManifest } from '../pipeline/manifest.js';
import { logger } from '../util/log.js';

interface Args {
  file?: string;
  job?: string;
  from?: string;
  to?: string;
  latest?: boolean;
  backup?: string;
  storage?: string;
  tables?: string;
  'dry-run': boolean;
  'safety-backup': boolean;
  identity?: string[];
}

export const restoreCommand: CommandModule<object, Args> = {
  command: 'restore [file]',
  describe: 'Restore a dump into a database (verified against its manifest first)',
  builder: (y) =>
    y
      .positional('file', { type: 'string', describe: 'Job file (with --job)' })
      .option('job', { type: 'string', describe: 'Restore a backup of this dump job' })
      .option('from', { type: 'string', describe: 'Restore this dump file: a path, or a storage URL (s3://, sftp://, gdrive://, dropbox://, file://; credentials from the environment, see docs/storages.md); with a job file, its protected databases are refused' })
      .option('identity', { alias: 'i', type: 'string', array: true, describe: 'age identity file (as `age -i`) for encrypted backups (repeatable)' })
      .option('to', { type: 'string', describe: 'Target DSN (default with --job: the job\'s own database)' })
      .option('latest', { type: 'boolean', describe: 'With --job: the newest backup (default)' })
      .option('backup', { type: 'string', describe: 'With --job: this backup (its key, as `onedump backups` lists it)' })
      .option('storage', { type: 'string', describe: 'With --job: read from this storage (default: the first that has the backup)' })
      .option('tables', { type: 'string', describe: 'Only these tables (comma-separated)' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Show what would be restored; change nothing' })
      .option('safety-backup', { type: 'boolean', default: true, describe: 'Save what the restore replaces first (--no-safety-backup to skip)' })
      .conflicts('from', 'job')
      .conflicts('latest', 'backup')
      .example('$0 restore --from backups/app-20260101T020000Z.sql.gz --to sqlite:./restored.db', 'restore a file')
      .example('$0 restore jobs.yaml --job app-db --latest --to mysql://root@127.0.0.1/app_copy', 'restore the newest backup of a job')
      .example('$0 restore --from s3://backups/app/app-20260101T020000Z.sql.gz.age -i key.txt --to sqlite:./app.db', 'an encrypted backup from S3') as never,
  handler: async (args) => {
    const log = logger();
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort(new Error('interrupted')));
    let source: RestoreSource;
    let to = args.to;
    let protectedTarget = false;
    let baseDir = process.cwd();
    let tunnel: Tunnel | undefined;
    const config = args.file ? loadConfig(args.file) : undefined;
    if (args.from) {
      if (!to) throw new UsageError('--from needs --to DSN');
      source = isStorageUrl(args.from) && !args.from.startsWith('file:') ? await urlSource(args.from, log) : await localSource(args.from);
    } else if (config && args.job) {
      baseDir = config.baseDir;
      const job = dumpJobOf(config, args.job);
      const backups = await jobBackups(config, job, log, args.storage);
      const chosen = args.backup ? backups.find((b) => b.key === args.backup) : backups[0];
      if (!chosen) throw new UsageError(args.backup ? `job ${job.name} has no backup "${args.backup}"` : `job ${job.name} has no complete backup (with manifest) yet`);
      const cfg = config.storages[chosen.storage]!;
      const storage = await storageKinds.get(cfg.type).create(chosen.storage, cfg as never, { baseDir, log });
      source = { storage, key: chosen.key, manifest: await readManifest(storage, chosen.key) };
      if (!to) {
        to = job.database.dsn;
        protectedTarget = job.database.protected === true;
        tunnel = await tunnelFor(job.database, databaseDrivers.get(job.database.driver).endpoint(job.database), { baseDir, log });
      }
    } else {
      throw new UsageError('name a dump with --from PATH, or a job file and --job NAME');
    }
    protectedTarget ||= !!config && protectedDsns(config).some((dsn) => sameDatabase(dsn, to!));
    if (args.identity?.length) source.identities = await readIdentities(args.identity);
    try {
      const result = await restore({
        source, to, baseDir, log, signal: abort.signal, protectedTarget,
        tables: args.tables?.split(',').map((t) => t.trim()).filter(Boolean),
        dryRun: args['dry-run'], safetyBackup: args['safety-backup'], out: process.stdout,
        ...(tunnel ? { endpoint: { host: tunnel.host, port: tunnel.port } } : {}),
      });
      log.info(`restore done: ${result.statements} statements, ${result.tables.length} tables`);
    } finally {
      await tunnel?.close();
      await source.storage.close();
    }
    process.exitCode = 0;
  },
};
