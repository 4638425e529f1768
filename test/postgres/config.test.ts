/**
 * Configuration of the PostgreSQL drivers: the example validates, bad settings are one clear line,
 * and `ctx.endpoint` (an SSH tunnel's local end) replaces the DSN's host and port for both drivers.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import winston from 'winston';
import { databaseDrivers } from '../../src/dumpers/registry.js';
import { parsePgDsn } from '../../src/postgres/dsn.js';
import { createDb, PG_HOST, PG_PORT, pgQuery, type TestDb } from '../harness/postgres.js';
import { ROOT, runCli, tempDir } from '../harness/util.js';

const log = winston.createLogger({ silent: true });
const dir = tempDir('od-pg-cfg-');
let db: TestDb;

beforeAll(async () => {
  db = await createDb();
  await db.query('CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2)');
});

afterAll(async () => {
  await db.drop();
  dir.cleanup();
});

test('examples/postgres.yaml validates', async () => {
  const r = await runCli(['validate', join(ROOT, 'examples/postgres.yaml')]);
  expect(r.stderr + r.stdout).toMatch(/postgres\.yaml: ok/);
  expect(r.code).toBe(0);
});

test('settings pg_dump cannot honour are rejected at load, naming the place', async () => {
  const head = 'storages:\n  l: { type: local, path: ./b }\njobs:\n  - name: j\n    type: dump\n    to: [l]\n    database:\n      driver: pg_dump\n      dsn: postgres://u@h/d\n';
  const file = join(dir.path, 'bad.yaml');
  writeFileSync(file, `${head}      where: { t: "id > 1" }\n      options: ["--no-owner", "--file=/tmp/x"]\n`);
  const r = await runCli(['validate', file]);
  expect(r.code).toBe(1);
  expect(r.stdout + r.stderr).toContain(`${file}:10:14: jobs[0].database.where: pg_dump cannot filter rows; use driver postgres for where:`);
  expect(r.stdout + r.stderr).toContain(`${file}:11:31: jobs[0].database.options[1]: "--file=/tmp/x" is set by onedump`);
  const schema = join(dir.path, 'parallel.yaml');
  writeFileSync(schema, `${head}      parallel: 2\n`);
  const p = await runCli(['validate', schema]);
  expect(p.code).toBe(1);
  expect(p.stdout + p.stderr).toMatch(/parallel\.yaml:10:\d+: .*parallel/);
});

test('DSNs: postgres:// and postgresql://, sslmode, escaped passwords; bad ones are a usage error', () => {
  expect(parsePgDsn('postgresql://a%40b:p%3Ass@db.example:6543/app?sslmode=require')).toMatchObject({
    host: 'db.example', port: 6543, user: 'a@b', password: 'p:ss', database: 'app', sslmode: 'require',
  });
  expect(parsePgDsn('postgres://u@h/')).toMatchObject({ port: 5432, database: 'u' });
  expect(() => parsePgDsn('postgres://u@h/d?sslmode=sometimes')).toThrow(/sslmode "sometimes" is not one of/);
  expect(() => parsePgDsn('mysql://u@h/d')).toThrow(/not postgres:\/\//);
});

/** A TCP relay to the real server, counting connections. */
async function relay(): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let n = 0;
  const open = new Set<Socket>();
  const server: Server = createServer((sock) => {
    n++;
    const up = connect(PG_PORT, PG_HOST);
    for (const s of [sock, up]) {
      open.add(s);
      s.on('close', () => open.delete(s));
    }
    sock.pipe(up).pipe(sock);
    sock.on('error', () => up.destroy());
    up.on('error', () => sock.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => n,
    close: () => new Promise((r) => {
      for (const s of open) s.destroy();
      server.close(() => r());
    }),
  };
}

test.each(['postgres', 'pg_dump'])('driver %s connects to ctx.endpoint instead of the DSN host and port', async (driver) => {
  const tunnel = await relay();
  try {
    const dsn = `postgres://postgres@unreachable.invalid:1/${db.name}`;
    expect(databaseDrivers.get(driver).endpoint({ driver, dsn })).toEqual({ host: 'unreachable.invalid', port: 1 });
    const dumper = await databaseDrivers.get(driver).createDumper({ driver, dsn }, { log, baseDir: dir.path, endpoint: { host: '127.0.0.1', port: tunnel.port } });
    let text = '';
    const out = new Writable({ write: (c, _e, cb) => { text += c; cb(); } });
    const info = await dumper.dump(out, { signal: new AbortController().signal });
    expect(info.tables['public.t']).toBe(2);
    expect(text).toMatch(/COPY public\.t \(id\) FROM stdin;\n1\n2\n\\\.\n/);
    expect(tunnel.connections()).toBeGreaterThan(0);
  } finally {
    await tunnel.close();
  }
});

test('restore connects to opts.endpoint instead of the DSN host and port', async () => {
  const tunnel = await relay();
  const target = `od_pg_ep_${Date.now()}`;
  try {
    const open = () => Readable.from([Buffer.from('CREATE TABLE r (x int);\nCOPY r (x) FROM stdin;\n7\n\\.\n')]);
    await databaseDrivers.get('postgres').restore(open(), `postgres://postgres@unreachable.invalid:1/${target}`, {
      signal: new AbortController().signal, log, baseDir: dir.path, reopen: async () => open(), endpoint: { host: '127.0.0.1', port: tunnel.port },
    });
    expect(tunnel.connections()).toBeGreaterThan(0);
    const rows = await pgQuery<{ x: number }>('SELECT x FROM r', target);
    expect(rows).toEqual([{ x: 7 }]);
  } finally {
    await tunnel.close();
    await pgQuery(`DROP DATABASE IF EXISTS ${target} WITH (FORCE)`);
  }
});
