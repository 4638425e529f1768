/** The binlog example job file validates; a wrong binlog job is reported at its place. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../harness/util.js';

test('examples/binlog.yaml passes onedump validate', async () => {
  const r = await runCli(['validate', 'examples/binlog.yaml']);
  expect(r.stdout + r.stderr).toContain('examples/binlog.yaml: ok');
  expect(r.code).toBe(0);
});

test('a binlog job with the wrong keys for its mode fails validation with the place and the reason', async () => {
  const t = tempDir('onedump-binlog-validate-');
  const dir = t.path;
  try {
    writeFileSync(join(dir, 'jobs.yaml'), `storages:
  s: { type: local, path: ./s }
jobs:
  - name: a
    type: binlog
    mode: files
    to: [s]
    retention: { keep_days: 3 }
  - name: b
    type: binlog
    mode: replication
    dsn: postgres://x@y/z
    to: [s]
    dump_job: a
`);
    const r = await runCli(['validate', join(dir, 'jobs.yaml')]);
    const out = r.stdout + r.stderr;
    expect(r.code).toBe(1);
    expect(out).toMatch(/jobs\.yaml:6:\d+: jobs\[0\]\.mode: mode: files needs `dir`/);
    expect(out).toMatch(/jobs\.yaml:8:\d+: jobs\[0\]\.retention: retention needs `dump_job`/);
    expect(out).toMatch(/jobs\.yaml:12:\d+: jobs\[1\]\.dsn: binlogs come from MySQL\/MariaDB/);
    expect(out).toMatch(/jobs\.yaml:14:\d+: jobs\[1\]\.dump_job: job "a" is a binlog job, not a dump job/);
  } finally {
    t.cleanup();
  }
});
