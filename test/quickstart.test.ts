/** The README's quickstart job, end to end through the built CLI, and its restore. */
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli, tempDir } from './harness/util.js';

test('quickstart backs up the shipped SQLite database and restores it identically', async () => {
  const t = tempDir();
  try {
    cpSync(join(ROOT, 'examples'), join(t.path, 'examples'), { recursive: true });
    const run = await runCli(['run', 'examples/quickstart.yaml', '--log-format', 'json'], { cwd: t.path });
    expect(run.stderr).toContain('"status":"success"');
    expect(run.code).toBe(0);
    const day = readdirSync(join(t.path, 'backups', 'quickstart'))[0]!;
    const files = readdirSync(join(t.path, 'backups', 'quickstart', day));
    expect(files.filter((f) => f.endsWith('.sql.gz'))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith('.sql.gz.manifest.json'))).toHaveLength(1);
    const manifest = JSON.parse(readFileSync(join(t.path, 'backups', 'quickstart', day, files.find((f) => f.endsWith('.json'))!), 'utf8'));
    expect(manifest.tables).toEqual({ customers: 4, orders: 4, counters: 2, sqlite_sequence: 1 });

    const target = join(t.path, 'restored.db');
    const restore = await runCli(['restore', 'examples/quickstart.yaml', '--job', 'quickstart', '--latest', '--to', `sqlite:${target}`], { cwd: t.path });
    expect(restore.code).toBe(0);
    const dump = (f: string) => execFileSync('sqlite3', [f, '.dump'], { encoding: 'utf8' });
    expect(dump(target)).toBe(dump(join(t.path, 'examples', 'quickstart.db')));
  } finally {
    t.cleanup();
  }
});
