/**
 * The hostile corpus round-trips through each driver × restore path with zero differences
 * (CHECKSUM TABLE per table, SHOW CREATE of every object), against the shared MariaDB.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { tempDir } from '../harness/util.js';
import { createCorpus, dropDatabases, fingerprint, mariadb, ROOT_DSN, uniqueName, type Fingerprint } from './corpus.js';
import { cli, storedFiles, writeJobs } from './helpers.js';

const source = uniqueName('rt');
const targets: string[] = [];
const t = tempDir('onedump-mysql-rt-');
let expected: Fingerprint;

beforeAll(async () => {
  createCorpus(source);
  expected = await fingerprint(source);
  expect(Object.keys(expected.creates)).toEqual(expect.arrayContaining([
    'VIEW a_view_on_view', 'VIEW odd view;name', 'VIEW latin1_view', 'TRIGGER order_bi2', 'TRIGGER latin1_trg', 'PROCEDURE proc;odd',
    'PROCEDURE latin1_proc', 'FUNCTION nbe_fn', 'EVENT tz_event', 'EVENT nightly', 'SEQUENCE seq_ids', 'TABLE aria_t',
  ]));
}, 120_000);

afterAll(() => {
  dropDatabases(source, ...targets);
  t.cleanup();
});

function target(): string {
  const name = uniqueName('rt_to');
  targets.push(name);
  return name;
}

/** Dumps the corpus with `database` through `onedump run`; returns the stored file's path and manifest. */
async function dump(job: string, database: Record<string, unknown>): Promise<{ file: string; manifest: Record<string, unknown> }> {
  const file = writeJobs(t.path, [{ name: job, database }]);
  await cli(['run', file], { cwd: t.path });
  const [stored] = storedFiles(t.path, job);
  const path = join(t.path, 'backups', job, stored!);
  return { file: path, manifest: JSON.parse(readFileSync(path + '.manifest.json', 'utf8')) };
}

test('native dump → onedump restore into a differently named database: identical', async () => {
  const { manifest } = await dump('native', { driver: 'mysql', dsn: `${ROOT_DSN}/${source}` });
  expect(manifest).toMatchObject({ driver: 'mysql', databases: [source], tables: expect.objectContaining({ big: 40000, types: 4, bytes_bin: 256, nopk: 4 }) });
  const to = target();
  await cli(['restore', 'jobs.yaml', '--job', 'native', '--latest', '--to', `${ROOT_DSN}/${to}`], { cwd: t.path });
  expect(await fingerprint(to)).toEqual(expected);
});

test('native dump loads with the stock client (mariadb db < dump.sql)', async () => {
  const { file } = await dump('stock', { driver: 'mysql', dsn: `${ROOT_DSN}/${source}` });
  const to = target();
  mariadb(`CREATE DATABASE \`${to}\``);
  execFileSync('mariadb', ['--no-defaults', '-uroot', '-h127.0.0.1', to], { input: gunzipSync(readFileSync(file)) });
  // without --comments the stock client drops comments inside stored-program bodies, as it does for mysqldump's dumps
  expect(await fingerprint(to, { stripComments: true })).toEqual(await fingerprint(source, { stripComments: true }));
});

test('parallel: 2 with several INSERT statements per table: identical', async () => {
  const { file, manifest } = await dump('parallel', { driver: 'mysql', dsn: `${ROOT_DSN}/${source}`, parallel: 2, max_statement_size: 65536 });
  expect(manifest.snapshot).toMatchObject({ method: 'lock' });
  const sql = gunzipSync(readFileSync(file)).toString('latin1');
  expect(sql.match(/^INSERT INTO `big` /gm)!.length).toBeGreaterThan(50);
  for (const stmt of sql.match(/^INSERT INTO [^\n]*/gm)!) expect(stmt.length).toBeLessThanOrEqual(65536 + 1);
  const to = target();
  await cli(['restore', '--from', file, '--to', `${ROOT_DSN}/${to}`], { cwd: t.path });
  expect(await fingerprint(to)).toEqual(expected);
});

test('several databases carry CREATE DATABASE and USE and restore under their own names', async () => {
  const other = target();
  mariadb(`CREATE DATABASE \`${other}\`; CREATE TABLE \`${other}\`.x (id INT PRIMARY KEY, s TEXT); INSERT INTO \`${other}\`.x VALUES (1, 'one');
    CREATE VIEW \`${other}\`.cross_view AS SELECT id FROM \`${source}\`.z_base_view;`);
  const { file, manifest } = await dump('multi', { driver: 'mysql', dsn: `${ROOT_DSN}/`, databases: [source, other] });
  expect(manifest.tables).toMatchObject({ [`${other}.x`]: 1, [`${source}.big`]: 40000 });
  const sql = gunzipSync(readFileSync(file)).toString('utf8');
  expect(sql).toContain(`CREATE DATABASE /*!32312 IF NOT EXISTS*/ \`${other}\``);
  expect(sql).toContain(`USE \`${source}\`;`);
  const before = await fingerprint(other);
  dropDatabases(other);
  await cli(['restore', '--from', file, '--to', `${ROOT_DSN}/`, '--tables', `${other}.x,cross_view`], { cwd: t.path });
  expect(await fingerprint(other)).toEqual(before);
});

test('mysqldump driver → onedump restore: identical but for mariadb-dump\'s 6-digit FLOAT', async () => {
  const { manifest } = await dump('wrapper', { driver: 'mysqldump', dsn: `${ROOT_DSN}/${source}` });
  expect(manifest).toMatchObject({ driver: 'mysqldump', tables: expect.objectContaining({ big: 40000, types: 4, 'we`ird ta;ble': 2, nopk: 4, aria_t: 1 }) });
  const to = target();
  await cli(['restore', 'jobs.yaml', '--job', 'wrapper', '--to', `${ROOT_DSN}/${to}`], { cwd: t.path });
  // mariadb-dump writes no ALTER DATABASE, so routines take the target's collation; compare the rest exactly
  const got = await fingerprint(to);
  // mariadb-dump prints FLOAT with 6 significant digits (a known limit of the tool, documented): `types`
  // differs only in its FLOAT columns, within FLOAT's 6-digit rounding
  expect({ ...got.checksums, types: '' }).toEqual({ ...expected.checksums, types: '' });
  const digest = (db: string) => mariadb(`SELECT MD5(GROUP_CONCAT(CONCAT_WS('|', id, ti, tu, si, mi, i, bi, bu, dec65, dec5, HEX(d), HEX(b1), HEX(b64), HEX(bin), HEX(vbin), HEX(bl), HEX(lbl), HEX(c), HEX(vc), HEX(tx), HEX(lt), en, st, js, HEX(geo), HEX(pt), HEX(poly), dt, dtm, ts, tm, yr, hidden_col, gen_v, gen_s) ORDER BY id)) FROM types`, db);
  expect(digest(to)).toBe(digest(source));
  expect(mariadb(`SELECT COUNT(*) FROM \`${source}\`.types s JOIN \`${to}\`.types d USING (id) WHERE NOT (s.f <=> d.f OR ABS(s.f - d.f) <= ABS(s.f) * 1e-5)`).trim()).toBe('0');
  for (const [name, create] of Object.entries(expected.creates)) {
    if (/^(PROCEDURE|FUNCTION|TRIGGER|EVENT) /.test(name)) expect(got.creates[name]!.slice(0, -1)).toEqual(create.slice(0, -1));
    else expect(got.creates[name]).toEqual(create);
  }
});
