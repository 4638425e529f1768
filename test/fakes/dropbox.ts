/**
 * A loopback fake of the Dropbox API v2 (api and content hosts on one port) for the endpoints the
 * dropbox storage uses, driven by the real `dropbox` SDK. Contents live on disk. Strict where Dropbox
 * is: bearer tokens from the refresh-token grant, upload-session offsets (`incorrect_offset`), the
 * 150 MB limit of single uploads, case-insensitive paths, 409 errors with `error_summary`.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, renameSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DropboxContentHasher } from '../../src/storages/checksum.js';
import { tempDir } from '../harness/util.js';
import { Faults, json, listen, smallBody, stopServer } from './http.js';

interface FakeEntry {
  id: string;
  path_display: string;
  size: number;
  content_hash: string;
  server_modified: string;
  rev: string;
  file: string;
}

interface UploadSession {
  id: string;
  received: number;
  file: string;
}

export interface FakeDropbox {
  url: string;
  app: { client_id: string; client_secret: string; refresh_token: string };
  faults: Faults;
  /** Token requests seen (the SDK refreshes on its own). */
  tokenRequests(): number;
  paths(): string[];
  stop(): Promise<void>;
}

const MAX_SINGLE_UPLOAD = 150 * 1024 * 1024;

export async function startFakeDropbox(): Promise<FakeDropbox> {
  const dir = tempDir('onedump-fakedropbox-');
  const files = new Map<string, FakeEntry>();
  const sessions = new Map<string, UploadSession>();
  const tokens = new Set<string>();
  const faults = new Faults();
  const app = { client_id: 'fakeappkey', client_secret: 'fakeappsecret', refresh_token: 'fake-dropbox-refresh' };
  let tokenRequests = 0;
  const newId = () => randomBytes(8).toString('hex');

  const conflict = (res: ServerResponse, summary: string, error: unknown) => json(res, 409, { error_summary: `${summary}/..`, error });
  const pathNotFound = (res: ServerResponse, tag = 'path') => conflict(res, `${tag}/not_found`, { '.tag': tag, [tag]: { '.tag': 'not_found' } });

  function metadata(e: FakeEntry): Record<string, unknown> {
    const name = e.path_display.slice(e.path_display.lastIndexOf('/') + 1);
    return { '.tag': 'file', name, id: e.id, path_lower: e.path_display.toLowerCase(), path_display: e.path_display, size: e.size, content_hash: e.content_hash, server_modified: e.server_modified, client_modified: e.server_modified, rev: e.rev, is_downloadable: true };
  }

  function isFolder(path: string): boolean {
    const p = path.toLowerCase() + '/';
    return path === '' || [...files.keys()].some((k) => k.startsWith(p));
  }

  /** Receives a body into `file` (appending), counting bytes; honours a drop rule. */
  async function receive(req: IncomingMessage, file: string, path: string, flags: 'w' | 'a'): Promise<{ bytes: number; cutAfterReply: boolean } | undefined> {
    const drop = faults.takeDrop(req, path);
    let bytes = 0;
    const count = new Transform({
      transform(c: Buffer, _e, cb) {
        bytes += c.length;
        if (drop && drop.afterBytes >= 0 && bytes >= drop.afterBytes) {
          req.socket.destroy();
          return cb(new Error('dropped'));
        }
        cb(null, c);
      },
    });
    const tmp = `${file}.part-${newId()}`;
    try {
      await pipeline(req, count, createWriteStream(tmp));
    } catch {
      rmSync(tmp, { force: true });
      return undefined; // like Dropbox: a call that did not complete changed nothing
    }
    if (flags === 'a') {
      await pipeline(createReadStream(tmp), createWriteStream(file, { flags: 'a' }));
      rmSync(tmp);
    } else renameSync(tmp, file);
    return { bytes, cutAfterReply: !!drop && drop.afterBytes < 0 };
  }

  async function commit(res: ServerResponse, path: string, content: string, mode: unknown, cut: boolean, req: IncomingMessage): Promise<void> {
    const tag = typeof mode === 'string' ? mode : (mode as { '.tag'?: string } | undefined)?.['.tag'] ?? 'add';
    const existing = files.get(path.toLowerCase());
    if (existing && tag !== 'overwrite') return conflict(res, 'path/conflict/file', { '.tag': 'path', reason: { '.tag': 'conflict' } });
    const hasher = new DropboxContentHasher();
    let size = 0;
    for await (const c of createReadStream(content)) {
      hasher.update(c as Buffer);
      size += (c as Buffer).length;
    }
    const e: FakeEntry = { id: existing?.id ?? `id:${newId()}`, path_display: path, size, content_hash: hasher.digest(), server_modified: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), rev: newId(), file: join(dir.path, newId()) };
    renameSync(content, e.file);
    if (existing) rmSync(existing.file, { force: true });
    files.set(path.toLowerCase(), e);
    if (cut) return void req.socket.destroy();
    json(res, 200, metadata(e));
  }

  async function content(req: IncomingMessage, res: ServerResponse, route: string): Promise<void> {
    const arg = JSON.parse(String(req.headers['dropbox-api-arg'] ?? '{}')) as Record<string, any>;
    if (route === 'files/download') {
      const e = files.get(String(arg.path).toLowerCase());
      if (!e) return void (req.resume(), pathNotFound(res));
      const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      const start = m ? Number(m[1]) : 0;
      const end = m && m[2] ? Math.min(Number(m[2]), e.size - 1) : e.size - 1;
      res.writeHead(m ? 206 : 200, { 'content-type': 'application/octet-stream', 'dropbox-api-result': JSON.stringify(metadata(e)).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`), 'content-length': String(Math.max(0, end - start + 1)) });
      if (end < start) return void res.end();
      return pipeline(createReadStream(e.file, { start, end }), res);
    }
    if (route === 'files/upload') {
      const file = join(dir.path, newId());
      const got = await receive(req, file, `/2/${route}`, 'w');
      if (!got) return;
      if (got.bytes > MAX_SINGLE_UPLOAD) return json(res, 400, { error_summary: 'payload_too_large/..' });
      return commit(res, arg.path, file, arg.mode, got.cutAfterReply, req);
    }
    const session = route === 'files/upload_session/start' ? { id: newId(), received: 0, file: join(dir.path, `session-${newId()}`) } : sessions.get(arg.cursor?.session_id);
    if (!session) return void (req.resume(), conflict(res, 'not_found', { '.tag': 'not_found' }));
    if (route !== 'files/upload_session/start' && arg.cursor.offset !== session.received) {
      req.resume();
      const incorrect = { '.tag': 'incorrect_offset', correct_offset: session.received };
      return route === 'files/upload_session/finish' ? conflict(res, 'lookup_failed/incorrect_offset', { '.tag': 'lookup_failed', lookup_failed: incorrect }) : conflict(res, 'incorrect_offset', incorrect);
    }
    const got = await receive(req, session.file, `/2/${route}`, 'a');
    if (!got) return;
    session.received += got.bytes;
    sessions.set(session.id, session);
    if (route === 'files/upload_session/finish') {
      sessions.delete(session.id);
      return commit(res, arg.commit.path, session.file, arg.commit.mode, got.cutAfterReply, req);
    }
    if (got.cutAfterReply) return void req.socket.destroy();
    json(res, 200, route === 'files/upload_session/start' ? { session_id: session.id } : null);
  }

  function list(res: ServerResponse, path: string, offset: number, limit: number): void {
    const under = path === '' ? '' : path.toLowerCase() + '/';
    const all = [...files.entries()].filter(([k]) => k.startsWith(under)).sort(([a], [b]) => a.localeCompare(b)).map(([, e]) => metadata(e));
    const page = all.slice(offset, offset + limit);
    const more = offset + limit < all.length;
    json(res, 200, { entries: page, cursor: Buffer.from(JSON.stringify({ path, offset: offset + limit, limit })).toString('base64url'), has_more: more });
  }

  async function rpc(req: IncomingMessage, res: ServerResponse, route: string): Promise<void> {
    const arg = JSON.parse((await smallBody(req)) || 'null') as Record<string, any>;
    if (route === 'files/get_metadata') {
      const e = files.get(String(arg.path).toLowerCase());
      if (e) return json(res, 200, metadata(e));
      if (isFolder(arg.path)) return json(res, 200, { '.tag': 'folder', name: arg.path.split('/').pop(), path_display: arg.path, id: `id:${newId()}` });
      return pathNotFound(res);
    }
    if (route === 'files/list_folder') {
      if (!isFolder(arg.path)) return pathNotFound(res);
      return list(res, arg.path, 0, Math.min(arg.limit ?? 2000, 2000));
    }
    if (route === 'files/list_folder/continue') {
      const c = JSON.parse(Buffer.from(arg.cursor, 'base64url').toString()) as { path: string; offset: number; limit: number };
      return list(res, c.path, c.offset, c.limit);
    }
    if (route === 'files/delete_v2') {
      const e = files.get(String(arg.path).toLowerCase());
      if (!e) return pathNotFound(res, 'path_lookup');
      files.delete(String(arg.path).toLowerCase());
      rmSync(e.file, { force: true });
      return json(res, 200, { metadata: metadata(e) });
    }
    json(res, 400, { error_summary: `fake dropbox does not implement ${route}` });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url!, 'http://fake/');
    if (faults.inject(req, res, u.pathname)) return;
    if (u.pathname === '/oauth2/token') {
      tokenRequests++;
      const q = u.searchParams;
      if (q.get('grant_type') !== 'refresh_token' || q.get('refresh_token') !== app.refresh_token || q.get('client_id') !== app.client_id || q.get('client_secret') !== app.client_secret) {
        return json(res, 400, { error: 'invalid_grant', error_description: 'refresh token is invalid' });
      }
      const token = `sl.${newId()}`;
      tokens.add(token);
      return json(res, 200, { access_token: token, expires_in: 14400, token_type: 'bearer' });
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !tokens.has(bearer)) return void (req.resume(), json(res, 401, { error_summary: 'invalid_access_token/..' }));
    const route = u.pathname.replace(/^\/2\//, '');
    if (req.headers['dropbox-api-arg'] !== undefined) return content(req, res, route);
    return rpc(req, res, route);
  }

  const { server, url } = await listen(handle);
  return {
    url, app, faults,
    tokenRequests: () => tokenRequests,
    paths: () => [...files.values()].map((e) => e.path_display).sort(),
    async stop() {
      await stopServer(server);
      dir.cleanup();
    },
  };
}
