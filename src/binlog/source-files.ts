/**
 * `mode: files`: binlogs in a local directory (the server's datadir or a copy). The series is read
 * from its `.index` file when there is one (the server's own list, in log order), else from the file
 * names. The last file of the series is the active one: the server writes only to it, and opens the
 * next file only after closing (and writing the rotate event into) the previous one.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { OnedumpError } from '../errors.js';
import { HEADER_LEN, LOG_EVENT_BINLOG_IN_USE_F } from './events.js';
import { parseBinlogName } from './names.js';
import { BinlogScanner } from './scanner.js';
import type { BinlogSource, SourceFile, SourceRead } from './source.js';

export class DirectorySource implements BinlogSource {
  readonly description: string;
  private readonly dir: string;

  /** `base`: the series' basename (e.g. `mysql-bin`); needed only when the directory holds several. */
  constructor(dir: string, private readonly base?: string) {
    this.dir = resolve(dir);
    this.description = `dir ${this.dir}`;
  }

  async list(): Promise<SourceFile[]> {
    const entries = await readdir(this.dir).catch((err: NodeJS.ErrnoException) => {
      throw new OnedumpError(`binlog directory ${this.dir}: ${err.code === 'ENOENT' ? 'does not exist' : err.message}`, { cause: err });
    });
    const base = this.base ?? this.guessBase(entries);
    const names = entries.includes(`${base}.index`) ? await this.fromIndex(base) : this.fromNames(entries, base);
    const files: SourceFile[] = [];
    for (const name of names) {
      const st = await stat(join(this.dir, name)).catch(() => undefined);
      if (st?.isFile()) files.push({ name, size: st.size, active: false });
    }
    if (files.length) files[files.length - 1]!.active = true;
    if (files.length > 1) await this.settle(files[files.length - 2]!);
    return files;
  }

  /**
   * The server lists the next file before it clears the "in use" flag of the one it just closed:
   * give it a moment, so the archived copy is the final file byte for byte. A flag that stays set
   * means the server crashed while writing the file; it is archived as it is.
   */
  private async settle(file: SourceFile): Promise<void> {
    const fh = await open(join(this.dir, file.name), 'r').catch(() => undefined);
    if (!fh) return;
    try {
      const header = Buffer.alloc(HEADER_LEN);
      for (let waited = 0; waited < 2000; waited += 25) {
        const { bytesRead } = await fh.read(header, 0, HEADER_LEN, 4);
        if (bytesRead < HEADER_LEN || (header.readUInt16LE(17) & LOG_EVENT_BINLOG_IN_USE_F) === 0) return;
        await new Promise((r) => setTimeout(r, 25));
      }
    } finally {
      await fh.close();
    }
  }

  private guessBase(entries: string[]): string {
    const indexes = entries.filter((e) => e.endsWith('.index') && !e.startsWith('.')).map((e) => e.slice(0, -6));
    const bases = indexes.length ? indexes : [...new Set(entries.map((e) => parseBinlogName(e)?.base).filter((b): b is string => !!b))];
    // relay logs live in the same directory on replicas; they are not this server's binlogs
    const own = bases.filter((b) => !/relay-bin$/.test(b));
    if (own.length === 1) return own[0]!;
    if (!own.length) throw new OnedumpError(`binlog directory ${this.dir}: no binlog files (name.NNNNNN) or .index file found`);
    throw new OnedumpError(`binlog directory ${this.dir}: several binlog series (${own.join(', ')}); set basename`);
  }

  private async fromIndex(base: string): Promise<string[]> {
    const text = await readFile(join(this.dir, `${base}.index`), 'utf8');
    return text.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => basename(l)).filter((n) => parseBinlogName(n)?.base === base);
  }

  private fromNames(entries: string[], base: string): string[] {
    return entries
      .map((e) => parseBinlogName(e))
      .filter((n) => n?.base === base)
      .sort((a, b) => a!.seq - b!.seq)
      .map((n) => n!.name);
  }

  async read(file: SourceFile, opts: { signal?: AbortSignal; length?: number }): Promise<SourceRead> {
    const length = opts.length ?? file.size;
    const stream = length === 0
      ? Readable.from([])
      : createReadStream(join(this.dir, file.name), { start: 0, end: length - 1, signal: opts.signal, highWaterMark: 1 << 20 });
    const done = new Promise<void>((res, rej) => {
      stream.once('end', res).once('close', res).once('error', rej);
    });
    done.catch(() => undefined);
    return { stream, done };
  }

  /** Scans the active file as it is now and returns the end of its last complete event. */
  async completeLength(file: SourceFile, signal?: AbortSignal): Promise<number> {
    const scanner = new BinlogScanner(file.name);
    const size = (await stat(join(this.dir, file.name))).size;
    if (size === 0) return 0;
    for await (const chunk of createReadStream(join(this.dir, file.name), { start: 0, end: size - 1, signal, highWaterMark: 1 << 20 })) {
      scanner.push(chunk as Buffer);
    }
    return scanner.summary.lastBoundary;
  }

  async close(): Promise<void> {}
}
