/** `${VAR}` expansion: defaults, escapes, the `.env` beside the job file, typing of plain values. */
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { environmentFor, expand } from '../../src/config/env.js';
import { checkConfig, loadConfig } from '../../src/config/load.js';
import { ROOT, runCli, tempDir } from '../harness/util.js';

describe('expand', () => {
  const env = { A: 'alpha', EMPTY: '', URL: 'mysql://u:p@h:3306/db' };

  test('substitutes set variables, several per value', () => {
    expect(expand('${A}-${URL}', env)).toEqual({ value: 'alpha-mysql://u:p@h:3306/db', missing: [], changed: true });
  });

  test('${VAR:-default} applies when unset or empty; ${VAR-default} only when unset', () => {
    expect(expand('${NOPE:-x}|${EMPTY:-y}|${A:-z}', env).value).toBe('x|y|alpha');
    expect(expand('${NOPE-x}|${EMPTY-y}|${A-z}', env).value).toBe('x||alpha');
    expect(expand('${NOPE:-https://a:b@c/d?e=f}', env).value).toBe('https://a:b@c/d?e=f');
    expect(expand('${NOPE:-}', env)).toEqual({ value: '', missing: [], changed: true });
  });

  test('an unset variable without default is reported by name', () => {
    expect(expand('a${NOPE}b${A}${NOPE2}', env)).toEqual({ value: 'abalpha', missing: ['NOPE', 'NOPE2'], changed: true });
  });

  test('$${ writes a literal ${; a lone $ or unbraced $VAR is left alone', () => {
    expect(expand('$${A} $A $ ${A}', env).value).toBe('${A} $A $ alpha');
    expect(expand('no references', env)).toEqual({ value: 'no references', missing: [], changed: false });
  });
});

describe('environmentFor', () => {
  test('reads .env beside the job file; the process environment wins', () => {
    const t = tempDir();
    try {
      writeFileSync(join(t.path, '.env'), 'FROM_FILE=file\nBOTH=file\nQUOTED="a b # not a comment"\n');
      const env = environmentFor(t.path, { BOTH: 'process', ONLY_PROCESS: 'p' });
      expect(env).toMatchObject({ FROM_FILE: 'file', BOTH: 'process', ONLY_PROCESS: 'p', QUOTED: 'a b # not a comment' });
      expect(environmentFor(join(t.path, 'no-such-dir'), { X: '1' })).toEqual({ X: '1' });
    } finally {
      t.cleanup();
    }
  });
});

describe('expansion inside a job file', () => {
  const write = (dir: string, body: string) => {
    writeFileSync(join(dir, 'jobs.yaml'), body);
    return join(dir, 'jobs.yaml');
  };
  const job = 'storages: {l: {type: local, path: ./b}}\njobs:\n  - name: a\n    type: dump\n    database: {driver: sqlite, dsn: "sqlite:./a.db"}\n    to: [l]\n';

  test('a plain value becomes a number or boolean as YAML would type it; a quoted one stays a string', () => {
    const t = tempDir();
    try {
      const file = write(t.path, `concurrency: \${N}\n${job}`);
      expect(loadConfig(file, { env: { N: '3' } }).concurrency).toBe(3);
      write(t.path, `concurrency: "\${N}"\n${job}`);
      expect(checkConfig(file, { env: { N: '3' } }).issues.map((i) => `${i.line}:${i.col}: ${i.path}: ${i.message}`)).toEqual(['1:14: concurrency: must be integer']);
    } finally {
      t.cleanup();
    }
  });

  test('a value is expanded once: a variable whose value holds ${...} is not expanded again', () => {
    const t = tempDir();
    try {
      const file = write(t.path, job.replace('./b', '"${DIR}"'));
      expect(loadConfig(file, { env: { DIR: '${HOME}/x' } }).storages.l!.path).toBe('${HOME}/x');
    } finally {
      t.cleanup();
    }
  });
});

test('run: variables come from the .env beside the job file, and the process environment wins', async () => {
  const t = tempDir();
  try {
    cpSync(join(ROOT, 'test/fixtures/config/dotenv'), t.path, { recursive: true });
    const fromFile = await runCli(['run', 'jobs.yaml', '--dry-run', '--format', 'json'], { cwd: t.path });
    expect(fromFile.code).toBe(0);
    expect(JSON.parse(fromFile.stdout)[0].destinations).toEqual([{ storage: 'local', key: 'from-dotenv-app.sql.gz', ok: true }]);
    const fromEnv = await runCli(['run', 'jobs.yaml', '--dry-run', '--format', 'json'], { cwd: t.path, env: { ONEDUMP_FIXTURE_PREFIX: 'from-env' } });
    expect(JSON.parse(fromEnv.stdout)[0].destinations).toEqual([{ storage: 'local', key: 'from-env-app.sql.gz', ok: true }]);
  } finally {
    t.cleanup();
  }
});
