// Storage upload throughput: a 1 GiB stream to local disk and to SFTP on loopback, onedump against
// `cp` (+ `sync`, since onedump fsyncs) and `rclone copy`, in the same run. Every command runs under
// /usr/bin/time for wall time and peak RSS; each case runs RUNS times and the fastest counts.
//   npm run bench -- storage        (BENCH_STORAGE_MIB=256 for a quicker run)
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSshd } from './storage/sshd.js';

const MIB = Number(process.env.BENCH_STORAGE_MIB ?? 1024);
const RUNS = 3;
const here = dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'onedump-bench-storage-'));

/** Runs argv under /usr/bin/time (after a `sync`); returns wall seconds and peak RSS in MiB. */
function timed(argv, env = {}, { flushFirst = true } = {}) {
  // flush what earlier runs left dirty first, so that no run pays for another's writeback
  if (flushFirst) spawnSync('sync');
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M', ...argv], { encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 24 });
  const m = /TIME ([\d.]+) (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return { secs: Number(m[1]), rssMiB: Number(m[2]) / 1024 };
}

/** The fastest of RUNS runs (fresh target each time); peak RSS is the largest seen. */
function best(name, run) {
  let fastest = Infinity;
  let rss = 0;
  for (let i = 0; i < RUNS; i++) {
    const r = run(i);
    fastest = Math.min(fastest, r.secs);
    rss = Math.max(rss, r.rssMiB);
    // every run starts from the same state: earlier copies removed, not left in the page cache
    for (const d of written.splice(0)) rmSync(d, { recursive: true, force: true });
  }
  return { name, secs: fastest, rssMiB: rss, mibs: MIB / fastest };
}

async function makeSource(file) {
  const block = randomBytes(1 << 20);
  const out = createWriteStream(file);
  for (let i = 0; i < MIB; i++) {
    block.writeUInt32BE(i, 0);
    if (!out.write(Buffer.from(block))) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
}

const onedump = (config, key) => timed([process.execPath, join(here, 'storage', 'put.js'), JSON.stringify(config), src, key]);
const src = join(work, 'source.bin');
await makeSource(src);
const sshd = await startSshd();
const rcloneEnv = {
  RCLONE_CONFIG: join(work, 'rclone.conf'), RCLONE_CONFIG_LOOP_TYPE: 'sftp', RCLONE_CONFIG_LOOP_HOST: '127.0.0.1', RCLONE_CONFIG_LOOP_PORT: String(sshd.port),
  RCLONE_CONFIG_LOOP_USER: sshd.user, RCLONE_CONFIG_LOOP_KEY_FILE: sshd.keyFile, RCLONE_CONFIG_LOOP_KNOWN_HOSTS_FILE: sshd.knownHosts,
};
const results = [];
/** Target directories of the current run, removed before the next. */
const written = [];
try {
  const dst = (tag, i) => { const d = join(work, `${tag}-${i}`); mkdirSync(d, { recursive: true }); written.push(d); return d; };
  results.push(best('local: cp', (i) => timed(['cp', src, join(dst('cp', i), 'x')])));
  results.push(best('local: cp + sync', (i) => {
    const d = join(dst('cps', i), 'x');
    const a = timed(['cp', src, d]);
    const b = timed(['sync', d], {}, { flushFirst: false });
    return { secs: a.secs + b.secs, rssMiB: Math.max(a.rssMiB, b.rssMiB) };
  }));
  results.push(best('local: rclone copy', (i) => timed(['rclone', 'copy', '-q', src, dst('rcl', i)], rcloneEnv)));
  results.push(best('local: onedump', (i) => onedump({ type: 'local', path: dst('od', i) }, 'x.bin')));
  results.push(best('sftp: rclone copy', (i) => timed(['rclone', 'copy', '-q', src, `loop:${join(sshd.dir, `rcl-${i}`)}`], rcloneEnv)));
  results.push(best('sftp: onedump', (i) => onedump({ type: 'sftp', host: '127.0.0.1', port: sshd.port, user: sshd.user, key_file: sshd.keyFile, known_hosts: sshd.knownHosts, path: join(sshd.dir, `od-${i}`) }, 'x.bin')));
} finally {
  await sshd.stop();
  rmSync(work, { recursive: true, force: true });
}

const by = (n) => results.find((r) => r.name === n);
console.log(`storage upload of a ${MIB} MiB stream (best of ${RUNS}):`);
for (const r of results) console.log(`  ${r.name.padEnd(22)} ${r.secs.toFixed(2).padStart(6)} s  ${r.mibs.toFixed(0).padStart(5)} MiB/s  peak RSS ${r.rssMiB.toFixed(0).padStart(4)} MiB`);
const ratio = (a, b) => (by(a).secs / by(b).secs).toFixed(2);
console.log(`  ratios (onedump ÷ reference, < 1.00 = onedump faster):`);
console.log(`    local: ÷ cp ${ratio('local: onedump', 'local: cp')}, ÷ cp+sync ${ratio('local: onedump', 'local: cp + sync')}, ÷ rclone ${ratio('local: onedump', 'local: rclone copy')}`);
console.log(`    sftp:  ÷ rclone ${ratio('sftp: onedump', 'sftp: rclone copy')}`);
