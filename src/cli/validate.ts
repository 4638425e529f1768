/**
 * `onedump validate FILE...`: schema and semantic checks without running anything; every problem of
 * every file as `FILE:LINE:COL: path: message` (or `--format json`). Exit 1 when any file has one.
 */
import type { CommandModule } from 'yargs';
import { checkConfig } from '../config/load.js';
import { formatIssue } from '../errors.js';
import { redact, redactValue } from '../util/redact.js';

interface Args {
  files: string[];
  format: 'text' | 'json';
}

export const validateCommand: CommandModule<object, Args> = {
  command: 'validate <files..>',
  describe: 'Check job files (schema, references, cron, variables) without running anything',
  builder: (y) =>
    y
      .positional('files', { type: 'string', array: true, demandOption: true, describe: 'Job files' })
      .option('format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'Output format' })
      .example('$0 validate jobs.yaml', 'check one file')
      .example('$0 validate --format json configs/*.yaml', 'check many, machine-readable') as never,
  handler: (args) => {
    const reports = args.files.map((file) => ({ file, issues: checkConfig(file).issues }));
    const bad = reports.some((r) => r.issues.length);
    if (args.format === 'json') {
      const files = reports.map((r) => ({ file: r.file, valid: !r.issues.length, issues: redactValue(r.issues) }));
      process.stdout.write(JSON.stringify({ valid: !bad, files }, null, 2) + '\n');
    } else {
      for (const r of reports) {
        if (!r.issues.length) process.stdout.write(`${r.file}: ok\n`);
        for (const i of r.issues) process.stdout.write(redact(formatIssue(i)) + '\n');
      }
      const n = reports.reduce((a, r) => a + r.issues.length, 0);
      if (n) process.stderr.write(`${n} problem${n === 1 ? '' : 's'} found\n`);
    }
    process.exitCode = bad ? 1 : 0;
  },
};
