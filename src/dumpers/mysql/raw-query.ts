/**
 * A streaming query whose rows are handed over as raw text-protocol packets, unparsed.
 *
 * mysql2 turns every row into a JavaScript object; for a dump that is most of the cost. Its Query
 * command is a state machine whose `row(packet)` state handles each row packet, so this replaces that
 * state on one query instance: row packets go to `onRow(buffer, start, end)`, the end-of-rows packet goes
 * back to mysql2. Backpressure pauses the socket (mysql2's `pause()`/`resume()`), so at most a socket
 * buffer of rows is ever held. Tested against the mysql2 version in package.json; the guard below fails
 * loudly if a future version changes the state machine.
 */
import type mysql from 'mysql2';
import { AbortError } from '../../errors.js';

interface PacketLike {
  buffer: Buffer;
  offset: number;
  end: number;
  isEOF(): boolean;
}

type RowState = (this: unknown, packet: PacketLike, connection: unknown) => unknown;

export interface RawRowHandler {
  /** Called with each row's payload; return false to pause reading until `drained()` resolves. */
  row(buf: Buffer, start: number, end: number): boolean;
  /** Resolves when the consumer has room again. */
  drained(): Promise<void>;
}

/** Runs `sql` and feeds its rows to `handler`; resolves after the last row, rejects on any error. */
export function streamRawRows(core: mysql.Connection, sql: string, handler: RawRowHandler, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const onAbort = () => {
      core.destroy();
      finish(new AbortError('aborted', { cause: signal.reason }));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });

    // callback mode: mysql2 reports a lost connection to the running command's callback (in event mode it
    // would only reach the connection's 'error' event)
    const q = core.query({ sql }, (err: unknown) => finish(err ?? undefined)) as unknown as Record<string, unknown>;
    const base = (Object.getPrototypeOf(q) as { row?: RowState; fieldsEOF?: unknown }).row;
    if (typeof base !== 'function' || typeof (Object.getPrototypeOf(q) as { fieldsEOF?: unknown }).fieldsEOF !== 'function') {
      finish(new Error('unsupported mysql2 version: its Query command has no row/fieldsEOF states'));
      return;
    }
    let paused = false;
    const row: RowState = function (this: unknown, packet, connection) {
      if (packet.isEOF()) return base.call(this, packet, connection);
      if (settled) return row;
      let more: boolean;
      try {
        more = handler.row(packet.buffer, packet.offset, packet.end);
      } catch (err) {
        core.destroy();
        finish(err);
        return row;
      }
      if (!more && !paused) {
        paused = true;
        core.pause();
        handler.drained().then(
          () => {
            paused = false;
            if (!settled) core.resume();
          },
          (err) => {
            core.destroy();
            finish(err);
          },
        );
      }
      return row;
    };
    q.row = row;
  });
}
