/**
 * The shared Storage conformance suite (rclone's fstests, unstorage's testDriver): every storage
 * implementation runs it against a real server (or a loopback fake of a third-party HTTP API).
 * A storage's own test file only provides a fixture.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Readable } from 'node:stream';
import PQueue from 'p-queue';
import { NotFoundError, StorageError } from '../../../src/errors.js';
import { createHasher } from '../../../src/storages/checksum.js';
import type { Storage } from '../../../src/storages/types.js';
import { digest, generate, readAll, watchMemory } from './data.js';

export interface StorageFixture {
  /** The storage under test, rooted in an empty place. */
  storage: Storage;
  /** Temporary objects or unfinished uploads the backend still holds (none may survive a failed put). */
  leftovers(): Promise<string[]>;
  stop(): Promise<void>;
}

export interface SuiteOptions {
  /** Size of the streaming test (default 100 MiB). */
  bigBytes?: number;
  /** Objects in the paging test (default 1,050). */
  manyObjects?: number;
  /** Allowed RSS growth while streaming `bigBytes` (default 64 MiB). */
  memoryLimit?: number;
}

const MiB = 1024 * 1024;

async function keys(storage: Storage, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of storage.list(prefix)) out.push(o.key);
  return out.sort();
}

async function putText(storage: Storage, key: string, text: string) {
  return storage.put(key, Readable.from([Buffer.from(text)]));
}

async function getText(storage: Storage, key: string, range?: { start: number; end?: number }): Promise<string> {
  return (await readAll(await storage.get(key, range ? { range } : {}))).toString('utf8');
}

export function storageConformance(name: string, setup: () => Promise<StorageFixture>, opts: SuiteOptions = {}): void {
  const big = opts.bigBytes ?? 100 * MiB;
  const many = opts.manyObjects ?? 1050;
  const memoryLimit = opts.memoryLimit ?? 64 * MiB;

  describe(`storage conformance: ${name}`, () => {
    let f: StorageFixture;
    let s: Storage;
    beforeAll(async () => {
      f = await setup();
      s = f.storage;
    }, 60_000);
    afterAll(async () => f?.stop());

    test('put, get, stat, list and delete round-trip', async () => {
      const info = await putText(s, 'basic/dir/hello.txt', 'hello, storage');
      expect(info).toMatchObject({ key: 'basic/dir/hello.txt', size: 14 });
      expect(Number.isFinite(info.modified.getTime())).toBe(true);
      expect(await getText(s, 'basic/dir/hello.txt')).toBe('hello, storage');
      const st = await s.stat('basic/dir/hello.txt');
      expect(st).toMatchObject({ key: 'basic/dir/hello.txt', size: 14 });
      expect(Math.abs(st!.modified.getTime() - Date.now())).toBeLessThan(10 * 60_000);
      await putText(s, 'basic/other.txt', 'x');
      expect(await keys(s, 'basic/')).toEqual(['basic/dir/hello.txt', 'basic/other.txt']);
      expect(await keys(s, 'basic/dir/')).toEqual(['basic/dir/hello.txt']);
      expect(await keys(s, 'basic/oth')).toEqual(['basic/other.txt']);
      expect(await keys(s, 'nothing-here/')).toEqual([]);
      await s.delete('basic/dir/hello.txt');
      expect(await s.stat('basic/dir/hello.txt')).toBeUndefined();
      expect(await keys(s, 'basic/')).toEqual(['basic/other.txt']);
    });

    test('put replaces an existing object instead of adding a second one', async () => {
      await putText(s, 'over/file.txt', 'first version, longer');
      const info = await putText(s, 'over/file.txt', 'second');
      expect(info.size).toBe(6);
      expect(await getText(s, 'over/file.txt')).toBe('second');
      expect(await keys(s, 'over/')).toEqual(['over/file.txt']);
    });

    test('not found: get rejects with NotFoundError, stat is undefined, delete succeeds', async () => {
      await expect(s.get('missing/nope.txt')).rejects.toBeInstanceOf(NotFoundError);
      await expect(s.get('missing/nope.txt')).rejects.toThrow(`storage ${s.name}: get "missing/nope.txt": not found`);
      expect(await s.stat('missing/nope.txt')).toBeUndefined();
      await expect(s.delete('missing/nope.txt')).resolves.toBeUndefined();
      await putText(s, 'missing/dir/file.txt', 'x');
      // a "directory" is not an object
      await expect(s.get('missing/dir')).rejects.toBeInstanceOf(NotFoundError);
      expect(await s.stat('missing/dir')).toBeUndefined();
    });

    test('range get returns exactly the requested bytes', async () => {
      await putText(s, 'range/abc.txt', 'abcdefghijklmnopqrstuvwxyz');
      expect(await getText(s, 'range/abc.txt', { start: 3, end: 7 })).toBe('defgh');
      expect(await getText(s, 'range/abc.txt', { start: 20 })).toBe('uvwxyz');
      expect(await getText(s, 'range/abc.txt', { start: 0, end: 4 })).toBe('abcde');
      expect(await getText(s, 'range/abc.txt', { start: 25, end: 25 })).toBe('z');
    });

    test('a 0-byte object is stored, read, listed and stat-ed', async () => {
      const info = await s.put('empty/zero.bin', Readable.from([]));
      expect(info.size).toBe(0);
      expect((await readAll(await s.get('empty/zero.bin'))).length).toBe(0);
      expect((await s.stat('empty/zero.bin'))?.size).toBe(0);
      expect(await keys(s, 'empty/')).toEqual(['empty/zero.bin']);
    });

    test('names with spaces, punctuation and unicode survive put, list, get and delete', async () => {
      const names = [
        'names/with space/file name.sql.gz',
        'names/ünïcødé/数据库 备份 – 2024.sql',
        "names/emoji 🚀/it's (a) file & +more=@#1%.txt",
      ];
      for (const [i, n] of names.entries()) await putText(s, n, `content ${i}`);
      expect(await keys(s, 'names/')).toEqual([...names].sort());
      for (const [i, n] of names.entries()) expect(await getText(s, n)).toBe(`content ${i}`);
      for (const n of names) await s.delete(n);
      expect(await keys(s, 'names/')).toEqual([]);
    });

    test('invalid keys are refused before reaching the backend', async () => {
      for (const bad of ['../escape.txt', '/absolute.txt', 'a//b.txt', 'a/./b.txt', '', 'dir/']) {
        await expect(putText(s, bad, 'x')).rejects.toBeInstanceOf(StorageError);
        await expect(s.get(bad)).rejects.toThrow(/invalid key/);
      }
    });

    test(`listing pages past 1,000 objects (${many})`, async () => {
      const queue = new PQueue({ concurrency: 16 });
      const names = Array.from({ length: many }, (_, i) => `many/obj-${String(i).padStart(4, '0')}.txt`);
      await Promise.all(names.map((n) => queue.add(() => putText(s, n, n))));
      const listed = await keys(s, 'many/');
      expect(listed.length).toBe(many);
      expect(listed).toEqual(names);
      expect(await keys(s, 'many/obj-10')).toEqual(names.filter((n) => n.startsWith('many/obj-10')));
    }, 180_000);

    test(`a ${big / MiB} MiB stream goes up and down without buffering`, async () => {
      // warm up first: code loaded and pools allocated on first use are not what is measured
      const warm = generate(16 * MiB);
      await s.put('big/warm-up.bin', warm.stream);
      await digest(await s.get('big/warm-up.bin'));
      await s.delete('big/warm-up.bin');
      const src = generate(big);
      const up = watchMemory();
      const info = await s.put('big/stream.bin', src.stream);
      const upGrowth = up.stop();
      expect(info.size).toBe(big);
      const down = watchMemory();
      const got = await digest(await s.get('big/stream.bin'));
      const downGrowth = down.stop();
      expect(got).toEqual({ size: big, sha256: src.checksum('sha256') });
      // growth in MiB while streaming (a buffering implementation would grow by at least the size)
      expect(Math.round(upGrowth / MiB)).toBeLessThan(memoryLimit / MiB);
      expect(Math.round(downGrowth / MiB)).toBeLessThan(memoryLimit / MiB);
      await s.delete('big/stream.bin');
    }, 180_000);

    describe('a failed upload leaves nothing behind', () => {
      const size = 24 * MiB;

      test('aborted halfway through: rejects, no object, no temporary object', async () => {
        const abort = new AbortController();
        const src = generate(size, { at: { bytes: size / 2, run: () => abort.abort(new Error('stop now')) } });
        await expect(s.put('abort/signal.bin', src.stream, { signal: abort.signal })).rejects.toThrow();
        expect(src.emitted()).toBeLessThan(size);
        expect(await s.stat('abort/signal.bin')).toBeUndefined();
        expect(await keys(s, 'abort/')).toEqual([]);
        expect(await f.leftovers()).toEqual([]);
      }, 60_000);

      test('source failing halfway: rejects naming the storage, no object, no temporary object', async () => {
        const src = generate(size, { failAt: size / 2 });
        const err = await s.put('abort/source.bin', src.stream).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(StorageError);
        expect(String((err as Error).message)).toContain(s.name);
        expect(await s.stat('abort/source.bin')).toBeUndefined();
        expect(await keys(s, 'abort/')).toEqual([]);
        expect(await f.leftovers()).toEqual([]);
      }, 60_000);

      test('a failed overwrite keeps the previous object intact', async () => {
        await putText(s, 'abort/keep.txt', 'the good old backup');
        const src = generate(size, { failAt: size / 2 });
        await expect(s.put('abort/keep.txt', src.stream)).rejects.toThrow();
        expect(await getText(s, 'abort/keep.txt')).toBe('the good old backup');
        expect(await f.leftovers()).toEqual([]);
      }, 60_000);
    });

    test('the native checksum matches the content', async () => {
      const algo = s.features?.checksum;
      for (const [key, size] of [['sum/small.bin', 1000], ['sum/large.bin', 12 * MiB + 7]] as const) {
        const src = generate(size);
        const info = await s.put(key, src.stream);
        if (!algo) {
          expect(info.checksum).toBeUndefined();
          continue;
        }
        const expected = { algo, value: src.checksum(algo) };
        // S3 has no content checksum for multipart objects; everything else always reports one
        if (size === 1000 || s.type !== 's3') expect(info.checksum).toEqual(expected);
        if (info.checksum) expect(info.checksum).toEqual(expected);
        if (s.features?.listChecksums) {
          const st = await s.stat(key);
          if (info.checksum) expect(st?.checksum).toEqual(expected);
          for await (const o of s.list(key)) if (info.checksum) expect(o.checksum).toEqual(expected);
        }
        // the algorithm itself, checked on the bytes read back
        const h = createHasher(algo);
        for await (const c of await s.get(key)) h.update(c as Buffer);
        expect(h.digest()).toBe(expected.value);
      }
    }, 60_000);
  });
}
