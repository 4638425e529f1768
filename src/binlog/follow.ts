/**
 * Continuous archiving in the daemon: archive passes one after another, `poll_interval` apart, until
 * told to stop. A file the server closes (rotation) is archived by the next pass; with
 * `include_active`, the partial copy of the active file is refreshed every `active_interval` (a fresh
 * copy of the whole file each time, so not every poll).
 *
 * A pass that fails ends the run with an error: the daemon reports it and starts the job again after
 * `retry_delay`. Stopping waits for the pass in flight; nothing is left half-uploaded.
 */
import { JobError } from '../errors.js';
import { archivePass, type ArchivePassOptions, type ArchivePassReport } from './archive.js';
import type { BinlogManifest } from './archive-index.js';

export interface FollowOptions extends ArchivePassOptions {
  stop: AbortSignal;
  pollMs: number;
  activeMs: number;
  /** Runs after a pass that archived closed files (retention). */
  afterUpload?: () => Promise<void>;
}

export interface FollowReport {
  passes: number;
  uploaded: number;
  partials: number;
}

export async function follow(o: FollowOptions): Promise<FollowReport> {
  const verified = new Set<string>();
  const manifestCache = new Map<string, BinlogManifest>();
  const totals: FollowReport = { passes: 0, uploaded: 0, partials: 0 };
  let activeAt = 0;
  while (!o.stop.aborted) {
    const includeActive = o.includeActive && Date.now() - activeAt >= o.activeMs;
    const report = await archivePass({ ...o, includeActive, verified, manifestCache });
    if (includeActive) activeAt = Date.now();
    totals.passes++;
    totals.uploaded += report.uploaded.filter((u) => !u.partial).length;
    totals.partials += report.uploaded.filter((u) => u.partial).length;
    if (report.failed.length) throw passFailure(o.job, report);
    if (report.uploaded.some((u) => !u.partial)) await o.afterUpload?.();
    await pause(o.pollMs, o.stop, o.signal);
  }
  return totals;
}

export function passFailure(job: string, report: ArchivePassReport): JobError {
  const first = report.failed[0]!;
  const more = report.failed.length > 1 ? ` (and ${report.failed.length - 1} more)` : '';
  const error = first.error.startsWith(first.file) ? first.error : `${first.file}: ${first.error}`;
  return new JobError(job, `${first.storage && !error.includes(first.storage) ? `storage ${first.storage}: ` : ''}${error}${more}`);
}

/** Waits `ms`, or less when either signal aborts. */
function pause(ms: number, ...signals: AbortSignal[]): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const s of signals) s.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const s of signals) s.addEventListener('abort', done, { once: true });
  });
}
