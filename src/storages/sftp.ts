/**
 * `sftp`: a directory on an SSH server. Uploads go to a hidden temp name beside the target, are
 * fsynced (fsync@openssh.com) and renamed over it (posix-rename@openssh.com: atomic replace). The
 * server's host key must be known (known_hosts or fingerprint). An upload interrupted by a dropped
 * connection resumes at the last acknowledged byte on a new connection and is then read back and
 * checked. The native checksum is the sha256 computed on our side while writing.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import type { Stats } from 'ssh2';
import { NotFoundError, StorageError, isTransient } from '../errors.js';
import { sshConnectConfig, sshLoginSchema, type SshLogin } from '../ssh/connect-config.js';
import type { Logger } from '../util/log.js';
import { checkKey, checkRange, isTempName, prefixDir, tempKeyFor } from './keys.js';
import { SftpReadStream } from './sftp-download.js';
import { SftpSession } from './sftp-session.js';
import { uploadResumable } from './sftp-upload.js';
import type { GetOptions, ObjectInfo, PutOptions, Storage, StorageFeatures, StorageKind } from './types.js';

export interface SftpStorageConfig extends SshLogin {
  type: 'sftp';
  /** Root directory on the server (absolute, or relative to the login directory). */
  path: string;
}

export const sftpStorage: StorageKind<SftpStorageConfig> = {
  name: 'sftp',
  description: 'A directory on an SSH/SFTP server (OpenSSH, rsync.net, Hetzner Storage Box, ...).',
  schema: {
    properties: {
      ...sshLoginSchema,
      path: { type: 'string', minLength: 1, description: 'Root directory on the server: absolute, or relative to the login directory. Created if missing.' },
    },
    required: ['host', 'user', 'path'],
  },
  check(config) {
    const issues: { path: string; message: string }[] = [];
    if (config.key && config.key_file) issues.push({ path: 'key', message: 'set key or key_file, not both' });
    if (config.passphrase && !config.key && !config.key_file) issues.push({ path: 'passphrase', message: 'passphrase needs key or key_file' });
    if (config.insecure_ignore_host_key && (config.known_hosts || config.host_key_fingerprint)) {
      issues.push({ path: 'insecure_ignore_host_key', message: 'insecure_ignore_host_key contradicts known_hosts/host_key_fingerprint' });
    }
    return issues;
  },
  async create(name, config, ctx) {
    const { default: Client } = await import('ssh2-sftp-client');
    let session: SftpSession;
    try {
      const { config: connect, hostKey } = sshConnectConfig(config, ctx.baseDir);
      session = new SftpSession(Client, connect, hostKey, ctx.log);
      await session.sftp(); // connect now: a bad host key or login fails here, naming the storage
      const root = posix.isAbsolute(config.path) ? posix.normalize(config.path) : posix.join(await session.realpath('.'), config.path);
      return new SftpStorage(name, session, root.replace(/\/+$/, '') || '/', ctx.log);
    } catch (err) {
      throw new StorageError(name, 'connect', '', `${config.user}@${config.host}:${config.port ?? 22}: ${(err as Error).message}`, { cause: err, transient: isTransient(err) });
    }
  },
};

function fileInfo(key: string, st: Stats): ObjectInfo {
  return { key, size: st.size, modified: new Date(st.mtime * 1000) };
}

export class SftpStorage implements Storage {
  readonly type = 'sftp';
  readonly features: StorageFeatures = { checksum: 'sha256' };

  constructor(readonly name: string, private readonly session: SftpSession, private readonly root: string, private readonly log: Logger) {}

  private path(op: string, key: string): string {
    return posix.join(this.root, checkKey(this.name, op, key));
  }

  private fail(op: string, key: string, err: unknown): never {
    if (err instanceof StorageError) throw err;
    const code = (err as { code?: unknown }).code;
    const transient = isTransient(err) || /no response from server|not connected|connection/i.test((err as Error).message ?? '');
    const detail = typeof code === 'number' ? ` (SFTP status ${code})` : '';
    throw new StorageError(this.name, op, key, `${(err as Error).message ?? String(err)}${detail}`, { cause: err, transient });
  }

  async put(key: string, body: Readable, opts: PutOptions = {}): Promise<ObjectInfo> {
    const final = this.path('put', key);
    const temp = posix.join(this.root, tempKeyFor(key, randomBytes(6).toString('hex')));
    let started = false;
    try {
      opts.signal?.throwIfAborted();
      await this.session.mkdirp(posix.dirname(final));
      started = true;
      const sent = await uploadResumable(this.session, temp, body, this.log, opts.signal, opts.sha256);
      opts.signal?.throwIfAborted();
      await this.session.replace(temp, final);
      const st = await this.session.stat(final);
      if (!st || st.size !== sent.bytes) throw new Error(`stored ${st?.size ?? 'no'} bytes, sent ${sent.bytes}`);
      return { ...fileInfo(key, st), checksum: { algo: 'sha256', value: sent.sha256 } };
    } catch (err) {
      body.destroy();
      if (started) await this.session.unlink(temp).catch((e: Error) => this.log.warn(`storage ${this.name}: could not remove temp file ${temp}: ${e.message}`));
      this.fail('put', key, opts.signal?.aborted ? opts.signal.reason ?? err : err);
    }
  }

  async get(key: string, opts: GetOptions = {}): Promise<Readable> {
    const p = this.path('get', key);
    checkRange(this.name, key, opts.range);
    let st: Stats | undefined;
    try {
      st = await this.session.stat(p);
    } catch (err) {
      this.fail('get', key, err);
    }
    if (!st?.isFile()) throw new NotFoundError(this.name, key);
    try {
      const sftp = await this.session.sftp();
      const handle = await new Promise<Buffer>((resolve, reject) => sftp.open(p, 'r', (err, h) => (err ? reject(err) : resolve(h))));
      const end = Math.min(st.size, (opts.range?.end ?? Infinity) + 1);
      const stream = new SftpReadStream(sftp, handle, Math.min(opts.range?.start ?? 0, end), end);
      opts.signal?.addEventListener('abort', () => stream.destroy(opts.signal?.reason), { once: true });
      return stream;
    } catch (err) {
      this.fail('get', key, err);
    }
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    const p = this.path('stat', key);
    try {
      const st = await this.session.stat(p);
      return st?.isFile() ? fileInfo(key, st) : undefined;
    } catch (err) {
      this.fail('stat', key, err);
    }
  }

  async *list(prefix: string, opts: { signal?: AbortSignal } = {}): AsyncIterable<ObjectInfo> {
    const dirPart = prefixDir(this.name, prefix);
    try {
      yield* this.walk(dirPart, prefix, opts.signal);
    } catch (err) {
      this.fail('list', prefix, err);
    }
  }

  private async *walk(dirKey: string, prefix: string, signal?: AbortSignal): AsyncGenerator<ObjectInfo> {
    const dir = dirKey ? posix.join(this.root, dirKey) : this.root;
    for await (const page of this.session.readdir(dir)) {
      signal?.throwIfAborted();
      const subdirs: string[] = [];
      for (const e of page) {
        if (e.filename === '.' || e.filename === '..') continue;
        const key = dirKey ? `${dirKey}/${e.filename}` : e.filename;
        if (e.attrs.isDirectory()) {
          if (prefix.startsWith(key + '/') || key.startsWith(prefix)) subdirs.push(key);
        } else if (e.attrs.isFile() && key.startsWith(prefix) && !isTempName(e.filename)) {
          yield fileInfo(key, e.attrs as Stats);
        }
      }
      for (const sub of subdirs) yield* this.walk(sub, prefix, signal);
    }
  }

  async delete(key: string): Promise<void> {
    const p = this.path('delete', key);
    try {
      await this.session.unlink(p);
      for (let d = posix.dirname(p); d.startsWith(this.root + '/'); d = posix.dirname(d)) {
        if (!(await this.session.rmdirIfEmpty(d))) break;
      }
    } catch (err) {
      this.fail('delete', key, err);
    }
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}
