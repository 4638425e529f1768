/**
 * An S3 server on loopback (s3rver in its own process, so that memory measured in the test process is
 * the client's alone). `bucket()` creates a fresh bucket; `uploadsLeft()` lists multipart uploads
 * that were neither completed nor aborted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ROOT, tempDir } from './util.js';

export interface S3Server {
  endpoint: string;
  dir: string;
  /** Credentials s3rver accepts. */
  accessKeyId: string;
  secretAccessKey: string;
  /** Creates a bucket with a unique name and returns it. */
  bucket(): Promise<string>;
  /** Ids of unfinished multipart uploads in `bucket`. */
  uploadsLeft(bucket: string): string[];
  stop(): Promise<void>;
}

export async function startS3(): Promise<S3Server> {
  const t = tempDir('onedump-s3-');
  const child: ChildProcess = spawn(process.execPath, ['--openssl-legacy-provider', join(ROOT, 'test/harness/s3rver-main.cjs'), t.path], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /LISTENING (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code}): ${err}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  return {
    endpoint, dir: t.path, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER',
    async bucket() {
      const name = `od-storages-${randomBytes(4).toString('hex')}`;
      await client.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    uploadsLeft(bucket) {
      const dir = join(t.path, bucket, '._S3rver_uploads');
      return existsSync(dir) ? readdirSync(dir) : [];
    },
    async stop() {
      client.destroy();
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      t.cleanup();
    },
  };
}
