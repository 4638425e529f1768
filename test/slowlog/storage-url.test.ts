/** `onedump slow` reading logs through storage URLs (here `s3://` on a loopback S3 server): same report as local files. */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT, runCli } from '../harness/util.js';
import { startS3, type S3Server } from '../harness/s3.js';

const FIXTURES = join(ROOT, 'test/fixtures/slowlog');
const LOG = join(FIXTURES, 'mysql80.txt');
let s3: S3Server;
let bucket: string;

beforeAll(async () => {
  s3 = await startS3();
  bucket = await s3.bucket();
  const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  const text = readFileSync(LOG);
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'db1/slow.log', Body: text.subarray(0, text.length) }));
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'db1/slow.log.1.gz', Body: gzipSync(text) }));
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'db2/other.log', Body: Buffer.from('not a log at all\n') }));
  client.destroy();
}, 60_000);

afterAll(async () => {
  await s3?.stop();
});

const env = () => ({ AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_ENDPOINT_URL: s3.endpoint, AWS_REGION: 'us-east-1' });
const classes = (json: string) => (JSON.parse(json) as { classes: { id: string; count: number }[] }).classes.map((c) => [c.id, c.count]);

test('a glob over an S3 prefix reads every matching object (plain and gzip) like the same files on disk', async () => {
  const remote = await runCli(['slow', `s3://${bucket}/db1/slow.log*`, '--format', 'json', '--top', '0'], { env: env() });
  expect(remote.stderr).toBe('');
  expect(remote.code).toBe(0);
  const report = JSON.parse(remote.stdout) as { sources: { name: string; gzip: boolean }[] };
  expect(report.sources.map((s) => [s.name, s.gzip])).toEqual([[`s3://${bucket}:db1/slow.log`, false], [`s3://${bucket}:db1/slow.log.1.gz`, true]]);
  const local = await runCli(['slow', LOG, LOG, '--format', 'json', '--top', '0']);
  expect(classes(remote.stdout)).toEqual(classes(local.stdout));
});

test('an S3 URL that matches nothing is one clear line naming it, exit 2', async () => {
  const r = await runCli(['slow', `s3://${bucket}/nothing/here*`], { env: env() });
  expect(r.code).toBe(2);
  expect(r.stderr.trim()).toBe(`onedump: storage s3://${bucket}: nothing matches "nothing/here*"`);
});
