/** The fan-out: a slow destination slows the producer instead of piling data up in memory. */
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { deliver } from '../../src/pipeline/deliver.js';
import { LocalStorage } from '../../src/storages/local.js';
import type { Storage } from '../../src/storages/types.js';
import type { Logger } from '../../src/util/log.js';
import { digest, generate, watchMemory } from '../conformance/storage/data.js';
import { tempDir } from '../harness/util.js';

const MiB = 1024 * 1024;
const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet } as unknown as Logger;

/** A real local storage that accepts at most `bytesPerSec`. */
function throttled(inner: LocalStorage, bytesPerSec: number): Storage {
  return Object.assign(Object.create(inner) as LocalStorage, {
    put(key: string, body: Readable) {
      const started = Date.now();
      let seen = 0;
      const slow = new Transform({
        transform(chunk: Buffer, _e, cb) {
          seen += chunk.length;
          const due = started + (seen / bytesPerSec) * 1000;
          setTimeout(() => cb(null, chunk), Math.max(0, due - Date.now()));
        },
      });
      return inner.put(key, body.pipe(slow));
    },
  });
}

test('the slowest destination sets the pace; memory stays flat', async () => {
  const t = tempDir();
  try {
    const size = 96 * MiB;
    const fast = new LocalStorage('fast', `${t.path}/fast`);
    const slow = throttled(new LocalStorage('slow', `${t.path}/slow`), 40 * MiB);
    const src = generate(size);
    const mem = watchMemory();
    const t0 = Date.now();
    let producedAt = 0;
    const result = await deliver({
      destinations: [{ storage: fast, key: 'a.bin' }, { storage: slow, key: 'a.bin' }],
      compress: 'none', signal: new AbortController().signal, log: quiet,
      produce: async (out) => {
        await pipeline(src.stream, out, { end: false });
        producedAt = Date.now();
        return 'done';
      },
    });
    const growth = mem.stop();
    // the producer could not finish much before the slow destination had taken nearly everything
    expect(producedAt - t0).toBeGreaterThan(((size - 8 * MiB) / (40 * MiB)) * 1000);
    expect(Math.round(growth / MiB)).toBeLessThan(48);
    expect(result.outcomes.map((o) => o.ok)).toEqual([true, true]);
    for (const s of [fast, slow]) expect(await digest(await s.get('a.bin'))).toEqual({ size, sha256: src.checksum('sha256') });
  } finally {
    t.cleanup();
  }
}, 30_000);

test('the sha256 computed by the pipeline is handed to the storages instead of being computed twice', async () => {
  const t = tempDir();
  try {
    const local = new LocalStorage('disk', t.path);
    // a storage that is given the body's sha256 reports it as its checksum (it hashes nothing itself)
    const given = 'ab'.repeat(32);
    const info = await local.put('x.bin', Readable.from([Buffer.from('x')]), { sha256: Promise.resolve(given) });
    expect(info.checksum).toEqual({ algo: 'sha256', value: given });
    const src = generate(3 * MiB);
    const result = await deliver({
      destinations: [{ storage: local, key: 'y.bin' }], compress: 'gzip', signal: new AbortController().signal, log: quiet,
      produce: async (out) => {
        await pipeline(src.stream, out, { end: false });
        return 'done';
      },
    });
    expect(result.outcomes[0]!.info!.checksum).toEqual({ algo: 'sha256', value: result.sha256 });
    expect((await digest(await local.get('y.bin'))).sha256).toBe(result.sha256);
  } finally {
    t.cleanup();
  }
});
