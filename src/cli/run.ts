/** `onedump run FILE [--job NAME]... [--dry-run]`: run jobs once; exit 0 only if all succeeded. */
import type { CommandModule } from 'yargs';
import { loadConfig } from '../config/load.js';
import { runJobs } from '../runner/run-jobs.js';
import { logger } from '../util/log.js';

interface Args {
  file: string;
  job?: string[];
  'dry-run': boolean;
  format: 'text' | 'json';
}

export const runCommand: CommandModule<object, Args> = {
  command: 'run <file>',
  describe: 'Run the jobs of a job file once',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'Job file' })
      .option('job', { alias: 'j', type: 'string', array: true, describe: 'Only this job (repeatable)' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Show what would happen; write nothing' })
      .option('format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'Print results as JSON on stdout' })
      .example('$0 run jobs.yaml', 'run every job')
      .example('$0 run jobs.yaml --job app-db --dry-run', 'show what one job would do') as never,
  handler: async (args) => {
    const config = loadConfig(args.file);
    const abort = new AbortController();
    const onSignal = () => abort.abort(new Error('interrupted'));
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const results = await runJobs(config, { only: args.job, dryRun: args['dry-run'], signal: abort.signal, log: logger() });
      if (args.format === 'json') process.stdout.write(JSON.stringify(results, null, 2) + '\n');
      process.exitCode = results.every((r) => r.status === 'success') ? 0 : 1;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
