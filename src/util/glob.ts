/**
 * Shell-style globs on the local file system: `*`, `?`, `[abc]`, `[!a-z]`, `{a,b}` and `**` (any
 * number of directories). Like a shell, `*` and `?` do not match a leading `.`. Only regular files are
 * returned, sorted, without duplicates.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

const MAGIC = /[*?[{]/;

export function hasGlob(pattern: string): boolean {
  return MAGIC.test(pattern);
}

/** The files matching `pattern` (relative patterns resolve against the working directory). */
export async function expandGlob(pattern: string): Promise<string[]> {
  const found = new Set<string>();
  for (const p of expandBraces(pattern)) {
    const absolute = p.startsWith('/');
    const segments = p.split('/').filter((s) => s !== '' && s !== '.');
    await walk(absolute ? '/' : '.', segments, found, absolute ? '/' : '');
  }
  return [...found].sort();
}

/** `a{b,c}d` → `abd`, `acd` (nested braces too). */
export function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf('{');
  if (open < 0) return [pattern];
  let depth = 0;
  const parts: string[] = [];
  let start = open + 1;
  for (let i = open; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      parts.push(pattern.slice(start, i));
      const head = pattern.slice(0, open);
      const tails = expandBraces(pattern.slice(i + 1));
      return parts.flatMap((part) => expandBraces(head + part).flatMap((h) => tails.map((t) => h + t)));
    } else if (c === ',' && depth === 1) {
      parts.push(pattern.slice(start, i));
      start = i + 1;
    }
  }
  return [pattern];
}

/** A regular expression for one path segment. */
export function segmentRegExp(segment: string): RegExp {
  return new RegExp(`^${segmentSource(segment)}$`);
}

/**
 * A regular expression for a whole `/`-separated path (e.g. a storage key): `**` matches any number of
 * directories, the other wildcards stay within one segment.
 */
export function globRegExp(pattern: string): RegExp {
  const alternatives = expandBraces(pattern).map((p) => {
    const segments = p.split('/');
    const last = segments.length - 1;
    return segments.map((seg, i) => (seg === '**' ? (i === last ? '.*' : '(?:[^/]+/)*') : segmentSource(seg) + (i === last ? '' : '/'))).join('');
  });
  return new RegExp(`^(?:${alternatives.join('|')})$`);
}

/** The literal directory part of a pattern before its first wildcard (`logs/2024/` for `logs/2024/*.gz`). */
export function globPrefix(pattern: string): string {
  const magic = pattern.search(MAGIC);
  if (magic < 0) return pattern;
  return pattern.slice(0, pattern.lastIndexOf('/', magic) + 1);
}

function segmentSource(segment: string): string {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        const body = segment.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return re;
}

async function walk(dir: string, segments: string[], found: Set<string>, prefix: string): Promise<void> {
  if (segments.length === 0) {
    if (prefix && (await isFile(dir))) found.add(prefix.replace(/\/$/, '') || dir);
    return;
  }
  const [segment, ...rest] = segments as [string, ...string[]];
  if (segment === '**') {
    await walk(dir, rest, found, prefix);
    for (const name of await subdirectories(dir)) await walk(join(dir, name), segments, found, `${prefix}${name}/`);
    return;
  }
  if (!hasGlob(segment)) {
    await walk(join(dir, segment), rest, found, `${prefix}${segment}/`);
    return;
  }
  const re = segmentRegExp(segment);
  for (const name of await entries(dir)) {
    if (name.startsWith('.') && !segment.startsWith('.')) continue;
    if (re.test(name)) await walk(join(dir, name), rest, found, `${prefix}${name}/`);
  }
}

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

async function subdirectories(dir: string): Promise<string[]> {
  try {
    const list = await readdir(dir, { withFileTypes: true });
    return list.filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name);
  } catch {
    return [];
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
