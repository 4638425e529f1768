import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { s3Storage } from '/work/wt/storages/dist/storages/s3.js';
import { S3Client, CreateBucketCommand } from '@aws-sdk/client-s3';
const dir = '/tmp/s3memdir'; 
const child = spawn(process.execPath, ['/work/wt/storages/test/harness/s3rver-main.cjs', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((r) => child.stdout.on('data', (d) => { const m = /LISTENING (\d+)/.exec(String(d)); if (m) r(Number(m[1])); }));
const endpoint = `http://127.0.0.1:${port}`;
const c = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
await c.send(new CreateBucketCommand({ Bucket: 'bbb' }));
const s = await s3Storage.create('x', { type: 's3', bucket: 'bbb', endpoint, force_path_style: true, access_key_id: 'S3RVER', secret_access_key: 'S3RVER', part_size: Number(process.argv[3] ?? 5) }, { baseDir: '/', log: console });
const base = randomBytes(1 << 20);
for (const size of [100, 300]) {
  let n = 0;
  const src = new Readable({ read() { if (n++ >= size) this.push(null); else this.push(Buffer.from(base)); } });
  const m0 = process.memoryUsage(); let peak = m0.rss; let peakExt = m0.external, peakHeap = m0.heapUsed;
  const t = setInterval(() => { const m = process.memoryUsage(); peak = Math.max(peak, m.rss); peakExt = Math.max(peakExt, m.external); peakHeap = Math.max(peakHeap, m.heapUsed); }, 10);
  const t0 = Date.now();
  await s.put(`k${size}`, src);
  clearInterval(t);
  console.log(size, 'MB', Date.now() - t0, 'ms rss+', ((peak - m0.rss) / 1048576).toFixed(0), 'ext+', ((peakExt - m0.external) / 1048576).toFixed(0), 'heap+', ((peakHeap - m0.heapUsed) / 1048576).toFixed(0));
}
await s.close(); child.kill();
