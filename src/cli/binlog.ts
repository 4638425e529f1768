/**
 * `onedump binlog status|sync|list|restore`: binlog tools. Each subcommand is a thin module in
 * src/cli/binlog-*.ts calling the domain code in src/binlog/.
 */
import type { CommandModule } from 'yargs';
import { binlogStatusCommand } from './binlog-status.js';
import { binlogSyncCommand } from './binlog-sync.js';
import { binlogListCommand } from './binlog-list.js';
import { binlogRestoreCommand } from './binlog-restore.js';

export const binlogCommand: CommandModule = {
  command: 'binlog',
  describe: 'MySQL/MariaDB binary logs: server status, archiving, point-in-time restore',
  builder: (y) =>
    y
      .command(binlogStatusCommand as never)
      .command(binlogSyncCommand as never)
      .command(binlogListCommand as never)
      .command(binlogRestoreCommand as never)
      .demandCommand(1, 'Name a binlog command: status, sync, list or restore')
      .example('$0 binlog status --dsn mysql://root@db:3306/', 'is binary logging on, and where is the server')
      .example('$0 binlog sync jobs.yaml --job binlogs', 'archive closed binlog files now')
      .example('$0 binlog restore jobs.yaml --job binlogs --to mysql://root@db/ --stop-datetime "2026-11-23 09:59:00"', 'point-in-time restore'),
  handler: () => undefined,
};
