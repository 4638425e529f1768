#!/usr/bin/env node
/** The `onedump` command line: parses arguments, sets up logging, dispatches to a command module. */
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { exitCodeOf, describeError, ConfigError, formatIssue } from '../errors.js';
import { configureLogger, type LogFormat, type LogLevel } from '../util/log.js';
import { redact } from '../util/redact.js';
import { VERSION } from '../version.js';
import { commands } from './commands.js';

export interface GlobalArgs {
  'log-format'?: LogFormat;
  'log-level': LogLevel;
}

function build(argv: string[]): Argv<GlobalArgs> {
  let cli = yargs(argv)
    .scriptName('onedump')
    .usage('$0 <command> [options]\n\nDeclarative YAML jobs for database backups, restores, binlogs, slow logs and file sync.')
    .option('log-format', { choices: ['pretty', 'json'] as const, describe: 'Log format (default: pretty on a terminal, json otherwise)' })
    .option('log-level', { choices: ['error', 'warn', 'info', 'debug'] as const, default: 'info' as LogLevel, describe: 'Least important log level shown' })
    .middleware((a) => {
      configureLogger({ format: a['log-format'], level: a['log-level'] });
    })
    .strict()
    .demandCommand(1, 'Name a command; see onedump --help')
    .recommendCommands()
    .version(VERSION)
    .alias('h', 'help')
    .wrap(Math.min(120, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      throw Object.assign(new Error(msg), { usage: true });
    }) as unknown as Argv<GlobalArgs>;
  for (const c of commands) cli = cli.command(c as never);
  return cli;
}

export async function main(argv: string[] = hideBin(process.argv)): Promise<number> {
  try {
    const cli = build(argv);
    await cli.parseAsync();
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if ((err as { usage?: boolean }).usage) {
      process.stderr.write(`onedump: ${redact((err as Error).message)}\nRun "onedump --help" for usage.\n`);
      return 2;
    }
    if (err instanceof ConfigError) {
      for (const issue of err.issues) process.stderr.write(redact(formatIssue(issue)) + '\n');
      return 2;
    }
    process.stderr.write(`onedump: ${redact(describeError(err))}\n`);
    return exitCodeOf(err);
  }
}

const invokedDirectly = process.argv[1] && import.meta.url === new URL(`file://${(await import('node:fs')).realpathSync(process.argv[1])}`).href;
if (invokedDirectly) {
  const code = await main();
  process.exitCode = code;
  // the work is done: a connection kept alive by a library must not hold the process open
  setTimeout(() => process.exit(code), 2000).unref();
}
