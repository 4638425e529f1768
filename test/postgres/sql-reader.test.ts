/** The streaming PostgreSQL statement reader: every construct, at every chunk boundary. */
import { PgSqlReader, SqlSyntaxError, type SqlEvent } from '../../src/postgres/sql-reader.js';
import { signedObject } from '../../src/postgres/prescan.js';

type Simple = { s: string; line: number } | { meta: string } | { copy: string } | { end: true };

/** Reads `text` in chunks of `size` bytes (0 = whole) and merges adjacent COPY data. */
function read(text: string, size = 0): Simple[] {
  const r = new PgSqlReader();
  const bytes = Buffer.from(text, 'utf8');
  const events: SqlEvent[] = [];
  if (!size) events.push(...r.push(bytes));
  else for (let i = 0; i < bytes.length; i += size) events.push(...r.push(bytes.subarray(i, i + size)));
  events.push(...r.end());
  const out: Simple[] = [];
  for (const e of events) {
    if (e.kind === 'statement') out.push({ s: e.sql.toString('utf8'), line: e.line });
    else if (e.kind === 'meta') out.push({ meta: e.text });
    else if (e.kind === 'copy-end') out.push({ end: true });
    else {
      const last = out[out.length - 1];
      if (last && 'copy' in last) last.copy += e.data.toString('utf8');
      else out.push({ copy: e.data.toString('utf8') });
    }
  }
  return out;
}

/** Same events whatever the chunking. */
function expectStable(text: string): Simple[] {
  const whole = read(text);
  for (const size of [1, 2, 3, 5, 7, 64]) expect(read(text, size)).toEqual(whole);
  return whole;
}

test('splits plain statements, dropping leading comments, and keeps line numbers', () => {
  const ev = expectStable('-- header\nSELECT 1;\n\n/* c */ SELECT 2 ;SELECT 3');
  expect(ev).toEqual([{ s: 'SELECT 1', line: 2 }, { s: 'SELECT 2 ', line: 4 }, { s: 'SELECT 3', line: 4 }]);
});

test('semicolons inside strings, identifiers, comments and dollar quotes do not split', () => {
  const sql = [
    "INSERT INTO t VALUES ('a;b', 'it''s;', \"we;ird\"\"id\");",
    "SELECT E'x\\';y', 'back\\slash';",
    'CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;',
    'CREATE FUNCTION g() RETURNS text AS $body$ $$;$not$ $body$ LANGUAGE sql;',
    'SELECT 1 /* a /* nested; */ still; */ + 2;',
    'SELECT $1, a$b$c FROM x;',
  ].join('\n');
  const ev = expectStable(sql);
  expect(ev.map((e) => ('s' in e ? e.s : e))).toEqual([
    "INSERT INTO t VALUES ('a;b', 'it''s;', \"we;ird\"\"id\")",
    "SELECT E'x\\';y', 'back\\slash'",
    'CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql',
    'CREATE FUNCTION g() RETURNS text AS $body$ $$;$not$ $body$ LANGUAGE sql',
    'SELECT 1 /* a /* nested; */ still; */ + 2',
    'SELECT $1, a$b$c FROM x',
  ]);
});

test('standard_conforming_strings off makes backslash escape quotes in plain strings', () => {
  const ev = expectStable("SET standard_conforming_strings = off;\nSELECT 'a\\';b';\nSET standard_conforming_strings = on;\nSELECT 'c\\';SELECT 2;");
  expect(ev.map((e) => ('s' in e ? e.s : e))).toEqual([
    'SET standard_conforming_strings = off', "SELECT 'a\\';b'", 'SET standard_conforming_strings = on', "SELECT 'c\\'", 'SELECT 2',
  ]);
});

test('BEGIN ATOMIC bodies keep their semicolons (psql heuristic, CASE … END inside)', () => {
  const sql = 'CREATE OR REPLACE FUNCTION s.f(a int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n SELECT CASE WHEN a > 0 THEN 1 ELSE 2 END;\n SELECT 3;\nEND;\nSELECT 4;';
  const ev = expectStable(sql);
  expect(ev).toHaveLength(2);
  expect((ev[0] as { s: string }).s).toContain('SELECT 3;\nEND');
  expect(ev[1]).toEqual({ s: 'SELECT 4', line: 6 });
});

test('COPY data passes through untouched until a \\. line', () => {
  const data = 'a\tb\\nc\n\\N\t\\\\.\n\\.x\n\n';
  const sql = `COPY public.t (a, b) FROM stdin;\n${data}\\.\nSELECT 1;\nCOPY "x y" FROM STDIN ;\n\\.\r\nSELECT 2;`;
  const ev = expectStable(sql);
  expect(ev).toEqual([
    { s: 'COPY public.t (a, b) FROM stdin', line: 1 }, { copy: data }, { end: true },
    { s: 'SELECT 1', line: 7 },
    { s: 'COPY "x y" FROM STDIN ', line: 8 }, { end: true },
    { s: 'SELECT 2', line: 10 },
  ]);
});

test('COPY … TO and COPY with a query mentioning stdin are ordinary statements', () => {
  const ev = expectStable("COPY (SELECT 'from stdin') TO stdout;\nSELECT 1;");
  expect(ev).toEqual([{ s: "COPY (SELECT 'from stdin') TO stdout", line: 1 }, { s: 'SELECT 1', line: 2 }]);
});

test('psql meta-commands at a statement start are reported as such', () => {
  const ev = expectStable('\\restrict abc\nSELECT 1;\n\\unrestrict abc\n');
  expect(ev).toEqual([{ meta: '\\restrict abc' }, { s: 'SELECT 1', line: 2 }, { meta: '\\unrestrict abc' }]);
});

test('multi-byte UTF-8 in identifiers, strings and dollar tags', () => {
  const ev = expectStable('CREATE TABLE "tä;b" (ü int);\nSELECT $é$ ; $é$;\nSELECT \'日本;語\';');
  expect(ev.map((e) => ('s' in e ? e.s : e))).toEqual(['CREATE TABLE "tä;b" (ü int)', 'SELECT $é$ ; $é$', "SELECT '日本;語'"]);
});

test('a truncated dump is an error naming the line', () => {
  expect(() => read('COPY t FROM stdin;\n1\n2\n')).toThrow(SqlSyntaxError);
  expect(() => read('COPY t FROM stdin;\n1\n2\n')).toThrow(/not terminated/);
  expect(() => read("SELECT 1;\nSELECT 'abc")).toThrow(/line 2: unterminated quoted string/);
  expect(() => read('SELECT $$ abc')).toThrow(/dollar-quoted/);
});

test('casts, operators and operator classes are identified by what DROP needs', () => {
  expect(signedObject('CREATE CAST ("My Type" AS numeric(10,2)) WITH FUNCTION f("My Type")')).toEqual({ kind: 'CAST', parts: ['"My Type"', 'numeric(10,2)'] });
  expect(signedObject('CREATE CAST ("a AS b" AS text) WITHOUT FUNCTION')).toEqual({ kind: 'CAST', parts: ['"a AS b"', 'text'] });
  expect(signedObject('CREATE OPERATOR "S".<| (\n    FUNCTION = ext.abs_lt,\n    LEFTARG = integer,\n    RIGHTARG = "S"."T"\n)')).toEqual({ kind: 'OPERATOR', parts: ['S', '<|', 'integer', '"S"."T"'] });
  expect(signedObject('CREATE OPERATOR - (FUNCTION = neg, RIGHTARG = ext.t)')).toEqual({ kind: 'OPERATOR', parts: ['public', '-', '', 'ext.t'] });
  expect(signedObject('CREATE OPERATOR CLASS ext."Abs" FOR TYPE integer USING btree FAMILY ext."Abs" AS OPERATOR 1 ext.<|')).toEqual({ kind: 'OPERATOR CLASS', parts: ['ext', 'Abs', 'btree'] });
  expect(signedObject('CREATE OPERATOR FAMILY ext.abs_ops USING btree')).toEqual({ kind: 'OPERATOR FAMILY', parts: ['ext', 'abs_ops', 'btree'] });
});
