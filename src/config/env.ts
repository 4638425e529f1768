/**
 * `${VAR}` and `${VAR:-default}` expansion. `$${` writes a literal `${`.
 * Values come from the process environment first, then from a `.env` file beside the job file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';

export type Env = Record<string, string | undefined>;

const REF = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g;

export interface Expansion {
  value: string;
  /** Names of variables that were unset and had no default. */
  missing: string[];
  /** Whether anything was substituted. */
  changed: boolean;
}

/**
 * Expands references in `text`. `${VAR:-def}` uses `def` when VAR is unset or empty;
 * `${VAR-def}` only when unset. An unset `${VAR}` is reported in `missing` and expands to ''.
 */
export function expand(text: string, env: Env): Expansion {
  const missing: string[] = [];
  let changed = false;
  const value = text.replace(REF, (whole, name: string | undefined, op: string | undefined, def: string | undefined) => {
    changed = true;
    if (!name) return '${';
    const v = env[name];
    if (op === ':-') return v === undefined || v === '' ? (def ?? '') : v;
    if (op === '-') return v === undefined ? (def ?? '') : v;
    if (v === undefined) {
      missing.push(name);
      return '';
    }
    return v;
  });
  return { value, missing, changed };
}

/** The environment for a job file: its `.env` (if any) overlaid by the process environment. */
export function environmentFor(jobFileDir: string, processEnv: Env = process.env): Env {
  const dotenvPath = join(jobFileDir, '.env');
  const fromFile = existsSync(dotenvPath) ? parseDotenv(readFileSync(dotenvPath)) : {};
  return { ...fromFile, ...processEnv };
}
