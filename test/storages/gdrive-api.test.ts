/**
 * gdrive beyond the shared suite, on the loopback fake: both ways to authenticate, shared drives,
 * replace-not-duplicate, and uploads that meet 500s, 429 with Retry-After and a dropped connection.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { StorageError, isTransient } from '../../src/errors.js';
import { gdriveStorage, type GdriveStorageConfig } from '../../src/storages/gdrive.js';
import type { Logger } from '../../src/util/log.js';
import { digest, generate, readAll } from '../conformance/storage/data.js';
import { startFakeDrive, type FakeDrive } from '../fakes/gdrive.js';
import { tempDir } from '../harness/util.js';

const MiB = 1024 * 1024;
let fake: FakeDrive;
let folder: string;
beforeAll(async () => {
  fake = await startFakeDrive();
  folder = fake.createFolder('onedump');
});
afterAll(async () => fake?.stop());

const lines: string[] = [];
const keep = (m: string) => void lines.push(m);
const log = { debug: keep, info: keep, warn: keep, error: keep, child: () => log } as unknown as Logger;
const ctx = { baseDir: process.cwd(), log };

function oauthConfig(over: Partial<GdriveStorageConfig> = {}): GdriveStorageConfig {
  return { type: 'gdrive', folder_id: folder, ...fake.oauth, api_url: fake.url, token_url: fake.tokenUrl, chunk_size: 1, ...over };
}

test('a service account key (inline or file) with a delegation subject authenticates with a signed JWT', async () => {
  const s = await gdriveStorage.create('sa', { type: 'gdrive', folder_id: folder, service_account: fake.serviceAccount, subject: 'dba@example.com', api_url: fake.url, token_url: fake.tokenUrl }, ctx);
  await s.put('sa/one.txt', Readable.from([Buffer.from('one')]));
  expect(fake.jwtClaims.at(-1)).toMatchObject({ iss: fake.serviceAccount.client_email, sub: 'dba@example.com', scope: 'https://www.googleapis.com/auth/drive' });
  const t = tempDir();
  try {
    const file = join(t.path, 'sa.json');
    writeFileSync(file, JSON.stringify({ type: 'service_account', ...fake.serviceAccount }));
    const s2 = await gdriveStorage.create('sa-file', { type: 'gdrive', folder_id: folder, service_account_file: file, api_url: fake.url, token_url: fake.tokenUrl }, ctx);
    expect((await readAll(await s2.get('sa/one.txt'))).toString()).toBe('one');
  } finally {
    t.cleanup();
  }
});

test('a wrong refresh token fails with a clear, non-transient error', async () => {
  const s = await gdriveStorage.create('bad', oauthConfig({ refresh_token: 'nope' }), ctx);
  const err = await s.stat('x.txt').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(StorageError);
  expect((err as Error).message).toMatch(/^storage bad: stat "x.txt": .*invalid_grant/);
  expect(isTransient(err)).toBe(false);
});

test('a file of the same name is replaced: one file, same ID, a new revision', async () => {
  const s = await gdriveStorage.create('g', oauthConfig(), ctx);
  await s.put('same/name.txt', Readable.from([Buffer.from('v1')]));
  const before = fake.files().filter((f) => f.name === 'name.txt');
  await s.put('same/name.txt', Readable.from([Buffer.from('v2')]));
  const after = fake.files().filter((f) => f.name === 'name.txt');
  expect(after).toHaveLength(1);
  expect(after[0]).toMatchObject({ id: before[0]!.id, revisions: 2 });
  expect((await readAll(await s.get('same/name.txt'))).toString()).toBe('v2');
});

test('a shared drive works (every call says supportsAllDrives)', async () => {
  const drive = fake.createSharedDrive();
  const s = await gdriveStorage.create('team', oauthConfig({ folder_id: undefined, shared_drive_id: drive }), ctx);
  await s.put('team/db.sql.gz', Readable.from([Buffer.from('shared')]));
  expect(fake.files().find((f) => f.name === 'db.sql.gz')).toMatchObject({ driveId: drive });
  const keys: string[] = [];
  for await (const o of s.list('team/')) keys.push(o.key);
  expect(keys).toEqual(['team/db.sql.gz']);
  expect((await readAll(await s.get('team/db.sql.gz'))).toString()).toBe('shared');
  await s.delete('team/db.sql.gz');
  expect(await s.stat('team/db.sql.gz')).toBeUndefined();
});

describe('uploads meeting failures', () => {
  test('500s and a 429 with Retry-After on chunks are retried, waiting as told', async () => {
    const s = await gdriveStorage.create('g', oauthConfig(), ctx);
    fake.faults.fail({ method: 'PUT', path: /^\/upload\//, status: 503, times: 2 });
    fake.faults.fail({ method: 'PUT', path: /^\/upload\//, status: 429, retryAfter: 1 });
    const src = generate(5 * MiB + 123);
    const t0 = Date.now();
    const info = await s.put('fail/retry.bin', src.stream);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(info.checksum).toEqual({ algo: 'md5', value: src.checksum('md5') });
    expect(await digest(await s.get('fail/retry.bin'))).toEqual({ size: 5 * MiB + 123, sha256: src.checksum('sha256') });
    expect(fake.faults.hits.filter((h) => h.startsWith('PUT'))).toHaveLength(3);
    expect(lines.some((l) => /gdrive: .* failed \(upload chunk: HTTP 429.*; retry \d\/5 in 1000 ms$/.test(l))).toBe(true);
  });

  test('a connection dropped in the middle of a chunk resumes from what the session holds', async () => {
    const s = await gdriveStorage.create('g', oauthConfig({ chunk_size: 4 }), ctx);
    fake.faults.drop({ method: 'PUT', path: /^\/upload\//, afterBytes: 1 * MiB + 4321 });
    const src = generate(10 * MiB);
    await s.put('fail/drop.bin', src.stream);
    expect(fake.faults.hits.at(-1)).toMatch(/dropped$/);
    expect(await digest(await s.get('fail/drop.bin'))).toEqual({ size: 10 * MiB, sha256: src.checksum('sha256') });
    expect(fake.openSessions()).toEqual([]);
  });

  test('a listing that meets a 500 is retried by the SDK', async () => {
    const s = await gdriveStorage.create('g', oauthConfig(), ctx);
    await s.put('fail/listed.txt', Readable.from([Buffer.from('x')]));
    fake.faults.fail({ method: 'GET', path: /^\/drive\/v3\/files$/, status: 500 });
    const keys: string[] = [];
    for await (const o of s.list('fail/listed')) keys.push(o.key);
    expect(keys).toEqual(['fail/listed.txt']);
  });

  test('failures that do not stop: a transient error, no file, the session cancelled', async () => {
    const s = await gdriveStorage.create('g', oauthConfig(), ctx);
    fake.faults.fail({ method: 'PUT', path: /^\/upload\//, status: 503, retryAfter: 0, times: 50 });
    const err = await s.put('fail/never.bin', generate(3 * MiB).stream).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toMatch(/^storage g: put "fail\/never.bin": .*HTTP 503/);
    expect(isTransient(err)).toBe(true);
    expect(await s.stat('fail/never.bin')).toBeUndefined();
    expect(fake.openSessions()).toEqual([]);
    fake.faults.clear();
  });
});
