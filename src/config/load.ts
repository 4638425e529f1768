/**
 * Loads a job file: YAML with source positions → `${VAR}` expansion → (Go onedump mapping) →
 * JSON Schema → semantic checks → typed `Config`. Every problem is reported with FILE:LINE:COL.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { parseDuration } from '../util/duration.js';
import { registerConfigSecrets } from './secrets.js';
import { environmentFor, expandDocument, type Env } from './env.js';
import { formatPath, pointerToPath, positionOf, type PathSegment } from './positions.js';
import { schemaValidator, schemaIssues } from './validate-schema.js';
import { semanticIssues, type Broken } from './semantic.js';
import type { ErrorObject } from 'ajv';
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
    return { issues: [{ file, line: 1, col: 1, path: '', message: `cannot read file: ${readProblem(err)}` }] };
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true });
  if (doc.errors.length) return { issues: dedupe(doc.errors.map((e) => syntaxIssue(file, text, lines, e))) };
  const expansion = expandDocument(doc, text, lines, opts.env ?? environmentFor(dirname(abs)), file);
  const at: At = (path, message, key = false) => ({ file, ...positionOf(doc, lines, path, { key }), path: formatPath(path), message });
  const raw = doc.toJS({ maxAliasCount: 10_000 }) as unknown;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return { issues: [...expansion.issues, at([], 'the job file must be a mapping with a `jobs:` list')] };
  }
  const shaped = nativeShape(raw as Record<string, unknown>, at);
  // before any message is formatted, so secrets stay out of error output too (after the Go mapping:
  // a Go S3 `key` is a file name, not a secret)
  if (shaped.root) registerConfigSecrets(shaped.root);
  const issues = [...expansion.issues, ...shaped.issues];
  if (shaped.root) issues.push(...checkNative(shaped.root, shaped.at, expansion.missingPaths));
  if (issues.length || !shaped.root) return { issues: dedupe(withoutNoise(issues, expansion.missingPaths)) };
  const config = toConfig(shaped.root, abs, shaped.legacy);
  registerConfigSecrets(config);
  return { config, issues: [] };
}

type At = (path: PathSegment[], message: string, key?: boolean) => ConfigIssue;

/**
 * The file in the native shape: a Go-onedump file is checked against its own schema (errors at the
 * keys written) and mapped; `at` then places native paths at their source in the file.
 */
function nativeShape(raw: Record<string, unknown>, at: At): { root?: Record<string, unknown>; at: At; legacy: boolean; issues: ConfigIssue[] } {
  if (!isLegacy(raw)) return { root: raw, at, legacy: false, issues: [] };
  const validateLegacy = legacyValidator();
  if (!validateLegacy(raw)) return { at, legacy: true, issues: schemaIssues(validateLegacy.errors ?? [], at) };
  const mapped = mapLegacy(raw);
  const atSource: At = (path, message, key = false) => {
    const src = mapped.sourcePath(path);
    return { ...at(src, message, key && src === path), path: formatPath(path) };
  };
  return { root: mapped.config, at: atSource, legacy: true, issues: [] };
}

/** JSON Schema (filling in defaults) and semantic checks of a native-shaped config. */
function checkNative(root: Record<string, unknown>, at: At, missingPaths: Set<string>): ConfigIssue[] {
  const validate = schemaValidator();
  const issues = validate(root) ? [] : schemaIssues(validate.errors ?? [], at);
  issues.push(...semanticIssues(root, brokenParts(validate.errors ?? [], missingPaths), at));
  return issues;
}

/**
 * Jobs, notifiers and storages with schema errors, not counting values left empty by an unset variable;
 * a notifier or storage with an unset variable counts as broken (its own checks would only repeat the
 * problem).
 */
function brokenParts(errors: ErrorObject[], missingPaths: Set<string>): Broken {
  const paths = errors.map((e) => pointerToPath(e.instancePath)).filter((p) => !missingPaths.has(formatPath(p)));
  const indexes = (top: string) => new Set(paths.filter((p) => p[0] === top).map((p) => p[1]));
  const notifiers = indexes('notifiers');
  const storages = indexes('storages');
  for (const p of missingPaths) {
    const m = /^notifiers\[(\d+)\]/.exec(p);
    if (m) notifiers.add(Number(m[1]));
    const s = /^storages\.([^.[]+)/.exec(p);
    if (s) storages.add(s[1]);
  }
  return { jobs: indexes('jobs'), notifiers, storages };
}

function readProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const known: Record<string, string> = { ENOENT: 'no such file', EISDIR: 'it is a directory', EACCES: 'permission denied' };
  return (code && known[code]) ?? (err as Error).message;
}

function syntaxIssue(file: string, text: string, lines: LineCounter, e: YAMLError): ConfigIssue {
  const { line, col } = lines.linePos(e.pos[0]);
  const message = e.code === 'DUPLICATE_KEY'
    ? `duplicate key "${keyAt(text, e.pos[0])}" (each key may appear once in a mapping)`
    : `YAML syntax error: ${e.message.split('\n')[0]}`;
  return { file, line, col, path: '', message };
}

/** The mapping key written at `offset` (quoted or plain). */
function keyAt(text: string, offset: number): string {
  const m = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^:#\n]*?)\s*:(?:\s|$)/.exec(text.slice(offset));
  return (m?.[1] ?? text.slice(offset).split(/[:\n]/)[0]!).replace(/^(["'])(.*)\1$/, '$2');
}

/** A value that is empty because its variable is unset would also fail the schema: report only the variable. */
function withoutNoise(issues: ConfigIssue[], missingPaths: Set<string>): ConfigIssue[] {
  return issues.filter((i) => i.message.startsWith('environment variable') || !missingPaths.has(i.path));
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
