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
  const lines = new LineSplitter((line) => {
    stats.lines++;
    if (!p) {
      if (line === '') return;
      p = parserFor(line);
    }
    p.line(line, stats.lines);
  });
  try {
    for await (const chunk of decompressed(await source.open(signal), stats)) {
      signal?.throwIfAborted();
      stats.textBytes += chunk.length;
      lines.push(chunk.toString('latin1'));
    }
  } catch (err) {
    throw new Error(`${source.name}: ${(err as Error).message}`, { cause: err });
  }
  lines.end();
  p?.end();
  return stats;
}

/**
 * Splits text chunks into lines without their `\n` or `\r\n`. A line split across chunks is kept as
 * pieces (joined once, when it ends); beyond MAX_LINE characters only its last character is kept.
 */
export class LineSplitter {
  private parts: string[] = [];
  private length = 0;
  private cut = false;
  /** The last two characters of the pending line. */
  private tail = '';

  constructor(private readonly emit: (line: string) => void) {}

  push(text: string): void {
    let start = 0;
    let nl = text.indexOf('\n');
    if (nl >= 0 && (this.length || this.cut)) {
      this.add(text.slice(0, nl));
      this.flush();
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    for (; nl >= 0; nl = text.indexOf('\n', start)) {
      this.emit(text.slice(start, nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl));
      start = nl + 1;
    }
    if (start < text.length) this.add(start === 0 ? text : text.slice(start));
  }

  /** The last line, when the text does not end with a line break. */
  end(): void {
    if (this.length || this.cut) this.flush();
  }

  private add(piece: string): void {
    if (!piece) return;
    this.tail = (this.tail + piece.slice(-2)).slice(-2);
    const room = MAX_LINE - this.length;
    if (piece.length <= room) {
      this.parts.push(piece);
      this.length += piece.length;
      return;
    }
    if (room > 0) this.parts.push(piece.slice(0, room));
    this.length = MAX_LINE;
    this.cut = true;
  }

  private flush(): void {
    let line = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    const cr = this.tail.endsWith('\r');
    if (this.cut) line += cr ? this.tail[0] ?? '' : this.tail[1] ?? this.tail[0]!;
    else if (cr) line = line.slice(0, -1);
    this.parts = [];
    this.length = 0;
    this.cut = false;
    this.tail = '';
    this.emit(line);
  }
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
