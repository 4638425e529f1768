// Slow-log analysis: `onedump slow` against pt-query-digest on a synthetic-but-realistic MariaDB slow
// log (bench/slowlog-synth.js: deterministic seed, ~250 query classes). Measures wall and CPU time,
// throughput and peak RSS of each tool as a separate process (GNU time), on the whole log for onedump
// and on a prefix of it for pt-query-digest (it reads ~5 MB/s: minutes per GB), whose throughput is
// extrapolated linearly to the whole log — and both tools are also timed on that same prefix.
//
//   npm run bench -- slowlog                    # 1 GiB log, 128 MiB prefix
//   SLOWLOG_BENCH_MB=512 SLOWLOG_BENCH_PREFIX_MB=32 npm run bench -- slowlog
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticSlowLog } from './slowlog-synth.js';

const MiB = 1024 * 1024;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist/cli/main.js');
const SIZE = Number(process.env.SLOWLOG_BENCH_MB ?? 1024) * MiB;
const PREFIX = Number(process.env.SLOWLOG_BENCH_PREFIX_MB ?? 128) * MiB;
const SEED = 20240501;

async function writeLog(path, bytes) {
  const out = createWriteStream(path);
  const stats = { entries: 0 };
  for (const chunk of syntheticSlowLog({ bytes, seed: SEED, stats })) {
    if (!out.write(chunk, 'latin1')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { bytes: statSync(path).size, entries: stats.entries };
}

/** Runs a command under GNU time; returns its stdout, wall/CPU seconds and peak RSS. */
function timed(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const [wall, user, sys, maxKb] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { stdout: r.stdout, wall, cpu: user + sys, rssMiB: maxKb / 1024 };
}

const onedump = (file) => timed(process.execPath, [CLI, 'slow', file, '--format', 'json', '--top', '20']);
const pt = (file) => timed('pt-query-digest', ['--no-version-check', '--output', 'json', '--limit', '100%:1000000', file]);

const dir = mkdtempSync(join(tmpdir(), 'onedump-bench-slowlog-'));
try {
  const full = join(dir, 'slow.log');
  const prefix = join(dir, 'prefix.log');
  console.log(`generating ${Math.round(SIZE / MiB)} MiB and a ${Math.round(PREFIX / MiB)} MiB prefix (seed ${SEED}) …`);
  const fullLog = await writeLog(full, SIZE);
  const prefixLog = await writeLog(prefix, PREFIX);

  const ours = onedump(full);
  const oursReport = JSON.parse(ours.stdout);
  const oursPrefix = onedump(prefix);
  const theirsPrefix = pt(prefix);
  const ptReport = JSON.parse(theirsPrefix.stdout);
  const prefixReport = JSON.parse(oursPrefix.stdout);
  if (prefixReport.summary.entries !== ptReport.global.query_count || prefixReport.summary.classes !== ptReport.global.unique_query_count) {
    throw new Error(`the tools disagree on the prefix: onedump ${prefixReport.summary.entries} entries/${prefixReport.summary.classes} classes, pt-query-digest ${ptReport.global.query_count}/${ptReport.global.unique_query_count}`);
  }
  if (oursReport.summary.entries !== fullLog.entries) throw new Error(`onedump counted ${oursReport.summary.entries} of ${fullLog.entries} entries`);

  const mb = (bytes) => bytes / MiB;
  const ptMBs = mb(prefixLog.bytes) / theirsPrefix.wall;
  const ptFullWall = mb(fullLog.bytes) / ptMBs;
  const rows = [
    ['onedump slow, whole log', mb(fullLog.bytes), ours.wall, ours.cpu, ours.rssMiB],
    ['onedump slow, prefix', mb(prefixLog.bytes), oursPrefix.wall, oursPrefix.cpu, oursPrefix.rssMiB],
    ['pt-query-digest, prefix', mb(prefixLog.bytes), theirsPrefix.wall, theirsPrefix.cpu, theirsPrefix.rssMiB],
  ];
  console.log(`\nlog: ${fullLog.entries} entries, ${oursReport.summary.classes} classes; prefix: ${prefixLog.entries} entries (both tools agree)\n`);
  console.log('| run | MiB | wall s | CPU s | MiB/s (wall) | MiB/s (CPU) | peak RSS MiB |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const [name, size, wall, cpu, rss] of rows) console.log(`| ${name} | ${size.toFixed(0)} | ${wall.toFixed(1)} | ${cpu.toFixed(1)} | ${(size / wall).toFixed(1)} | ${(size / cpu).toFixed(1)} | ${rss.toFixed(0)} |`);
  const ptFullCpu = mb(fullLog.bytes) / (mb(prefixLog.bytes) / theirsPrefix.cpu);
  console.log(`\npt-query-digest on the whole log, extrapolated linearly from the prefix: ${ptFullWall.toFixed(0)} s wall, ${ptFullCpu.toFixed(0)} s CPU`);
  console.log(`speed-up, whole log (onedump measured, pt extrapolated): ${(ptFullWall / ours.wall).toFixed(1)}x wall, ${(ptFullCpu / ours.cpu).toFixed(1)}x CPU`);
  console.log(`speed-up, same prefix (both measured): ${(theirsPrefix.wall / oursPrefix.wall).toFixed(1)}x wall, ${(theirsPrefix.cpu / oursPrefix.cpu).toFixed(1)}x CPU`);
  console.log(`onedump peak RSS on ${mb(fullLog.bytes).toFixed(0)} MiB: ${ours.rssMiB.toFixed(0)} MiB (target < 200)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
