/** s3 beyond the shared suite: storage class on every upload, the checksum mode, multipart ETags. */
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PartMd5Meter } from '../../src/storages/s3-etag.js';
import { isTransient } from '../../src/errors.js';
import { s3Storage, type S3StorageConfig } from '../../src/storages/s3.js';
import { logger } from '../../src/util/log.js';
import { generate } from '../conformance/storage/data.js';
import { startS3, type S3Server } from '../harness/s3.js';

let s3: S3Server;
let bucket: string;
beforeAll(async () => {
  s3 = await startS3();
  bucket = await s3.bucket();
});
afterAll(async () => s3?.stop());

const make = (over: Partial<S3StorageConfig> = {}) => s3Storage.create('b', {
  type: 's3', bucket, endpoint: s3.endpoint, force_path_style: true, access_key_id: s3.accessKeyId, secret_access_key: s3.secretAccessKey, part_size: 5, ...over,
}, { baseDir: '/', log: logger() });

test('storage_class applies to single-part and multipart uploads', async () => {
  const s = await make({ storage_class: 'STANDARD_IA', prefix: 'ia' });
  await s.put('small.bin', Readable.from([Buffer.from('x')]));
  await s.put('large.bin', generate(12 * 1024 * 1024).stream);
  const c = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  for (const k of ['ia/small.bin', 'ia/large.bin']) expect((await c.send(new HeadObjectCommand({ Bucket: bucket, Key: k }))).StorageClass).toBe('STANDARD_IA');
  c.destroy();
  const bad = await make({ storage_class: 'NO_SUCH_CLASS' });
  const err = await bad.put('x.bin', Readable.from([Buffer.from('x')])).catch((e: unknown) => e);
  expect((err as Error).message).toMatch(/^storage b: put "x.bin": InvalidStorageClass/);
  expect(isTransient(err)).toBe(false);
  await Promise.all([s.close(), bad.close()]);
});

test('checksum_mode reaches the SDK: when_required by default with an endpoint, else when_supported', async () => {
  const modes = async (over: Partial<S3StorageConfig>) => {
    const s = await make(over);
    const config = (s as unknown as { client: S3Client }).client.config;
    const out = [await config.requestChecksumCalculation(), await config.responseChecksumValidation()];
    await s.close();
    return out;
  };
  expect(await modes({})).toEqual(['WHEN_REQUIRED', 'WHEN_REQUIRED']);
  expect(await modes({ checksum_mode: 'when_supported' })).toEqual(['WHEN_SUPPORTED', 'WHEN_SUPPORTED']);
  expect(await modes({ endpoint: undefined, region: 'eu-west-1' })).toEqual(['WHEN_SUPPORTED', 'WHEN_SUPPORTED']);
});

test('the multipart ETag computed while sending is MD5 of the parts\' MD5s, parts cut at part_size', async () => {
  const part = 5 * 1024 * 1024;
  const data = Buffer.alloc(2 * part + 12345);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251;
  const meter = new PartMd5Meter(part);
  // chunks that straddle part boundaries
  await pipeline(Readable.from([data.subarray(0, part - 3), data.subarray(part - 3, 2 * part + 5), data.subarray(2 * part + 5)]), meter, new Writable({ write: (_c, _e, cb) => cb() }));
  const md5 = (b: Buffer) => createHash('md5').update(b).digest();
  const parts = [data.subarray(0, part), data.subarray(part, 2 * part), data.subarray(2 * part)].map(md5);
  expect(meter.etag(true)).toBe(`${createHash('md5').update(Buffer.concat(parts)).digest('hex')}-3`);
});
