/**
 * A TCP proxy on loopback that can cut its connections: `cutAfter(n)` drops every open connection
 * once n more bytes have gone from client to server (a network failure in the middle of an upload).
 */
import { createServer, connect, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  /** Drops all open connections once `bytes` more bytes have passed upstream (once), then refuses the next `refuseAfter` connections. */
  cutAfter(bytes: number, refuseAfter?: number): void;
  /** Refuse (close at once) new connections: all of them (`true`), none (`false`), or the next n. */
  refuse(what: boolean | number): void;
  stop(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let accepted = 0;
  let budget: number | undefined;
  let refuseAfterCut = 0;
  let refusing: boolean | number = false;
  const cutAll = () => {
    for (const s of open) s.destroy();
    open.clear();
  };
  const server = createServer((client) => {
    accepted++;
    if (refusing === true || (typeof refusing === 'number' && refusing-- > 0)) return client.destroy();
    const upstream = connect(targetPort, targetHost);
    open.add(client);
    open.add(upstream);
    client.on('data', (d: Buffer) => {
      if (budget !== undefined) {
        budget -= d.length;
        if (budget <= 0) {
          budget = undefined;
          if (refuseAfterCut) refusing = refuseAfterCut;
          cutAll();
          return;
        }
      }
      if (!upstream.write(d)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => accepted,
    cutAfter: (bytes, refuseAfter = 0) => {
      budget = bytes;
      refuseAfterCut = refuseAfter;
    },
    refuse: (what) => (refusing = what),
    stop: () => {
      cutAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
