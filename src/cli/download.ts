/** `onedump download SRC DIR`: fetch an object or everything under a prefix from any storage URL. */
import type { CommandModule } from 'yargs';
import { download } from '../download/download.js';
import { readIdentities } from '../pipeline/encrypt.js';
import { formatBytes } from '../util/duration.js';
import { storageFromUrl } from '../storages/url.js';
import { logger } from '../util/log.js';

interface Args {
  src: string;
  dir: string;
  transfers: number;
  identity?: string[];
  format: 'text' | 'json';
}

export const downloadCommand: CommandModule<object, Args> = {
  command: 'download <src> <dir>',
  describe: 'Download a file or a whole prefix from a storage URL (skips files already there with the same checksum)',
  builder: (y) =>
    y
      .positional('src', { type: 'string', demandOption: true, describe: 'Storage URL or path: s3://BUCKET/PREFIX, sftp://USER@HOST:PORT/PATH, gdrive://FOLDER_ID/PATH, dropbox:///PATH, file:///PATH' })
      .positional('dir', { type: 'string', demandOption: true, describe: 'Local directory (created if missing)' })
      .option('transfers', { type: 'number', default: 4, describe: 'Files downloaded at once' })
      .option('identity', { alias: 'i', type: 'string', array: true, describe: 'age identity file: decrypt encrypted backups (and drop their .age suffix)' })
      .option('format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'Print the report as JSON' })
      .check((a) => {
        if (!Number.isInteger(a.transfers) || a.transfers < 1 || a.transfers > 64) throw new Error('--transfers must be a whole number from 1 to 64');
        return true;
      })
      .example('$0 download s3://backups/mysql/app-db ./restore-here', 'every file under a prefix (credentials: AWS_* variables)')
      .example('$0 download sftp://backup@nas:22/srv/backups/app-db/app-db-20260101T020000Z.sql.gz.age . -i key.txt', 'one file, decrypted') as never,
  handler: async (args) => {
    const log = logger();
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort(new Error('interrupted')));
    const identities = args.identity?.length ? await readIdentities(args.identity) : undefined;
    const { storage, key } = await storageFromUrl(args.src, { log });
    try {
      const report = await download(storage, key, args.dir, { transfers: args.transfers, identities, signal: abort.signal, log });
      if (args.format === 'json') process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else {
        process.stdout.write(`${report.downloaded.length} downloaded (${formatBytes(report.bytes)}), ${report.skipped.length} already there, ${report.failed.length} failed\n`);
        for (const f of report.failed) process.stdout.write(`FAILED  ${f.key}: ${f.error}\n`);
      }
      process.exitCode = report.failed.length ? 1 : 0;
    } finally {
      await storage.close();
    }
  },
};
