/** download(): files in flight at once, and keys that would leave the target directory. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { download } from '../../src/download/download.js';
import { LocalStorage } from '../../src/storages/local.js';
import type { ObjectInfo, Storage } from '../../src/storages/types.js';
import type { Logger } from '../../src/util/log.js';
import { tempDir } from '../harness/util.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet } as unknown as Logger;

/** A real local storage whose reads take 100 ms to start, counting how many run at once. */
function slow(inner: LocalStorage, extra: ObjectInfo[] = []): Storage & { peak: number } {
  let active = 0;
  const s = {
    name: inner.name, type: inner.type, features: inner.features, peak: 0,
    put: inner.put.bind(inner), stat: inner.stat.bind(inner), delete: inner.delete.bind(inner), close: inner.close.bind(inner),
    async get(key: string) {
      active++;
      s.peak = Math.max(s.peak, active);
      await new Promise((r) => setTimeout(r, 100));
      active--;
      return inner.get(key);
    },
    async *list(prefix: string) {
      yield* extra;
      yield* inner.list(prefix);
    },
  };
  return s;
}

test('files download in parallel, up to --transfers at once', async () => {
  const t = tempDir();
  try {
    const src = new LocalStorage('src', join(t.path, 'src'));
    for (let i = 0; i < 12; i++) await src.put(`f${i}.txt`, Readable.from([Buffer.from(`file ${i}`)]));
    const s = slow(src);
    const report = await download(s, '', join(t.path, 'out'), { transfers: 4, signal: new AbortController().signal, log: quiet });
    expect(report.downloaded).toHaveLength(12);
    expect(s.peak).toBe(4);
  } finally {
    t.cleanup();
  }
});

test('a listed key that would escape the target directory is refused, not written', async () => {
  const t = tempDir();
  try {
    const src = new LocalStorage('src', join(t.path, 'src'));
    await src.put('ok.txt', Readable.from([Buffer.from('ok')]));
    const evil = { key: '../escaped.txt', size: 2, modified: new Date() };
    const report = await download(slow(src, [evil]), '', join(t.path, 'out'), { transfers: 2, signal: new AbortController().signal, log: quiet });
    expect(report.failed).toEqual([{ key: '../escaped.txt', error: 'key would leave the target directory; skipped' }]);
    expect(report.downloaded).toEqual(['ok.txt']);
    expect(existsSync(join(t.path, 'escaped.txt'))).toBe(false);
    expect(readdirSync(join(t.path, 'out'))).toEqual(['ok.txt']);
  } finally {
    t.cleanup();
  }
});
