/** The statement splitter the SQLite restore uses: same statements however the text is chunked. */
import { SqliteStatementSplitter } from '../../src/dumpers/sqlite-splitter.js';
import { classifyStatement } from '../../src/dumpers/sqlite-statements.js';

const SQL = [
  "-- a comment; with a semicolon\nPRAGMA foreign_keys=OFF;",
  "INSERT INTO \"t;x\" VALUES('it''s; fine','--not a comment','/* nor this */');",
  "INSERT INTO [a;b] VALUES(X'00ff',`c``d`);",
  '/* block; comment */ CREATE TABLE "q""uote" (a, "b;c" TEXT);',
  "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  UPDATE t SET a = CASE WHEN new.a THEN 'END;' ELSE 0 END WHERE 0;\n  SELECT CASE new.a WHEN 1 THEN 2 END;\n  INSERT INTO log VALUES ('x');\nEND;",
  "CREATE TEMP TRIGGER t2 BEFORE DELETE ON \"t;x\" BEGIN SELECT 1; END;",
  "INSERT INTO t VALUES('''');",
  "COMMIT;",
];
const TEXT = SQL.join('\n') + '\n';

function split(chunks: string[]): string[] {
  const s = new SqliteStatementSplitter();
  const out: string[] = [];
  for (const c of chunks) out.push(...s.push(c));
  const tail = s.end();
  if (tail) out.push(tail);
  return out;
}

test('whole text: one statement per input statement, comments before a statement kept with it', () => {
  const got = split([TEXT]);
  expect(got).toHaveLength(SQL.length);
  expect(got.slice(1)).toEqual(SQL.slice(1));
});

test('every split point of the text gives the same statements', () => {
  const whole = split([TEXT]);
  for (let i = 1; i < TEXT.length; i++) expect(split([TEXT.slice(0, i), TEXT.slice(i)])).toEqual(whole);
});

test('one character at a time gives the same statements', () => {
  expect(split([...TEXT])).toEqual(split([TEXT]));
});

test('a statement without a final semicolon comes back from end(); trailing comments do not', () => {
  expect(split(['SELECT 1;\nSELECT 2'])).toEqual(['SELECT 1;', 'SELECT 2']);
  expect(split(['SELECT 1;\n-- done\n'])).toEqual(['SELECT 1;']);
});

test('classifyStatement names the table each statement belongs to', () => {
  expect(classifyStatement(SQL[1]!)).toEqual({ kind: 'rows', table: 't;x' });
  expect(classifyStatement(SQL[2]!)).toEqual({ kind: 'rows', table: 'a;b' });
  expect(classifyStatement(SQL[3]!)).toEqual({ kind: 'table', table: 'q"uote' });
  expect(classifyStatement(SQL[4]!)).toEqual({ kind: 'trigger', table: 't' });
  expect(classifyStatement(SQL[5]!)).toEqual({ kind: 'trigger', table: 't;x' });
  expect(classifyStatement('CREATE UNIQUE INDEX IF NOT EXISTS "idx on" ON \'docs_data\'(a) WHERE a > 0;')).toEqual({ kind: 'index', table: 'docs_data' });
  expect(classifyStatement("CREATE TABLE 'docs_data'(id INTEGER PRIMARY KEY, block BLOB);")).toEqual({ kind: 'table', table: 'docs_data' });
  expect(classifyStatement("INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql) VALUES('table','docs','docs',0,'CREATE VIRTUAL TABLE docs USING fts5(a)');")).toEqual({ kind: 'virtual-table', table: 'docs' });
  expect(classifyStatement('INSERT INTO "sqlite_sequence" VALUES(\'it\'\'s\',5);')).toEqual({ kind: 'sequence', table: "it's" });
  expect(classifyStatement('DELETE FROM sqlite_sequence;')).toEqual({ kind: 'sequence-reset' });
  expect(classifyStatement('CREATE VIEW v AS SELECT 1;')).toEqual({ kind: 'view' });
  expect(classifyStatement('PRAGMA user_version=3;')).toEqual({ kind: 'file-pragma' });
  expect(classifyStatement('BEGIN TRANSACTION;')).toEqual({ kind: 'other' });
});
