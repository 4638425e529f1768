/**
 * `gdrive`: a folder in Google Drive (My Drive or a shared drive), through `@googleapis/drive`.
 * Keys map onto nested folders under `folder_id`. Uploads are resumable (gdrive-upload.ts); a file of
 * the same name is replaced (a new revision of the same file, so links and sharing survive), never
 * duplicated. The native checksum is Drive's `md5Checksum`, compared with the MD5 of what was sent.
 */
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { NotFoundError, StorageError, VerifyError, isTransient } from '../errors.js';
import { expandPath } from '../ssh/host-key.js';
import type { Logger } from '../util/log.js';
import { driveAuth, type GdriveStorageConfig } from './gdrive-auth.js';
import { resumableUpload, type DriveFile, type DriveHttp } from './gdrive-upload.js';
import { checkKey, checkRange, prefixDir, rangeHeader, splitKey } from './keys.js';
import type { GetOptions, ObjectInfo, PutOptions, Storage, StorageFeatures, StorageKind } from './types.js';

export type { GdriveStorageConfig } from './gdrive-auth.js';

type Drive = import('@googleapis/drive').drive_v3.Drive;

const FOLDER = 'application/vnd.google-apps.folder';
const FIELDS = 'id,name,mimeType,size,md5Checksum,modifiedTime';
const MiB = 1024 * 1024;

export const gdriveStorage: StorageKind<GdriveStorageConfig> = {
  name: 'gdrive',
  description: 'A folder in Google Drive (My Drive or a shared drive).',
  schema: {
    properties: {
      folder_id: { type: 'string', minLength: 1, description: 'ID of the folder that is the root of this storage (from its URL). Default: the shared drive\'s root, or My Drive.' },
      service_account: {
        type: 'object', description: 'Service account key (the JSON key file\'s content), e.g. from `${GDRIVE_SA_JSON}`.',
        properties: { client_email: { type: 'string' }, private_key: { type: 'string' } }, required: ['client_email', 'private_key'],
      },
      service_account_file: { type: 'string', description: 'Service account JSON key file.' },
      subject: { type: 'string', description: 'With a service account: the user to act as (domain-wide delegation).' },
      client_id: { type: 'string', description: 'OAuth client ID (with client_secret and refresh_token).' },
      client_secret: { type: 'string', description: 'OAuth client secret.' },
      refresh_token: { type: 'string', description: 'OAuth refresh token of the user whose Drive is used.' },
      shared_drive_id: { type: 'string', description: 'ID of the shared drive holding `folder_id`.' },
      api_url: { type: 'string', pattern: '^https?://', description: 'Root URL of the Drive API (default `https://www.googleapis.com/`), for proxies and private endpoints.' },
      token_url: { type: 'string', pattern: '^https?://', description: 'OAuth token endpoint (default `https://oauth2.googleapis.com/token`).' },
      chunk_size: { type: 'integer', minimum: 1, maximum: 256, default: 8, description: 'Resumable upload chunk in MiB (memory used per upload).' },
    },
  },
  check(config) {
    const ways = [config.service_account, config.service_account_file, config.refresh_token].filter((x) => x !== undefined).length;
    const issues: { path: string; message: string }[] = [];
    if (ways !== 1) issues.push({ path: '', message: 'set exactly one of service_account, service_account_file, or refresh_token (+ client_id, client_secret)' });
    if (config.refresh_token && (!config.client_id || !config.client_secret)) issues.push({ path: 'refresh_token', message: 'refresh_token needs client_id and client_secret' });
    if (config.subject && config.refresh_token) issues.push({ path: 'subject', message: 'subject (domain-wide delegation) needs a service account' });
    return issues;
  },
  async create(name, config, ctx) {
    const sdk = await import('@googleapis/drive');
    const key = config.service_account_file ? JSON.parse(await readFile(expandPath(config.service_account_file, ctx.baseDir), 'utf8')) : config.service_account;
    const auth = driveAuth(sdk.auth, { ...config, service_account: key });
    const rootUrl = (config.api_url ?? 'https://www.googleapis.com/').replace(/\/*$/, '/');
    const drive = sdk.drive({ version: 'v3', auth, rootUrl });
    const http: DriveHttp = async (req) => {
      const r = await auth.request<string>({ ...req, responseType: 'text', validateStatus: () => true, retry: false });
      return { status: r.status, text: typeof r.data === 'string' ? r.data : JSON.stringify(r.data ?? ''), header: (h) => r.headers.get(h) };
    };
    return new GdriveStorage(name, config, drive, http, rootUrl, ctx.log);
  },
};

/** A Drive query string literal. */
function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export class GdriveStorage implements Storage {
  readonly type = 'gdrive';
  readonly features: StorageFeatures = { checksum: 'md5', listChecksums: true };
  private readonly rootId: string;
  /** Folder key (`a/b`, `''` for the root) → folder ID. */
  private readonly folders = new Map<string, Promise<string>>();

  constructor(readonly name: string, private readonly config: GdriveStorageConfig, private readonly drive: Drive, private readonly http: DriveHttp, private readonly rootUrl: string, private readonly log: Logger) {
    this.rootId = config.folder_id ?? config.shared_drive_id ?? 'root';
    this.folders.set('', Promise.resolve(this.rootId));
  }

  private fail(op: string, key: string, err: unknown): never {
    if (err instanceof StorageError) throw err;
    const status = (err as { status?: number }).status;
    const message = (err as Error).message ?? String(err);
    throw new StorageError(this.name, op, key, status && !message.includes(String(status)) ? `HTTP ${status}: ${message}` : message, { cause: err, transient: isTransient(err) });
  }

  private get scope() {
    return { supportsAllDrives: true, includeItemsFromAllDrives: true, ...(this.config.shared_drive_id ? { corpora: 'drive', driveId: this.config.shared_drive_id } : {}) };
  }

  /** One page after another of the children of `parent` matching `extra` (a query fragment). */
  private async *children(parent: string, extra = ''): AsyncGenerator<DriveFile> {
    let pageToken: string | undefined;
    do {
      const r = await this.drive.files.list(
        { ...this.scope, q: `${quote(parent)} in parents and trashed = false${extra}`, pageSize: 1000, pageToken, fields: `nextPageToken,files(${FIELDS})` },
        { rootUrl: this.rootUrl },
      );
      for (const f of r.data.files ?? []) yield f as DriveFile;
      pageToken = r.data.nextPageToken ?? undefined;
    } while (pageToken);
  }

  private async first(parent: string, name: string, folder: boolean): Promise<DriveFile[]> {
    const out: DriveFile[] = [];
    for await (const f of this.children(parent, ` and name = ${quote(name)} and mimeType ${folder ? '=' : '!='} ${quote(FOLDER)}`)) out.push(f);
    return out;
  }

  /** The folder ID for `dir`, creating missing folders when `create`; undefined when missing. */
  private async folder(dir: string, create: boolean): Promise<string | undefined> {
    const cached = this.folders.get(dir);
    if (cached) return cached;
    const [parentKey, name] = splitKey(dir);
    const parent = await this.folder(parentKey, create);
    if (!parent) return undefined;
    const found = this.folders.get(dir) ?? this.first(parent, name, true).then(async (list) => {
      if (list[0]) return list[0].id;
      if (!create) throw Object.assign(new Error('missing'), { missing: true });
      const r = await this.drive.files.create({ supportsAllDrives: true, requestBody: { name, mimeType: FOLDER, parents: [parent] }, fields: 'id' }, { rootUrl: this.rootUrl });
      return r.data.id!;
    });
    this.folders.set(dir, found);
    try {
      return await found;
    } catch (err) {
      this.folders.delete(dir);
      if ((err as { missing?: boolean }).missing) return undefined;
      throw err;
    }
  }

  private async files(key: string, op: string): Promise<DriveFile[]> {
    const [dir, name] = splitKey(checkKey(this.name, op, key));
    const parent = await this.folder(dir, false);
    return parent ? this.first(parent, name, false) : [];
  }

  private info(key: string, f: DriveFile): ObjectInfo {
    return { key, size: Number(f.size ?? 0), modified: new Date(f.modifiedTime ?? 0), ...(f.md5Checksum ? { checksum: { algo: 'md5' as const, value: f.md5Checksum } } : {}) };
  }

  async put(key: string, body: Readable, opts: PutOptions = {}): Promise<ObjectInfo> {
    const [dir, name] = splitKey(checkKey(this.name, 'put', key));
    try {
      opts.signal?.throwIfAborted();
      const parent = (await this.folder(dir, true))!;
      const existing = await this.first(parent, name, false);
      const target = existing[0];
      const params = `uploadType=resumable&supportsAllDrives=true&fields=${encodeURIComponent(FIELDS)}`;
      const sent = await resumableUpload({
        http: this.http, log: this.log, body, signal: opts.signal, retries: 5, chunkSize: (this.config.chunk_size ?? 8) * MiB,
        url: target ? `${this.rootUrl}upload/drive/v3/files/${encodeURIComponent(target.id)}?${params}` : `${this.rootUrl}upload/drive/v3/files?${params}`,
        method: target ? 'PATCH' : 'POST',
        metadata: target ? {} : { name, parents: [parent] },
      });
      if (Number(sent.file.size ?? -1) !== sent.bytes || (sent.file.md5Checksum && sent.file.md5Checksum !== sent.md5)) {
        await this.drive.files.delete({ fileId: sent.file.id, supportsAllDrives: true }, { rootUrl: this.rootUrl }).catch(() => undefined);
        throw new VerifyError(`storage ${this.name}: put ${JSON.stringify(key)}: Drive holds ${sent.file.size} bytes with MD5 ${sent.file.md5Checksum}, ${sent.bytes} bytes with MD5 ${sent.md5} were sent`);
      }
      for (const dup of existing.slice(1)) await this.drive.files.delete({ fileId: dup.id, supportsAllDrives: true }, { rootUrl: this.rootUrl });
      return this.info(key, sent.file);
    } catch (err) {
      body.destroy();
      this.fail('put', key, opts.signal?.aborted ? opts.signal.reason ?? err : err);
    }
  }

  async get(key: string, opts: GetOptions = {}): Promise<Readable> {
    checkRange(this.name, key, opts.range);
    try {
      const [file] = await this.files(key, 'get');
      if (!file) throw new NotFoundError(this.name, key);
      const r = await this.drive.files.get(
        { fileId: file.id, alt: 'media', supportsAllDrives: true },
        { rootUrl: this.rootUrl, responseType: 'stream', signal: opts.signal, ...(opts.range ? { headers: { Range: rangeHeader(opts.range) } } : {}) },
      );
      return r.data as unknown as Readable;
    } catch (err) {
      this.fail('get', key, err);
    }
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    try {
      const [file] = await this.files(key, 'stat');
      return file ? this.info(key, file) : undefined;
    } catch (err) {
      this.fail('stat', key, err);
    }
  }

  async *list(prefix: string, opts: { signal?: AbortSignal } = {}): AsyncIterable<ObjectInfo> {
    try {
      const dir = prefixDir(this.name, prefix);
      const id = await this.folder(dir, false);
      if (id) yield* this.walk(id, dir, prefix, opts.signal);
    } catch (err) {
      this.fail('list', prefix, err);
    }
  }

  private async *walk(id: string, dir: string, prefix: string, signal?: AbortSignal): AsyncGenerator<ObjectInfo> {
    const subfolders: [string, string][] = [];
    for await (const f of this.children(id)) {
      signal?.throwIfAborted();
      const key = dir ? `${dir}/${f.name}` : f.name;
      if (f.mimeType === FOLDER) {
        if (prefix.startsWith(key + '/') || key.startsWith(prefix)) subfolders.push([f.id, key]);
      } else if (key.startsWith(prefix) && !f.mimeType?.startsWith('application/vnd.google-apps.')) {
        yield this.info(key, f);
      }
    }
    for (const [sub, key] of subfolders) yield* this.walk(sub, key, prefix, signal);
  }

  async delete(key: string): Promise<void> {
    try {
      for (const f of await this.files(key, 'delete')) {
        await this.drive.files.delete({ fileId: f.id, supportsAllDrives: true }, { rootUrl: this.rootUrl }).catch((err: { status?: number }) => {
          if (err.status !== 404) throw err;
        });
      }
    } catch (err) {
      this.fail('delete', key, err);
    }
  }

  async close(): Promise<void> {}
}
