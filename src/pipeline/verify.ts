/**
 * Verifying a stored backup against its manifest: the object is read back in full and its size and
 * sha256 compared with the manifest; the storage's native checksum (S3 MD5, Drive md5Checksum,
 * Dropbox content hash) is recomputed from the bytes and compared with what the storage reports now
 * and with what it reported at upload (recorded in the manifest).
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ChecksumMeter } from '../storages/checksum.js';
import type { ChecksumAlgo, Storage } from '../storages/types.js';
import { describeError } from '../errors.js';
import type { Manifest } from './manifest.js';

export interface VerifyReport {
  storage: string;
  key: string;
  ok: boolean;
  /** What does not match (empty when ok). */
  problems: string[];
  size?: number;
  sha256?: string;
  native?: { algo: ChecksumAlgo; value: string };
}

const short = (v: string) => `${v.slice(0, 16)}…`;

async function readBack(storage: Storage, key: string, algo: ChecksumAlgo | undefined, signal?: AbortSignal): Promise<ChecksumMeter> {
  const meter = new ChecksumMeter(['sha256', algo]);
  const sink = new Writable({ write: (_chunk, _enc, cb) => cb() });
  await pipeline(await storage.get(key, { signal }), meter, sink);
  return meter;
}

export async function verifyBackup(storage: Storage, key: string, manifest: Manifest, signal?: AbortSignal): Promise<VerifyReport> {
  const report: VerifyReport = { storage: storage.name, key, ok: false, problems: [] };
  const problems = report.problems;
  try {
    const st = await storage.stat(key);
    if (!st) {
      problems.push('the object is missing');
      return report;
    }
    if (st.size !== manifest.size) problems.push(`the storage reports ${st.size} bytes, the manifest ${manifest.size}`);
    const algo = storage.features?.checksum;
    const meter = await readBack(storage, key, algo, signal);
    report.size = meter.bytes;
    report.sha256 = meter.checksum('sha256').value;
    if (meter.bytes !== manifest.size) problems.push(`read ${meter.bytes} bytes, the manifest says ${manifest.size}`);
    if (report.sha256 !== manifest.sha256) problems.push(`sha256 ${short(report.sha256)} does not match the manifest's ${short(manifest.sha256)}`);
    if (algo) {
      const native = meter.checksum(algo);
      report.native = native;
      if (st.checksum?.algo === algo && st.checksum.value !== native.value) problems.push(`the storage's ${algo} ${short(st.checksum.value)} does not match the content (${short(native.value)})`);
      const recorded = manifest.native_checksum;
      if (recorded?.algo === algo && recorded.value !== native.value) problems.push(`${algo} ${short(native.value)} does not match the one recorded at upload (${short(recorded.value)})`);
    }
  } catch (err) {
    problems.push(describeError(err));
  }
  report.ok = problems.length === 0;
  return report;
}
