/**
 * Custom-format archives (`pg_dump -Fc`, they start with `PGDMP`) restore through pg_restore: it turns
 * the archive, read from stdin, into the equivalent SQL script on stdout, which the native restore then
 * runs — so an archive gets exactly the same semantics as a plain dump (one transaction, safety backup
 * and replacement of existing objects, --tables, --dry-run). pg_restore needs no connection (and so no
 * password) for this; it runs as an argv array, and a failure of it fails the restore.
 */
import { DatabaseError } from '../errors.js';
import { feedStdin, startTool } from './libpq-tool.js';

const PG_RESTORE = 'pg_restore';

/** The SQL script of a custom-format archive, streamed. */
export async function* archiveScript(archive: AsyncIterable<Buffer>, signal: AbortSignal): AsyncGenerator<Buffer> {
  const env = { ...process.env };
  delete env.PGPASSWORD;
  const tool = startTool(PG_RESTORE, ['--file=-'], env, signal, { stdin: 'pipe' });
  const fed = feedStdin(tool.child, archive, signal);
  const done = tool.done.catch((err: Error) => {
    throw new DatabaseError('postgres', `reading the custom-format archive failed: ${err.message.replace(/^postgres: /, '')}`, { cause: err });
  });
  // surface an early failure (not an archive, too new a format) even if stdout never produces anything
  done.catch(() => undefined);
  try {
    for await (const chunk of tool.child.stdout!) yield chunk as Buffer;
    await Promise.all([fed, done]);
  } finally {
    if (tool.child.exitCode === null) tool.child.kill('SIGTERM');
  }
}
