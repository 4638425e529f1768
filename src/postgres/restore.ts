/**
 * Restores PostgreSQL dumps: plain SQL scripts (onedump's own, pg_dump's, psql files) natively — one
 * transaction around the whole script, COPY data streamed through COPY FROM STDIN — and custom-format
 * archives (they start with `PGDMP`) through pg_restore, which turns them into that same script.
 * See docs/postgres.md for what runs outside the transaction.
 */
import { Readable } from 'node:stream';
import type { RestoreOptions, RestoreResult } from '../dumpers/types.js';
import { parsePgDsn, withEndpoint } from './dsn.js';
import { PlainRestore } from './restore-plain.js';
import { archiveScript } from './restore-custom.js';

/** The first chunk of a stream and an iterable of all its chunks (the first one included). */
async function peek(input: Readable): Promise<{ first?: Buffer; all: AsyncIterable<Buffer> }> {
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head = await it.next();
  const first = head.done ? undefined : Buffer.from(head.value);
  async function* all(): AsyncGenerator<Buffer> {
    if (first) yield first;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { first, all: all() };
}

const isArchive = (first?: Buffer) => !!first && first.subarray(0, 5).toString('latin1') === 'PGDMP';

export async function restorePostgres(input: Readable, target: string, opts: RestoreOptions): Promise<RestoreResult> {
  const t = withEndpoint(parsePgDsn(target), opts.endpoint);
  const { first, all } = await peek(input);
  if (!isArchive(first)) return new PlainRestore(t, opts).run(all);
  const reopen = opts.reopen;
  const script = reopen ? async () => Readable.from(archiveScript(await reopen(), opts.signal)) : undefined;
  return new PlainRestore(t, { ...opts, reopen: script }).run(archiveScript(all, opts.signal));
}
