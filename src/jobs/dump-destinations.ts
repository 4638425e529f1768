/**
 * What a dump job does with each destination after the fan-out: check what was stored, re-deliver
 * to a destination that failed transiently (copying from one that succeeded, when the job continues
 * past failures), write the manifest beside each good copy, and apply retention after a fully
 * successful run (or show its plan in a dry run).
 */
import { describeError, VerifyError } from '../errors.js';
import type { DumpJobConfig } from '../config/types.js';
import type { DumpInfo } from '../dumpers/types.js';
import type { DeliveryResult, Destination, DestinationOutcome } from '../pipeline/deliver.js';
import { buildManifest, writeManifest } from '../pipeline/manifest.js';
import { redeliver } from '../pipeline/redeliver.js';
import { applyRetention, describeRetention, retentionIsEmpty } from '../pipeline/retention.js';
import { templatePrefix } from '../restore/backups.js';
import type { ObjectInfo } from '../storages/types.js';
import type { DestinationResult, JobContext } from './types.js';

/** Re-delivery attempts for a destination that failed transiently, and the first backoff. */
export const DESTINATION_RETRIES = 3;
const DESTINATION_RETRY_MS = 1000;

export interface Settle {
  job: DumpJobConfig;
  result: DeliveryResult & { produced: DumpInfo };
  started: Date;
  finished: Date;
  recipients?: string[];
  ctx: JobContext;
}

/** The stored object must have exactly the bytes we sent. */
export function verifyStored(storage: string, key: string, info: ObjectInfo, size: number, sha256: string): void {
  if (info.size !== size) throw new VerifyError(`storage ${storage}: ${key}: stored ${info.size} bytes, sent ${size}`);
  if (info.checksum?.algo === 'sha256' && info.checksum.value !== sha256) {
    throw new VerifyError(`storage ${storage}: ${key}: sha256 mismatch (stored ${info.checksum.value}, sent ${sha256})`);
  }
}

async function retryFailed(o: DestinationOutcome, good: DestinationOutcome | undefined, s: Settle): Promise<ObjectInfo> {
  if (!good || (s.job.on_destination_failure ?? 'fail') !== 'continue') throw o.error;
  return redeliver(o, good, o.error, {
    retries: DESTINATION_RETRIES, baseMs: DESTINATION_RETRY_MS, size: s.result.bytes, sha256: s.result.sha256, signal: s.ctx.signal, log: s.ctx.log,
  });
}

/**
 * With `on_destination_failure: fail`, a destination that failed makes the whole delivery fail: copies
 * that completed before the failure (small files often do, since S3 sends them in one request at the
 * end) are removed, so that the outcome does not depend on timing.
 */
async function discardAll(s: Settle): Promise<DestinationResult[] | undefined> {
  const failed = s.result.outcomes.filter((o) => !o.ok);
  if (!failed.length || (s.job.on_destination_failure ?? 'fail') !== 'fail') return undefined;
  const names = failed.map((o) => o.storage.name).join(', ');
  return Promise.all(s.result.outcomes.map(async (o) => {
    if (!o.ok) return { storage: o.storage.name, key: o.key, ok: false, error: describeError(o.error) };
    await o.storage.delete(o.key).catch((err: unknown) => s.ctx.log.warn(`could not remove ${o.storage.name}:${o.key}: ${describeError(err)}`));
    return { storage: o.storage.name, key: o.key, ok: false, error: `removed: ${names} failed (on_destination_failure: fail)` };
  }));
}

/** One result per destination; a manifest is written beside every copy that checks out. */
export async function settleDestinations(s: Settle): Promise<DestinationResult[]> {
  const discarded = await discardAll(s);
  if (discarded) return discarded;
  const { result, job } = s;
  const good = result.outcomes.find((o) => o.ok);
  const out: DestinationResult[] = [];
  for (const o of result.outcomes) {
    try {
      const info = o.ok ? o.info! : await retryFailed(o, good, s);
      verifyStored(o.storage.name, o.key, info, result.bytes, result.sha256);
      const manifest = buildManifest({
        job: job.name, file: o.key, info: result.produced, started: s.started, finished: s.finished, size: result.bytes, sha256: result.sha256,
        rawSize: result.rawBytes, compression: job.compress, ...(s.recipients ? { encryption: 'age', recipients: s.recipients } : {}),
        nativeChecksum: info.checksum,
      });
      await writeManifest(o.storage, manifest, s.ctx.signal);
      out.push({ storage: o.storage.name, key: o.key, ok: true, bytes: result.bytes });
    } catch (err) {
      if (o.ok) await o.storage.delete(o.key).catch(() => undefined);
      out.push({ storage: o.storage.name, key: o.key, ok: false, error: describeError(err) });
    }
  }
  return out;
}

/**
 * Applies the job's retention to each destination (or, when `dryRun`, plans it as if `pending` —
 * the backup this run would make — were already there). Returns one summary line per destination;
 * a failing storage is reported, never fatal: the new backup is safe either way.
 */
export async function retentionLines(job: DumpJobConfig, destinations: (Destination & { filename: string })[], ctx: JobContext, dryRun: boolean): Promise<string[]> {
  if (retentionIsEmpty(job.retention)) return [];
  const lines: string[] = [];
  for (const d of destinations) {
    try {
      const outcome = await applyRetention({
        storage: d.storage, job: job.name, prefix: templatePrefix(d.filename, job.name), policy: job.retention!, now: new Date(),
        timeZone: job.timezone, dryRun, log: ctx.log, ...(dryRun ? { pending: d.key } : {}),
      });
      lines.push(describeRetention(outcome, dryRun));
    } catch (err) {
      ctx.log.warn(`retention ${d.storage.name}: ${describeError(err)}`);
      lines.push(`retention ${d.storage.name}: not applied (${describeError(err)})`);
    }
  }
  return lines;
}
