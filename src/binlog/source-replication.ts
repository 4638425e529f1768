/**
 * `mode: replication`: binlogs read from a server over the replication protocol, as
 * `mariadb-binlog --read-from-remote-server --raw` does — so onedump need not run on the database host.
 * The file list comes from `SHOW BINARY LOGS` (the last file is the active one).
 *
 * The tool writes raw files named after the server's; each read points it at a named pipe (FIFO) with
 * that name in a private temp directory, so bytes stream straight to the storages without a temp copy.
 * Without `--stop-never` the server sends what the file holds now and the tool stops: for a closed file
 * the whole file, for the active one every event written so far (always whole events).
 */
import { execFile } from 'node:child_process';
import { createReadStream, constants as fsc } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DatabaseError } from '../errors.js';
import { describeServer, namedRows, openServer, type BinlogServer } from './connection.js';
import { mapBinaryLogs } from './status.js';
import { findBinlogTool, privateDir, runTool, writeOptionFile } from './tool.js';
import type { BinlogSource, SourceFile, SourceRead } from './source.js';

const run = promisify(execFile);

export class ReplicationSource implements BinlogSource {
  readonly description: string;

  constructor(private readonly settings: BinlogServer, private readonly tool?: string) {
    this.description = `server ${describeServer(settings)}`;
  }

  async list(): Promise<SourceFile[]> {
    const conn = await openServer(this.settings);
    try {
      const rows = await namedRows(conn, 'SHOW BINARY LOGS');
      const files = mapBinaryLogs(rows).map((f) => ({ name: f.name, size: f.size, active: false }));
      if (files.length) files[files.length - 1]!.active = true;
      return files;
    } catch (err) {
      const e = err as { errno?: number; message: string };
      const hint = e.errno === 1381 ? ' (binary logging is not enabled on this server)' : e.errno === 1227 ? ' (the user needs REPLICATION CLIENT / BINLOG MONITOR and REPLICATION SLAVE)' : '';
      throw new DatabaseError('mysql', `${this.description}: SHOW BINARY LOGS failed: ${e.message}${hint}`, { cause: err });
    } finally {
      await conn.close().catch(() => conn.destroy());
    }
  }

  async read(file: SourceFile, opts: { signal?: AbortSignal; length?: number }): Promise<SourceRead> {
    const tool = await findBinlogTool(this.tool);
    const dir = await privateDir();
    try {
      const auth = await writeOptionFile(dir.path, this.settings);
      const fifo = join(dir.path, file.name);
      await run('mkfifo', ['-m', '600', fifo]);
      const args = [...auth, '--read-from-remote-server', '--raw', `--result-file=${dir.path}/`, file.name];
      const proc = runTool(tool, args, { signal: opts.signal, what: `${this.description}: reading ${file.name}` });
      // opening a FIFO for reading blocks until the tool opens it; if the tool dies first, open it
      // for writing ourselves so the read side sees end-of-file instead of waiting forever
      proc.child.once('close', () => void open(fifo, fsc.O_WRONLY | fsc.O_NONBLOCK).then((fh) => fh.close(), () => undefined));
      const stream = createReadStream(fifo, { highWaterMark: 1 << 20, ...(opts.length !== undefined ? { end: Math.max(0, opts.length - 1) } : {}) });
      // a reader that stops early (head reads, aborts) ends the tool; after a full read it exits by itself
      stream.once('close', () => {
        if (!stream.readableEnded && proc.child.exitCode === null) proc.child.kill('SIGTERM');
      });
      const done = proc.done.finally(() => dir.cleanup());
      done.catch(() => undefined);
      return { stream, done };
    } catch (err) {
      await dir.cleanup();
      throw err;
    }
  }

  async close(): Promise<void> {}
}
