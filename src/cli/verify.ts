/** `onedump verify FILE --job NAME [--backup KEY] [--storage NAME]`: re-read stored backups and check them against their manifests. */
import type { CommandModule } from 'yargs';
import { loadConfig } from '../config/load.js';
import { UsageError } from '../errors.js';
import { readManifest } from '../pipeline/manifest.js';
import { verifyBackup, type VerifyReport } from '../pipeline/verify.js';
import { dumpJobOf, jobBackups } from '../restore/restore.js';
import type { BackupEntry } from '../restore/backups.js';
import { storageKinds } from '../storages/registry.js';
import { formatBytes } from '../util/duration.js';
import { logger } from '../util/log.js';

interface Args {
  file: string;
  job: string;
  backup?: string;
  storage?: string;
  format: 'text' | 'json';
}

/** The newest backup in each storage, or every copy of `backup`. */
function chosen(backups: BackupEntry[], backup?: string): BackupEntry[] {
  if (backup) return backups.filter((b) => b.key === backup);
  const seen = new Set<string>();
  return backups.filter((b) => !seen.has(b.storage) && seen.add(b.storage));
}

export const verifyCommand: CommandModule<object, Args> = {
  command: 'verify <file>',
  describe: 'Re-read stored backups and check size, sha256 and the storage\'s own checksum against their manifests',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'Job file' })
      .option('job', { type: 'string', demandOption: true, describe: 'Dump job name' })
      .option('backup', { type: 'string', describe: 'This backup (its key, as `onedump backups` lists it); default: the newest in each storage' })
      .option('storage', { type: 'string', describe: 'Only this storage' })
      .option('format', { choices: ['text', 'json'] as const, default: 'text' as const })
      .example('$0 verify jobs.yaml --job app-db', 'the newest backup in every storage of the job')
      .example('$0 verify jobs.yaml --job app-db --backup app-db/app-db-20260101T020000Z.sql.gz', 'one backup, in every storage that has it') as never,
  handler: async (args) => {
    const log = logger();
    const config = loadConfig(args.file);
    const job = dumpJobOf(config, args.job);
    const targets = chosen(await jobBackups(config, job, log, args.storage), args.backup);
    if (!targets.length) throw new UsageError(args.backup ? `job ${job.name} has no backup "${args.backup}"` : `job ${job.name} has no complete backup (with manifest) to verify`);
    const reports: VerifyReport[] = [];
    for (const t of targets) {
      const cfg = config.storages[t.storage]!;
      const storage = await storageKinds.get(cfg.type).create(t.storage, cfg as never, { baseDir: config.baseDir, log });
      try {
        const manifest = (await readManifest(storage, t.key)) ?? t.manifest;
        reports.push(await verifyBackup(storage, t.key, manifest));
      } finally {
        await storage.close();
      }
    }
    if (args.format === 'json') process.stdout.write(JSON.stringify(reports, null, 2) + '\n');
    else {
      for (const r of reports) {
        const what = `${r.storage}:${r.key}`;
        if (r.ok) process.stdout.write(`OK      ${what}  ${formatBytes(r.size ?? 0)}  sha256 ${r.sha256?.slice(0, 16)}…${r.native ? `  ${r.native.algo} ${r.native.value.slice(0, 16)}…` : ''}\n`);
        else process.stdout.write(`FAILED  ${what}: ${r.problems.join('; ')}\n`);
      }
    }
    process.exitCode = reports.every((r) => r.ok) ? 0 : 1;
  },
};
