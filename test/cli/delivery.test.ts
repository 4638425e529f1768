/**
 * One dump job delivering to local + S3 + SFTP at once, through the built CLI, when one destination
 * fails: the documented outcome of `on_destination_failure: fail` and `continue` (docs/storages.md).
 */
import { randomBytes, createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { runCli, tempDir } from '../harness/util.js';
import { startS3, type S3Server } from '../harness/s3.js';
import { startSshd, type Sshd } from '../harness/sshd.js';
import { startTcpProxy, type TcpProxy } from '../harness/tcp-proxy.js';
import { tempFilesUnder } from '../conformance/storage/fixtures.js';

let s3: S3Server;
let sshd: Sshd;
let proxy: TcpProxy;
const work = tempDir('onedump-delivery-');

beforeAll(async () => {
  [s3, sshd] = await Promise.all([startS3(), startSshd()]);
  proxy = await startTcpProxy(sshd.port);
  // ~4 MiB of random blobs: gzip cannot shrink them, so uploads take a while
  const db = new Database(join(work.path, 'app.db'));
  db.exec('CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO blobs VALUES (?, ?)');
  for (let i = 0; i < 64; i++) insert.run(i, randomBytes(64 * 1024));
  db.close();
}, 60_000);
afterAll(async () => {
  await proxy?.stop();
  await Promise.all([s3?.stop(), sshd?.stop()]);
  work.cleanup();
});

interface Setup {
  name: string;
  policy: 'fail' | 'continue';
  bucket: string;
}

function jobFile(s: Setup): string {
  const file = join(work.path, `${s.name}.yaml`);
  writeFileSync(file, `
storages:
  disk: { type: local, path: ./out-${s.name}/disk }
  bucket:
    type: s3
    bucket: ${s.bucket}
    prefix: db/
    endpoint: ${s3.endpoint}
    force_path_style: true
    access_key_id: ${s3.accessKeyId}
    secret_access_key: ${s3.secretAccessKey}
  nas:
    type: sftp
    host: 127.0.0.1
    port: ${proxy.port}
    user: ${sshd.user}
    key_file: ${sshd.keyFile}
    host_key_fingerprint: "${sshd.fingerprint}"
    path: ${join(sshd.dir, `nas-${s.name}`)}
jobs:
  - name: ${s.name}
    type: dump
    database: { driver: sqlite, dsn: "sqlite:./app.db" }
    filename: "{job}/{job}-{timestamp}{ext}"
    on_destination_failure: ${s.policy}
    to: [disk, bucket, nas]
`);
  return file;
}

async function s3Keys(bucket: string): Promise<string[]> {
  const c = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  const r = await c.send(new ListObjectsV2Command({ Bucket: bucket }));
  c.destroy();
  return (r.Contents ?? []).map((o) => o.Key!).sort();
}

function filesIn(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort() : [];
}

/** Backup + manifest in a directory, with the manifest's sha256 matching the file. */
function checkBackupIn(dir: string): void {
  const files = filesIn(dir);
  expect(files).toHaveLength(2);
  const backup = files.find((f) => f.endsWith('.sql.gz'))!;
  const manifest = JSON.parse(readFileSync(join(dir, `${backup}.manifest.json`), 'utf8'));
  expect(createHash('sha256').update(readFileSync(join(dir, backup))).digest('hex')).toBe(manifest.sha256);
}

async function run(file: string) {
  const r = await runCli(['run', file, '--format', 'json', '--log-format', 'json', '--log-level', 'debug'], { cwd: work.path, timeoutMs: 40_000 });
  if (process.env.DEBUG_CLI) console.log(r.stdout, r.stderr);
  return { ...r, result: JSON.parse(r.stdout)[0] };
}

test('continue: the healthy destinations keep a complete backup with its manifest; the job still fails', async () => {
  // a bucket that does not exist: S3 answers NoSuchBucket, which no retry can fix
  const bucket = 'od-storages-missing-bucket';
  const r = await run(jobFile({ name: 'cont', policy: 'continue', bucket }));
  expect(r.code).toBe(1);
  expect(r.result.status).toBe('failure');
  expect(r.result.error).toMatch(/^job cont: 1 of 3 destinations failed: bucket: storage bucket: put "cont\/cont-\d{8}T\d{6}Z\.sql\.gz": NoSuchBucket/);
  expect(r.result.destinations.map((d: { storage: string; ok: boolean }) => [d.storage, d.ok])).toEqual([['disk', true], ['bucket', false], ['nas', true]]);
  checkBackupIn(join(work.path, 'out-cont', 'disk', 'cont'));
  checkBackupIn(join(sshd.dir, 'nas-cont', 'cont'));
}, 60_000);

test('fail: one failing destination aborts the delivery everywhere; nothing is stored', async () => {
  const r = await run(jobFile({ name: 'strict', policy: 'fail', bucket: 'od-storages-missing-bucket' }));
  expect(r.code).toBe(1);
  expect(r.result.error).toMatch(/storage bucket: put .*NoSuchBucket/);
  // S3 sends a file this small in one request at the end, so the others may have finished first:
  // their copies are removed all the same
  expect(r.result.destinations.filter((d: { ok: boolean }) => !d.ok).map((d: { storage: string; error: string }) => [d.storage, d.error.startsWith('removed:') ? 'removed' : 'failed']))
    .toEqual([['disk', expect.any(String)], ['bucket', 'failed'], ['nas', expect.any(String)]]);
  expect(filesIn(join(work.path, 'out-strict', 'disk'))).toEqual([]);
  expect(filesIn(join(sshd.dir, 'nas-strict'))).toEqual([]);
  expect(tempFilesUnder(work.path)).toEqual([]);
  expect(tempFilesUnder(sshd.dir)).toEqual([]);
}, 60_000);

test('continue: a destination that failed transiently gets the backup again from a good copy', async () => {
  const bucket = await s3.bucket();
  // the SFTP connection drops mid-upload and the server stays unreachable while the storage tries
  // to resume (4 attempts); the re-delivery a second later gets through
  proxy.cutAfter(1024 * 1024, 4);
  const r = await run(jobFile({ name: 'heal', policy: 'continue', bucket }));
  expect(r.result.status).toBe('success');
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/destination nas failed \(.*\); copying the backup from disk in \d+ ms \(retry 1\/3\)/);
  checkBackupIn(join(work.path, 'out-heal', 'disk', 'heal'));
  checkBackupIn(join(sshd.dir, 'nas-heal', 'heal'));
  expect((await s3Keys(bucket)).map((k) => k.replace(/\d{8}T\d{6}Z/, 'T'))).toEqual(['db/heal/heal-T.sql.gz', 'db/heal/heal-T.sql.gz.manifest.json']);
  expect(s3.uploadsLeft(bucket)).toEqual([]);
}, 90_000);
