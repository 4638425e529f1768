/** Compiles the job-file schema with ajv and turns its errors into positioned, readable issues. */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ConfigIssue } from '../errors.js';
import { buildSchema, NAME_PATTERN } from './schema.js';
import { pointerToPath, type PathSegment } from './positions.js';
import { DURATION_PATTERN } from '../util/duration.js';
import { AGE_RECIPIENT_PATTERN } from '../pipeline/encrypt.js';

let compiled: ValidateFunction | undefined;

export function newAjv(): Ajv {
  // verbose: errors carry their schema, which names the allowed keys and the known types
  return new Ajv({ allErrors: true, useDefaults: true, discriminator: true, strict: true, allowUnionTypes: true, verbose: true });
}

/** The compiled validator of the full schema (defaults are filled in as it validates). */
export function schemaValidator(): ValidateFunction {
  compiled ??= newAjv().compile(buildSchema());
  return compiled;
}

type At = (path: PathSegment[], message: string, key?: boolean) => ConfigIssue;

function describe(e: ErrorObject): { path: PathSegment[]; message: string; key?: boolean } | undefined {
  const path = pointerToPath(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const hint = closest(String(p.additionalProperty), allowed);
      return { path: [...path, String(p.additionalProperty)], message: `unknown key${hint ? ` (did you mean "${hint}"?)` : ''}`, key: true };
    }
    case 'minItems':
      return { path, message: `must have at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}` };
    case 'minLength':
      return { path, message: p.limit === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters long` };
    case 'required':
      return { path, message: `missing required key "${String(p.missingProperty)}"` };
    case 'discriminator': {
      const tag = String(p.tag);
      if (p.error === 'mapping') return { path: [...path, tag], message: `unknown ${tag} "${String(p.tagValue)}"${known(e)}` };
      return { path: [...path, tag], message: `"${tag}" must be a string` };
    }
    case 'enum':
      return { path, message: `must be one of: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'const':
      return { path, message: `must be ${JSON.stringify(p.allowedValue)}` };
    case 'type':
      return { path, message: `must be ${String(p.type).replace(',', ' or ')}` };
    case 'pattern':
      if (p.pattern === NAME_PATTERN) return { path, message: 'must start with a letter or digit and contain only letters, digits, ".", "_" and "-"' };
      if (p.pattern === DURATION_PATTERN) return { path, message: 'must be a duration such as 30s, 5m, 1h30m (or a number of seconds)' };
      if (p.pattern === AGE_RECIPIENT_PATTERN) return { path, message: 'must be an age public key (age1…, as age-keygen prints it)' };
      return { path, message: `must match ${String(p.pattern)}` };
    case 'minProperties':
      return { path, message: 'must not be empty' };
    case 'propertyNames':
      return undefined; // reported by the nested pattern error
    case 'if':
    case 'oneOf':
    case 'anyOf':
      return undefined; // the branch errors say more
    default:
      return { path, message: e.message ?? e.keyword };
  }
}

/** The allowed key closest to a misspelt one (edit distance ≤ 2), if any. */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

function known(e: ErrorObject): string {
  const branches = (e.parentSchema as { oneOf?: unknown[] } | undefined)?.oneOf;
  if (!Array.isArray(branches)) return '';
  const tag = String((e.params as Record<string, unknown>).tag);
  const names = branches
    .map((b) => ((b as { properties?: Record<string, { const?: unknown }> }).properties?.[tag]?.const))
    .filter((v) => v !== undefined);
  return names.length ? ` (known: ${names.join(', ')})` : '';
}

export function schemaIssues(errors: ErrorObject[], at: At): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const e of errors) {
    if (e.keyword === 'pattern' && e.propertyName !== undefined) {
      out.push(at([...pointerToPath(e.instancePath), e.propertyName], 'name must start with a letter or digit and contain only letters, digits, ".", "_" and "-"', true));
      continue;
    }
    const d = describe(e);
    if (d) out.push(at(d.path, d.message, d.key));
  }
  return out;
}
