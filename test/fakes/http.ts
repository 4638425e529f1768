/**
 * Pieces shared by the loopback fakes of third-party HTTP APIs (Google Drive, Dropbox): a server on
 * a free port, JSON replies, small bodies, and injected failures (status codes with Retry-After, or a
 * connection dropped in the middle of an upload).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface FailureRule {
  method?: string;
  /** Matched against the request path (without the query string). */
  path?: RegExp;
  status: number;
  /** Seconds, sent as `Retry-After`. */
  retryAfter?: number;
  body?: unknown;
  /** How many requests it hits (default 1). */
  times?: number;
}

export interface DropRule {
  method?: string;
  path?: RegExp;
  /**
   * Bytes of the request body received before the connection is cut; -1: the request is carried out
   * in full, then the connection is cut instead of replying (a reply lost on the way back).
   */
  afterBytes: number;
}

export class Faults {
  private rules: FailureRule[] = [];
  private drops: DropRule[] = [];
  /** Requests answered with an injected failure, as `METHOD path → status`. */
  readonly hits: string[] = [];

  fail(rule: FailureRule): void {
    this.rules.push({ times: 1, ...rule });
  }

  /** Forgets every rule not used up yet, and the hits so far. */
  clear(): void {
    this.rules = [];
    this.drops = [];
    this.hits.length = 0;
  }

  drop(rule: DropRule): void {
    this.drops.push(rule);
  }

  private matches(r: { method?: string; path?: RegExp }, req: IncomingMessage, path: string): boolean {
    return (!r.method || r.method === req.method) && (!r.path || r.path.test(path));
  }

  /** Answers with an injected failure if one matches; true when it did. */
  inject(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const rule = this.rules.find((r) => this.matches(r, req, path));
    if (!rule) return false;
    if (--rule.times! <= 0) this.rules.splice(this.rules.indexOf(rule), 1);
    this.hits.push(`${req.method} ${path} → ${rule.status}`);
    req.resume();
    const headers: Record<string, string> = { 'content-type': 'application/json', connection: 'close' };
    if (rule.retryAfter !== undefined) headers['retry-after'] = String(rule.retryAfter);
    res.writeHead(rule.status, headers).end(JSON.stringify(rule.body ?? { error: { code: rule.status, message: 'injected failure' } }));
    return true;
  }

  /** The drop rule for this request, if any (consumed). */
  takeDrop(req: IncomingMessage, path: string): DropRule | undefined {
    const i = this.drops.findIndex((r) => this.matches(r, req, path));
    if (i < 0) return undefined;
    this.hits.push(`${req.method} ${path} → dropped`);
    return this.drops.splice(i, 1)[0];
  }
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** A small request body (JSON, form); never used for uploads. */
export async function smallBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function listen(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    handler(req, res).catch((err: Error) => {
      if (!res.headersSent) json(res, 500, { error: { code: 500, message: `fake server bug: ${err.message}` } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/` };
}

export function stopServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
