/**
 * `local`: a directory on this machine. Writes go to a hidden temp file in the target directory,
 * are fsynced, then renamed into place (atomic on POSIX); the directory is fsynced after the rename.
 * A failed or aborted write removes its temp file. A process killed outright (SIGKILL, power loss)
 * cannot; its temp file stays hidden from listings and the next write into that directory removes it
 * once it is older than an hour (a live writer keeps touching its file).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, opendir, readdir, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { NotFoundError, StorageError } from '../errors.js';
import { checkKey, isTempName, TEMP_MARKER } from './keys.js';
import { fsyncFile, syncDir } from '../util/fs.js';
import type { GetOptions, ObjectInfo, PutOptions, Storage, StorageKind } from './types.js';

export interface LocalStorageConfig {
  type: 'local';
  path: string;
}

export const localStorage: StorageKind<LocalStorageConfig> = {
  name: 'local',
  description: 'A directory on this machine.',
  schema: {
    properties: {
      path: { type: 'string', minLength: 1, description: 'Root directory (relative paths resolve against the job file\'s directory). Created if missing.' },
    },
    required: ['path'],
  },
  async create(name, config, ctx) {
    return new LocalStorage(name, resolve(ctx.baseDir, config.path));
  },
};

/** Computes sha256 and length of what passes through. */
export class HashMeter extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

export class LocalStorage implements Storage {
  readonly type = 'local';
  constructor(readonly name: string, readonly root: string) {}

  private path(op: string, key: string): string {
    return join(this.root, ...checkKey(this.name, op, key).split('/'));
  }

  private fail(op: string, key: string, err: unknown): never {
    if (err instanceof StorageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new StorageError(this.name, op, key, (err as Error).message, { cause: err, transient: code === 'EAGAIN' || code === 'EBUSY' });
  }

  async put(key: string, body: Readable, opts: PutOptions = {}): Promise<ObjectInfo> {
    const final = this.path('put', key);
    const dir = dirname(final);
    const temp = join(dir, `.${basename(final)}${TEMP_MARKER}${randomBytes(6).toString('hex')}`);
    const meter = new HashMeter();
    let created: string | undefined;
    try {
      created = await mkdir(dir, { recursive: true });
      await removeStaleTemps(dir);
      await pipeline(body, meter, createWriteStream(temp, { flags: 'wx', mode: 0o600, highWaterMark: 1 << 20 }), { signal: opts.signal });
      await fsyncFile(temp);
      await rename(temp, final);
      await syncDir(dir);
      const st = await stat(final);
      return { key, size: st.size, modified: st.mtime, checksum: { algo: 'sha256', value: meter.hash.digest('hex') } };
    } catch (err) {
      body.destroy();
      await rm(temp, { force: true });
      if (created) await removeEmptyDirs(dir, created);
      this.fail('put', key, err);
    }
  }

  async get(key: string, opts: GetOptions = {}): Promise<Readable> {
    const p = this.path('get', key);
    try {
      const st = await stat(p);
      if (!st.isFile()) throw new NotFoundError(this.name, key);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(this.name, key);
      this.fail('get', key, err);
    }
    return createReadStream(p, { start: opts.range?.start, end: opts.range?.end, signal: opts.signal, highWaterMark: 1 << 20 });
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    try {
      const st = await stat(this.path('stat', key));
      return st.isFile() ? { key, size: st.size, modified: st.mtime } : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      this.fail('stat', key, err);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // the prefix may end inside a name: walk from its directory and filter
    const dirPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const start = dirPart ? join(this.root, ...dirPart.split('/')) : this.root;
    for await (const file of walk(start)) {
      const key = relative(this.root, file).split(sep).join('/');
      if (!key.startsWith(prefix) || isTempName(basename(file))) continue;
      const st = await stat(file).catch(() => undefined);
      if (st?.isFile()) yield { key, size: st.size, modified: st.mtime };
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.path('delete', key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.fail('delete', key, err);
    }
  }

  async close(): Promise<void> {}
}

async function* walk(dir: string): AsyncGenerator<string> {
  let handle;
  try {
    handle = await opendir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
    throw err;
  }
  for await (const entry of handle) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.isFile()) yield full;
  }
}

/** Temp files not written to for this long belong to a writer that died. */
export const STALE_TEMP_MS = 60 * 60 * 1000;

async function removeStaleTemps(dir: string): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!isTempName(name)) continue;
    const st = await stat(join(dir, name)).catch(() => undefined);
    if (st?.isFile() && now - st.mtimeMs > STALE_TEMP_MS) await rm(join(dir, name), { force: true });
  }
}

/** Removes `dir` and its parents up to `top` (which this write created), as long as they are empty. */
async function removeEmptyDirs(dir: string, top: string): Promise<void> {
  for (let d = dir; d.startsWith(top); d = dirname(d)) {
    try {
      await rmdir(d);
    } catch {
      return; // not empty (another writer): leave it
    }
    if (d === top) return;
  }
}
