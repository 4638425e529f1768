/**
 * Replaying binlogs: one `mariadb-binlog` run over every file of the chain (so temporary tables,
 * session variables and transactions that span files survive), from the dump's position to the stop
 * point, its SQL piped into the mysql driver's restore (one session, statement by statement).
 */
import { Transform, type TransformCallback, type Writable } from 'node:stream';
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

/**
 * Hands the SQL on in chunks of at least 4 MiB. Row events of one big statement become a single
 * `BINLOG '…'` statement of tens of MB, and the statement splitter's cost per chunk grows with the
 * statement read so far: 64 KiB pipe chunks made a 56 MB statement take 28 s to split, 4 MiB chunks 0.5 s.
 */
class Coalescer extends Transform {
  private parts: Buffer[] = [];
  private size = 0;
  constructor(private readonly min = 4 << 20) {
    super({ highWaterMark: 2 });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.parts.push(chunk);
    this.size += chunk.length;
    if (this.size >= this.min) this.release();
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.size) this.release();
    cb();
  }

  private release(): void {
    this.push(Buffer.concat(this.parts, this.size));
    this.parts = [];
    this.size = 0;
  }
}

/** Replays the plan's binlogs into `target` (a mysql DSN). */
export async function replay(tool: string, plan: RestorePlan, target: string, opts: { signal: AbortSignal; log: Logger }): Promise<RestoreResult> {
  const run = runTool(tool, replayArgs(plan), { signal: opts.signal, what: 'binlog replay' });
  const driver = databaseDrivers.get('mysql');
  try {
    const sql = run.stdout.pipe(new Coalescer());
    run.stdout.once('error', (err) => sql.destroy(err));
    const result = await driver.restore(sql, target, { signal: opts.signal, log: opts.log, safetyBackup: false });
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
