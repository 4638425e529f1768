/** `onedump backups FILE --job NAME [--format json]`: stored backups with time, size, checksum. */
import type { CommandModule } from 'yargs';
import { loadConfig } from '../config/load.js';
import { dumpJobOf, jobBackups } from '../restore/restore.js';
import { formatBytes } from '../util/duration.js';
import { logger } from '../util/log.js';

interface Args {
  file: string;
  job: string;
  storage?: string;
  format: 'table' | 'json';
}

export const backupsCommand: CommandModule<object, Args> = {
  command: 'backups <file>',
  describe: 'List the stored backups of a dump job',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'Job file' })
      .option('job', { type: 'string', demandOption: true, describe: 'Dump job name' })
      .option('storage', { type: 'string', describe: 'Only this storage' })
      .option('format', { choices: ['table', 'json'] as const, default: 'table' as const })
      .example('$0 backups jobs.yaml --job app-db', 'newest first') as never,
  handler: async (args) => {
    const config = loadConfig(args.file);
    const job = dumpJobOf(config, args.job);
    const list = await jobBackups(config, job, logger(), args.storage);
    if (args.format === 'json') {
      process.stdout.write(JSON.stringify(list.map((b) => ({ storage: b.storage, key: b.key, size: b.size, finished: b.manifest.finished, sha256: b.manifest.sha256, driver: b.manifest.driver, tables: Object.keys(b.manifest.tables).length })), null, 2) + '\n');
    } else {
      process.stdout.write(`${'FINISHED'.padEnd(25)}${'SIZE'.padStart(11)}  ${'SHA256'.padEnd(14)}${'STORAGE'.padEnd(16)}KEY\n`);
      for (const b of list) {
        process.stdout.write(`${b.manifest.finished.padEnd(25)}${formatBytes(b.size).padStart(11)}  ${b.manifest.sha256.slice(0, 12).padEnd(14)}${b.storage.padEnd(16)}${b.key}\n`);
      }
    }
    process.exitCode = 0;
  },
};
