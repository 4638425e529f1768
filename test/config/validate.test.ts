/**
 * `onedump validate` through the built CLI on the fixture corpus in test/fixtures/config/:
 * each bad file's output must equal its `.expected` file line for line (FILE:LINE:COL: path: message;
 * `{{*}}` stands for a list of registered plugin names, which grows as plugins are added).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli } from '../harness/util.js';

const DIR = join(ROOT, 'test/fixtures/config');
const badFiles = readdirSync(join(DIR, 'bad')).filter((f) => f.endsWith('.yaml')).sort();
const goodFiles = readdirSync(join(DIR, 'good')).filter((f) => f.endsWith('.yaml')).sort();

function matches(line: string, expected: string): boolean {
  const pattern = expected.split('{{*}}').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${pattern}$`).test(line);
}

test('the corpus covers every kind of mistake the issue names', () => {
  for (const name of ['wrong-type', 'unknown-key', 'missing-variable', 'duplicate-job', 'bad-cron', 'bad-timezone', 'dangling-refs', 'yaml-syntax', 'duplicate-keys', 'go-onedump', 'filename', 'everything']) {
    expect(badFiles).toContain(`${name}.yaml`);
  }
  expect(goodFiles).toEqual(expect.arrayContaining(['minimal.yaml', 'full.yaml', 'go-onedump.yaml', 'variables.yaml']));
});

describe('bad files (one `validate` run over all of them)', () => {
  let run: { code: number | null; stdout: string; stderr: string };
  beforeAll(async () => {
    run = await runCli(['validate', ...badFiles.map((f) => `bad/${f}`)], { cwd: DIR });
  });

  test.each(badFiles)('bad/%s: every problem at its exact position', (file) => {
    const expected = readFileSync(join(DIR, 'bad', file.replace(/\.yaml$/, '.expected')), 'utf8').trimEnd().split('\n');
    const lines = run.stdout.split('\n').filter((l) => l.startsWith(`bad/${file}:`));
    expect(lines).toHaveLength(expected.length);
    lines.forEach((line, i) => {
      if (!matches(line, expected[i]!)) expect(line).toBe(expected[i]); // shows the difference
    });
  });

  test('exit 1, and the count of problems on stderr', () => {
    const total = badFiles.reduce((n, f) => n + readFileSync(join(DIR, 'bad', f.replace(/\.yaml$/, '.expected')), 'utf8').trimEnd().split('\n').length, 0);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(total);
    expect(run.stderr).toBe(`${total} problems found\n`);
    expect(run.code).toBe(1);
  });
});

test('every problem of a file is printed, not just the first', async () => {
  const r = await runCli(['validate', 'bad/everything.yaml'], { cwd: DIR });
  const kinds = ['must be >= 1', 'unknown key', 'invalid cron', 'unknown time zone', 'ONEDUMP_FIXTURE_UNSET_DSN is not set', 'unknown storage', 'unknown placeholder', 'unknown notifier', 'duplicate job name', 'unknown type', 'must start with a letter'];
  for (const k of kinds) expect(r.stdout).toContain(k);
  expect(r.stdout.trimEnd().split('\n')).toHaveLength(kinds.length);
});

test('good files validate, with exit 0', async () => {
  const files = [...goodFiles.map((f) => `good/${f}`), 'dotenv/jobs.yaml'];
  const r = await runCli(['validate', ...files], { cwd: DIR });
  expect(r.stdout.trimEnd().split('\n')).toEqual(files.map((f) => `${f}: ok`));
  expect(r.code).toBe(0);
});

test('several files: problems of each are printed, exit 1 if any has one', async () => {
  const r = await runCli(['validate', 'good/minimal.yaml', 'bad/bad-timezone.yaml', 'bad/duplicate-job.yaml'], { cwd: DIR });
  expect(r.stdout).toBe([
    'good/minimal.yaml: ok',
    'bad/bad-timezone.yaml:7:15: jobs[0].timezone: unknown time zone "Europe/Atlantis" (use an IANA name such as Europe/Berlin)',
    'bad/duplicate-job.yaml:12:11: jobs[2].name: duplicate job name "app" (also job #1)',
    '',
  ].join('\n'));
  expect(r.code).toBe(1);
});

test('--format json reports each file and each issue with file, line, col, path and message', async () => {
  const r = await runCli(['validate', '--format', 'json', 'good/minimal.yaml', 'bad/missing-variable.yaml'], { cwd: DIR });
  expect(r.code).toBe(1);
  const report = JSON.parse(r.stdout);
  expect(report.valid).toBe(false);
  expect(report.files[0]).toEqual({ file: 'good/minimal.yaml', valid: true, issues: [] });
  expect(report.files[1].valid).toBe(false);
  expect(report.files[1].issues).toEqual([
    { file: 'bad/missing-variable.yaml', line: 11, col: 27, path: 'jobs[0].database.dsn', message: 'environment variable ONEDUMP_FIXTURE_UNSET_DB is not set (set it, or write ${ONEDUMP_FIXTURE_UNSET_DB:-default})' },
    { file: 'bad/missing-variable.yaml', line: 17, col: 21, path: 'jobs[1].database.dsn', message: 'environment variable ONEDUMP_FIXTURE_UNSET_A is not set (set it, or write ${ONEDUMP_FIXTURE_UNSET_A:-default})' },
    { file: 'bad/missing-variable.yaml', line: 17, col: 48, path: 'jobs[1].database.dsn', message: 'environment variable ONEDUMP_FIXTURE_UNSET_B is not set (set it, or write ${ONEDUMP_FIXTURE_UNSET_B:-default})' },
  ]);
  const ok = await runCli(['validate', '--format', 'json', 'good/full.yaml'], { cwd: DIR });
  expect(JSON.parse(ok.stdout)).toEqual({ valid: true, files: [{ file: 'good/full.yaml', valid: true, issues: [] }] });
  expect(ok.code).toBe(0);
});

test('a file that does not exist is a problem of that file', async () => {
  const r = await runCli(['validate', 'missing.yaml', 'good/minimal.yaml'], { cwd: DIR });
  expect(r.stdout).toBe('missing.yaml:1:1: cannot read file: no such file\ngood/minimal.yaml: ok\n');
  expect(r.code).toBe(1);
});

test('setting the variables makes the file valid', async () => {
  const r = await runCli(['validate', 'bad/missing-variable.yaml'], { cwd: DIR, env: { ONEDUMP_FIXTURE_UNSET_DB: 'app', ONEDUMP_FIXTURE_UNSET_A: 'a', ONEDUMP_FIXTURE_UNSET_B: 'b' } });
  expect(r.stdout).toBe('bad/missing-variable.yaml: ok\n');
  expect(r.code).toBe(0);
});
