/**
 * Log sources and reading them line by line: local files, directories, glob patterns, stdin (`-`), or
 * any stream (e.g. a storage's `get`). Gzip is recognised by its magic bytes, not by the file name.
 * Lines are latin1-decoded ("binary strings", see types.ts) and handed to a parser synchronously, one
 * read chunk at a time, so memory holds one chunk plus one line.
 */
import { createReadStream } from 'node:fs';
import { stat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { expandGlob, hasGlob } from '../util/glob.js';
import type { LogParser } from './types.js';

/** Lines longer than this are cut (the rest up to the line break is skipped). */
export const MAX_LINE = 16 * 1024 * 1024;
const CHUNK = 64 * 1024;

export interface LogSource {
  /** Shown in reports and messages: a path, `-`, or `storage:key`. */
  readonly name: string;
  /** Opens the raw bytes (plain or gzip). */
  open(signal?: AbortSignal): Promise<Readable>;
}

export function fileSource(path: string): LogSource {
  return { name: path, open: async (signal) => createReadStream(path, { highWaterMark: CHUNK, signal }) };
}

export function stdinSource(): LogSource {
  return { name: '-', open: async () => process.stdin };
}

/**
 * Local paths as given on a command line: `-` is stdin, a directory means every regular file directly
 * in it (hidden ones skipped), a pattern with `*?[{` is expanded. Throws naming the first argument
 * that matches nothing.
 */
export async function localSources(args: string[]): Promise<LogSource[]> {
  const sources: LogSource[] = [];
  for (const arg of args) {
    if (arg === '-') {
      sources.push(stdinSource());
      continue;
    }
    const info = await stat(arg).catch(() => undefined);
    let files: string[];
    if (info?.isDirectory()) files = (await readdir(arg, { withFileTypes: true })).filter((d) => d.isFile() && !d.name.startsWith('.')).map((d) => join(arg, d.name)).sort();
    else if (info) files = [arg];
    else files = hasGlob(arg) ? await expandGlob(arg) : [];
    if (!files.length) throw new Error(info ? `${arg}: directory holds no files` : `${arg}: no such file${hasGlob(arg) ? ' matches' : ''}`);
    sources.push(...files.map(fileSource));
  }
  return sources;
}

export interface ReadStats {
  /** Bytes read from the source (compressed size for gzip). */
  bytes: number;
  /** Bytes after decompression. */
  textBytes: number;
  lines: number;
  gzip: boolean;
}

/**
 * Feeds every line of `source` to the parser that `parserFor` picks from the first non-empty line,
 * then calls its `end()`. A line longer than MAX_LINE is cut: the parser gets its first MAX_LINE
 * characters plus its last one (so that a statement's final `;` is kept). Errors name the source.
 */
export async function readLines(source: LogSource, parserFor: (firstLine: string) => LogParser, signal?: AbortSignal): Promise<ReadStats> {
  const stats: ReadStats = { bytes: 0, textBytes: 0, lines: 0, gzip: false };
  let p: LogParser | undefined;
  let carry = '';
  // an overlong line: its first MAX_LINE characters, and its last character seen so far
  let cut: string | undefined;
  let cutLast = '';
  const feed = (line: string) => {
    stats.lines++;
    if (!p) {
      if (line === '') return;
      p = parserFor(line);
    }
    p.line(line, stats.lines);
  };
  try {
    for await (const chunk of decompressed(await source.open(signal), stats)) {
      signal?.throwIfAborted();
      stats.textBytes += chunk.length;
      const text = carry + chunk.toString('latin1');
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        if (cut === undefined) feed(text.slice(start, end));
        else {
          feed(cut + (end > start ? text[end - 1] : cutLast));
          cut = undefined;
        }
        start = nl + 1;
      }
      carry = text.slice(start);
      if (carry.length > MAX_LINE) {
        cut ??= carry.slice(0, MAX_LINE);
        cutLast = carry.endsWith('\r') ? cutLast : carry[carry.length - 1]!;
        carry = '';
      }
    }
  } catch (err) {
    throw new Error(`${source.name}: ${(err as Error).message}`, { cause: err });
  }
  const last = carry.endsWith('\r') ? carry.slice(0, -1) : carry;
  if (cut !== undefined) feed(cut + (last ? last[last.length - 1] : cutLast));
  else if (last) feed(last);
  p?.end();
  return stats;
}

/** The source's bytes, gunzipped when they start with the gzip magic bytes 1f 8b. */
async function* decompressed(raw: Readable, stats: ReadStats): AsyncGenerator<Buffer> {
  const it = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let head = Buffer.alloc(0);
  while (head.length < 2) {
    const next = await it.next();
    if (next.done) break;
    head = Buffer.concat([head, next.value]);
  }
  stats.bytes += head.length;
  const rest = Readable.from((async function* () {
    if (head.length) yield head;
    for (let next = await it.next(); !next.done; next = await it.next()) {
      stats.bytes += next.value.length;
      yield next.value;
    }
  })(), { objectMode: false });
  stats.gzip = head[0] === 0x1f && head[1] === 0x8b;
  if (!stats.gzip) {
    yield* rest;
    return;
  }
  const gunzip = createGunzip({ chunkSize: CHUNK });
  yield* pipeline(rest, gunzip, () => undefined);
}
