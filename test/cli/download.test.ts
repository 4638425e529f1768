/**
 * `onedump download SRC DIR` from storage URLs with credentials from the environment: parallel,
 * complete, and skipping files already there with the same checksum.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { s3Storage } from '../../src/storages/s3.js';
import { sftpStorage } from '../../src/storages/sftp.js';
import { buildManifest, writeManifest } from '../../src/pipeline/manifest.js';
import { logger } from '../../src/util/log.js';
import { generate } from '../conformance/storage/data.js';
import { runCli, tempDir } from '../harness/util.js';
import { startS3, type S3Server } from '../harness/s3.js';
import { startSshd, type Sshd } from '../harness/sshd.js';
import { createHash } from 'node:crypto';

const t = tempDir('onedump-download-');
const ctx = { baseDir: '/', log: logger() };
let s3: S3Server;
let sshd: Sshd;
let bucket: string;
let env: NodeJS.ProcessEnv;
const files: Record<string, Buffer> = {
  'a.txt': Buffer.from('alpha'),
  'sub dir/b ü.txt': Buffer.from('beta'),
  'sub dir/deeper/c.bin': Buffer.alloc(70_000, 3),
};

beforeAll(async () => {
  [s3, sshd] = await Promise.all([startS3(), startSshd()]);
  bucket = await s3.bucket();
  env = { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_ENDPOINT_URL: s3.endpoint, AWS_REGION: 'us-east-1' };
  const s = await s3Storage.create('seed', { type: 's3', bucket, endpoint: s3.endpoint, force_path_style: true, access_key_id: s3.accessKeyId, secret_access_key: s3.secretAccessKey }, ctx);
  for (const [k, v] of Object.entries(files)) await s.put(`backups/${k}`, Readable.from([v]));
  await s.put('other/not-me.txt', Readable.from([Buffer.from('x')]));
  await s.close();
}, 60_000);
afterAll(async () => {
  await Promise.all([s3?.stop(), sshd?.stop()]);
  t.cleanup();
});

const download = (src: string, dir: string, extra: NodeJS.ProcessEnv = env) =>
  runCli(['download', src, dir, '--transfers', '3', '--format', 'json'], { cwd: t.path, env: extra });

test('everything under an S3 prefix arrives, then a second run skips it all', async () => {
  const out = join(t.path, 's3-out');
  const first = await download(`s3://${bucket}/backups`, out);
  expect(first.stderr).not.toMatch(/error/i);
  expect(first.code).toBe(0);
  expect(JSON.parse(first.stdout)).toMatchObject({ downloaded: expect.arrayContaining(Object.keys(files)), skipped: [], failed: [] });
  for (const [k, v] of Object.entries(files)) expect(readFileSync(join(out, ...k.split('/')))).toEqual(v);
  expect(existsSync(join(out, 'not-me.txt'))).toBe(false);
  const second = JSON.parse((await download(`s3://${bucket}/backups/`, out)).stdout);
  expect(second).toMatchObject({ downloaded: [], failed: [] });
  expect(second.skipped.sort()).toEqual(Object.keys(files).sort());
});

test('a local file that differs (same size) is fetched again', async () => {
  const out = join(t.path, 's3-out');
  writeFileSync(join(out, 'a.txt'), 'ALPHA');
  const r = JSON.parse((await download(`s3://${bucket}/backups`, out)).stdout);
  expect(r.downloaded).toEqual(['a.txt']);
  expect(readFileSync(join(out, 'a.txt'), 'utf8')).toBe('alpha');
});

test('one file over SFTP (key and known_hosts from the environment and the query); skipped by its manifest the next time', async () => {
  const s = await sftpStorage.create('seed', { type: 'sftp', host: sshd.host, port: sshd.port, user: sshd.user, key_file: sshd.keyFile, known_hosts: sshd.knownHosts, path: join(sshd.dir, 'srv') }, ctx);
  const src = generate(3 * 1024 * 1024 + 11);
  const info = await s.put('db/dump.sql.gz', src.stream);
  await writeManifest(s, buildManifest({
    job: 'j', file: 'db/dump.sql.gz', info: { driver: 'sqlite', tables: {} }, started: new Date(), finished: new Date(), size: info.size,
    sha256: src.checksum('sha256'), rawSize: 0, compression: 'gzip',
  }));
  await s.close();
  const url = `sftp://${sshd.user}@127.0.0.1:${sshd.port}${join(sshd.dir, 'srv', 'db', 'dump.sql.gz')}?known_hosts=${encodeURIComponent(sshd.knownHosts)}`;
  const sftpEnv = { ONEDUMP_SFTP_KEY_FILE: sshd.keyFile };
  const out = join(t.path, 'sftp-out');
  const first = await download(url, out, sftpEnv);
  expect(first.code).toBe(0);
  expect(createHash('sha256').update(readFileSync(join(out, 'dump.sql.gz'))).digest('hex')).toBe(src.checksum('sha256'));
  const again = JSON.parse((await download(url, out, sftpEnv)).stdout);
  expect(again).toMatchObject({ downloaded: [], skipped: ['dump.sql.gz'] });
});

test('missing credentials or a bad URL are usage errors naming what to set', async () => {
  const r = await download('dropbox:///backups', join(t.path, 'x'), {});
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('dropbox URL: no credentials; set ONEDUMP_DROPBOX_REFRESH_TOKEN, ONEDUMP_DROPBOX_CLIENT_ID, ONEDUMP_DROPBOX_CLIENT_SECRET');
  const bad = await download(`s3://${bucket}/x?regoin=eu`, join(t.path, 'x'));
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/unknown option regoin \(known: bucket, prefix, region/);
});
