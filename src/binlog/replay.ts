/**
 * Replaying binlogs: one `mariadb-binlog` run over every file of the chain (so temporary tables,
 * session variables and transactions that span files survive), from the dump's position to the stop
 * point, its SQL piped into the mysql driver's restore (one session, statement by statement).
 */
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { databaseDrivers } from '../dumpers/registry.js';
import type { RestoreResult } from '../dumpers/types.js';
import type { Logger } from '../util/log.js';
import type { RestorePlan } from './plan.js';
import { runTool } from './tool.js';

/** The tool's arguments for a plan: local files only, no option files read. */
export function replayArgs(plan: RestorePlan): string[] {
  const last = plan.files.at(-1)!;
  // a file still being written may end in a partial event: never let the tool read past the last complete one
  const stopAt = !plan.stop.atEnd ? plan.stop.coordinate.position : last.summary.size > last.summary.lastBoundary ? last.summary.lastBoundary : undefined;
  return [
    '--no-defaults',
    `--start-position=${plan.start.position}`,
    ...(stopAt !== undefined ? [`--stop-position=${stopAt}`] : []),
    ...(plan.database ? [`--database=${plan.database}`] : []),
    ...plan.files.map((f) => f.path),
  ];
}

/** Writes the replay SQL to `out` (dry run). */
export async function printReplay(tool: string, plan: RestorePlan, out: Writable, signal: AbortSignal): Promise<void> {
  const run = runTool(tool, replayArgs(plan), { signal, what: 'binlog replay' });
  await pipeline(run.stdout, out, { end: false });
  await run.done;
}

/** Replays the plan's binlogs into `target` (a mysql DSN). */
export async function replay(tool: string, plan: RestorePlan, target: string, opts: { signal: AbortSignal; log: Logger }): Promise<RestoreResult> {
  const run = runTool(tool, replayArgs(plan), { signal: opts.signal, what: 'binlog replay' });
  const driver = databaseDrivers.get('mysql');
  try {
    // the statement splitter is linear in a statement's length, so the pipe's 64 KiB chunks go straight in
    const result = await driver.restore(run.stdout, target, { signal: opts.signal, log: opts.log, safetyBackup: false });
    await run.done;
    return result;
  } catch (err) {
    // a tool that failed on its own explains more than the broken stream it left behind
    const toolFailed = run.child.exitCode !== null && run.child.exitCode !== 0;
    if (!toolFailed) run.child.kill('SIGTERM');
    if (toolFailed) await run.done;
    throw err;
  }
}
