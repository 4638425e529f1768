/**
 * Uploads one binlog file to several storages at once: source bytes → scan (a complete, well-formed
 * binlog, or the upload is aborted and nothing is published) → hash → compress once → fan out. Each
 * storage that received the file verified gets its manifest; only then does the file count as archived.
 */
import { once } from 'node:events';
import type { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { VerifyError, describeError } from '../errors.js';
import { verifyStored } from '../jobs/dump.js';
import { deliver } from '../pipeline/deliver.js';
import type { Storage } from '../storages/types.js';
import type { Logger } from '../util/log.js';
import { HEAD_BYTES, archiveKey, buildBinlogManifest, writeBinlogManifest, type BinlogManifest } from './archive-index.js';
import { BinlogHasher } from './hash.js';
import { BinlogScanStream, type BinlogSummary } from './scanner.js';
import type { BinlogSource, SourceFile } from './source.js';

export interface UploadRequest {
  job: string;
  source: BinlogSource;
  file: SourceFile;
  /** False: a copy of the active file, stored under a `.partial` key. */
  closed: boolean;
  /** Bytes to read (the active file's complete-events length in files mode). */
  length?: number;
  storages: Storage[];
  prefix: string;
  compression: 'gzip' | 'none';
  signal: AbortSignal;
  log: Logger;
}

export interface UploadResult {
  /** Manifests written, one per storage that holds the file now. */
  stored: { storage: Storage; manifest: BinlogManifest }[];
  failed: { storage: string; error: string }[];
  bytes: number;
}

interface Produced {
  summary: BinlogSummary;
  sha256: string;
  headSha256: string;
}

export async function uploadBinlog(req: UploadRequest): Promise<UploadResult> {
  const key = archiveKey(req.prefix, req.file.name, req.closed, req.compression);
  const result = await deliver<Produced>({
    destinations: req.storages.map((storage) => ({ storage, key })),
    compress: req.compression,
    onDestinationFailure: 'continue',
    signal: req.signal,
    log: req.log,
    produce: (out, signal) => produce(req, out, signal),
  });
  const up: UploadResult = { stored: [], failed: [], bytes: result.bytes };
  for (const o of result.outcomes) {
    if (!o.ok) {
      up.failed.push({ storage: o.storage.name, error: describeError(o.error) });
      continue;
    }
    try {
      verifyStored(o.storage.name, o.key, o.info!, result.bytes, result.sha256);
      const manifest = buildBinlogManifest({
        job: req.job, file: req.file.name, key, closed: req.closed, summary: result.produced.summary,
        sha256: result.produced.sha256, headSha256: result.produced.headSha256, storedSize: result.bytes,
        storedSha256: result.sha256, compression: req.compression,
      });
      await writeBinlogManifest(o.storage, manifest, req.signal);
      up.stored.push({ storage: o.storage, manifest });
    } catch (err) {
      await o.storage.delete(o.key).catch(() => undefined);
      up.failed.push({ storage: o.storage.name, error: describeError(err) });
    }
  }
  return up;
}

/** Streams the source through the scanner and hasher into `out`; rejects unless the bytes are a complete binlog. */
async function produce(req: UploadRequest, out: PassThrough, signal: AbortSignal): Promise<Produced> {
  const { stream, done } = await req.source.read(req.file, { signal, length: req.length });
  const scan = new BinlogScanStream(req.file.name);
  const hasher = new BinlogHasher(HEAD_BYTES);
  await pipeline(stream, scan, hasher, async (src: AsyncIterable<Buffer>) => {
    for await (const chunk of src) {
      if (!out.write(chunk)) await once(out, 'drain', { signal });
    }
  }, { signal });
  await done;
  const summary = scan.scanner.summary;
  if (req.closed && summary.size !== req.file.size) {
    throw new VerifyError(`${req.file.name}: read ${summary.size} bytes from ${req.source.description}, but the file has ${req.file.size}`);
  }
  if (req.closed && summary.inUse && summary.end === 'open') {
    req.log.warn(`${req.file.name}: closed without a rotate or stop event (the server crashed while writing it?); archiving it as it is`);
  }
  return { summary, ...hasher.digests() };
}
