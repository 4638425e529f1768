/**
 * dropbox beyond the shared suite, on the loopback fake through the real SDK: refresh-token auth,
 * upload sessions at exact chunk multiples, overwrite mode, and 429/500/dropped connections/lost replies.
 */
import { Readable } from 'node:stream';
import { StorageError, isTransient } from '../../src/errors.js';
import { DropboxContentHasher } from '../../src/storages/checksum.js';
import { dropboxStorage, type DropboxStorageConfig } from '../../src/storages/dropbox.js';
import type { Logger } from '../../src/util/log.js';
import { digest, generate, readAll } from '../conformance/storage/data.js';
import { startFakeDropbox, type FakeDropbox } from '../fakes/dropbox.js';

const MiB = 1024 * 1024;
let fake: FakeDropbox;
beforeAll(async () => {
  fake = await startFakeDropbox();
});
afterAll(async () => fake?.stop());
afterEach(() => fake.faults.clear());

const lines: string[] = [];
const keep = (m: string) => void lines.push(m);
const log = { debug: keep, info: keep, warn: keep, error: keep, child: () => log } as unknown as Logger;

function make(over: Partial<DropboxStorageConfig> = {}) {
  return dropboxStorage.create('dbx', { type: 'dropbox', path: '/onedump', ...fake.app, api_url: fake.url, chunk_size: 1, ...over }, { baseDir: '/', log });
}

test('the SDK gets an access token from the refresh token, once', async () => {
  const before = fake.tokenRequests();
  const s = await make();
  await s.put('auth/a.txt', Readable.from([Buffer.from('a')]));
  await s.stat('auth/a.txt');
  expect(fake.tokenRequests()).toBe(before + 1);
});

test('a revoked refresh token is a clear, non-transient error', async () => {
  const s = await make({ refresh_token: 'revoked' });
  const err = await s.put('auth/b.txt', Readable.from([Buffer.from('b')])).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(StorageError);
  expect((err as Error).message).toMatch(/^storage dbx: put "auth\/b.txt": HTTP 400: .*invalid_grant|refresh token is invalid/);
  expect(isTransient(err)).toBe(false);
});

test.each([
  ['exactly one chunk', 1 * MiB],
  ['an exact multiple of the chunk', 3 * MiB],
  ['one byte over a multiple', 3 * MiB + 1],
  ['one byte short of a multiple', 3 * MiB - 1],
])('upload sessions are right for %s', async (_name, size) => {
  const s = await make();
  const src = generate(size);
  const info = await s.put(`sizes/${size}.bin`, src.stream);
  expect(info).toMatchObject({ size, checksum: { algo: 'dropbox-content-hash', value: src.checksum('dropbox-content-hash') } });
  expect(await digest(await s.get(`sizes/${size}.bin`))).toEqual({ size, sha256: src.checksum('sha256') });
});

test('overwrite mode replaces the file', async () => {
  const s = await make();
  await s.put('over/x.txt', Readable.from([Buffer.from('old')]));
  await s.put('over/x.txt', Readable.from([Buffer.from('new!')]));
  expect((await readAll(await s.get('over/x.txt'))).toString()).toBe('new!');
  expect(fake.paths().filter((p) => p.toLowerCase() === '/onedump/over/x.txt')).toHaveLength(1);
});

describe('uploads meeting failures', () => {
  test('a 429 with Retry-After and 500s are retried', async () => {
    const s = await make();
    fake.faults.fail({ path: /upload_session\/append_v2$/, status: 429, retryAfter: 1, body: { error_summary: 'too_many_write_operations/..', error: { reason: { '.tag': 'too_many_write_operations' }, retry_after: 1 } } });
    fake.faults.fail({ path: /upload_session\/finish$/, status: 500, retryAfter: 0, times: 2 });
    const src = generate(3 * MiB + 5);
    const t0 = Date.now();
    await s.put('fail/retry.bin', src.stream);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(fake.faults.hits).toHaveLength(3);
    expect(await digest(await s.get('fail/retry.bin'))).toEqual({ size: 3 * MiB + 5, sha256: src.checksum('sha256') });
    expect(lines.some((l) => /dropbox: appending bytes .* failed \(HTTP 429: too_many_write_operations\/\.\.\); retry 1\/5 in 1000 ms/.test(l))).toBe(true);
  });

  test('a connection dropped in the middle of a chunk resends the chunk', async () => {
    const s = await make();
    fake.faults.drop({ path: /upload_session\/append_v2$/, afterBytes: 300 * 1024 });
    const src = generate(4 * MiB);
    await s.put('fail/drop.bin', src.stream);
    expect(fake.faults.hits).toEqual(['POST /2/files/upload_session/append_v2 → dropped']);
    expect(await digest(await s.get('fail/drop.bin'))).toEqual({ size: 4 * MiB, sha256: src.checksum('sha256') });
  });

  test('a reply lost after Dropbox took the chunk is reconciled with incorrect_offset', async () => {
    const s = await make();
    fake.faults.drop({ path: /upload_session\/append_v2$/, afterBytes: -1 });
    const src = generate(4 * MiB);
    await s.put('fail/lost-reply.bin', src.stream);
    expect(await digest(await s.get('fail/lost-reply.bin'))).toEqual({ size: 4 * MiB, sha256: src.checksum('sha256') });
  });

  test('persistent 500s: a transient error, and nothing stored', async () => {
    const s = await make();
    fake.faults.fail({ path: /upload_session\/start$/, status: 503, retryAfter: 0, times: 10 });
    const err = await s.put('fail/never.bin', generate(2 * MiB).stream).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^storage dbx: put "fail\/never.bin": HTTP 503/);
    expect(isTransient(err)).toBe(true);
    expect(await s.stat('fail/never.bin')).toBeUndefined();
  });
});

test('the content hash helper matches Dropbox\'s reference value for its sample', () => {
  // https://www.dropbox.com/developers/reference/content-hash: the empty file
  const h = new DropboxContentHasher();
  expect(h.digest()).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});
