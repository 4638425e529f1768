/**
 * Runs one long statement given in pieces of latin1 text (one character per byte, see splitter.ts)
 * without ever holding it whole a second time: mysql2 would need it joined into one string, then
 * encode it into one Buffer. Here the COM_QUERY packet is written to the socket piece by piece, each
 * piece converted to bytes just before and dropped from `parts` after, waiting for the socket to drain;
 * mysql2's Query command then reads the response as for any query.
 *
 * The packet: payload = command byte(s) + statement bytes, cut into packets of at most 0xFFFFFF bytes,
 * each with a 4-byte header (3-byte length, sequence id); a packet of exactly 0xFFFFFF bytes is followed
 * by another, possibly empty, one. The command bytes are taken from mysql2 itself (its Query command's
 * `start`, run for an empty statement with the packet intercepted), so query attributes stay right.
 *
 * Used only where the bytes are the same as mysql2 would send: a connection whose client-side encoding is
 * binary (latin1 text → bytes unchanged) and without compression; otherwise the pieces are joined and
 * run as usual. Tested against the mysql2 version in package.json; the guards fail loudly if a future
 * version changes the internals used (`start`, `writePacket`, `write`, `sequenceId`).
 */
import type { Writable } from 'node:stream';
import mysql from 'mysql2';
import { queryError, type MysqlConnection } from './connection.js';

const MAX_PAYLOAD = 0xffffff;
const COM_QUERY = 3;
const BINARY_CHARSET = 63;

interface PacketLike {
  buffer: Buffer;
  end: number;
}

interface CoreInternals {
  config: { compress?: boolean; charsetNumber?: number };
  stream?: Writable;
  sequenceId: number;
  writePacket(packet: PacketLike): void;
  write(buf: Buffer): void;
  _bumpSequenceId(n: number): void;
}

type State = (this: unknown, packet: unknown, connection: CoreInternals) => unknown;

/** mysql2's `Connection.createQuery`: a Query command not yet queued. */
const createQuery = (mysql as unknown as {
  createQuery(options: { sql: string }, values: undefined, cb: (err: unknown, res?: OkResult) => void, config: unknown): Record<string, unknown>;
}).createQuery;

interface OkResult {
  serverStatus?: number;
  affectedRows?: number;
}

/** Runs the statement `parts.join('')`; empties `parts` as it goes. */
export async function execParts(conn: MysqlConnection, parts: string[]): Promise<{ serverStatus: number; affectedRows: number }> {
  const core = conn.core as unknown as CoreInternals;
  if (core.config.compress || core.config.charsetNumber !== BINARY_CHARSET) return conn.exec(parts.splice(0).join(''));
  const head = parts[0]!.slice(0, 100);
  await checkPacketSize(conn, length(parts) + 1, head);
  const r = await new Promise<OkResult>((resolve, reject) => {
    let finished = false;
    const q = createQuery({ sql: '' }, undefined, (err, res) => {
      finished = true;
      if (err) reject(queryError(err, head));
      else resolve(res ?? {});
    }, core.config);
    const start = (Object.getPrototypeOf(q) as { start?: State }).start;
    if (typeof start !== 'function' || typeof core._bumpSequenceId !== 'function' || typeof core.write !== 'function' || typeof core.sequenceId !== 'number') {
      reject(new Error('unsupported mysql2 version: its Query command or connection lacks start/write/sequenceId'));
      return;
    }
    q.start = function (this: unknown, packet: unknown, connection: CoreInternals) {
      const { bytes, next } = commandBytes(() => start.call(this, packet, connection), connection);
      const seq = connection.sequenceId;
      connection._bumpSequenceId(packetCount(bytes.length + length(parts)));
      writePackets(connection, bytes, parts, seq, () => finished).catch((err: unknown) => {
        // a miscount would leave the server waiting for more: end the connection, mysql2 reports it
        connection.stream?.destroy(err as Error);
      });
      return next;
    };
    conn.core.query(q as never);
  });
  return { serverStatus: r.serverStatus ?? 0, affectedRows: r.affectedRows ?? 0 };
}

/**
 * A statement over the server's max_allowed_packet is refused up front: sent piece by piece, the server's
 * own error would often be lost to the broken pipe of the next write.
 */
async function checkPacketSize(conn: MysqlConnection, payload: number, head: string): Promise<void> {
  const [[max]] = (await conn.rows('SELECT @@max_allowed_packet')) as [[string]];
  if (payload <= Number(max)) return;
  throw queryError(new Error(`the statement is ${payload - 1} bytes, more than the server's max_allowed_packet (${max}); raise it on the server (SET GLOBAL max_allowed_packet = ${2 ** Math.ceil(Math.log2(payload))}) and retry`), head);
}

/** Runs mysql2's `start` for an empty statement with `writePacket` intercepted: the command bytes and its next state. */
function commandBytes(start: () => unknown, connection: CoreInternals): { bytes: Buffer; next: unknown } {
  const own = Object.getOwnPropertyDescriptor(connection, 'writePacket');
  const packets: PacketLike[] = [];
  connection.writePacket = (p) => {
    packets.push(p);
  };
  let next: unknown;
  try {
    next = start();
  } finally {
    if (own) Object.defineProperty(connection, 'writePacket', own);
    else delete (connection as Partial<CoreInternals>).writePacket;
  }
  const written = packets.length === 1 ? packets[0] : undefined;
  const bytes = written?.buffer.subarray(4, written.end);
  // the command byte, then nothing or (with query attributes) parameter count 0 and parameter set count 1
  const ok = bytes && bytes[0] === COM_QUERY && (bytes.length === 1 || (bytes.length === 3 && bytes[1] === 0 && bytes[2] === 1));
  if (!ok || typeof next !== 'function') throw new Error(`unsupported mysql2 version: unexpected COM_QUERY packet(s) for an empty statement (payload ${packets.map((p) => p.buffer.subarray(4, p.end).toString('hex')).join(', ') || 'none'})`);
  return { bytes: Buffer.from(bytes), next };
}

function length(parts: string[]): number {
  let n = 0;
  for (const p of parts) n += p.length;
  return n;
}

/** Packets for a payload of `n` bytes: a full last packet is followed by an empty one. */
export function packetCount(n: number): number {
  return Math.floor(n / MAX_PAYLOAD) + 1;
}

/** Writes the payload `prefix + parts` as packets numbered from `seq`, converting and dropping one piece at a time. */
async function writePackets(connection: CoreInternals, prefix: Buffer, parts: string[], seq: number, stop: () => boolean): Promise<void> {
  let left = prefix.length + length(parts);
  let packets = packetCount(left);
  let room = 0;
  const header = (n: number) => {
    packets--;
    return Buffer.from([n & 0xff, (n >> 8) & 0xff, n >> 16, seq++ & 0xff]);
  };
  const put = async (buf: Buffer) => {
    for (let off = 0; off < buf.length;) {
      if (room === 0) {
        room = Math.min(left, MAX_PAYLOAD);
        connection.write(header(room));
      }
      const n = Math.min(room, buf.length - off);
      connection.write(n === buf.length ? buf : buf.subarray(off, off + n));
      off += n;
      room -= n;
      left -= n;
    }
    await drained(connection);
  };
  await put(prefix);
  for (let i = 0; i < parts.length; i++) {
    if (stop() || !connection.stream || connection.stream.destroyed) return;
    const buf = Buffer.from(parts[i]!, 'latin1');
    parts[i] = '';
    await put(buf);
  }
  if (packets === 1) connection.write(header(0));
  if (packets > 1 || left !== 0) throw new Error(`COM_QUERY packets miscounted: ${packets} packet(s), ${left} bytes left`);
}

/** Resolves once the socket takes more data (or is gone). */
function drained(connection: CoreInternals): Promise<void> {
  const s = connection.stream;
  if (!s || s.destroyed || !s.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      s.off('drain', done);
      s.off('close', done);
      resolve();
    };
    s.on('drain', done);
    s.on('close', done);
  });
}
