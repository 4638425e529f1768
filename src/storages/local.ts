/**
 * `local`: a directory on this machine. Writes go to a hidden temp file in the target directory
 * (mode 0600), are fsynced, then renamed into place (atomic on POSIX); the directory is fsynced after
 * the rename. A failed or aborted write removes its temp file (and the directories it created). A
 * process killed outright (SIGKILL, power loss) cannot; its temp file stays hidden from listings and the
 * next write into that directory removes it once it is older than an hour (a live writer keeps touching
 * its file). Deleting the last file of a directory removes the emptied directories up to (not
 * including) the root. Symbolic links are not followed when listing.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, opendir, readdir, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { NotFoundError, StorageError } from '../errors.js';
import { fsyncFile, syncDir } from '../util/fs.js';
import { ChecksumMeter } from './checksum.js';
import { checkKey, checkRange, isTempName, prefixDir, TEMP_MARKER } from './keys.js';
import type { GetOptions, ObjectInfo, PutOptions, Storage, StorageFeatures, StorageKind } from './types.js';

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
    const root = resolve(ctx.baseDir, config.path);
    const st = await stat(root).catch(() => undefined);
    if (st && !st.isDirectory()) throw new StorageError(name, 'open', '', `${root} exists and is not a directory`);
    return new LocalStorage(name, root);
  },
};

/** Kept here for callers that imported it from this module. */
export { HashMeter } from './checksum.js';

const NOT_THERE = new Set(['ENOENT', 'ENOTDIR']);

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

export class LocalStorage implements Storage {
  readonly type = 'local';
  readonly features: StorageFeatures = { checksum: 'sha256' };
  constructor(readonly name: string, readonly root: string) {}

  private path(op: string, key: string): string {
    return join(this.root, ...checkKey(this.name, op, key).split('/'));
  }

  private fail(op: string, key: string, err: unknown): never {
    if (err instanceof StorageError) throw err;
    const code = errno(err);
    throw new StorageError(this.name, op, key, (err as Error).message, { cause: err, transient: code === 'EAGAIN' || code === 'EBUSY' });
  }

  async put(key: string, body: Readable, opts: PutOptions = {}): Promise<ObjectInfo> {
    const final = this.path('put', key);
    const dir = dirname(final);
    const temp = join(dir, `.${basename(final)}${TEMP_MARKER}${randomBytes(6).toString('hex')}`);
    // the caller's sha256, when it has one, spares hashing every byte twice
    const meter = opts.sha256 ? undefined : new ChecksumMeter(['sha256']);
    let created: string | undefined;
    try {
      opts.signal?.throwIfAborted();
      created = await mkdir(dir, { recursive: true });
      await removeStaleTemps(dir);
      const file = createWriteStream(temp, { flags: 'wx', mode: 0o600, highWaterMark: 1 << 20 });
      await (meter ? pipeline(body, meter, file, { signal: opts.signal }) : pipeline(body, file, { signal: opts.signal }));
      await fsyncFile(temp);
      opts.signal?.throwIfAborted();
      await rename(temp, final);
      await syncDir(dir);
      const st = await stat(final);
      const sha256 = meter ? meter.checksum('sha256').value : await opts.sha256!;
      return { key, size: st.size, modified: st.mtime, checksum: { algo: 'sha256', value: sha256 } };
    } catch (err) {
      body.destroy();
      await rm(temp, { force: true });
      if (created) await removeEmptyDirs(dir, created);
      this.fail('put', key, err);
    }
  }

  async get(key: string, opts: GetOptions = {}): Promise<Readable> {
    const p = this.path('get', key);
    checkRange(this.name, key, opts.range);
    try {
      const st = await stat(p);
      if (!st.isFile()) throw new NotFoundError(this.name, key);
    } catch (err) {
      if (NOT_THERE.has(errno(err) ?? '')) throw new NotFoundError(this.name, key);
      this.fail('get', key, err);
    }
    return createReadStream(p, { start: opts.range?.start, end: opts.range?.end, signal: opts.signal, highWaterMark: 1 << 20 });
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    try {
      const st = await stat(this.path('stat', key));
      return st.isFile() ? { key, size: st.size, modified: st.mtime } : undefined;
    } catch (err) {
      if (NOT_THERE.has(errno(err) ?? '')) return undefined;
      this.fail('stat', key, err);
    }
  }

  async *list(prefix: string, opts: { signal?: AbortSignal } = {}): AsyncIterable<ObjectInfo> {
    // the prefix may end inside a name: walk from its directory and filter
    const dirPart = prefixDir(this.name, prefix);
    const start = dirPart ? join(this.root, ...dirPart.split('/')) : this.root;
    try {
      for await (const file of walk(start)) {
        opts.signal?.throwIfAborted();
        const key = relative(this.root, file).split(sep).join('/');
        if (!key.startsWith(prefix) || isTempName(basename(file))) continue;
        const st = await stat(file).catch(() => undefined);
        if (st?.isFile()) yield { key, size: st.size, modified: st.mtime };
      }
    } catch (err) {
      this.fail('list', prefix, err);
    }
  }

  async delete(key: string): Promise<void> {
    const p = this.path('delete', key);
    try {
      await unlink(p);
    } catch (err) {
      if (NOT_THERE.has(errno(err) ?? '')) return;
      this.fail('delete', key, err);
    }
    await this.pruneEmptyDirs(dirname(p));
  }

  /** Removes `dir` and its parents while they are empty, stopping at the root. */
  private async pruneEmptyDirs(dir: string): Promise<void> {
    for (let d = dir; d.startsWith(this.root + sep); d = dirname(d)) {
      try {
        await rmdir(d);
      } catch {
        return; // not empty (or already gone, or in use): stop
      }
    }
  }

  async close(): Promise<void> {}
}

async function* walk(dir: string): AsyncGenerator<string> {
  let handle;
  try {
    handle = await opendir(dir, { bufferSize: 256 });
  } catch (err) {
    if (NOT_THERE.has(errno(err) ?? '')) return;
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
