/**
 * `onedump binlog restore FILE --job NAME --to DSN (--stop-datetime T [--timezone TZ] | --stop-position FILE:POS
 * | --stop-gtid GTID) [--from-dir DIR] [--dry-run]`: point-in-time restore.
 */
import type { CommandModule } from 'yargs';
import { loadConfig } from '../config/load.js';
import { UsageError } from '../errors.js';
import { dsnWithPassword } from '../binlog/connection.js';
import { pointInTimeRestore } from '../binlog/pitr.js';
import { parseStopPoint } from '../binlog/stop-point.js';
import { binlogJobOf } from '../jobs/binlog.js';
import { dumpJobOf } from '../restore/restore.js';
import { logger } from '../util/log.js';

interface Args {
  file: string;
  job: string;
  to: string;
  'stop-datetime'?: string;
  timezone?: string;
  'stop-position'?: string;
  'stop-gtid'?: string;
  'from-dir'?: string;
  'dry-run': boolean;
  'safety-backup': boolean;
  'binlog-tool'?: string;
  database?: string;
}

export const binlogRestoreCommand: CommandModule<object, Args> = {
  command: 'restore <file>',
  describe: 'Point-in-time restore: the newest dump before the stop point, then the archived binlogs up to it',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'Job file' })
      .option('job', { type: 'string', demandOption: true, describe: 'The binlog job (or the dump job it extends)' })
      .option('to', { type: 'string', demandOption: true, describe: 'Target server, mysql://user@host:3306/db (password: MYSQL_PWD, or in the DSN)' })
      .option('stop-datetime', { type: 'string', describe: 'Restore the state as of this time, "YYYY-MM-DD HH:MM:SS" (transactions committed at or after it are left out)' })
      .option('timezone', { type: 'string', describe: 'Time zone of --stop-datetime (IANA name; default: this machine\'s)' })
      .option('stop-position', { type: 'string', describe: 'Stop before the event at FILE:POS (e.g. mysql-bin.000042:1234)' })
      .option('stop-gtid', { type: 'string', describe: 'Stop just after this transaction (MariaDB 0-1-42, MySQL uuid:42)' })
      .option('from-dir', { type: 'string', describe: 'Read binlogs from this directory instead of the archive' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Verify everything, print the plan and the SQL the replay would run; change nothing' })
      .option('safety-backup', { type: 'boolean', default: true, describe: 'Save what the base restore replaces first (--no-safety-backup to skip)' })
      .option('database', { type: 'string', describe: 'Replay only this database\'s events (when the binlogs also change databases the dump lacks; see docs/binlog.md)' })
      .option('binlog-tool', { type: 'string', describe: 'mariadb-binlog or mysqlbinlog to use (default: mariadb-binlog, else mysqlbinlog)' })
      .example('$0 binlog restore jobs.yaml --job app-binlogs --to mysql://root@scratch:3306/app --stop-datetime "2026-03-01 14:02:59" --timezone Europe/Berlin', 'state as of a time')
      .example('$0 binlog restore jobs.yaml --job app-db --to mysql://root@scratch/app --stop-gtid 0-1-4711 --dry-run', 'show the plan') as never,
  handler: async (args) => {
    const stop = parseStopPoint({ stopDatetime: args['stop-datetime'], timezone: args.timezone, stopPosition: args['stop-position'], stopGtid: args['stop-gtid'] });
    const config = loadConfig(args.file);
    // with --from-dir the archive is not needed: --job may then name the dump job itself
    const named = config.jobs.find((j) => j.name === args.job);
    const binlogJob = args['from-dir'] && named?.type === 'dump' ? undefined : binlogJobOf(config, args.job);
    if (binlogJob && !binlogJob.dump_job) throw new UsageError(`binlog job ${binlogJob.name} has no dump_job: name the dump job whose dumps its binlogs extend`);
    const dumpJob = dumpJobOf(config, binlogJob?.dump_job ?? args.job);
    const abort = new AbortController();
    const onSignal = () => abort.abort(new Error('interrupted'));
    process.once('SIGINT', onSignal);
    try {
      await pointInTimeRestore({
        config, binlogJob, dumpJob, to: dsnWithPassword(args.to), stop, fromDir: args['from-dir'], dryRun: args['dry-run'],
        safetyBackup: args['safety-backup'], tool: args['binlog-tool'], database: args.database, out: process.stdout, log: logger(), signal: abort.signal,
      });
      process.exitCode = 0;
    } finally {
      process.off('SIGINT', onSignal);
    }
  },
};
