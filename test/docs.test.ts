/**
 * Documentation that cannot drift: the schema and CONFIG_REF.md are what the registries generate
 * (`npm run schema`), every example validates, every command's --help has an example, and the
 * Dockerfile keeps its promises.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema } from '../src/config/schema.js';
import { renderReference } from '../src/config/reference.js';
import { commands } from '../src/cli/commands.js';
import { ROOT, runCli } from './harness/util.js';

const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

test('schemas/onedump.schema.json and CONFIG_REF.md are current (run `npm run schema` after changing a schema fragment)', () => {
  const schema = buildSchema();
  expect(JSON.parse(read('schemas/onedump.schema.json'))).toEqual(JSON.parse(JSON.stringify(schema)));
  expect(read('CONFIG_REF.md')).toBe(renderReference(schema) + '\n');
});

test('CONFIG_REF.md documents every key of the schema', () => {
  const ref = read('CONFIG_REF.md');
  const keys = new Set<string>();
  const walk = (s: unknown): void => {
    if (!s || typeof s !== 'object') return;
    const o = s as Record<string, unknown>;
    for (const k of Object.keys((o.properties as object | undefined) ?? {})) keys.add(k);
    for (const v of Object.values(o)) if (v && typeof v === 'object') walk(v);
  };
  walk(buildSchema());
  const missing = [...keys].filter((k) => !new RegExp('`([\\w.[\\]-]+\\.)?' + k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '`').test(ref));
  expect(missing).toEqual([]);
  expect(keys.size).toBeGreaterThan(40);
});

test('every file in examples/ validates', async () => {
  const files = readdirSync(join(ROOT, 'examples')).filter((f) => /\.ya?ml$/.test(f)).map((f) => join('examples', f));
  expect(files.length).toBeGreaterThanOrEqual(2);
  // variables without a default (secrets) get a placeholder: validation checks the shape, not deployment
  const env: Record<string, string> = {};
  for (const f of files) for (const m of read(f).matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) env[m[1]!] = `example-${m[1]!.toLowerCase()}`;
  const r = await runCli(['validate', ...files], { env });
  expect(r.stdout.trimEnd().split('\n')).toEqual(files.map((f) => `${f}: ok`));
  expect(r.code).toBe(0);
});

test('every command has --help with at least one example; --version prints the package version', async () => {
  const names = commands.map((c) => String(Array.isArray(c.command) ? c.command[0] : c.command).split(' ')[0]!);
  expect(names).toEqual(expect.arrayContaining(['validate', 'run', 'daemon', 'restore', 'backups']));
  const helps = await Promise.all(names.map((n) => runCli([n, '--help'])));
  helps.forEach((h, i) => {
    expect({ command: names[i], code: h.code }).toEqual({ command: names[i], code: 0 });
    expect({ command: names[i], examples: /\nExamples:\n\s+onedump /.test(h.stdout) }).toEqual({ command: names[i], examples: true });
  });
  const top = await runCli(['--help']);
  for (const n of names) expect(top.stdout).toContain(`onedump ${n}`);
  const version = await runCli(['--version']);
  expect(version.stdout.trim()).toBe(JSON.parse(read('package.json')).version);
  expect(version.code).toBe(0);
});

test('usage errors exit 2: no command, unknown command, unknown flag, missing argument', async () => {
  for (const args of [[], ['frobnicate'], ['validate', 'x.yaml', '--strict-mode'], ['run']]) {
    const r = await runCli(args);
    expect({ args, code: r.code }).toEqual({ args, code: 2 });
    expect(r.stderr).toMatch(/^onedump: .+\nRun "onedump --help" for usage\.\n$/);
  }
  const invalid = await runCli(['run', 'test/fixtures/config/bad/bad-timezone.yaml']);
  expect(invalid.code).toBe(2);
  expect(invalid.stderr).toBe('test/fixtures/config/bad/bad-timezone.yaml:7:15: jobs[0].timezone: unknown time zone "Europe/Atlantis" (use an IANA name such as Europe/Berlin)\n');
  const missing = await runCli(['run', 'no-such-file.yaml']);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toBe('no-such-file.yaml:1:1: cannot read file: no such file\n');
});

test('Dockerfile: Node >= 22 slim, database clients, npm ci + build in a build stage, non-root, daemon by default', () => {
  const docker = read('Dockerfile');
  const froms = [...docker.matchAll(/^FROM\s+node:(\d+)[\w.-]*-slim\b/gm)].map((m) => Number(m[1]));
  expect(froms.length).toBeGreaterThanOrEqual(2);
  for (const major of froms) expect(major).toBeGreaterThanOrEqual(22);
  const [build, runtime] = docker.split(/^FROM .*$/m).slice(1) as [string, string];
  expect(build).toMatch(/RUN npm ci\b/);
  expect(build).toMatch(/npm run build/);
  expect(runtime).toMatch(/apt-get install[^\n]*\bmariadb-client\b[^\n]*\bpostgresql-client\b/);
  // the newest pg_dump (PGDG) dumps every older server; Debian bookworm's 15 refuses newer ones
  expect(runtime).toMatch(/deb \[signed-by=[^\]]+\] https:\/\/apt\.postgresql\.org\/pub\/repos\/apt bookworm-pgdg main/);
  const user = [...runtime.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
  expect(user.length).toBeGreaterThan(0);
  expect(['root', '0']).not.toContain(user[user.length - 1]);
  const entry = JSON.parse(/^ENTRYPOINT\s+(\[.*\])$/m.exec(runtime)?.[1] ?? '[]') as string[];
  const cmd = JSON.parse(/^CMD\s+(\[.*\])$/m.exec(runtime)![1]!) as string[];
  expect([...entry.filter((a) => !/tini|^--$/.test(a)), ...cmd]).toEqual(['onedump', 'daemon', '/etc/onedump/jobs.yaml']);
});

test("the README's job file is examples/scheduled.yaml (so it is validated too)", () => {
  const readme = read('README.md');
  const block = /## A job file[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  const example = read('examples/scheduled.yaml').replace(/^(#.*\n|\s*\n)*/, '');
  expect(block).toBe(example);
});

test('the README starts a newcomer with exactly `npm ci && npm run quickstart`, then `npm test`', () => {
  const blocks = [...read('README.md').matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.trim());
  expect(blocks.slice(0, 2)).toEqual(['npm ci && npm run quickstart', 'npm test']);
  const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;
  expect(scripts.quickstart).toMatch(/^npm run build --silent && node dist\/cli\/main\.js run examples\/quickstart\.yaml$/);
  expect(scripts.test).toMatch(/^npm run build --silent && .*jest/);
});
