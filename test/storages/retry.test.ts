/** The retry decorator: transient failures of idempotent calls are retried; features pass through. */
import { Readable } from 'node:stream';
import { StorageError } from '../../src/errors.js';
import { LocalStorage } from '../../src/storages/local.js';
import { withRetry } from '../../src/storages/retry.js';
import { tempDir } from '../harness/util.js';
import { readAll } from '../conformance/storage/data.js';

test('a transient stat failure is retried, a permanent one is not, and features survive decoration', async () => {
  const t = tempDir();
  try {
    const local = new LocalStorage('disk', t.path);
    await local.put('a.txt', Readable.from([Buffer.from('a')]));
    let calls = 0;
    const flaky = Object.assign(Object.create(local) as LocalStorage, {
      async stat(key: string) {
        calls++;
        if (calls === 1) throw new StorageError('disk', 'stat', key, 'connection reset', { transient: true });
        if (key === 'never.txt') throw new StorageError('disk', 'stat', key, 'permission denied');
        return local.stat(key);
      },
    });
    const s = withRetry(flaky, { retries: 2, baseMs: 1 });
    expect(s.features).toEqual({ checksum: 'sha256' });
    expect((await s.stat('a.txt'))?.size).toBe(1);
    expect(calls).toBe(2);
    await expect(s.stat('never.txt')).rejects.toThrow('permission denied');
    expect(calls).toBe(3);
    expect((await readAll(await s.get('a.txt'))).toString()).toBe('a');
  } finally {
    t.cleanup();
  }
});
