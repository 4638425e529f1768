/**
 * `s3`: a bucket (and key prefix) on AWS S3 or any S3-compatible service (MinIO, Ceph, R2, ...).
 *
 * Uploads stream through `@aws-sdk/lib-storage` multipart uploads of unknown length (`part_size` ×
 * (`upload_concurrency` + 1) bytes of memory at most); an object appears only when the upload
 * completes, and a failed or aborted upload is aborted so no parts linger. The ETag is checked
 * against MD5s computed while sending (single-part: the MD5; multipart: MD5 of the parts' MD5s), except
 * with SSE-KMS/SSE-C where the ETag is not an MD5. The native checksum reported is the MD5 of
 * single-part objects.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { NotFoundError, StorageError, VerifyError, isTransient } from '../errors.js';
import { PartMd5Meter } from './s3-etag.js';
import { checkKey, checkRange, joinKey, rangeHeader } from './keys.js';
import type { GetOptions, ObjectInfo, PutOptions, Storage, StorageFeatures, StorageKind } from './types.js';

type S3Module = typeof import('@aws-sdk/client-s3');
type UploadModule = typeof import('@aws-sdk/lib-storage');
type S3Client = import('@aws-sdk/client-s3').S3Client;

export interface S3StorageConfig {
  type: 's3';
  bucket: string;
  prefix?: string;
  region?: string;
  endpoint?: string;
  force_path_style?: boolean;
  access_key_id?: string;
  secret_access_key?: string;
  session_token?: string;
  storage_class?: string;
  server_side_encryption?: 'AES256' | 'aws:kms' | 'aws:kms:dsse';
  kms_key_id?: string;
  checksum_mode?: 'when_required' | 'when_supported';
  /** MiB. */
  part_size?: number;
  upload_concurrency?: number;
}

const MiB = 1024 * 1024;

export const s3Storage: StorageKind<S3StorageConfig> = {
  name: 's3',
  description: 'A bucket on AWS S3 or any S3-compatible service (MinIO, Ceph, Cloudflare R2, Wasabi, ...).',
  schema: {
    properties: {
      bucket: { type: 'string', minLength: 1, description: 'Bucket name.' },
      prefix: { type: 'string', description: 'Key prefix inside the bucket, e.g. `mysql/` (a `/` is added between prefix and file name when missing).' },
      region: { type: 'string', description: 'Region. Default: `AWS_REGION` / the AWS config, or `us-east-1` when `endpoint` is set.' },
      endpoint: { type: 'string', pattern: '^https?://', description: 'Endpoint URL of an S3-compatible service, e.g. `https://minio.internal:9000`.' },
      force_path_style: { type: 'boolean', default: false, description: 'Address the bucket as `endpoint/bucket/key` instead of `bucket.endpoint/key` (MinIO, Ceph and most self-hosted services need it).' },
      access_key_id: { type: 'string', description: 'Access key. Default: the AWS credential chain (environment, ~/.aws, instance/container role).' },
      secret_access_key: { type: 'string', description: 'Secret key (use `${VAR}`).' },
      session_token: { type: 'string', description: 'Session token of temporary credentials.' },
      storage_class: { type: 'string', examples: ['STANDARD_IA', 'GLACIER_IR'], description: 'Storage class of uploaded objects.' },
      server_side_encryption: { enum: ['AES256', 'aws:kms', 'aws:kms:dsse'], description: 'Server-side encryption of uploaded objects.' },
      kms_key_id: { type: 'string', description: 'KMS key for `server_side_encryption: aws:kms`.' },
      checksum_mode: {
        enum: ['when_required', 'when_supported'],
        description: 'When the SDK adds its own request checksums (CRC32, aws-chunked uploads). S3-compatible services mostly need `when_required`; default: `when_required` when `endpoint` is set, else `when_supported`.',
      },
      part_size: { type: 'integer', minimum: 5, maximum: 5120, default: 16, description: 'Multipart part size in MiB (an upload has at most 10,000 parts, so 16 MiB allows 160 GiB).' },
      upload_concurrency: { type: 'integer', minimum: 1, maximum: 32, default: 2, description: 'Parts uploaded in parallel.' },
    },
    required: ['bucket'],
  },
  check(config) {
    const issues: { path: string; message: string }[] = [];
    if (!!config.access_key_id !== !!config.secret_access_key) issues.push({ path: config.access_key_id ? 'secret_access_key' : 'access_key_id', message: 'access_key_id and secret_access_key go together' });
    if (config.kms_key_id && !config.server_side_encryption?.startsWith('aws:kms')) issues.push({ path: 'kms_key_id', message: 'kms_key_id needs server_side_encryption: aws:kms' });
    return issues;
  },
  async create(name, config) {
    // the SDK warns on every start that its 2027 releases will need Node 22: noise in a CLI's output
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const [sdk, lib] = await Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]);
    return new S3Storage(name, config, sdk, lib);
  },
};

function clientFor(config: S3StorageConfig, sdk: S3Module): S3Client {
  const mode = (config.checksum_mode ?? (config.endpoint ? 'when_required' : 'when_supported')) === 'when_required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
  return new sdk.S3Client({
    region: config.region ?? (config.endpoint ? process.env.AWS_REGION ?? 'us-east-1' : undefined),
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.force_path_style ?? false,
    ...(config.access_key_id && config.secret_access_key
      ? { credentials: { accessKeyId: config.access_key_id, secretAccessKey: config.secret_access_key, ...(config.session_token ? { sessionToken: config.session_token } : {}) } }
      : {}),
    requestChecksumCalculation: mode,
    responseChecksumValidation: mode,
  });
}

export class S3Storage implements Storage {
  readonly type = 's3';
  readonly features: StorageFeatures = { checksum: 'md5', listChecksums: true };
  private readonly client: S3Client;
  private readonly partSize: number;
  /** With SSE-KMS the ETag is not the MD5 of the content. */
  private readonly etagIsMd5: boolean;

  constructor(readonly name: string, private readonly config: S3StorageConfig, private readonly sdk: S3Module, private readonly lib: UploadModule) {
    this.client = clientFor(config, sdk);
    this.partSize = (config.part_size ?? 16) * MiB;
    this.etagIsMd5 = !config.server_side_encryption?.startsWith('aws:kms');
  }

  private objectKey(op: string, key: string): string {
    return joinKey(this.config.prefix, checkKey(this.name, op, key));
  }

  private fail(op: string, key: string, err: unknown): never {
    if (err instanceof StorageError) throw err;
    const e = err as { name?: string; message?: string; $retryable?: unknown };
    const transient = !!e.$retryable || isTransient(err);
    throw new StorageError(this.name, op, key, `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message ?? String(err)}`, { cause: err, transient });
  }

  async put(key: string, body: Readable, opts: PutOptions = {}): Promise<ObjectInfo> {
    const Key = this.objectKey('put', key);
    const meter = new PartMd5Meter(this.partSize);
    const onAbort = () => meter.destroy(opts.signal?.reason ?? new Error('aborted'));
    try {
      opts.signal?.throwIfAborted();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      // errors of `body` reach the upload through `meter`; destroying `meter` fails the upload, which
      // then aborts its multipart upload before `done()` settles
      pipeline(body, meter, () => undefined);
      const upload = new this.lib.Upload({
        client: this.client,
        partSize: this.partSize,
        queueSize: this.config.upload_concurrency ?? 2,
        leavePartsOnError: false,
        params: {
          Bucket: this.config.bucket, Key, Body: meter,
          ...(this.config.storage_class ? { StorageClass: this.config.storage_class as never } : {}),
          ...(this.config.server_side_encryption ? { ServerSideEncryption: this.config.server_side_encryption } : {}),
          ...(this.config.kms_key_id ? { SSEKMSKeyId: this.config.kms_key_id } : {}),
        },
      });
      await upload.done();
      opts.signal?.throwIfAborted();
      const info = await this.head('put', key, Key);
      if (!info) throw new StorageError(this.name, 'put', key, 'object missing right after its upload completed', { transient: true });
      await this.checkEtag(key, info, meter);
      return info.object;
    } catch (err) {
      body.destroy();
      meter.destroy();
      throw this.fail('put', key, opts.signal?.aborted ? opts.signal.reason ?? err : err);
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Compares the ETag with the MD5s computed while sending; on mismatch the object is deleted. */
  private async checkEtag(key: string, info: { object: ObjectInfo; etag: string }, meter: PartMd5Meter): Promise<void> {
    if (info.object.size !== meter.bytes) {
      await this.delete(key).catch(() => undefined);
      throw new VerifyError(`storage ${this.name}: put ${JSON.stringify(key)}: stored ${info.object.size} bytes, sent ${meter.bytes}`);
    }
    if (!this.etagIsMd5) return;
    const expected = meter.etag(info.etag.includes('-'));
    if (info.etag !== expected) {
      await this.delete(key).catch(() => undefined);
      throw new VerifyError(`storage ${this.name}: put ${JSON.stringify(key)}: ETag ${info.etag} does not match the content sent (${expected})`);
    }
  }

  private async head(op: string, key: string, Key: string): Promise<{ object: ObjectInfo; etag: string } | undefined> {
    try {
      const r = await this.client.send(new this.sdk.HeadObjectCommand({ Bucket: this.config.bucket, Key }));
      const etag = (r.ETag ?? '').replace(/"/g, '').toLowerCase();
      return { object: this.info(key, r.ContentLength ?? 0, r.LastModified, etag), etag };
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || (err as Error).name === 'NotFound' || (err as Error).name === 'NoSuchKey') return undefined;
      this.fail(op, key, err);
    }
  }

  private info(key: string, size: number, modified: Date | undefined, etag: string): ObjectInfo {
    const md5 = this.etagIsMd5 && /^[0-9a-f]{32}$/.test(etag) ? etag : undefined;
    return { key, size, modified: modified ?? new Date(0), ...(md5 ? { checksum: { algo: 'md5' as const, value: md5 } } : {}) };
  }

  async get(key: string, opts: GetOptions = {}): Promise<Readable> {
    const Key = this.objectKey('get', key);
    checkRange(this.name, key, opts.range);
    try {
      const r = await this.client.send(
        new this.sdk.GetObjectCommand({ Bucket: this.config.bucket, Key, ...(opts.range ? { Range: rangeHeader(opts.range) } : {}) }),
        { abortSignal: opts.signal as never },
      );
      return r.Body as Readable;
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) throw new NotFoundError(this.name, key);
      this.fail('get', key, err);
    }
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    return (await this.head('stat', key, this.objectKey('stat', key)))?.object;
  }

  async *list(prefix: string, opts: { signal?: AbortSignal } = {}): AsyncIterable<ObjectInfo> {
    const base = this.config.prefix ? joinKey(this.config.prefix, '') : '';
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new this.sdk.ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: base + prefix, ContinuationToken: token, MaxKeys: 1000 }),
          { abortSignal: opts.signal as never },
        );
      } catch (err) {
        this.fail('list', prefix, err);
      }
      for (const o of page.Contents ?? []) {
        if (!o.Key || o.Key.endsWith('/')) continue; // "folder" markers
        yield this.info(o.Key.slice(base.length), o.Size ?? 0, o.LastModified, (o.ETag ?? '').replace(/"/g, '').toLowerCase());
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey('delete', key) }));
    } catch (err) {
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return;
      this.fail('delete', key, err);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
