/**
 * One SFTP connection (ssh2-sftp-client over ssh2) that reconnects on demand after it drops, plus the
 * few SFTP calls the sftp storage needs, as promises. Status code 2 (no such file) is reported as
 * `undefined` where "missing" is a normal answer.
 */
import type { ConnectConfig, FileEntryWithStats, SFTPWrapper, Stats } from 'ssh2';
import type { HostKeyCheck } from '../ssh/host-key.js';
import type { Logger } from '../util/log.js';

type SftpClientClass = typeof import('ssh2-sftp-client');
type SftpClientInstance = InstanceType<SftpClientClass>;

export const NO_SUCH_FILE = 2;
export const EOF = 1;

export function sftpCode(err: unknown): number | string | undefined {
  return (err as { code?: number | string } | undefined)?.code;
}

function call<T>(fn: (cb: (err: Error | undefined | null, v: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))));
}

export class SftpSession {
  private client?: SftpClientInstance;
  private current?: Promise<SFTPWrapper>;
  /** Increases with every new connection; lets callers tell a dead connection's callbacks apart. */
  generation = 0;
  private alive = false;
  private closed = false;

  constructor(
    private readonly Client: SftpClientClass,
    private readonly config: ConnectConfig,
    private readonly hostKey: HostKeyCheck,
    private readonly log: Logger,
  ) {}

  /** The live connection, connecting first when there is none. */
  sftp(): Promise<SFTPWrapper> {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    if (!this.current || !this.alive) this.current = this.connect();
    return this.current;
  }

  isAlive(generation: number): boolean {
    return this.alive && generation === this.generation;
  }

  private async connect(): Promise<SFTPWrapper> {
    this.alive = true;
    const generation = ++this.generation;
    const dead = () => {
      if (generation === this.generation) this.alive = false;
    };
    const client = new this.Client('onedump', {
      error: (err: unknown) => void this.log.debug(`sftp connection error: ${(err as Error).message}`),
      end: dead,
      close: dead,
    });
    this.client = client;
    try {
      const sftp = await client.connect(this.config);
      sftp.on('error', (err: Error) => this.log.debug(`sftp channel error: ${err.message}`));
      return sftp;
    } catch (err) {
      dead();
      const refused = this.hostKey.reason();
      throw refused ? new Error(refused, { cause: err }) : err;
    }
  }

  /** Drops the current connection (the next `sftp()` reconnects). */
  async drop(): Promise<void> {
    this.alive = false;
    const c = this.client;
    this.client = undefined;
    this.current = undefined;
    await c?.end().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.drop();
  }

  async stat(path: string): Promise<Stats | undefined> {
    const sftp = await this.sftp();
    try {
      return await call<Stats>((cb) => sftp.stat(path, cb));
    } catch (err) {
      if (sftpCode(err) === NO_SUCH_FILE) return undefined;
      throw err;
    }
  }

  /** Creates `dir` and its missing parents (concurrent callers may race: "exists" is success). */
  async mkdirp(dir: string): Promise<void> {
    const sftp = await this.sftp();
    try {
      await call<void>((cb) => sftp.mkdir(dir, cb));
    } catch (err) {
      if (sftpCode(err) === NO_SUCH_FILE) {
        await this.mkdirp(dir.slice(0, dir.lastIndexOf('/')) || '/');
        return this.mkdirp(dir);
      }
      const st = await this.stat(dir);
      if (!st?.isDirectory()) throw err;
    }
  }

  /** Renames over an existing target (posix-rename@openssh.com, else unlink + rename). */
  async replace(from: string, to: string): Promise<void> {
    const sftp = await this.sftp();
    try {
      await call<void>((cb) => sftp.ext_openssh_rename(from, to, cb));
    } catch (err) {
      if (!/not supported/i.test((err as Error).message)) throw err;
      await this.unlink(to);
      await call<void>((cb) => sftp.rename(from, to, cb));
    }
  }

  /** Unlinks; a missing file is not an error. */
  async unlink(path: string): Promise<void> {
    const sftp = await this.sftp();
    try {
      await call<void>((cb) => sftp.unlink(path, cb));
    } catch (err) {
      if (sftpCode(err) !== NO_SUCH_FILE) throw err;
    }
  }

  /** Removes `dir` if empty; false when it is not (or cannot be removed). */
  async rmdirIfEmpty(dir: string): Promise<boolean> {
    const sftp = await this.sftp();
    return call<void>((cb) => sftp.rmdir(dir, cb)).then(() => true, () => false);
  }

  async realpath(path: string): Promise<string> {
    const sftp = await this.sftp();
    return call<string>((cb) => sftp.realpath(path, cb));
  }

  /** Directory entries page by page (one SFTP READDIR reply each); nothing when `dir` is missing. */
  async *readdir(dir: string): AsyncGenerator<FileEntryWithStats[]> {
    const sftp = await this.sftp();
    let handle: Buffer;
    try {
      handle = await call<Buffer>((cb) => sftp.opendir(dir, cb));
    } catch (err) {
      if (sftpCode(err) === NO_SUCH_FILE) return;
      throw err;
    }
    try {
      for (;;) {
        let page: FileEntryWithStats[] | false;
        try {
          page = await call<FileEntryWithStats[] | false>((cb) => sftp.readdir(handle, cb));
        } catch (err) {
          if (sftpCode(err) === EOF) return;
          throw err;
        }
        if (!page) return;
        yield page;
      }
    } finally {
      await call<void>((cb) => sftp.close(handle, cb)).catch(() => undefined);
    }
  }
}
