/** Fingerprints and class IDs against pt-query-digest's own QueryRewriter, on a hand-written corpus and a seeded fuzz. */
import { classId, fingerprint, maskLiterals } from '../../src/slowlog/fingerprint.js';
import { ptChecksums, ptFingerprints } from './pt.js';

/** As a log holds them: UTF-8 bytes seen one character per byte. */
const bytes = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

const CORPUS = [
  'SELECT * FROM t WHERE a IN (1,2,3) AND b = \'x\' ORDER BY a ASC, b ASC LIMIT 5, 10',
  'select * from db1.tbl2 where id=5',
  'SELECT name FROM `shop`.`users` WHERE email = "a@b.c"',
  "INSERT INTO t (a,b) VALUES (1,'x'),(2,'y'),(3,'z')",
  "INSERT IGNORE INTO t VALUES (1) , (2) ON DUPLICATE KEY UPDATE a = VALUES(a)",
  "REPLACE INTO kv (k, v) VALUES ('a', 'b')",
  'INSERT INTO t SELECT * FROM u WHERE id > 10',
  'UPDATE t SET a = a + 1, b = NULL WHERE id IN (SELECT id FROM u) AND flag = TRUE',
  'DELETE FROM sessions WHERE expires < 1700000000 LIMIT 1000',
  'CALL shop.refresh_stats(42, \'x\')',
  '  call   p1 (1)',
  'USE shop',
  'use `my db`',
  'administrator command: Quit',
  'administrator command: Init DB',
  "SELECT /*!40001 SQL_NO_CACHE */ * FROM `orders`",
  'SELECT 1 /*db.tbl:1/2*/',
  "select 'a;b', \"c#d\", 'it''s', 'x\\'y' from dual",
  'select 1 -- trailing comment\n, 2 # hash comment\nfrom t',
  'select /* inline */ a, /*! 50000 kept */ b from t',
  'SELECT a FROM t WHERE x = 0x1F AND y = X\'1F\' AND z = b\'0101\' AND w = -1.5e-3',
  'SELECT a FROM t1 JOIN t2 USING (id) WHERE t1.c_2023 = 4',
  'select * from t where a in (1) union select * from t where a in (2) union all select * from t where a in (3)',
  'SELECT a FROM t LIMIT 10 OFFSET 20',
  'SELECT a FROM t ORDER BY a ASC, b DESC, c ASC',
  'SELECT a FROM t\n\tWHERE  b  =\r\n 1\f',
  '\n  SELECT 1\n',
  'SELECT * FROM t WHERE name = \'Größe\' AND city = \'Zürich\' -- ünïcode',
  'SELECT à, À FROM ÀÉ',
  'SELECT md5_col FROM t WHERE h = \'d41d8cd98f00b204e9800998ecf8427e\'',
  'SELECT a FROM t WHERE b IN ( ? , ? )',
  'SET NAMES utf8mb4',
  'SHOW TABLE STATUS LIKE \'orders\'',
  'COMMIT',
  'select x+1 from t',
  "select 'multi\nline;\n# Time: not really', 2",
].map(bytes);

/** A seeded fuzz: pieces pt-query-digest's rules care about, glued at random. */
function fuzz(n: number, seed: number): string[] {
  let s = seed;
  const r = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)]!;
  const parts = ['SELECT', 'select', '*', 'FROM', 't1', 'db2.tbl_3', '`db1`.`t2`', 'WHERE', 'a', '=', '1', '-5', '+3', '3.14', '1e5', '0x1F',
    "X'1F'", "'str'", "'it''s'", "'a\\'b'", '"dq"', 'NULL', 'TRUE', 'false', 'IN (1, 2, 3)', "in('a','b')", 'VALUES (1,2),(3,4)', '/* c */',
    '/*!40101 x */', '-- c\n', '# h\n', 'UNION', 'UNION ALL', 'LIMIT 5', 'LIMIT 5, 10', 'LIMIT 5 OFFSET 10', 'ORDER BY a ASC', 'ORDER BY b DESC',
    'asc', ',', '(', ')', '\n', '\t', '\r\n', '\f', '\v', bytes('é'), bytes('à'), 'call p1(1)', 'use db1', ';', 'a--b', 'x#y', "'multi\nline'",
    'INSERT INTO t VALUES (1),(2)', 'administrator command: Quit', '\\', "'", '"', '`'];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = 1 + Math.floor(r() * 12);
    const sep = pick([' ', '', '\n', '  ']);
    out.push(Array.from({ length: k }, () => pick(parts)).join(sep));
  }
  return out;
}

test('fingerprints equal pt-query-digest QueryRewriter::fingerprint on a tricky corpus', () => {
  const pt = ptFingerprints(CORPUS);
  expect(CORPUS.map((q) => fingerprint(q))).toEqual(pt);
  // a few by heart, so that a change to pt-query-digest would show
  expect(fingerprint(CORPUS[0]!)).toBe('select * from t where a in(?+) and b = ? order by a, b limit ?');
  expect(fingerprint(CORPUS[3]!)).toBe('insert into t (a,b) values(?+)');
  expect(fingerprint(CORPUS[9]!)).toBe('call shop.refresh_stats');
  expect(fingerprint(CORPUS[11]!)).toBe('use ?');
  expect(fingerprint(CORPUS[13]!)).toBe('administrator command: Quit');
  expect(fingerprint(CORPUS[15]!)).toBe('mysqldump');
});

test('fingerprints equal pt-query-digest on 5,000 fuzzed queries', () => {
  const queries = fuzz(5000, 20240501);
  const pt = ptFingerprints(queries);
  const differ = queries.filter((q, i) => fingerprint(q) !== pt[i]);
  expect(differ).toEqual([]);
});

test('class ID is the upper-case hex MD5 of the fingerprint bytes, as pt-query-digest prints it', () => {
  const fps = ['select ?', 'insert into t (a,b) values(?+)', bytes("select * from t where name = 'größe'"), 'administrator command: Quit'];
  expect(fps.map(classId)).toEqual(ptChecksums(fps));
  expect(classId('select ?')).toMatch(/^[0-9A-F]{32}$/);
});

test('PostgreSQL fingerprints fold $n parameters and dollar/E strings but keep quoted identifiers', () => {
  expect(fingerprint('SELECT * FROM "Orders" WHERE id = $1 AND note = $$a;b$$', 'postgres')).toBe('select * from "orders" where id = ? and note = ?');
  expect(fingerprint("SELECT E'it\\'s', 'C:\\', $tag$x$tag$ FROM t WHERE a IN ($1, $2, $3)", 'postgres')).toBe('select ?, ?, ? from t where a in(?+)');
  expect(fingerprint('SELECT * FROM "Orders" WHERE id = 1', 'mysql')).toBe('select * from ? where id = ?');
});

test('masking replaces literal values and keeps the statement as written', () => {
  expect(maskLiterals("SELECT * FROM t1 WHERE email = 'bob@example.com' AND id IN (1, 2.5, -3) AND h = 0xFF")).toBe('SELECT * FROM t1 WHERE email = ? AND id IN (?, ?, -?) AND h = ?');
  expect(maskLiterals("UPDATE t SET a = 'it''s', b = \"x\\\"y\" /* keep */")).toBe('UPDATE t SET a = ?, b = ? /* keep */');
  expect(maskLiterals('SELECT * FROM "T2" WHERE id = $1 AND s = \'x\' AND d = $$secret$$', 'postgres')).toBe('SELECT * FROM "T2" WHERE id = $1 AND s = ? AND d = ?');
});
