/** Job files and CLI runs for the MySQL tests. */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli, type CliResult } from '../harness/util.js';

export interface JobSpec {
  name?: string;
  database: Record<string, unknown>;
  compress?: 'gzip' | 'none';
}

/** Writes `jobs.yaml` in `dir` with one local storage (`./backups`) and the given dump jobs. */
export function writeJobs(dir: string, jobs: JobSpec[]): string {
  const file = join(dir, 'jobs.yaml');
  writeFileSync(file, stringify({
    storages: { local: { type: 'local', path: './backups' } },
    jobs: jobs.map((j, i) => ({
      name: j.name ?? `job${i}`, type: 'dump', database: j.database, compress: j.compress ?? 'gzip',
      filename: '{job}/{job}-{timestamp}{ext}', to: ['local'],
    })),
  }));
  return file;
}

/** Runs the CLI and fails the test with its output when the exit code is not `code`. */
export async function cli(args: string[], opts: { cwd: string; code?: number; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  const r = await runCli(['--log-format', 'json', ...args], { cwd: opts.cwd, env: opts.env, timeoutMs: 180_000 });
  if (r.code !== (opts.code ?? 0)) throw new Error(`onedump ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Stored backup files (not manifests) of a job in the local storage. */
export function storedFiles(dir: string, job: string): string[] {
  try {
    return readdirSync(join(dir, 'backups', job)).filter((f) => !f.endsWith('.manifest.json'));
  } catch {
    return [];
  }
}
