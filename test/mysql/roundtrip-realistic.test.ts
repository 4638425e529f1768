/**
 * The realistic corpus (corpus-realistic.ts) round-trips into a database of another name: CHECKSUM TABLE
 * per table, SHOW CREATE of every object and `mariadb-dump --no-data` of both databases are equal. The
 * dumps are taken while the DEFINER account `user` exists; it is dropped before restoring, as on a target
 * server that lacks it.
 *
 * The server prints a view's references to its own database qualified (`db`.`t`) when the view also
 * reads another database or its DEFINER does not exist, and the table named like the source database
 * keeps that name in the target, so both databases' names are replaced by `DB` before comparing; that
 * no restored view reads the source database is checked on its own.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { tempDir } from '../harness/util.js';
import { dropDatabases, fingerprint, mariadb, ROOT_DSN, uniqueName } from './corpus.js';
import { createRealistic, type RealisticNames } from './corpus-realistic.js';
import { cli, storedFiles, writeJobs } from './helpers.js';

const source = uniqueName('real');
const account = uniqueName('definer');
const names: RealisticNames = { other: uniqueName('real_other'), user: `'${account}'@'localhost'`, ghost: `'${uniqueName('ghost')}'@'%'` };
const targets: string[] = [];
const t = tempDir('onedump-mysql-real-');
/**
 * Views the mysqldump driver leaves out: those whose DEFINER does not exist on the source (mariadb-dump
 * prints them qualified with the source's name: they fail to load elsewhere), and v_local_check, a view
 * WITH CHECK OPTION over a view whose name sorts after it (mariadb-dump creates views in name order over
 * placeholders: ERROR 1368 CHECK OPTION on non-updatable view, with the stock client too); and
 * legacy_cs, whose cp932/sjis/cp1251/euckr text mariadb-dump converts to utf8mb4, changing or losing codes.
 */
const WRAPPER_SKIPS = ['v_ghost', 'v_ghost_join', 'v_local_check', 'legacy_cs'];

/** SHOW CREATE of every object and CHECKSUM TABLE of every table, with the database's name as DB. */
async function described(db: string): Promise<unknown> {
  let text = JSON.stringify(await fingerprint(db));
  for (const name of new Set([db, source])) text = text.split(`\`${name}\`.`).join('`DB`.');
  return JSON.parse(text);
}

/** `mariadb-dump --no-data` of `db` (not locking tables: it cannot lock views whose DEFINER is missing). */
function schemaText(db: string): string {
  let out = execFileSync('mariadb-dump', ['--no-defaults', '-uroot', '-h127.0.0.1', '-P3306', '--no-data', '--single-transaction',
    '--skip-dump-date', '--skip-comments', '--routines', '--events', '--triggers', db], { encoding: 'utf8' });
  for (const name of new Set([db, source])) out = out.split(`\`${name}\`.`).join('`DB`.');
  return out;
}

let expected: { described: unknown; schema: string };

beforeAll(async () => {
  mariadb(`CREATE USER ${names.user}; GRANT SELECT, INSERT, UPDATE, DELETE ON \`${source}\`.* TO ${names.user};`);
  createRealistic(source, names);
  writeJobs(t.path, [
    { name: 'native', database: { driver: 'mysql', dsn: `${ROOT_DSN}/${source}` } },
    { name: 'wrapper', database: { driver: 'mysqldump', dsn: `${ROOT_DSN}/${source}`, exclude_tables: WRAPPER_SKIPS } },
    { name: 'wrapper_binary', database: { driver: 'mysqldump', dsn: `${ROOT_DSN}/${source}`, tables: ['legacy_cs'], options: ['--default-character-set=binary'] } },
  ]);
  await cli(['run', 'jobs.yaml'], { cwd: t.path });
  mariadb(`DROP USER ${names.user};`);
  expected = { described: await described(source), schema: schemaText(source) };
}, 120_000);

afterAll(() => {
  mariadb(`DROP USER IF EXISTS ${names.user};`);
  dropDatabases(source, names.other, ...targets);
  t.cleanup();
});

async function restore(job: string): Promise<string> {
  const to = uniqueName('real_to');
  targets.push(to);
  const file = join(t.path, 'backups', job, storedFiles(t.path, job)[0]!);
  await cli(['restore', '--from', file, '--to', `${ROOT_DSN}/${to}`], { cwd: t.path });
  return to;
}

test('native dump → restore into another database: identical, DEFINERs kept though the account is gone', async () => {
  const to = await restore('native');
  expect(await described(to)).toEqual(expected.described);
  expect(schemaText(to)).toBe(expected.schema);
  // the views reading the database itself read the restored copy, not the source
  // (`source`.`t` for a table t of the source; `to`.`source`.`c` is a column of the table named like it)
  expect(mariadb(`SELECT v.TABLE_NAME, t.TABLE_NAME FROM information_schema.VIEWS v JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = '${source}'
    WHERE v.TABLE_SCHEMA = '${to}' AND v.VIEW_DEFINITION REGEXP CONCAT('(^|[^.])\`${source}\`[.]\`', t.TABLE_NAME, '\`')`)).toBe('');
  // like mariadb-dump: the objects load as root and keep their DEFINER; a DEFINER view fails until the account exists
  expect(mariadb(`SELECT DEFINER FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '${to}' AND TABLE_NAME = 'v_user'`).trim()).toBe(`${account}@localhost`);
  expect(() => execFileSync('mariadb', ['--no-defaults', '-uroot', '-h127.0.0.1', to, '-e', 'SELECT * FROM v_user'], { stdio: 'pipe' }))
    .toThrow(/1449|definer .* does not exist/i);
  expect(mariadb('SELECT COUNT(*) FROM audit_log', to).trim()).toBe('0');
});

test('restoring over the copy saves a safety backup that alone loads back the copy (MERGE tables without rows)', async () => {
  const to = await restore('native');
  mariadb('INSERT INTO m1 VALUES (3, \'new\')', to);
  const before = await described(to);
  const r = await cli(['restore', '--from', join(t.path, 'backups', 'native', storedFiles(t.path, 'native')[0]!), '--to', `${ROOT_DSN}/${to}`], { cwd: t.path });
  const safety = /(\/\S+\.sql\.gz)/.exec(r.stderr)![1]!;
  // everything was replaced, so the safety backup alone gives back the database as it was
  dropDatabases(to);
  await cli(['restore', '--from', safety, '--to', `${ROOT_DSN}/${to}`, '--no-safety-backup'], { cwd: t.path });
  expect(await described(to)).toEqual(before);
});

test('native dump loads with the stock client into another database: identical', async () => {
  const to = uniqueName('real_stock');
  targets.push(to);
  mariadb(`CREATE DATABASE \`${to}\``);
  execFileSync('mariadb', ['--no-defaults', '-uroot', '-h127.0.0.1', to], { input: gunzipSync(readFileSync(join(t.path, 'backups', 'native', storedFiles(t.path, 'native')[0]!))) });
  expect(await described(to)).toEqual(expected.described);
});

test('mysqldump driver → restore (views mariadb-dump cannot dump excluded): identical but for the cross-database view', async () => {
  const to = await restore('wrapper');
  type Described = { creates: Record<string, string[]>; checksums: Record<string, string> };
  const got = (await described(to)) as Described;
  const want = structuredClone(expected.described) as Described;
  // mariadb-dump prints the views that read another database with the source database's name, so the
  // restored views read the source
  for (const name of [...WRAPPER_SKIPS, 'v_other_db', 'v_same_name_other']) {
    for (const d of [want, got]) {
      delete d.creates[`VIEW ${name}`];
      delete d.creates[`TABLE ${name}`];
      delete d.checksums[name];
    }
  }
  expect(got).toEqual(want);
});

test('mysqldump driver with --default-character-set=binary keeps legacy character sets byte for byte', async () => {
  const to = await restore('wrapper_binary');
  const got = (await described(to)) as { checksums: Record<string, string> };
  expect(got.checksums).toEqual({ legacy_cs: (expected.described as { checksums: Record<string, string> }).checksums.legacy_cs });
});
