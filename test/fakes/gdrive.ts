/**
 * A loopback fake of the Google Drive v3 API and Google's OAuth token endpoint: the endpoints the
 * gdrive storage uses, driven by the real `@googleapis/drive` SDK. Contents live on disk (uploads
 * stream to files, nothing large in memory). It is strict where Drive is: bearer tokens, signed JWTs
 * (RS256, checked against the service account's key), 256 KiB chunk multiples, `supportsAllDrives` for
 * shared-drive items, at most 1,000 results per page. Faults can be injected (see http.ts).
 */
import { createHash, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { tempDir } from '../harness/util.js';
import { parseDriveQuery } from './gdrive-query.js';
import { Faults, json, listen, smallBody, stopServer } from './http.js';

const FOLDER = 'application/vnd.google-apps.folder';
const QUANTUM = 256 * 1024;

export interface FakeFile {
  id: string;
  name: string;
  mimeType: string;
  parents: string[];
  driveId?: string;
  size: number;
  md5Checksum?: string;
  modifiedTime: string;
  /** Content updates (1 = created). */
  revisions: number;
}

interface Session {
  id: string;
  create?: { name: string; parents: string[] };
  update?: string;
  path: string;
  received: number;
}

export interface FakeDrive {
  url: string;
  tokenUrl: string;
  serviceAccount: { client_email: string; private_key: string };
  oauth: { client_id: string; client_secret: string; refresh_token: string };
  faults: Faults;
  /** Claims of every JWT presented to the token endpoint. */
  jwtClaims: Record<string, unknown>[];
  files(): FakeFile[];
  createFolder(name: string, parent?: string): string;
  createSharedDrive(): string;
  /** Upload sessions neither completed nor cancelled. */
  openSessions(): string[];
  stop(): Promise<void>;
}

export async function startFakeDrive(): Promise<FakeDrive> {
  const dir = tempDir('onedump-fakedrive-');
  const files = new Map<string, FakeFile>();
  const drives = new Set<string>();
  const sessions = new Map<string, Session>();
  const tokens = new Set<string>();
  const faults = new Faults();
  const jwtClaims: Record<string, unknown>[] = [];
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const serviceAccount = { client_email: 'backup@onedump-test.iam.gserviceaccount.com', private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
  const oauth = { client_id: 'fake-client.apps.googleusercontent.com', client_secret: 'fake-client-secret', refresh_token: 'fake-refresh-token' };
  const newId = () => randomBytes(12).toString('base64url');
  const contentPath = (id: string) => join(dir.path, `${id}.bin`);
  let url = '';

  function issue(res: ServerResponse): void {
    const token = `ya29.${randomBytes(16).toString('hex')}`;
    tokens.add(token);
    json(res, 200, { access_token: token, expires_in: 3600, token_type: 'Bearer' });
  }

  function verifyJwt(assertion: string): Record<string, unknown> | undefined {
    const [h, p, sig] = assertion.split('.');
    if (!h || !p || !sig) return undefined;
    const ok = createVerify('RSA-SHA256').update(`${h}.${p}`).verify(publicKey, Buffer.from(sig, 'base64url'));
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    return ok && claims.iss === serviceAccount.client_email && String(claims.scope).includes('auth/drive') ? claims : undefined;
  }

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await smallBody(req));
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [id, secret] = basic ? Buffer.from(basic, 'base64').toString().split(':') : [form.get('client_id'), form.get('client_secret')];
    if (form.get('grant_type') === 'refresh_token') {
      if (id === oauth.client_id && secret === oauth.client_secret && form.get('refresh_token') === oauth.refresh_token) return issue(res);
      return json(res, 400, { error: 'invalid_grant' });
    }
    if (form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      const claims = verifyJwt(form.get('assertion') ?? '');
      if (!claims) return json(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
      jwtClaims.push(claims);
      return issue(res);
    }
    json(res, 400, { error: 'unsupported_grant_type' });
  }

  function visible(f: FakeFile, q: URLSearchParams): boolean {
    return !f.driveId || q.get('supportsAllDrives') === 'true';
  }

  function notFound(res: ServerResponse, id: string): void {
    json(res, 404, { error: { code: 404, message: `File not found: ${id}.`, errors: [{ reason: 'notFound' }] } });
  }

  function list(res: ServerResponse, q: URLSearchParams): void {
    const query = parseDriveQuery(q.get('q') ?? '');
    const size = Math.min(Number(q.get('pageSize') ?? 100), 1000);
    const start = Number(q.get('pageToken') ?? 0);
    const all = [...files.values()]
      .filter((f) => !query.parent || f.parents.includes(query.parent))
      .filter((f) => query.name === undefined || f.name === query.name)
      .filter((f) => !query.mimeType || (query.mimeType.op === '=') === (f.mimeType === query.mimeType.value))
      .filter((f) => !f.driveId || q.get('includeItemsFromAllDrives') === 'true')
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    const page = all.slice(start, start + size);
    json(res, 200, { files: page.map(publicFile), ...(start + size < all.length ? { nextPageToken: String(start + size) } : {}) });
  }

  function parentDrive(parents: string[]): string | undefined {
    const p = parents[0];
    if (!p) return undefined;
    return drives.has(p) ? p : files.get(p)?.driveId;
  }

  async function create(req: IncomingMessage, res: ServerResponse, q: URLSearchParams): Promise<void> {
    const meta = JSON.parse(await smallBody(req)) as { name: string; mimeType?: string; parents?: string[] };
    const parents = meta.parents ?? ['root'];
    const driveId = parentDrive(parents);
    if (driveId && q.get('supportsAllDrives') !== 'true') return notFound(res, parents[0]!);
    const f: FakeFile = { id: newId(), name: meta.name, mimeType: meta.mimeType ?? 'application/octet-stream', parents, driveId, size: 0, modifiedTime: new Date().toISOString(), revisions: 1 };
    files.set(f.id, f);
    json(res, 200, publicFile(f));
  }

  async function media(req: IncomingMessage, res: ServerResponse, f: FakeFile): Promise<void> {
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const end = m && m[2] ? Math.min(Number(m[2]), f.size - 1) : f.size - 1;
    res.writeHead(m ? 206 : 200, { 'content-type': 'application/octet-stream', 'content-length': String(Math.max(0, end - start + 1)) });
    if (end < start) return void res.end();
    await pipeline(createReadStream(contentPath(f.id), { start, end }), res);
  }

  async function startUpload(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, fileId?: string): Promise<void> {
    if (q.get('uploadType') !== 'resumable') return json(res, 400, { error: { code: 400, message: 'this fake only takes resumable uploads' } });
    const meta = JSON.parse((await smallBody(req)) || '{}') as { name?: string; parents?: string[] };
    const s: Session = { id: newId(), path: join(dir.path, `session-${newId()}`), received: 0 };
    if (fileId) {
      const f = files.get(fileId);
      if (!f || !visible(f, q)) return notFound(res, fileId);
      s.update = fileId;
    } else {
      const parents = meta.parents ?? ['root'];
      if (parentDrive(parents) && q.get('supportsAllDrives') !== 'true') return notFound(res, parents[0]!);
      s.create = { name: meta.name ?? 'Untitled', parents };
    }
    writeFileSync(s.path, ''); // synchronously: an async create could truncate after the first chunk's append
    sessions.set(s.id, s);
    res.writeHead(200, { location: `${url}upload/drive/v3/files?uploadType=resumable&upload_id=${s.id}` }).end();
  }

  async function finish(s: Session): Promise<FakeFile> {
    const md5 = createHash('md5');
    for await (const c of createReadStream(s.path)) md5.update(c as Buffer);
    const now = new Date().toISOString();
    let f: FakeFile;
    if (s.update) {
      f = files.get(s.update)!;
      f.revisions++;
    } else {
      f = { id: newId(), name: s.create!.name, mimeType: 'application/octet-stream', parents: s.create!.parents, driveId: parentDrive(s.create!.parents), size: 0, modifiedTime: now, revisions: 1 };
      files.set(f.id, f);
    }
    renameSync(s.path, contentPath(f.id));
    Object.assign(f, { size: s.received, md5Checksum: md5.digest('hex'), modifiedTime: now });
    sessions.delete(s.id);
    return f;
  }

  async function chunk(req: IncomingMessage, res: ServerResponse, s: Session, path: string): Promise<void> {
    const m = /^bytes (?:(\d+)-(\d+)|\*)\/(\d+|\*)$/.exec(req.headers['content-range'] ?? '');
    if (!m) return json(res, 400, { error: { code: 400, message: `bad Content-Range ${req.headers['content-range']}` } });
    const total = m[3] === '*' ? undefined : Number(m[3]);
    if (m[1] !== undefined) {
      const [first, last] = [Number(m[1]), Number(m[2])];
      if (first > s.received) return json(res, 400, { error: { code: 400, message: `gap: got bytes from ${first}, have ${s.received}` } });
      if (total === undefined && (last + 1 - first) % QUANTUM !== 0) return json(res, 400, { error: { code: 400, message: 'chunk size must be a multiple of 256 KiB' } });
      const drop = faults.takeDrop(req, path);
      let skip = s.received - first;
      let seen = 0;
      const take = new Transform({
        transform(c: Buffer, _e, cb) {
          seen += c.length;
          if (drop && seen >= drop.afterBytes) {
            req.socket.destroy();
            return cb(new Error('dropped'));
          }
          const part = skip > 0 ? c.subarray(Math.min(skip, c.length)) : c;
          skip = Math.max(0, skip - c.length);
          s.received += part.length;
          cb(null, part);
        },
      });
      try {
        await pipeline(req, take, createWriteStream(s.path, { flags: 'a' }));
      } catch {
        // like Drive: keep what arrived, in whole 256 KiB units
        s.received -= s.received % QUANTUM;
        truncateSync(s.path, s.received);
        return;
      }
    } else {
      await smallBody(req);
    }
    if (total !== undefined && s.received === total) return json(res, 200, publicFile(await finish(s)));
    res.writeHead(308, s.received ? { range: `bytes=0-${s.received - 1}` } : {}).end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url!, url);
    const path = u.pathname;
    const q = u.searchParams;
    if (faults.inject(req, res, path)) return;
    if (path === '/token' && req.method === 'POST') return token(req, res);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !tokens.has(bearer)) return json(res, 401, { error: { code: 401, message: 'Request had invalid authentication credentials.' } });
    if (path === '/drive/v3/files' && req.method === 'GET') return list(res, q);
    if (path === '/drive/v3/files' && req.method === 'POST') return create(req, res, q);
    const upload = /^\/upload\/drive\/v3\/files(?:\/([^/]+))?$/.exec(path);
    if (upload && q.get('upload_id')) {
      const s = sessions.get(q.get('upload_id')!);
      if (!s) return json(res, 404, { error: { code: 404, message: 'upload session not found' } });
      if (req.method === 'DELETE') {
        sessions.delete(s.id);
        rmSync(s.path, { force: true });
        return void res.writeHead(499).end();
      }
      if (req.method === 'PUT') return chunk(req, res, s, path);
    }
    if (upload && (req.method === 'POST' || req.method === 'PATCH')) return startUpload(req, res, q, upload[1] ? decodeURIComponent(upload[1]) : undefined);
    const one = /^\/drive\/v3\/files\/([^/]+)$/.exec(path);
    const f = one ? files.get(decodeURIComponent(one[1]!)) : undefined;
    if (one && (!f || !visible(f, q))) return notFound(res, one[1]!);
    if (f && req.method === 'GET') return q.get('alt') === 'media' ? media(req, res, f) : json(res, 200, publicFile(f));
    if (f && req.method === 'DELETE') {
      for (const child of [...files.values()].filter((c) => c.parents.includes(f.id))) files.delete(child.id);
      files.delete(f.id);
      rmSync(contentPath(f.id), { force: true });
      return void res.writeHead(204).end();
    }
    json(res, 400, { error: { code: 400, message: `fake drive does not implement ${req.method} ${path}` } });
  }

  const { server, url: base } = await listen(handle);
  url = base;
  return {
    url, tokenUrl: `${url}token`, serviceAccount, oauth, faults, jwtClaims,
    files: () => [...files.values()],
    createFolder(name, parent = 'root') {
      const f: FakeFile = { id: newId(), name, mimeType: FOLDER, parents: [parent], driveId: parentDrive([parent]), size: 0, modifiedTime: new Date().toISOString(), revisions: 1 };
      files.set(f.id, f);
      return f.id;
    },
    createSharedDrive() {
      const id = `0A${newId()}`;
      drives.add(id);
      return id;
    },
    openSessions: () => [...sessions.keys()],
    async stop() {
      await stopServer(server);
      dir.cleanup();
    },
  };
}

function publicFile(f: FakeFile): Record<string, unknown> {
  return {
    kind: 'drive#file', id: f.id, name: f.name, mimeType: f.mimeType, parents: f.parents,
    ...(f.mimeType === FOLDER ? {} : { size: String(f.size), md5Checksum: f.md5Checksum }),
    modifiedTime: f.modifiedTime, ...(f.driveId ? { driveId: f.driveId } : {}),
  };
}
