#!/usr/bin/env node
// `npm run bench [-- AREA...]`: runs every bench/<area>.bench.js (or only the named areas), one after
// another, each in its own process so that peak-RSS figures are not mixed. Each bench prints its own
// report (ratios against the reference tool measured in the same run, and peak RSS).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const dir = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => !wanted.length || wanted.includes(f.replace('.bench.js', '')));
if (!benches.length) {
  console.error(`no benchmark matches ${wanted.join(', ') || '(none found)'}`);
  process.exit(2);
}
let failed = 0;
for (const b of benches) {
  console.log(`\n=== ${b} ===`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(dir, b)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
