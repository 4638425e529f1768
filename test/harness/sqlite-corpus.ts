/**
 * SQLite databases for tests: a hostile corpus (every kind of value and schema object SQLite has) and
 * a comparison that describes a database exactly (schema, pragmas, every value with its storage class,
 * rowids), so that a round trip can be checked for byte-for-byte equality.
 */
import { createHash, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';

type Db = Database.Database;

/** Deterministic pseudo-random numbers (xorshift), so a failing corpus can be reproduced. */
export function seededRandom(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

/** Doubles from random bit patterns (every exponent, subnormals included), NaN excluded (SQLite stores NULL). */
export function randomDoubles(n: number, random: () => number): number[] {
  const out: number[] = [];
  const buf = Buffer.alloc(8);
  while (out.length < n) {
    buf.writeUInt32BE(Math.floor(random() * 0x1_0000_0000), 0);
    buf.writeUInt32BE(Math.floor(random() * 0x1_0000_0000), 4);
    const d = buf.readDoubleBE(0);
    if (!Number.isNaN(d)) out.push(d);
  }
  return out;
}

export const EDGE_DOUBLES = [
  0, -0, 0.1, 1 / 3, -1 / 3, 1e308, -1e308, 1.7976931348623157e308, -1.7976931348623157e308, 5e-324, -5e-324,
  2.2250738585072014e-308, 2.225073858507201e-308, 1e-320, Infinity, -Infinity, 9007199254740993, 1e21, 1e-7,
  123456789012345680000, 0.30000000000000004, 1.0000000000000002, 4.35, 100, -2.5,
];

export const EDGE_INTEGERS = [
  0n, 1n, -1n, 9223372036854775807n, -9223372036854775808n, 9223372036854775806n, -9223372036854775807n,
  9007199254740993n, -9007199254740993n, 9007199254740992n, 2147483648n, -2147483649n, 4294967296n,
];

/** One string per Unicode plane (0–16) with its first, a middle and its last scalar value, plus edge characters. */
export function unicodePlanes(): string[] {
  const out: string[] = [];
  for (let plane = 0; plane <= 16; plane++) {
    const base = plane * 0x10000;
    const cps = [base, base + 0x1234, base + 0xfffd, base + 0xffff].filter((c) => c < 0xd800 || c > 0xdfff);
    out.push(cps.map((c) => String.fromCodePoint(c)).join(''));
  }
  return out;
}

/** Every BMP character except surrogates, in one string (~64k characters). */
export function allBmp(): string {
  const parts: string[] = [];
  for (let c = 1; c <= 0xffff; c++) if (c < 0xd800 || c > 0xdfff) parts.push(String.fromCharCode(c));
  return parts.join('');
}

export const NASTY_TEXT = [
  '', ' ', "'", "''", '"', "'; DROP TABLE blobs; --", '-- not a comment', '/* not a comment */', '*/', '/*',
  'a;b;c', ';', 'END;', 'BEGIN; END;', 'CREATE TRIGGER x AFTER INSERT ON y BEGIN SELECT 1; END;', '\n', '\r\n',
  '\t', 'line1\nline2\r\nline3', 'tab\there', 'back\\slash', "X'00'", 'NULL', '0123', '1e5', ' 42 ', '$${VAR}',
  '${HOME}', '[bracket]', '`tick`', 'trailing space ', 'ünïcödé', '😀🚀', 'e\u0301', '\u200b', '\ufeffBOM',
];

/**
 * Builds the hostile corpus at `path`: odd identifiers, keywords, foreign keys declared before their
 * targets, every value class at its edges, views, triggers with `;` in their bodies, partial and
 * expression indexes, generated columns, WITHOUT ROWID, STRICT, AUTOINCREMENT, FTS5, user_version.
 */
export function buildHostileCorpus(path: string, opts: { doubles?: number; seed?: number } = {}): void {
  const random = seededRandom(opts.seed ?? 20260101);
  const db = new Database(path);
  try {
    db.defaultSafeIntegers(true);
    db.pragma('foreign_keys = OFF'); // lets a dangling reference in, as old data often has
    db.pragma('auto_vacuum = INCREMENTAL'); // file properties a restore must keep
    db.pragma('journal_mode = WAL');
    db.exec(HOSTILE_SCHEMA);
    fillValues(db, random, opts.doubles ?? 5000);
    db.exec(HOSTILE_OBJECTS);
    db.pragma('user_version = 20260101');
    db.pragma('application_id = 1234567');
  } finally {
    db.close();
  }
}

const HOSTILE_SCHEMA = `
CREATE TABLE "child table" (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES "Parent ""Quoted"""(id) ON DELETE CASCADE, note TEXT);
CREATE TABLE "Parent ""Quoted""" (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE self_ref (id INTEGER PRIMARY KEY, up INTEGER REFERENCES self_ref(id));
CREATE TABLE "select" ("from" TEXT, "where" INTEGER, "order" BLOB, [group] REAL, \`table\` ANY);
CREATE TABLE "spaces in name" ("a column" TEXT, "ünïcödé 列" TEXT, "semi;colon" TEXT, "--dash" TEXT, "/*c*/" TEXT, 'single' TEXT);
CREATE TABLE "表格😀" (k TEXT PRIMARY KEY, v) WITHOUT ROWID;
CREATE TABLE vals (id INTEGER PRIMARY KEY, v);
CREATE TABLE reals (id INTEGER PRIMARY KEY, r REAL, u);
CREATE TABLE ints (i INTEGER, note TEXT);
CREATE TABLE blobs (b BLOB);
CREATE TABLE texts (t TEXT);
CREATE TABLE seq (id INTEGER PRIMARY KEY AUTOINCREMENT, x TEXT);
CREATE TABLE gen (a INTEGER, b INTEGER, s INTEGER GENERATED ALWAYS AS (a + b) STORED, v TEXT GENERATED ALWAYS AS (a || '-' || b) VIRTUAL);
CREATE TABLE strict_t (id INTEGER PRIMARY KEY, a ANY, b TEXT, c BLOB) STRICT;
CREATE TABLE "rowid shadow" (rowid TEXT, x INTEGER);
CREATE TABLE empty_t (a, b);
CREATE VIRTUAL TABLE docs USING fts5(title, body);
`;

const HOSTILE_OBJECTS = `
CREATE INDEX "idx partial" ON texts(t) WHERE t IS NOT NULL AND t <> '';
CREATE INDEX idx_expr ON gen(a * 2, lower(v));
CREATE UNIQUE INDEX "idx ""u""" ON "Parent ""Quoted"""(name);
CREATE INDEX idx_child ON "child table"(parent_id) WHERE note <> 'x;y';
CREATE VIEW "v; tricky" AS SELECT id, 'END; -- not a comment' AS s FROM seq;
CREATE VIEW v2 AS SELECT * FROM "v; tricky" WHERE s LIKE '%;%';
CREATE TRIGGER trg_ins AFTER INSERT ON seq BEGIN
  INSERT INTO texts(t) VALUES ('trigger; fired END');
  UPDATE ints SET note = 'END;' WHERE 0;
END;
CREATE TRIGGER "trg ""2""" BEFORE DELETE ON "Parent ""Quoted""" FOR EACH ROW WHEN old.id > 0 BEGIN
  SELECT CASE WHEN 1 THEN 'x;y' ELSE "END" END FROM (SELECT 1 AS "END");
  DELETE FROM "child table" WHERE parent_id = old.id; -- ; END
END;
CREATE TRIGGER v_ins INSTEAD OF INSERT ON v2 BEGIN SELECT 1; /* ; END; */ END;
CREATE TRIGGER trg_case AFTER UPDATE ON gen BEGIN
  UPDATE gen SET b = CASE WHEN new.a > 0 THEN new.b ELSE 0 END WHERE 0;
  SELECT CASE new.a WHEN 1 THEN 'END;' END;
END;
`;

function fillValues(db: Db, random: () => number, doubles: number): void {
  const ins = (sql: string, rows: unknown[][]) => {
    const st = db.prepare(sql);
    db.transaction(() => rows.forEach((r) => st.run(...r)))();
  };
  ins('INSERT INTO "Parent ""Quoted""" (id, name) VALUES (?, ?)', [[1n, 'one'], [2n, "two 'quoted'"], [3n, 'drei']]);
  ins('INSERT INTO "child table" (parent_id, note) VALUES (?, ?)', [[1n, 'a'], [2n, 'x;y'], [3n, null], [99n, 'dangling FK']]);
  ins('INSERT INTO self_ref (id, up) VALUES (?, ?)', [[1n, 3n], [2n, 1n], [3n, null]]);
  ins('INSERT INTO "select" VALUES (?, ?, ?, ?, ?)', [["'from'", 1n, Buffer.from([0, 1, 2]), 1.5, 'any'], [null, null, null, null, null]]);
  ins('INSERT INTO "spaces in name" VALUES (?, ?, ?, ?, ?, ?)', [NASTY_TEXT.slice(0, 6), NASTY_TEXT.slice(6, 12)]);
  ins('INSERT INTO "表格😀" VALUES (?, ?)', unicodePlanes().map((s, i) => [s, BigInt(i)]));
  const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  ins('INSERT INTO blobs VALUES (?)', [[allBytes], [Buffer.alloc(0)], [null], [randomBytes(1 << 20)], [Buffer.from(allBytes).reverse()]]);
  ins('INSERT INTO ints VALUES (?, ?)', EDGE_INTEGERS.map((i) => [i, String(i)]));
  db.exec('DELETE FROM ints WHERE i = 1; DELETE FROM ints WHERE i = 0;'); // gaps in implicit rowids
  const reals = [...EDGE_DOUBLES, ...randomDoubles(doubles, random)];
  ins('INSERT INTO reals (r, u) VALUES (?, ?)', reals.map((d) => [d, d]));
  const texts: unknown[][] = [...NASTY_TEXT.map((t) => [t]), ...unicodePlanes().map((t) => [t]), [unicodePlanes().join('')], [allBmp()], ['a\0b\0'], ['\0']];
  ins('INSERT INTO texts VALUES (?)', texts);
  db.exec(`INSERT INTO texts VALUES (CAST(X'C328FF80FE' AS TEXT)), (CAST(X'EDA080' AS TEXT)), (CAST(X'F4908080' AS TEXT)), (CAST(X'00' AS TEXT)), (CAST(X'61006200FF' AS TEXT))`);
  db.exec(`INSERT INTO vals (v) VALUES (NULL), (42), (-0.0), (0.0), (1.5), ('text'), (X'74657874'), ('0123'), (X''), (''), (9223372036854775807), (1e999), (-1e999)`);
  ins('INSERT INTO strict_t (a, b, c) VALUES (?, ?, ?)', [[1n, 'x', Buffer.from('y')], [1.25, null, null], ['txt', '', Buffer.alloc(0)], [Buffer.from([255]), 'ü', null]]);
  ins('INSERT INTO seq (x) VALUES (?)', [['a'], ['b;c'], ['END;']]);
  db.exec("DELETE FROM seq WHERE x = 'END;'"); // sqlite_sequence is now ahead of max(id)
  ins('INSERT INTO gen (a, b) VALUES (?, ?)', [[1n, 2n], [-5n, 7n], [null, 1n]]);
  ins('INSERT INTO "rowid shadow" (rowid, x) VALUES (?, ?)', [['r1', 1n], ['r2', 2n]]);
  ins('INSERT INTO docs (title, body) VALUES (?, ?)', [
    ['Hello', 'the quick brown fox; jumps'], ['ünïcödé', 'Grüße aus Köln 😀'], ["quote's", "it's -- fine /* really */"],
  ]);
  db.exec("DELETE FROM docs WHERE title = 'Hello'; INSERT INTO docs (title, body) VALUES ('again', 'END; BEGIN')");
}

/** Everything observable about a database, in a form `toEqual` can compare exactly. */
export interface DbDescription {
  schema: { type: string; name: string; tbl_name: string; sql: string | null }[];
  pragmas: Record<string, unknown>;
  tables: Record<string, { rows: number; sha256: string }>;
}

/** Encodes one value with its storage class; doubles by their exact bits (so -0.0 ≠ 0.0). */
function encodeValue(type: string, v: unknown): string {
  if (type === 'real') {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(Number(v));
    return `r:${b.toString('hex')}`;
  }
  if (type === 'text' || type === 'blob') return `${type[0]}:${(v as Buffer).toString('hex')}`;
  return `${type}:${String(v)}`;
}

/** Describes a database: schema rows (without rootpage), pragmas, and a hash of every row of every table. */
export function describeDb(path: string): DbDescription {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    db.defaultSafeIntegers(true);
    const schema = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_stat%' ORDER BY type, name").all() as DbDescription['schema'];
    const pragma = (p: string) => {
      const v = db.pragma(p, { simple: true });
      return typeof v === 'bigint' ? Number(v) : v;
    };
    const pragmas = Object.fromEntries(['user_version', 'application_id', 'encoding', 'page_size', 'auto_vacuum', 'journal_mode'].map((p) => [p, pragma(p)]));
    const tables: DbDescription['tables'] = {};
    const list = db.prepare("SELECT name, wr FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'shadow') AND name NOT LIKE 'sqlite_stat%' AND name <> 'sqlite_schema'").all() as { name: string; wr: bigint }[];
    for (const t of list) {
      const cols = (db.prepare('SELECT name FROM pragma_table_xinfo(?) WHERE hidden <> 1').all(t.name) as { name: string }[]).map((c) => c.name);
      const q = (c: string) => `"${c.replace(/"/g, '""')}"`;
      const rowid = Number(t.wr) ? undefined : ['rowid', '_rowid_', 'oid'].find((r) => !cols.some((c) => c.toLowerCase() === r));
      const exprs = [...(rowid ? [`'integer', ${rowid}`] : []), ...cols.map((c) => `typeof(${q(c)}), CASE typeof(${q(c)}) WHEN 'text' THEN CAST(${q(c)} AS BLOB) ELSE ${q(c)} END`)];
      const order = rowid ? `ORDER BY ${rowid}` : '';
      const hash = createHash('sha256');
      let rows = 0;
      for (const row of db.prepare(`SELECT ${exprs.join(', ')} FROM ${q(t.name)} ${order}`).raw(true).iterate() as IterableIterator<unknown[]>) {
        for (let i = 0; i < row.length; i += 2) hash.update(encodeValue(row[i] as string, row[i + 1]) + '\u0001');
        hash.update('\u0002');
        rows++;
      }
      tables[t.name] = { rows, sha256: hash.digest('hex') };
    }
    return { schema, pragmas, tables };
  } finally {
    db.close();
  }
}

/** Every double in `reals.u` (untyped column) of a database, by id. */
export function readDoubles(path: string, column: 'r' | 'u'): number[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare(`SELECT ${column} FROM reals ORDER BY id`).raw(true).all() as [number][]).map((r) => r[0]);
  } finally {
    db.close();
  }
}

/**
 * A database with one table `big` of `rows` rows, each ~`bytesPerRow` of text: its dump is about
 * rows × bytesPerRow bytes of SQL and takes a while (slow jobs for timeout, shutdown and memory tests).
 */
export function makeBigDb(path: string, rows: number, bytesPerRow = 400): void {
  const db = new Database(path);
  try {
    db.exec('CREATE TABLE big (id INTEGER PRIMARY KEY, payload TEXT, n REAL)');
    db.prepare('WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ?) INSERT INTO big SELECT i, hex(randomblob(?)), i * 1.5 FROM c').run(rows, Math.ceil(bytesPerRow / 2));
  } finally {
    db.close();
  }
}
