/** The MySQL statement splitter: what the mysql client would send to the server, statement by statement. */
import { MysqlStatementSplitter, sqlModeChange, type SqlStatement } from '../../src/dumpers/mysql/splitter.js';
import { clientCommand } from '../../src/dumpers/mysql/restore.js';
import { classifyStatement } from '../../src/dumpers/mysql/statement-kind.js';

/** Splits `text` fed in chunks of `size` characters (every size must give the same result). */
function split(text: string, size = text.length || 1, nbe = false, partsAbove?: number): SqlStatement[] {
  const s = new MysqlStatementSplitter({ partsAbove });
  s.noBackslashEscapes = nbe;
  const out: SqlStatement[] = [];
  for (let i = 0; i < text.length; i += size) {
    s.push(text.slice(i, i + size));
    for (let st = s.next(); st; st = s.next()) out.push(st);
  }
  s.end();
  for (let st = s.next(); st; st = s.next()) out.push(st);
  return out;
}

function texts(text: string, nbe = false): string[] {
  const whole = split(text, text.length || 1, nbe);
  for (const size of [1, 2, 3, 7]) expect(split(text, size, nbe)).toEqual(whole);
  return whole.map((s) => s.text);
}

describe('MysqlStatementSplitter', () => {
  test('a statement much longer than the chunks (mariadb-binlog BINLOG events) comes out whole, with line numbers', () => {
    const payload = 'QUJD\n'.repeat(200_000);
    const text = `DELIMITER /*!*/;\n# at 4\nSELECT 1/*!*/;\nBINLOG '\n${payload}'/*!*/;\n\nSELECT 2/*!*/;\n`;
    const whole = split(text);
    expect(split(text, 65_536)).toEqual(whole);
    expect(split(text, 4_099)).toEqual(whole);
    expect(whole.map((s) => s.line)).toEqual([3, 4, 4 + 200_000 + 3]);
    expect(whole[1]!.text).toBe(`BINLOG '\n${payload}'`);
  });

  test('statements longer than partsAbove come in pieces: joined they are the statement, text is its start', () => {
    const payload = 'QUJD\n'.repeat(30_000);
    const text = `SELECT 1;\nBINLOG '\n${payload}'  \n\t;\nINSERT INTO t VALUES ('${'x'.repeat(100_000)}')${' '.repeat(9_000)};SELECT 2`;
    const whole = split(text);
    for (const size of [4_099, 65_536, text.length]) {
      const pieces = split(text, size, false, 90_000);
      expect(pieces.map((s) => s.parts?.join('') ?? s.text)).toEqual(whole.map((s) => s.text));
      expect(pieces.map((s) => s.line)).toEqual(whole.map((s) => s.line));
      expect(pieces.map((s) => s.text)).toEqual(['SELECT 1', whole[1]!.text.slice(0, 65_536), whole[2]!.text.slice(0, 65_536), 'SELECT 2']);
      if (size < text.length) expect(pieces[1]!.parts!.length).toBeGreaterThan(1);
      expect(pieces[2]!.parts!.at(-1)).toMatch(/\)$/); // trailing whitespace trimmed across pieces
    }
  });

  test('only ASCII whitespace is trimmed: a trailing 0xA0 byte can be half of a UTF-8 character', () => {
    const utf8AsLatin1 = Buffer.from('SELECT * FROM tà', 'utf8').toString('latin1');
    expect(texts(`${utf8AsLatin1} \n;SELECT 2`)).toEqual([utf8AsLatin1, 'SELECT 2']);
  });

  test('plain statements, empty ones dropped, last one without delimiter kept', () => {
    expect(texts('SELECT 1;\n;;  SELECT 2 ;\nSELECT 3')).toEqual(['SELECT 1', 'SELECT 2', 'SELECT 3']);
  });

  test('single-quoted strings: backslash escapes, doubled quotes, delimiters and comment markers inside', () => {
    expect(texts("INSERT INTO t VALUES ('a;b','it''s','c\\'d;','e\\\\',  '-- no', '# no', '/* no */');SELECT 2;")).toEqual([
      "INSERT INTO t VALUES ('a;b','it''s','c\\'d;','e\\\\',  '-- no', '# no', '/* no */')",
      'SELECT 2',
    ]);
  });

  test('double-quoted strings with escapes and doubled quotes', () => {
    expect(texts('SELECT "a;\\"b;", "x"";y";SELECT 2')).toEqual(['SELECT "a;\\"b;", "x"";y"', 'SELECT 2']);
  });

  test('backticks: no escapes, doubled backticks, semicolons and quotes inside', () => {
    expect(texts("CREATE TABLE `we;ird``na'me\\` (`a\"b` int);SELECT 1")).toEqual(["CREATE TABLE `we;ird``na'me\\` (`a\"b` int)", 'SELECT 1']);
  });

  test('-- and # comments run to the end of the line; --x is not a comment', () => {
    expect(texts('SELECT 1 -- a; b\n, 2 # c; d\n;SELECT 3--1;\n-- only a comment;\n')).toEqual(['SELECT 1 -- a; b\n, 2 # c; d', 'SELECT 3--1']);
  });

  test('block comments hide delimiters; leading comments are not sent; executable comments are code', () => {
    expect(texts('/* x; */ SELECT /* y; */ 1;\n/*!40101 SET NAMES utf8mb4 */;\n/*M!100100 SET a=1; */;/* only */;')).toEqual([
      'SELECT /* y; */ 1',
      '/*!40101 SET NAMES utf8mb4 */',
      '/*M!100100 SET a=1',
      '*/',
    ]);
  });

  test('DELIMITER blocks for routine bodies, case-insensitive, after comments', () => {
    const sql = [
      '--',
      '-- Dumping routines',
      '--',
      'delimiter ;;',
      "CREATE PROCEDURE p() BEGIN SELECT ';;'; SELECT 1; END ;;",
      'DELIMITER ;',
      'SELECT 2;',
      'DELIMITER $$',
      'CREATE FUNCTION f() RETURNS INT BEGIN RETURN 1; END$$',
      'DELIMITER ;',
    ].join('\n');
    expect(texts(sql)).toEqual(["CREATE PROCEDURE p() BEGIN SELECT ';;'; SELECT 1; END", 'SELECT 2', 'CREATE FUNCTION f() RETURNS INT BEGIN RETURN 1; END']);
  });

  test('mariadb-binlog output: DELIMITER /*!*/;, # at comments, BINLOG base64 strings', () => {
    const sql = [
      '/*!50530 SET @@SESSION.PSEUDO_SLAVE_MODE=1*/;',
      'DELIMITER /*!*/;',
      '# at 4',
      '#240101 12:00:00 server id 1  end_log_pos 256 CRC32 0x1234abcd  Start: binlog v 4',
      "BINLOG '",
      'fkpYZQ8BAAAA/AAAAAABAAAAAAQAMTAuMTEuNi1NYXJpYURCLWxvZwAAAAAAAAAAAAAAAAAAAAAA',
      "'/*!*/;",
      'SET TIMESTAMP=1700000000/*!*/;',
      '/*!100001 SET @@session.gtid_domain_id=0*//*!*/;',
      'BEGIN',
      '/*!*/;',
      'COMMIT/*!*/;',
      'DELIMITER ;',
      '# End of log file',
      'ROLLBACK /* added by mysqlbinlog */;',
    ].join('\n');
    expect(texts(sql)).toEqual([
      '/*!50530 SET @@SESSION.PSEUDO_SLAVE_MODE=1*/',
      "BINLOG '\nfkpYZQ8BAAAA/AAAAAABAAAAAAQAMTAuMTEuNi1NYXJpYURCLWxvZwAAAAAAAAAAAAAAAAAAAAAA\n'",
      'SET TIMESTAMP=1700000000',
      '/*!100001 SET @@session.gtid_domain_id=0*/',
      'BEGIN',
      'COMMIT',
      'ROLLBACK /* added by mysqlbinlog */',
    ]);
  });

  test('NO_BACKSLASH_ESCAPES: a backslash does not escape the quote', () => {
    expect(texts("SELECT 'a\\';SELECT 2;", true)).toEqual(["SELECT 'a\\'", 'SELECT 2']);
    expect(texts("SELECT 'a\\';SELECT 2;", false)).toEqual(["SELECT 'a\\';SELECT 2;"]);
  });

  test('the mode can change between statements', () => {
    const s = new MysqlStatementSplitter();
    s.push("SET sql_mode='NO_BACKSLASH_ESCAPES';SELECT 'a\\';SELECT 'b\\' ';';");
    const first = s.next()!;
    s.noBackslashEscapes = sqlModeChange(first.text)!;
    expect([s.next()!.text, s.next()!.text]).toEqual(["SELECT 'a\\'", "SELECT 'b\\' ';'"]);
  });

  test('bytes of any value survive (latin1 text, one character per byte)', () => {
    const bytes = Buffer.from([...Array(256).keys()].filter((b) => b !== 0x27 && b !== 0x5c));
    const sql = Buffer.concat([Buffer.from("INSERT INTO t VALUES ('"), bytes, Buffer.from("');")]);
    const [stmt] = texts(sql.toString('latin1'));
    expect(Buffer.from(stmt!, 'latin1')).toEqual(sql.subarray(0, sql.length - 1));
  });

  test('line numbers point at the first line of each statement', () => {
    const out = split('SELECT 1;\n\n-- c\nSELECT\n2;\nDELIMITER ;;\n\nSELECT 3;;\n');
    expect(out.map((s) => s.line)).toEqual([1, 4, 8]);
  });

  test('DELIMITER without an argument is an error naming the line', () => {
    expect(() => split('SELECT 1;\nDELIMITER \nSELECT 2;')).toThrow(/line 2: DELIMITER must be followed/);
  });

  test('a long statement split across many chunks', () => {
    const values = Array.from({ length: 2000 }, (_, i) => `(${i},'v;${i}\\'x')`).join(',');
    const sql = `INSERT INTO t VALUES ${values};SELECT 1;`;
    expect(texts(sql)).toEqual([`INSERT INTO t VALUES ${values}`, 'SELECT 1']);
  });
});

describe('sqlModeChange', () => {
  test.each([
    ["/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */", false],
    ["SET sql_mode = 'ANSI,NO_BACKSLASH_ESCAPES'", true],
    ['SET @@session.sql_mode=1411383296', false],
    ['SET @@session.sql_mode=1049600', true],
    ['SELECT 1', undefined],
    ['/*!40101 SET SQL_MODE=@OLD_SQL_MODE */', undefined],
  ])('%s → %s', (stmt, expected) => {
    expect(sqlModeChange(stmt)).toBe(expected);
  });
});

describe('clientCommand', () => {
  test("mariadb-binlog's /*!\\C charset */ becomes SET NAMES", () => {
    const s = new MysqlStatementSplitter();
    s.push('DELIMITER /*!*/;\n/*!\\C utf8mb4 *//*!*/;\nSELECT 1/*!*/;');
    s.end();
    const first = s.next()!;
    expect(clientCommand(first.text)).toBe('SET NAMES utf8mb4');
    expect(clientCommand(s.next()!.text)).toBeUndefined();
  });
});

test('classifyStatement tells packages from package bodies, procedures from functions', () => {
  expect(classifyStatement('DROP PACKAGE BODY IF EXISTS `pkg`')).toEqual({ kind: 'drop-routine', name: 'pkg', objectType: 'PACKAGE BODY' });
  expect(classifyStatement('CREATE DEFINER="root"@"%" PACKAGE "pkg" AS FUNCTION f RETURN INT; END')).toMatchObject({ kind: 'create-routine', objectType: 'PACKAGE' });
  expect(classifyStatement('DROP PROCEDURE IF EXISTS `db`.`p`')).toEqual({ kind: 'drop-routine', db: 'db', name: 'p', objectType: 'PROCEDURE' });
});
