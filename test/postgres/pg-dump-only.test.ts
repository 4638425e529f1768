/**
 * Conversions, foreign-data wrappers and servers, publications and large objects: the native driver
 * refuses them by name; a plain pg_dump file of them restores through the native statement reader into
 * an identical database.
 */
import { execFileSync } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import winston from 'winston';
import { databaseDrivers } from '../../src/dumpers/registry.js';
import { createDb, fingerprint, futureDb, loadFixture, PG_HOST, PG_PORT, type TestDb } from '../harness/postgres.js';

const log = winston.createLogger({ silent: true });
const signal = new AbortController().signal;
const dbs: TestDb[] = [];
let src: TestDb;

beforeAll(async () => {
  src = await createDb();
  dbs.push(src);
  loadFixture(src, 'pg-dump-only.sql');
}, 60_000);

afterAll(async () => {
  for (const d of dbs) await d.drop();
});

test('the native driver names every kind it would leave out', async () => {
  const dumper = await databaseDrivers.get('postgres').createDumper({ driver: 'postgres', dsn: src.dsn }, { log, baseDir: '/tmp' });
  const err = await dumper.dump(new Writable({ write: (_c, _e, cb) => cb() }), { signal }).then(() => undefined, (e: Error) => e);
  for (const kind of ['conversion ext.latin1_to_utf8', 'foreign-data wrapper od_dummy_fdw', 'foreign server od_dummy_srv', 'publication od_readings', 'large object']) {
    expect(err?.message).toContain(kind);
  }
});

test('a pg_dump plain file of them restores natively into an identical database', async () => {
  const file = execFileSync('pg_dump', ['-h', PG_HOST, '-p', String(PG_PORT), '-U', 'postgres', src.name], { encoding: 'utf8', maxBuffer: 64 << 20 });
  expect(file).toContain('CREATE PUBLICATION od_readings');
  const target = futureDb();
  dbs.push(target);
  await databaseDrivers.get('postgres').restore(Readable.from([file]), target.dsn, { signal, log, baseDir: '/tmp', reopen: async () => Readable.from([file]) });
  const want = await fingerprint(src);
  const got = await fingerprint(target);
  expect(got.rows).toEqual(want.rows);
  expect(got.schema).toBe(want.schema);
  const blobs = 'SELECT encode(lo_get(oid), \'hex\') AS data FROM pg_largeobject_metadata';
  expect(await target.query(blobs)).toEqual([{ data: '00ff41' }]);
});
