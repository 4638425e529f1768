/** `onedump binlog status --dsn DSN [--format json]`: binary logging state of a MySQL/MariaDB server. */
import type { CommandModule } from 'yargs';
import { binlogServer, describeServer } from '../binlog/connection.js';
import { notEnabledMessage, queryStatus } from '../binlog/status.js';
import { formatStatus } from '../binlog/status-format.js';

interface Args {
  dsn: string;
  format: 'text' | 'json';
}

export const binlogStatusCommand: CommandModule<object, Args> = {
  command: 'status',
  describe: 'Show whether binary logging is on, its format, the binlog files, the current position and GTID state',
  builder: (y) =>
    y
      .option('dsn', { type: 'string', demandOption: true, describe: 'Server, mysql://user@host:3306/ (password: in the DSN or MYSQL_PWD)' })
      .option('format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'Output format' })
      .example('$0 binlog status --dsn mysql://root@127.0.0.1:3306/', 'human-readable')
      .example('MYSQL_PWD=secret $0 binlog status --dsn mysql://repl@db:3306/ --format json', 'for scripts') as never,
  handler: async (args) => {
    const settings = binlogServer(args.dsn);
    const status = await queryStatus(settings);
    if (args.format === 'json') process.stdout.write(JSON.stringify(status, null, 2) + '\n');
    else if (status.enabled) process.stdout.write(formatStatus(status));
    if (!status.enabled) {
      process.stderr.write(`onedump: ${notEnabledMessage(describeServer(settings))}\n`);
      process.exitCode = 1;
      return;
    }
    process.exitCode = 0;
  },
};
