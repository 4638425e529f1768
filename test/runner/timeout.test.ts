/**
 * A job's `timeout` fires however the process's garbage collector runs. The job waits on a table
 * lock another session holds (an asynchronous wait that would last forever), in a CLI process that
 * collects garbage every 20 ms: the run must still end as "timed out", leaving nothing stored.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { createDb, PG_HOST, PG_PORT, type TestDb } from '../harness/postgres.js';
import { writeJobDir } from '../harness/job-files.js';
import { ROOT, runCli, tempDir } from '../harness/util.js';

let t: { path: string; cleanup(): void };
let db: TestDb;
let locker: pg.Client;

beforeAll(async () => {
  t = tempDir();
  db = await createDb();
  await db.query('CREATE TABLE busy (id int PRIMARY KEY); INSERT INTO busy VALUES (1)');
  locker = new pg.Client({ host: PG_HOST, port: PG_PORT, user: 'postgres', database: db.name });
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE busy IN ACCESS EXCLUSIVE MODE');
});

afterAll(async () => {
  await locker.query('ROLLBACK').catch(() => undefined);
  await locker.end();
  await db.drop();
  t.cleanup();
});

test('timeout aborts a job blocked on a lock even under constant garbage collection', async () => {
  const dir = writeJobDir(t.path, 'gc', `storages:\n  local: { type: local, path: ./out }\njobs:\n  - name: blocked\n    type: dump\n    database: { driver: postgres, dsn: "${db.dsn}" }\n    filename: "{job}.sql.gz"\n    timeout: 1s\n    to: [local]\n`);
  const gcPressure = join(ROOT, 'test/harness/gc-pressure.cjs');
  const started = Date.now();
  const r = await runCli(['run', 'jobs.yaml', '--format', 'json'], {
    cwd: dir, timeoutMs: 30_000, env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${gcPressure}` },
  });
  expect(r.code).toBe(1);
  const [res] = JSON.parse(r.stdout) as { status: string; error: string }[];
  expect(res).toMatchObject({ status: 'aborted', error: 'timed out after 1.0s' });
  expect(Date.now() - started).toBeLessThan(20_000);
  const out = join(dir, 'out');
  expect(existsSync(out) ? readdirSync(out, { recursive: true }) : []).toEqual([]);
});
