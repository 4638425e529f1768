/**
 * `dropbox`: a folder in Dropbox, through the `dropbox` SDK (refresh-token auth; the SDK refreshes
 * the short-lived access token itself). Uploads: dropbox-upload.ts. Downloads stream straight from
 * the content endpoint (the SDK's `filesDownload` would hold the whole file in memory). The native
 * checksum is Dropbox's `content_hash`, compared with the one computed while sending. Paths are
 * case-insensitive in Dropbox, as everywhere there.
 */
import type { Readable } from 'node:stream';
import { NotFoundError, StorageError, VerifyError, isTransient } from '../errors.js';
import type { Logger } from '../util/log.js';
import { dropboxSummary, dropboxTransient, dropboxUpload } from './dropbox-upload.js';
import { checkKey, checkRange, prefixDir, rangeHeader } from './keys.js';
import type { GetOptions, ObjectInfo, PutOptions, Storage, StorageFeatures, StorageKind } from './types.js';

type DropboxSdk = typeof import('dropbox');
type Dropbox = import('dropbox').Dropbox;
type DropboxAuth = import('dropbox').DropboxAuth;
type Fetch = (url: string, init?: Record<string, unknown>) => Promise<{ ok: boolean; status: number; body: NodeJS.ReadableStream; text(): Promise<string> }>;

export interface DropboxStorageConfig {
  type: 'dropbox';
  path: string;
  refresh_token: string;
  client_id: string;
  client_secret?: string;
  api_url?: string;
  /** MiB. */
  chunk_size?: number;
}

const MiB = 1024 * 1024;
const CONTENT = 'https://content.dropboxapi.com/';

export const dropboxStorage: StorageKind<DropboxStorageConfig> = {
  name: 'dropbox',
  description: 'A folder in Dropbox (refresh-token auth of a Dropbox app).',
  schema: {
    properties: {
      path: { type: 'string', pattern: '^(/.*)?$', description: 'Root folder, e.g. `/backups` (`` or `/` = the app\'s root).' },
      refresh_token: { type: 'string', minLength: 1, description: 'Refresh token of the Dropbox app (offline access), e.g. `${DROPBOX_REFRESH_TOKEN}`.' },
      client_id: { type: 'string', minLength: 1, description: 'App key.' },
      client_secret: { type: 'string', description: 'App secret (omit for PKCE apps).' },
      api_url: { type: 'string', pattern: '^https?://', description: 'Send API and content requests here instead of api/content.dropboxapi.com (proxies).' },
      chunk_size: { type: 'integer', minimum: 1, maximum: 148, default: 8, description: 'Upload session chunk in MiB (memory used per upload).' },
    },
    required: ['path', 'refresh_token', 'client_id'],
  },
  async create(name, config, ctx) {
    const [sdk, nodeFetch] = await Promise.all([import('dropbox') as Promise<DropboxSdk>, import('node-fetch')]);
    const fetch = dropboxFetch(nodeFetch.default as unknown as Fetch, config.api_url);
    const dbx = new sdk.Dropbox({ clientId: config.client_id, clientSecret: config.client_secret, refreshToken: config.refresh_token, fetch });
    return new DropboxStorage(name, config, dbx, fetch, ctx.log);
  },
};

/** node-fetch v2 (what the SDK needs), sending every Dropbox host to `apiUrl` when set. */
export function dropboxFetch(fetch: Fetch, apiUrl?: string): Fetch {
  if (!apiUrl) return fetch;
  const base = apiUrl.replace(/\/*$/, '/');
  return (url, init) => fetch(String(url).replace(/^https:\/\/(api|content|notify)\.dropboxapi\.com\//, base), init);
}

/** JSON for the Dropbox-API-Arg header (non-ASCII escaped, as the API requires). */
function headerJson(v: unknown): string {
  return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function notFound(err: unknown): boolean {
  return (err as { status?: number }).status === 409 && /not_found/.test(dropboxSummary(err));
}

export class DropboxStorage implements Storage {
  readonly type = 'dropbox';
  readonly features: StorageFeatures = { checksum: 'dropbox-content-hash', listChecksums: true };
  private readonly root: string;

  constructor(readonly name: string, private readonly config: DropboxStorageConfig, private readonly dbx: Dropbox, private readonly fetch: Fetch, private readonly log: Logger) {
    this.root = config.path.replace(/\/+$/, '');
  }

  private path(op: string, key: string): string {
    return `${this.root}/${checkKey(this.name, op, key)}`;
  }

  private fail(op: string, key: string, err: unknown): never {
    if (err instanceof StorageError) throw err;
    throw new StorageError(this.name, op, key, dropboxSummary(err), { cause: err, transient: dropboxTransient(err) || isTransient(err) });
  }

  private info(key: string, f: { size: number; server_modified: string; content_hash?: string }): ObjectInfo {
    return { key, size: f.size, modified: new Date(f.server_modified), ...(f.content_hash ? { checksum: { algo: 'dropbox-content-hash' as const, value: f.content_hash } } : {}) };
  }

  async put(key: string, body: Readable, opts: PutOptions = {}): Promise<ObjectInfo> {
    const path = this.path('put', key);
    try {
      opts.signal?.throwIfAborted();
      const sent = await dropboxUpload({ dbx: this.dbx, path, body, chunkSize: (this.config.chunk_size ?? 8) * MiB, retries: 5, signal: opts.signal, log: this.log });
      if (sent.file.size !== sent.bytes || sent.file.content_hash !== sent.contentHash) {
        await this.dbx.filesDeleteV2({ path }).catch(() => undefined);
        throw new VerifyError(`storage ${this.name}: put ${JSON.stringify(key)}: Dropbox holds ${sent.file.size} bytes with content_hash ${sent.file.content_hash}, sent ${sent.bytes} bytes with ${sent.contentHash}`);
      }
      return this.info(key, sent.file);
    } catch (err) {
      body.destroy();
      this.fail('put', key, opts.signal?.aborted ? opts.signal.reason ?? err : err);
    }
  }

  async get(key: string, opts: GetOptions = {}): Promise<Readable> {
    const path = this.path('get', key);
    checkRange(this.name, key, opts.range);
    try {
      const auth = (this.dbx as unknown as { auth: DropboxAuth }).auth;
      await auth.checkAndRefreshAccessToken();
      const res = await this.fetch(`${CONTENT}2/files/download`, {
        method: 'POST',
        signal: opts.signal,
        headers: { Authorization: `Bearer ${auth.getAccessToken()}`, 'Dropbox-API-Arg': headerJson({ path }), ...(opts.range ? { Range: rangeHeader(opts.range) } : {}) },
      });
      if (res.ok) return res.body as unknown as Readable;
      const text = await res.text();
      const err = Object.assign(new Error(`HTTP ${res.status}`), { status: res.status, error: safeJson(text) });
      if (notFound(err)) throw new NotFoundError(this.name, key);
      throw err;
    } catch (err) {
      this.fail('get', key, err);
    }
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    const path = this.path('stat', key);
    try {
      const { result } = await this.dbx.filesGetMetadata({ path });
      return result['.tag'] === 'file' ? this.info(key, result) : undefined;
    } catch (err) {
      if (notFound(err)) return undefined;
      this.fail('stat', key, err);
    }
  }

  async *list(prefix: string, opts: { signal?: AbortSignal } = {}): AsyncIterable<ObjectInfo> {
    const dir = prefixDir(this.name, prefix);
    let page;
    try {
      page = (await this.dbx.filesListFolder({ path: dir ? `${this.root}/${dir}` : this.root, recursive: true, limit: 1000 })).result;
    } catch (err) {
      if (notFound(err)) return;
      this.fail('list', prefix, err);
    }
    const strip = this.root.length + 1;
    for (;;) {
      for (const e of page.entries) {
        if (e['.tag'] !== 'file') continue;
        const key = (e.path_display ?? e.name).slice(strip);
        if (key.startsWith(prefix)) yield this.info(key, e);
      }
      if (!page.has_more) return;
      opts.signal?.throwIfAborted();
      try {
        page = (await this.dbx.filesListFolderContinue({ cursor: page.cursor })).result;
      } catch (err) {
        this.fail('list', prefix, err);
      }
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.path('delete', key);
    // delete_v2 would remove a whole folder: only files are objects here
    if (!(await this.stat(key))) return;
    try {
      await this.dbx.filesDeleteV2({ path });
    } catch (err) {
      if (!notFound(err)) this.fail('delete', key, err);
    }
  }

  async close(): Promise<void> {}
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
