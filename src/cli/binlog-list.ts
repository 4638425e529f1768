/** `onedump binlog list FILE --job NAME [--storage S] [--format json]`: what a binlog job has archived. */
import type { CommandModule } from 'yargs';
import { loadConfig } from '../config/load.js';
import { loadArchiveIndex, type ArchiveEntry } from '../binlog/archive-index.js';
import { parseBinlogName } from '../binlog/names.js';
import { binlogJobOf, binlogPrefix } from '../jobs/binlog.js';
import { storageKinds } from '../storages/registry.js';
import { formatBytes } from '../util/duration.js';
import { logger } from '../util/log.js';

interface Args {
  file: string;
  job: string;
  storage?: string;
  format: 'text' | 'json';
}

export const binlogListCommand: CommandModule<object, Args> = {
  command: 'list <file>',
  describe: 'List the archived binlogs of a binlog job, per storage, in log order',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'Job file' })
      .option('job', { type: 'string', demandOption: true, describe: 'Binlog job (or the dump job it extends)' })
      .option('storage', { type: 'string', describe: 'Only this storage' })
      .option('format', { choices: ['text', 'json'] as const, default: 'text' as const })
      .example('$0 binlog list jobs.yaml --job app-binlogs', 'archived files with sizes and times') as never,
  handler: async (args) => {
    const config = loadConfig(args.file);
    const job = binlogJobOf(config, args.job);
    const rows: ArchiveEntry[] = [];
    for (const name of job.to.filter((n) => !args.storage || n === args.storage)) {
      const cfg = config.storages[name]!;
      const storage = await storageKinds.get(cfg.type).create(name, cfg as never, { baseDir: config.baseDir, log: logger() });
      try {
        const index = await loadArchiveIndex(storage, binlogPrefix(job));
        rows.push(...index.closed.values(), ...index.partial.values());
      } finally {
        await storage.close();
      }
    }
    rows.sort((a, b) => a.storage.name.localeCompare(b.storage.name) || parseBinlogName(a.manifest.file)!.seq - parseBinlogName(b.manifest.file)!.seq || Number(a.manifest.closed) - Number(b.manifest.closed));
    if (args.format === 'json') {
      process.stdout.write(JSON.stringify(rows.map((r) => ({ storage: r.storage.name, present: r.present, ...r.manifest })), null, 2) + '\n');
    } else {
      process.stdout.write(`${'FILE'.padEnd(26)}${'SIZE'.padStart(11)}  ${'FIRST EVENT'.padEnd(22)}${'LAST EVENT'.padEnd(22)}${'GTIDS'.padEnd(24)}STORAGE\n`);
      for (const r of rows) {
        const m = r.manifest;
        const name = `${m.file}${m.closed ? '' : ' (partial)'}${r.present ? '' : ' MISSING'}`;
        const gtids = m.first_gtid ? `${m.first_gtid}…${m.last_gtid}` : '';
        process.stdout.write(`${name.padEnd(26)}${formatBytes(m.size).padStart(11)}  ${(m.created ?? '').slice(0, 19).padEnd(22)}${(m.last_event ?? '').slice(0, 19).padEnd(22)}${gtids.padEnd(24)}${r.storage.name}\n`);
      }
    }
    process.exitCode = 0;
  },
};
