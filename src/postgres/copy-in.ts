/** One `COPY … FROM STDIN` in progress during a restore: bytes in with backpressure, errors kept. */
import type { Writable } from 'node:stream';
import type { PgClient } from './session.js';

export class CopySink {
  private readonly stream: Writable;
  private error?: unknown;

  private constructor(stream: Writable, private readonly wrap: (err: unknown) => Error) {
    this.stream = stream;
    this.stream.on('error', (err) => (this.error ??= err));
  }

  /** Starts `COPY … FROM STDIN`; server errors are reported through `wrap`. */
  static async start(client: PgClient, sql: string, wrap: (err: unknown) => Error): Promise<CopySink> {
    const { from: copyFrom } = await import('pg-copy-streams');
    return new CopySink(client.query(copyFrom(sql)), wrap);
  }

  /** Writes data, waiting when the connection is busy; throws the server's error once it has one. */
  async write(data: Buffer): Promise<void> {
    if (this.error) throw this.wrap(this.error);
    if (this.stream.write(data)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
      this.stream.on('close', done);
    });
    if (this.error) throw this.wrap(this.error);
  }

  /** Ends the data (the `\.` line) and waits for the server to accept it. */
  async end(): Promise<void> {
    if (this.error) throw this.wrap(this.error);
    await new Promise<void>((resolve, reject) => {
      this.stream.once('finish', () => resolve());
      this.stream.once('error', (err) => reject(this.wrap(err)));
      this.stream.end();
    }).catch((err) => {
      throw this.error ? this.wrap(this.error) : err;
    });
  }

  /** Abandons an unfinished COPY (sends CopyFail) so the connection can roll back; waits at most 5 s. */
  async abort(): Promise<void> {
    if (this.stream.destroyed || this.stream.writableFinished) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5000).unref();
      this.stream.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.stream.destroy(new Error('restore aborted'));
    });
  }
}
