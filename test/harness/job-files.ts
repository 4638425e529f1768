/** Job files for CLI tests: one directory per scenario, each with its own `jobs.yaml`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Creates `<root>/<name>/jobs.yaml` with `body`; returns the directory (run the CLI there). */
export function writeJobDir(root: string, name: string, body: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'jobs.yaml'), body);
  return dir;
}
