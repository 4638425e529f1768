/**
 * Loads a job file: YAML with source positions → `${VAR}` expansion → (Go onedump mapping) →
 * JSON Schema → semantic checks → typed `Config`. Every problem is reported with FILE:LINE:COL.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parse as parseYamlScalar, parseDocument, visit, type Document } from 'yaml';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { parseDuration } from '../util/duration.js';
import { registerConfigSecrets } from './secrets.js';
import { environmentFor, expand, type Env } from './env.js';
import { formatPath, pointerToPath, positionOf, type PathSegment } from './positions.js';
import { schemaValidator, schemaIssues } from './validate-schema.js';
import { semanticIssues } from './semantic.js';
import { isLegacy, legacyValidator, mapLegacy } from './legacy.js';
import type { Config, JobConfig, NotifierConfig } from './types.js';

export interface LoadOptions {
  /** Environment for `${VAR}` (default: process env over the `.env` beside the file). */
  env?: Env;
}

export interface LoadResult {
  config?: Config;
  issues: ConfigIssue[];
}

/** Loads and checks a job file; throws `ConfigError` listing every issue. */
export function loadConfig(file: string, opts: LoadOptions = {}): Config {
  const { config, issues } = checkConfig(file, opts);
  if (!config || issues.length) throw new ConfigError(issues);
  return config;
}

/** Loads and checks a job file, returning every issue instead of throwing. */
export function checkConfig(file: string, opts: LoadOptions = {}): LoadResult {
  const abs = resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return { issues: [{ file, line: 1, col: 1, path: '', message: `cannot read file (${code})` }] };
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true });
  if (doc.errors.length) {
    return {
      issues: doc.errors.map((e) => {
        const { line, col } = lines.linePos(e.pos[0]);
        return { file, line, col, path: '', message: `YAML syntax error: ${e.message.split('\n')[0]}` };
      }),
    };
  }
  const env = opts.env ?? environmentFor(dirname(abs));
  const issues: ConfigIssue[] = expandDocument(doc, lines, env, file);
  const at = (path: PathSegment[], message: string, key = false): ConfigIssue => ({
    file, ...positionOf(doc, lines, path, { key }), path: formatPath(path), message,
  });

  let raw = doc.toJS({ maxAliasCount: 10_000 }) as unknown;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return { issues: [...issues, at([], 'the job file must be a mapping with a `jobs:` list')] };
  }
  let legacy = false;
  let toSourcePath = (p: PathSegment[]): PathSegment[] => p;
  if (isLegacy(raw)) {
    legacy = true;
    const validateLegacy = legacyValidator();
    if (!validateLegacy(raw)) {
      issues.push(...schemaIssues(validateLegacy.errors ?? [], at));
      return { issues };
    }
    const mapped = mapLegacy(raw as Record<string, unknown>);
    raw = mapped.config;
    toSourcePath = mapped.sourcePath;
  }
  const atSource = (path: PathSegment[], message: string, key = false): ConfigIssue => {
    const src = toSourcePath(path);
    const issue = at(src, message, key && src === path);
    return { ...issue, path: formatPath(path) };
  };
  const validate = schemaValidator();
  const schemaOk = validate(raw);
  const sIssues = schemaOk ? [] : schemaIssues(validate.errors ?? [], atSource);
  issues.push(...sIssues);
  const brokenJobs = new Set(
    (validate.errors ?? []).map((e) => pointerToPath(e.instancePath)).filter((p) => p[0] === 'jobs').map((p) => p[1]),
  );
  const root = raw as Record<string, unknown>;
  issues.push(...semanticIssues(root, brokenJobs, atSource, schemaOk));
  if (issues.length) return { issues: dedupe(issues) };
  const config = toConfig(root, abs, legacy);
  registerConfigSecrets(config);
  return { config, issues: [] };
}

/** Expands `${VAR}` in every scalar value, keeping positions; unset variables become issues. */
function expandDocument(doc: Document, lines: LineCounter, env: Env, file: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  visit(doc, {
    Scalar(key, node, path) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('$')) return;
      const { value, missing, changed } = expand(node.value, env);
      for (const name of missing) {
        const { line, col } = lines.linePos(node.range?.[0] ?? 0);
        const keys = path.filter((n) => 'key' in (n as object)).map((n) => String((n as { key: { value?: unknown } }).key?.value ?? ''));
        issues.push({ file, line, col, path: keys.join('.'), message: `environment variable ${name} is not set (set it, or write \${${name}:-default})` });
      }
      if (!changed) return;
      node.value = value;
      if (node.type === 'PLAIN' && value !== '') {
        const typed = safeScalar(value);
        if (typeof typed === 'number' || typeof typed === 'boolean') node.value = typed;
      }
    },
  });
  return issues;
}

function safeScalar(text: string): unknown {
  try {
    return parseYamlScalar(text);
  } catch {
    return text;
  }
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues
    .filter((i) => {
      const k = `${i.line}:${i.col}:${i.path}:${i.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => a.line - b.line || a.col - b.col);
}

function toConfig(root: Record<string, unknown>, file: string, legacy: boolean): Config {
  const jobs = (root.jobs as Record<string, unknown>[]).map((j): JobConfig => ({
    ...j,
    name: j.name as string,
    type: j.type as string,
    timeoutMs: j.timeout === undefined ? 0 : parseDuration(j.timeout as string | number),
    retries: (j.retries as number | undefined) ?? 0,
    retryDelayMs: parseDuration((j.retry_delay as string | number | undefined) ?? '5s'),
  }));
  const notifiers = ((root.notifiers as Record<string, unknown>[] | undefined) ?? []).map((n): NotifierConfig => ({
    ...n,
    name: (n.name as string | undefined) ?? (n.type as string),
    type: n.type as string,
    on: (n.on as NotifierConfig['on'] | undefined) ?? ['success', 'failure'],
  }));
  return {
    file,
    baseDir: dirname(file),
    concurrency: (root.concurrency as number | undefined) ?? 1,
    shutdownGraceMs: parseDuration((root.shutdown_grace as string | number | undefined) ?? '5m'),
    notifiers,
    storages: (root.storages as Config['storages'] | undefined) ?? {},
    jobs,
    legacy,
  };
}
