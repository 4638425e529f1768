/** `onedump verify`: re-reads stored backups and checks them against their manifests, per storage. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { s3Storage } from '../../src/storages/s3.js';
import { logger } from '../../src/util/log.js';
import { runCli, tempDir } from '../harness/util.js';
import { startS3, type S3Server } from '../harness/s3.js';

const t = tempDir('onedump-verify-');
let s3: S3Server;
let bucket: string;
let key: string;

beforeAll(async () => {
  s3 = await startS3();
  bucket = await s3.bucket();
  const db = new Database(join(t.path, 'app.db'));
  db.exec("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('verify me');");
  db.close();
  writeFileSync(join(t.path, 'jobs.yaml'), `
storages:
  disk: { type: local, path: ./backups }
  bucket: { type: s3, bucket: ${bucket}, endpoint: "${s3.endpoint}", force_path_style: true, access_key_id: ${s3.accessKeyId}, secret_access_key: ${s3.secretAccessKey} }
jobs:
  - name: v
    type: dump
    database: { driver: sqlite, dsn: "sqlite:./app.db" }
    to: [disk, bucket]
`);
  expect((await runCli(['run', 'jobs.yaml'], { cwd: t.path })).code).toBe(0);
  key = `v/${readdirSync(join(t.path, 'backups', 'v')).find((f) => f.endsWith('.gz'))!}`;
}, 60_000);
afterAll(async () => {
  await s3?.stop();
  t.cleanup();
});

const verify = (...extra: string[]) => runCli(['verify', 'jobs.yaml', '--job', 'v', ...extra], { cwd: t.path });

test('an intact backup checks out in every storage, with each one\'s own checksum', async () => {
  const r = await verify();
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`^OK {6}disk:${key} .* sha256 [0-9a-f]{16}… {2}sha256 [0-9a-f]{16}…$`, 'm'));
  expect(r.stdout).toMatch(new RegExp(`^OK {6}bucket:${key} .* sha256 [0-9a-f]{16}… {2}md5 [0-9a-f]{16}…$`, 'm'));
  const json = JSON.parse((await verify('--backup', key, '--format', 'json')).stdout);
  expect(json.map((x: { storage: string; ok: boolean }) => [x.storage, x.ok])).toEqual([['disk', true], ['bucket', true]]);
});

test('restore --from s3://BUCKET/KEY reads the same backup through a storage URL (credentials from the environment)', async () => {
  const target = join(t.path, 'from-s3.db');
  const env = { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_ENDPOINT_URL: s3.endpoint, AWS_REGION: 'us-east-1' };
  const r = await runCli(['restore', '--from', `s3://${bucket}/${key}`, '--to', `sqlite:${target}`, '--log-format', 'json'], { cwd: t.path, env });
  expect(r.code).toBe(0);
  expect(r.stderr).toContain(`verifying s3://${bucket}:${key} against its manifest`);
  const rows = new Database(target, { readonly: true }).prepare('SELECT x FROM t').all();
  expect(rows).toEqual([{ x: 'verify me' }]);
});

test('a corrupted copy fails verification, naming the storage and what differs', async () => {
  const file = join(t.path, 'backups', key);
  const bytes = readFileSync(file);
  bytes[bytes.length - 5]! ^= 0xff;
  writeFileSync(file, bytes);
  const r = await verify();
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(new RegExp(`^FAILED  disk:${key}: sha256 [0-9a-f]{16}… does not match the manifest's`, 'm'));
  expect(r.stdout).toMatch(new RegExp(`^OK {6}bucket:${key}`, 'm'));
});

test('an object replaced behind our back fails on sha256 and on the MD5 recorded at upload', async () => {
  const s = await s3Storage.create('x', { type: 's3', bucket, endpoint: s3.endpoint, force_path_style: true, access_key_id: s3.accessKeyId, secret_access_key: s3.secretAccessKey }, { baseDir: '/', log: logger() });
  const size = (await s.stat(key))!.size;
  await s.put(key, Readable.from([Buffer.alloc(size, 7)]));
  await s.close();
  const r = await verify('--storage', 'bucket');
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/^FAILED {2}bucket:.*: sha256 .* does not match the manifest's .*; md5 .* does not match the one recorded at upload/m);
});

test('no such backup is a usage error', async () => {
  const r = await verify('--backup', 'v/nope.sql.gz');
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('job v has no backup "v/nope.sql.gz"');
});
