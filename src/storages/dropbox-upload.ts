/**
 * Dropbox uploads through the SDK: one `files/upload` call for a stream that fits in one chunk, else
 * an upload session (start → append_v2 … → finish) whose chunks are read one ahead, so the last one
 * goes with `finish` also when the size is an exact multiple of the chunk. Each call is retried on
 * 429 (waiting `retry_after`), 5xx and network failures; an `incorrect_offset` answer after a lost
 * reply is reconciled with the offset Dropbox reports. The file appears only at `finish`, in
 * overwrite mode. Dropbox has no call to cancel a session: an unfinished one stays invisible and
 * expires after a week.
 */
import type { Readable } from 'node:stream';
import { isTransient, markTransient } from '../errors.js';
import { backoffDelay, sleep } from '../util/backoff.js';
import type { Logger } from '../util/log.js';
import { DropboxContentHasher } from './checksum.js';
import { ChunkReader } from './chunks.js';

type Dropbox = import('dropbox').Dropbox;
type FileMetadata = import('dropbox').files.FileMetadata;

export interface DropboxUpload {
  dbx: Dropbox;
  path: string;
  body: Readable;
  chunkSize: number;
  retries: number;
  signal?: AbortSignal;
  log: Logger;
}

/** `HTTP 409: path/not_found/..` — Dropbox's error summary (or OAuth error) with the HTTP status. */
export function dropboxSummary(err: unknown): string {
  const e = err as { status?: number; error?: unknown };
  if (typeof e.status !== 'number') return (err as Error).message ?? String(err);
  const body = e.error as { error_summary?: string; error?: unknown; error_description?: string } | string | undefined;
  let detail: string | undefined;
  if (typeof body === 'string') detail = body.slice(0, 200);
  else if (body?.error_summary) detail = body.error_summary;
  else if (typeof body?.error === 'string') detail = body.error_description ? `${body.error}: ${body.error_description}` : body.error;
  return `HTTP ${e.status}${detail ? `: ${detail}` : ''}`;
}

/** Seconds Dropbox asked to wait (429 body or Retry-After header), in ms. */
function retryAfter(err: unknown): number | undefined {
  const e = err as { error?: { error?: { retry_after?: number } }; headers?: { get?(h: string): string | null } };
  const secs = e.error?.error?.retry_after ?? Number(e.headers?.get?.('retry-after') ?? NaN);
  return Number.isFinite(secs) ? secs * 1000 : undefined;
}

/** 429, 5xx and failures without an HTTP status (resets, timeouts) may pass on a retry. */
export function dropboxTransient(err: unknown): boolean {
  const status = (err as { status?: number }).status;
  if (typeof status === 'number') return status === 429 || status >= 500;
  return isTransient(err) || ((err as Error)?.name !== 'AbortError' && (err as { type?: string }).type === 'system');
}

/** The offset Dropbox holds, from an `incorrect_offset` error. */
function correctOffset(err: unknown): number | undefined {
  const inner = (err as { error?: { error?: { '.tag'?: string; lookup_failed?: { '.tag'?: string; correct_offset?: number }; correct_offset?: number } } }).error?.error;
  const e = inner?.['.tag'] === 'lookup_failed' ? inner.lookup_failed : inner;
  return e?.['.tag'] === 'incorrect_offset' ? e.correct_offset : undefined;
}

class Uploader {
  constructor(private readonly u: DropboxUpload) {}

  /** Runs one API call, retrying transient failures. */
  async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      this.u.signal?.throwIfAborted();
      try {
        return await fn();
      } catch (err) {
        if (!dropboxTransient(err) || attempt > this.u.retries) throw markIf(err);
        const wait = retryAfter(err) ?? backoffDelay(attempt, 1000);
        this.u.log.warn(`dropbox: ${what} failed (${dropboxSummary(err)}); retry ${attempt}/${this.u.retries} in ${Math.round(wait)} ms`);
        await sleep(wait, this.u.signal);
      }
    }
  }

  /** Sends `chunk` at `offset` with `send`, reconciling a reply lost after Dropbox took the bytes. */
  async chunk<T>(what: string, chunk: Buffer, offset: number, send: (data: Buffer, at: number) => Promise<T>): Promise<T | undefined> {
    let from = offset;
    for (;;) {
      try {
        return await this.call(what, () => send(chunk.subarray(from - offset), from));
      } catch (err) {
        const held = correctOffset(err);
        if (held === undefined || held < offset || held > offset + chunk.length || held === from) throw err;
        if (held === offset + chunk.length && chunk.length > 0) return undefined; // it had arrived
        from = held;
      }
    }
  }
}

function markIf(err: unknown): unknown {
  return dropboxTransient(err) && err && typeof err === 'object' ? markTransient(err) : err;
}

/** Uploads `body` to `path` (overwriting); resolves with the metadata and what was sent. */
export async function dropboxUpload(u: DropboxUpload): Promise<{ file: FileMetadata; bytes: number; contentHash: string }> {
  const reader = new ChunkReader(u.body);
  const hasher = new DropboxContentHasher();
  const up = new Uploader(u);
  const commit = { path: u.path, mode: { '.tag': 'overwrite' as const }, autorename: false, mute: true, strict_conflict: false };
  try {
    const first = await reader.read(u.chunkSize);
    hasher.update(first);
    if (first.length < u.chunkSize || (await reader.done())) {
      const r = await up.call('upload', () => u.dbx.filesUpload({ ...commit, contents: first }));
      return { file: r.result, bytes: first.length, contentHash: hasher.digest() };
    }
    const { result } = await up.call('starting an upload session', () => u.dbx.filesUploadSessionStart({ contents: first, close: false }));
    let offset = first.length;
    for (;;) {
      const next = await reader.read(u.chunkSize);
      hasher.update(next);
      const last = next.length < u.chunkSize || (await reader.done());
      const cursor = (at: number) => ({ session_id: result.session_id, offset: at });
      if (last) {
        const done = await up.chunk('finishing the upload session', next, offset, (data, at) => u.dbx.filesUploadSessionFinish({ cursor: cursor(at), commit, contents: data }));
        if (!done) throw new Error('Dropbox reported the last chunk as received but returned no file');
        return { file: done.result, bytes: offset + next.length, contentHash: hasher.digest() };
      }
      await up.chunk(`appending bytes ${offset}-${offset + next.length - 1}`, next, offset, (data, at) => u.dbx.filesUploadSessionAppendV2({ cursor: cursor(at), close: false, contents: data }));
      offset += next.length;
    }
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    throw err;
  }
}
