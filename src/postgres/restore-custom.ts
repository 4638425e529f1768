/**
 * Custom-format archives (`pg_dump -Fc`) restore through pg_restore, fed on stdin:
 * `--single-transaction --exit-on-error` keeps it all-or-nothing; into a non-empty target the
 * relations it will replace are saved first (the same safety backup as the native path) and
 * `--clean --if-exists` replaces them. The password goes in a 0600 passfile, never on the command line.
 */
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { UsageError } from '../errors.js';
import type { RestoreOptions, RestoreResult } from '../dumpers/types.js';
import type { PgTarget } from './dsn.js';
import { feedStdin, startTool, withLibpqEnv } from './libpq-tool.js';
import { emptyContents, type DumpContents, type RelationKind } from './prescan.js';
import { dropCreated, findExisting, hasUserObjects, openTarget, safetyBackup } from './restore-target.js';
import { closePg } from './session.js';

const PG_RESTORE = 'pg_restore';

/** `pg_restore --list` of an archive. */
async function list(t: PgTarget, chunks: AsyncIterable<Buffer>, signal: AbortSignal): Promise<string[]> {
  return withLibpqEnv(t, t.database, async (env) => {
    const tool = startTool(PG_RESTORE, ['--list'], env, signal, { stdin: 'pipe' });
    let text = '';
    tool.child.stdout!.on('data', (d: Buffer) => (text += d.toString('utf8')));
    await Promise.all([feedStdin(tool.child, chunks, signal), tool.done]);
    return text.split('\n').filter((l) => l && !l.startsWith(';'));
  });
}

/** Relations and types an archive's table of contents creates. */
function contentsOf(toc: string[]): DumpContents {
  const c = emptyContents();
  for (const line of toc) {
    const m = /^\d+; \d+ \d+ (TABLE|VIEW|MATERIALIZED VIEW|SEQUENCE|FOREIGN TABLE|TYPE|DOMAIN|FUNCTION|PROCEDURE|AGGREGATE) (\S+) (.+) \S+$/.exec(line);
    if (!m) continue;
    const name = { schema: m[2], name: m[3]!.replace(/\(.*$/, '') };
    if (m[1] === 'TYPE' || m[1] === 'DOMAIN') c.types.push(name);
    else if (['FUNCTION', 'PROCEDURE', 'AGGREGATE'].includes(m[1]!)) c.functions.push(name);
    else c.relations.push({ kind: m[1] as RelationKind, name });
  }
  return c;
}

/** `--tables` as pg_restore takes them: `-t name` (a schema part becomes `-n schema`). */
function tableArgs(tables: string[] | undefined): string[] {
  const args: string[] = [];
  for (const t of tables ?? []) {
    const dot = t.lastIndexOf('.');
    if (dot > 0) args.push('-n', t.slice(0, dot));
    args.push('-t', dot > 0 ? t.slice(dot + 1) : t);
  }
  return args;
}

export async function restoreCustom(chunks: AsyncIterable<Buffer>, t: PgTarget, opts: RestoreOptions): Promise<RestoreResult> {
  if (opts.dryRun) {
    const toc = await list(t, chunks, opts.signal);
    for (const l of toc) opts.out?.write(`${l}\n`);
    return { statements: toc.length, tables: contentsOf(toc).relations.map((r) => `${r.name.schema}.${r.name.name}`) };
  }
  const opened = await openTarget(t, false);
  let safety: string | undefined;
  try {
    const nonEmpty = !opened.created && (await hasUserObjects(opened.client!));
    if (nonEmpty) {
      if (!opts.reopen) throw new UsageError('postgres: restoring an archive into a non-empty database needs to read it twice; restore through `onedump restore`');
      const contents = contentsOf(await list(t, (await opts.reopen()) as Readable & AsyncIterable<Buffer>, opts.signal));
      await opened.client!.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      const existing = await findExisting(opened.client!, contents, false);
      if (existing.relations.length && opts.safetyBackup !== false) {
        safety = await safetyBackup(opened.client!, t, existing, opts.baseDir ?? process.cwd(), opts.log, opts.signal);
        opts.log.info(`postgres: safety backup of ${existing.relations.length} relation(s) about to be replaced: ${safety}`);
      }
      await opened.client!.query('COMMIT');
    }
    await closePg(opened.client);
    return await runPgRestore(chunks, t, opts, nonEmpty);
  } catch (err) {
    await closePg(opened.client);
    if (opened.created) await dropCreated(t).catch(() => undefined);
    if (safety) await rm(safety, { force: true });
    throw err;
  }
}

async function runPgRestore(chunks: AsyncIterable<Buffer>, t: PgTarget, opts: RestoreOptions, clean: boolean): Promise<RestoreResult> {
  const args = ['--dbname', t.database, '--single-transaction', '--exit-on-error', '--no-password', '--verbose', ...(clean ? ['--clean', '--if-exists'] : []), ...tableArgs(opts.tables)];
  let statements = 0;
  const tables: string[] = [];
  await withLibpqEnv(t, t.database, async (env) => {
    const tool = startTool(PG_RESTORE, args, env, opts.signal, {
      stdin: 'pipe',
      onStderrLine: (line) => {
        if (/^pg_restore: (creating|processing|executing)/.test(line)) statements++;
        const m = /^pg_restore: processing data for table "(.+)"$/.exec(line);
        if (m) tables.push(m[1]!);
      },
    });
    tool.child.stdout!.resume();
    await Promise.all([feedStdin(tool.child, chunks, opts.signal), tool.done]);
  });
  return { statements, tables };
}
