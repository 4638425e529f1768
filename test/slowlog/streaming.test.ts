/**
 * Memory stays flat while ~200 MB of slow log stream through `onedump slow -` (the CLI, as a child
 * process): RSS sampled from /proc every 10 MB fed. The GB-scale run is in bench/slowlog.bench.js.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { syntheticSlowLog } from '../../bench/slowlog-synth.js';
import { CLI } from '../harness/util.js';

const MB = 1e6;

function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

test('onedump slow streams a 200 MB log from stdin with flat memory', async () => {
  const child = spawn(process.execPath, [CLI, 'slow', '-', '--format', 'json', '--top', '3'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const exited = once(child, 'close');
  const stats = { entries: 0 };
  const samples: { fed: number; rss: number }[] = [];
  let fed = 0;
  let peak = 0;
  for (const chunk of syntheticSlowLog({ bytes: 200 * MB, seed: 7, stats })) {
    if (!child.stdin.write(chunk, 'latin1')) await once(child.stdin, 'drain');
    fed += chunk.length;
    if (fed - (samples.at(-1)?.fed ?? 0) >= 10 * MB) {
      const m = memory(child.pid!);
      samples.push({ fed, rss: m.rss });
      peak = m.peak;
    }
  }
  child.stdin.end();
  const [code] = await exited;
  expect(code).toBe(0);
  const report = JSON.parse(out);
  expect(report.summary.entries).toBe(stats.entries);
  expect(report.sources[0].text_bytes).toBeGreaterThanOrEqual(200 * MB);
  const quarter = samples.find((s) => s.fed >= 50 * MB)!.rss;
  const end = samples.at(-1)!;
  expect(end.fed).toBeGreaterThan(190 * MB);
  // flat: the last three quarters of the log add less than 40 MB (the exact value stores level off)
  expect(end.rss - quarter).toBeLessThan(40 * MB);
  expect(peak).toBeLessThan(200 * MB);
}, 120_000);
