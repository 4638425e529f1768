/**
 * `${VAR}`, `${VAR:-default}` (unset or empty) and `${VAR-default}` (unset) expansion in the values of
 * a job file; `$${` writes a literal `${`. Values come from the process environment first, then from a
 * `.env` file beside the job file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { isPair, isScalar, isSeq, parse as parseYamlScalar, visit, type Document, type LineCounter } from 'yaml';
import type { ConfigIssue } from '../errors.js';
import { formatPath, type PathSegment } from './positions.js';

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

export interface DocumentExpansion {
  /** One issue per unset variable, at the `${` of its reference. */
  issues: ConfigIssue[];
  /** Formatted paths (`jobs[0].database.dsn`) of values that referenced an unset variable. */
  missingPaths: Set<string>;
}

/**
 * Expands `${VAR}` in every scalar value of a parsed document, in place, keeping source positions.
 * A plain (unquoted) scalar that becomes a number or boolean is typed as YAML would type it
 * (`retries: ${RETRIES:-3}` is the number 3); quoted scalars stay strings.
 */
export function expandDocument(doc: Document, text: string, lines: LineCounter, env: Env, file: string): DocumentExpansion {
  const issues: ConfigIssue[] = [];
  const missingPaths = new Set<string>();
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('$')) return;
      const { value, missing, changed } = expand(node.value, env);
      if (missing.length) {
        const path = formatPath(pathOf(ancestors, node));
        missingPaths.add(path);
        for (const name of missing) {
          const { line, col } = lines.linePos(referenceOffset(text, node.range, name));
          issues.push({ file, line, col, path, message: `environment variable ${name} is not set (set it, or write \${${name}:-default})` });
        }
      }
      if (!changed) return;
      node.value = value;
      if (node.type === 'PLAIN' && value !== '') {
        const typed = typedScalar(value);
        if (typeof typed === 'number' || typeof typed === 'boolean') node.value = typed;
      }
    },
  });
  return { issues, missingPaths };
}

/** Where `${NAME` is written inside the scalar's source (its start when not found, e.g. after escapes). */
function referenceOffset(text: string, range: [number, number, number] | null | undefined, name: string): number {
  if (!range) return 0;
  const at = text.slice(range[0], range[1]).search(new RegExp(`\\$\\{${name}(?=[}:-])`));
  return range[0] + Math.max(at, 0);
}

/** The config path of `node` from the ancestors `visit` reports. */
function pathOf(ancestors: readonly unknown[], node: unknown): PathSegment[] {
  const chain = [...ancestors, node];
  const out: PathSegment[] = [];
  for (let i = 0; i < chain.length - 1; i++) {
    const parent = chain[i];
    const child = chain[i + 1];
    if (isSeq(parent)) out.push(parent.items.indexOf(child as never));
    else if (isPair(parent) && parent.value === child && isScalar(parent.key)) out.push(String(parent.key.value));
  }
  return out;
}

function typedScalar(text: string): unknown {
  try {
    return parseYamlScalar(text);
  } catch {
    return text;
  }
}
