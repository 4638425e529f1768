/** `onedump binlog sync FILE --job NAME [--dry-run]`: one archive pass of a binlog job, now. */
import type { CommandModule } from 'yargs';
import { loadConfig } from '../config/load.js';
import { binlogJobOf } from '../jobs/binlog.js';
import { runJobs } from '../runner/run-jobs.js';
import { logger } from '../util/log.js';

interface Args {
  file: string;
  job: string;
  'dry-run': boolean;
  format: 'text' | 'json';
}

export const binlogSyncCommand: CommandModule<object, Args> = {
  command: 'sync <file>',
  describe: 'Archive the binlogs of a binlog job once (what `onedump run FILE --job NAME` does)',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'Job file' })
      .option('job', { type: 'string', demandOption: true, describe: 'Binlog job (or the dump job it extends)' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Show what would be archived; upload nothing' })
      .option('format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'Print the result as JSON on stdout' })
      .example('$0 binlog sync jobs.yaml --job app-binlogs', 'archive newly closed binlogs') as never,
  handler: async (args) => {
    const config = loadConfig(args.file);
    const job = binlogJobOf(config, args.job);
    const abort = new AbortController();
    const onSignal = () => abort.abort(new Error('interrupted'));
    process.once('SIGINT', onSignal);
    try {
      const [result] = await runJobs(config, { only: [job.name], dryRun: args['dry-run'], signal: abort.signal, log: logger() });
      if (args.format === 'json') process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      process.exitCode = result!.status === 'success' ? 0 : 1;
    } finally {
      process.off('SIGINT', onSignal);
    }
  },
};
