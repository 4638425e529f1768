/**
 * `--from-dir DIR`: binlogs already on disk (copied from the server, or its datadir). Files are used in
 * place; listing reads each file's first bytes (creation time, GTID state), fetching scans it whole.
 * The newest file may still be being written (or come from a crashed server): bytes after its last
 * complete event are ignored, never replayed.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { VerifyError } from '../errors.js';
import { HEAD_BYTES } from './archive-index.js';
import type { BinlogCatalog, CatalogFile, FetchedFile } from './catalog.js';
import { parseBinlogName } from './names.js';
import { BinlogScanner } from './scanner.js';
import { DirectorySource } from './source-files.js';

export class DirectoryCatalog implements BinlogCatalog {
  readonly description: string;
  private readonly dir: string;
  private files?: CatalogFile[];
  private readonly fetched = new Map<string, FetchedFile>();

  constructor(dir: string, private readonly base?: string) {
    this.dir = resolve(dir);
    this.description = `dir ${this.dir}`;
  }

  async list(): Promise<CatalogFile[]> {
    if (this.files) return this.files;
    const listed = await new DirectorySource(this.dir, this.base).list();
    this.files = [];
    for (const f of listed) {
      const head = await readHeadSummary(join(this.dir, f.name), f.name);
      this.files.push({
        name: f.name, seq: parseBinlogName(f.name)!.seq, closed: head.end !== 'open' || !f.active,
        ...(head.created ? { created: head.created } : {}), ...(head.gtidStart !== undefined ? { gtidStart: head.gtidStart } : {}),
      });
    }
    return this.files;
  }

  async fetch(name: string, signal?: AbortSignal): Promise<FetchedFile> {
    const cached = this.fetched.get(name);
    if (cached) return cached;
    const entry = (await this.list()).find((f) => f.name === name);
    if (!entry) throw new VerifyError(`binlog ${name} is not in ${this.description}`);
    const path = join(this.dir, name);
    const scanner = new BinlogScanner(name);
    for await (const chunk of createReadStream(path, { signal, highWaterMark: 1 << 20 })) scanner.push(chunk as Buffer);
    const last = (await this.list()).at(-1)?.name === name;
    const summary = scanner.finish({ allowTail: last });
    const file = { name, path, summary, closed: summary.end !== 'open' };
    this.fetched.set(name, file);
    return file;
  }

  async close(): Promise<void> {}
}

/** What the first 64 KiB of a file tell: creation time, GTID state at its start. */
async function readHeadSummary(path: string, name: string) {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    const scanner = new BinlogScanner(name);
    scanner.push(buf.subarray(0, bytesRead));
    return scanner.summary;
  } finally {
    await fh.close();
  }
}
