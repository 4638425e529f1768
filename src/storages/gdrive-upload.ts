/**
 * Google Drive resumable uploads (https://developers.google.com/drive/api/guides/manage-uploads):
 * open a session, send the stream in chunks (multiples of 256 KiB; the total is declared with the
 * last chunk, so the length need not be known in advance), and after a 5xx, a 429 or a dropped
 * connection ask the session how much it holds and go on from there. The file appears only when the
 * last chunk is accepted; a failed upload cancels its session. `@googleapis/drive` sends uploads as
 * one multipart request, so this protocol runs on the SDK's authenticated HTTP client.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { isTransient, markTransient } from '../errors.js';
import { backoffDelay, sleep } from '../util/backoff.js';
import type { Logger } from '../util/log.js';
import { ChunkReader } from './chunks.js';

export interface HttpReply {
  status: number;
  header(name: string): string | null;
  text: string;
}

/** An authenticated HTTP call that resolves for every status (only network failures reject). */
export type DriveHttp = (req: { url: string; method: string; headers?: Record<string, string>; data?: Buffer | string; signal?: AbortSignal }) => Promise<HttpReply>;

export interface DriveFile {
  id: string;
  name: string;
  size?: string;
  md5Checksum?: string;
  modifiedTime?: string;
  mimeType?: string;
}

export interface ResumableUpload {
  http: DriveHttp;
  /** `…/upload/drive/v3/files?uploadType=resumable&…` (POST) or `…/files/ID?uploadType=resumable&…` (PATCH). */
  url: string;
  method: 'POST' | 'PATCH';
  metadata: Record<string, unknown>;
  body: Readable;
  chunkSize: number;
  retries: number;
  signal?: AbortSignal;
  log: Logger;
}

/** An HTTP reply that is not what the protocol expects: transient for 429 and 5xx. */
export class DriveHttpError extends Error {
  constructor(readonly status: number, readonly retryAfterMs: number | undefined, text: string, what: string) {
    super(`${what}: HTTP ${status}${text ? `: ${text.slice(0, 300).replace(/\s+/g, ' ')}` : ''}`);
    if (status === 429 || status >= 500) markTransient(this);
  }
}

export function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function replyError(r: HttpReply, what: string): DriveHttpError {
  return new DriveHttpError(r.status, retryAfterMs(r.header('retry-after')), r.text, what);
}

/** Bytes the session holds, from a 308 reply's `Range: bytes=0-N`. */
function held(r: HttpReply): number {
  const m = /bytes=0-(\d+)/.exec(r.header('range') ?? '');
  return m ? Number(m[1]) + 1 : 0;
}

/** Network failures (no HTTP status) are worth retrying too. */
function retryable(err: unknown): boolean {
  return isTransient(err) || (!(err instanceof DriveHttpError) && (err as Error)?.name !== 'AbortError' && !(err as { status?: unknown }).status);
}

type Step = { done: DriveFile } | { held: number };

class Session {
  private attempts = 0;
  constructor(private readonly u: ResumableUpload, readonly url: string) {}

  /** After a failure: rethrows unless retrying may help and attempts are left; else waits. */
  async backoff(err: unknown, what: string): Promise<void> {
    if (!retryable(err) || this.attempts >= this.u.retries || this.u.signal?.aborted) throw err;
    this.attempts++;
    const wait = (err as DriveHttpError).retryAfterMs ?? backoffDelay(this.attempts, 1000);
    this.u.log.warn(`gdrive: ${what} failed (${(err as Error).message}); retry ${this.attempts}/${this.u.retries} in ${Math.round(wait)} ms`);
    await sleep(wait, this.u.signal);
  }

  private async put(range: string, data: Buffer): Promise<Step> {
    const r = await this.u.http({ url: this.url, method: 'PUT', headers: { 'Content-Range': range }, data, signal: this.u.signal });
    if (r.status === 200 || r.status === 201) return { done: JSON.parse(r.text) as DriveFile };
    if (r.status === 308) return { held: held(r) };
    throw replyError(r, 'upload chunk');
  }

  /** Asks the session how much it holds (or whether it completed). */
  private async status(total: number | undefined): Promise<Step> {
    for (;;) {
      try {
        return await this.put(`bytes */${total ?? '*'}`, Buffer.alloc(0));
      } catch (err) {
        await this.backoff(err, 'asking the upload status');
      }
    }
  }

  /** Sends bytes [start, start+chunk.length) and, when `total` is set, completes the upload. */
  async send(chunk: Buffer, start: number, total: number | undefined): Promise<DriveFile | undefined> {
    const end = start + chunk.length;
    let from = start;
    for (;;) {
      let step: Step;
      try {
        const piece = chunk.subarray(from - start);
        step = await this.put(piece.length ? `bytes ${from}-${end - 1}/${total ?? '*'}` : `bytes */${total}`, piece);
      } catch (err) {
        await this.backoff(err, `sending bytes ${from}-${end - 1}`);
        step = await this.status(total);
      }
      if ('done' in step) {
        if (total === undefined) throw new Error('the upload completed before its last chunk');
        return step.done;
      }
      if (step.held < start) throw new Error(`the upload session holds ${step.held} bytes, fewer than the ${start} it had confirmed`);
      this.attempts = 0; // progress: the retry budget is per chunk, not per upload
      if (step.held >= end && total === undefined) return undefined;
      from = Math.min(step.held, end);
    }
  }

  /** Starts the session; returns its URL. */
  async open(): Promise<string> {
    for (;;) {
      try {
        const r = await this.u.http({
          url: this.url, method: this.u.method, signal: this.u.signal, data: JSON.stringify(this.u.metadata),
          headers: { 'Content-Type': 'application/json; charset=UTF-8', 'X-Upload-Content-Type': 'application/octet-stream' },
        });
        const location = r.header('location');
        if (r.status !== 200 || !location) throw replyError(r, 'starting the upload');
        return location;
      } catch (err) {
        await this.backoff(err, 'starting the upload');
      }
    }
  }

  async cancel(): Promise<void> {
    await this.u.http({ url: this.url, method: 'DELETE' }).catch(() => undefined);
  }
}

/** Uploads `body`; resolves with the created/updated file and the MD5 of what was sent. */
export async function resumableUpload(u: ResumableUpload): Promise<{ file: DriveFile; md5: string; bytes: number }> {
  const url = await new Session(u, u.url).open();
  const session = new Session(u, url);
  const reader = new ChunkReader(u.body);
  const md5 = createHash('md5');
  let offset = 0;
  try {
    for (;;) {
      const chunk = await reader.read(u.chunkSize);
      md5.update(chunk);
      const last = chunk.length < u.chunkSize || (await reader.done());
      const file = await session.send(chunk, offset, last ? offset + chunk.length : undefined);
      offset += chunk.length;
      if (file) return { file, md5: md5.digest('hex'), bytes: offset };
    }
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    await session.cancel();
    throw err;
  }
}
