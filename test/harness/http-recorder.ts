/**
 * A loopback HTTP server that records every request (for notifier tests: Slack's Web API and
 * incoming webhooks, generic webhooks). The reply is configurable per request.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from './util.js';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The exact body bytes. */
  raw: Buffer;
  body: string;
}

export interface Recorder {
  /** `http://127.0.0.1:PORT` */
  url: string;
  requests: RecordedRequest[];
  /** Waits until at least `n` requests arrived (optionally only those matching `filter`). */
  waitForRequests(n: number, filter?: (r: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

export type Reply = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

/** Replies 200 `{"ok":true}` unless `reply` says otherwise. */
export async function startRecorder(reply?: Reply): Promise<Recorder> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const rec: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, raw, body: raw.toString('utf8') };
      requests.push(rec);
      void Promise.resolve(reply ? reply(rec, res) : undefined).then(() => {
        if (!res.headersSent) res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async waitForRequests(n, filter = () => true, timeoutMs = 20_000) {
      await waitFor(() => requests.filter(filter).length >= n, timeoutMs, `${n} request(s)`);
      return requests.filter(filter);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
