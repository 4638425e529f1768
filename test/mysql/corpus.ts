/**
 * The hostile MySQL corpus: every column type, all 256 byte values, NULLs, utf8mb4 and latin1 tables,
 * odd identifiers, views on views, triggers, routines (one created under NO_BACKSLASH_ESCAPES, some under
 * a latin1 client), events, foreign keys in awkward order (self-reference, a cycle), a table without a
 * primary key, generated and invisible columns, a 0 id under NO_AUTO_VALUE_ON_ZERO, AUTO_INCREMENT
 * values, a sequence, a non-transactional table, and a table big enough for several INSERT statements.
 *
 * `fingerprint(db)` is what must be equal after a round trip: CHECKSUM TABLE of every table and the raw
 * bytes of SHOW CREATE for every object (with its sql_mode and character sets).
 */
import { execFileSync } from 'node:child_process';
import mysql from 'mysql2/promise';

export const ROOT_DSN = 'mysql://root@127.0.0.1:3306';

export function uniqueName(area: string): string {
  return `od_${area}_${Math.random().toString(36).slice(2, 8)}`;
}

/** Runs SQL (bytes allowed) through the stock client against the shared server. */
export function mariadb(sql: string | Buffer, db?: string, extra: string[] = []): string {
  return execFileSync('mariadb', ['--no-defaults', '-uroot', '-h127.0.0.1', '-P3306', '--default-character-set=utf8mb4', '-N', '-B', ...extra, ...(db ? [db] : [])], { input: sql, encoding: 'utf8', maxBuffer: 1 << 28 });
}

export function dropDatabases(...dbs: string[]): void {
  mariadb(dbs.map((d) => `DROP DATABASE IF EXISTS \`${d}\`;`).join('\n'));
}

const ALL_BYTES = Buffer.from([...Array(256).keys()]).toString('hex');

/** The schema, with § standing for a backtick. */
const SCHEMA = String.raw`
SET sql_mode = '';
SET FOREIGN_KEY_CHECKS = 0;
CREATE TABLE types (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, mi MEDIUMINT, i INT, bi BIGINT, bu BIGINT UNSIGNED,
  dec65 DECIMAL(65,30), dec5 DECIMAL(5,2), f FLOAT, fu FLOAT(10,4) UNSIGNED, d DOUBLE, b1 BIT(1), b64 BIT(64),
  bin BINARY(4), vbin VARBINARY(300), bl BLOB, lbl LONGBLOB,
  c CHAR(10), vc VARCHAR(200), tx TEXT, lt LONGTEXT, en ENUM('a','b','it''s',''), st SET('x','y','z'),
  js JSON, geo GEOMETRY, pt POINT, poly POLYGON,
  dt DATE, dtm DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT NULL, tm TIME(6), yr YEAR,
  hidden_col INT INVISIBLE DEFAULT 7,
  gen_v INT AS (ti + 1) VIRTUAL, gen_s VARCHAR(210) AS (CONCAT(vc, '!')) STORED
) ENGINE=InnoDB AUTO_INCREMENT=500;
INSERT INTO types (id, ti, tu, si, mi, i, bi, bu, dec65, dec5, f, fu, d, b1, b64, bin, vbin, bl, lbl, c, vc, tx, lt, en, st, js, geo, pt, poly, dt, dtm, ts, tm, yr, hidden_col) VALUES
 (1, -128, 255, -32768, -8388608, -2147483648, -9223372036854775808, 18446744073709551615,
  12345678901234567890123456789012345.123456789012345678901234567890, -999.99, 1.2345678, 16777217, 0.1, b'1', b'1010101010101010101010101010101010101010101010101010101010101010',
  0x00FF7F80, 0x${ALL_BYTES}, 0x${ALL_BYTES}, 0x${ALL_BYTES},
  'a''b"c', 'tab\there\nnew\rline \\ back \0 nul \Z sub', 'emoji 😀 𝄞 中文 Ελληνικά', REPEAT('long ', 1000), 'it''s', 'x,z',
  '{"a": [1, 2.5, "x\\"y", null, true], "b": {"c": "ü"}}', ST_GeomFromText('LINESTRING(0 0, 1 1.5, -2 3)'), POINT(1.5, -2.25),
  ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,4 2,4 4,2 2))'),
  '1000-01-01', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999', '-838:59:59.000000', 1901, 42),
 (2, 127, 0, 32767, 8388607, 2147483647, 9223372036854775807, 0,
  -0.000000000000000000000000000001, 0, -3.4028235e38, 0, 1.7976931348623157e308, b'0', b'0',
  '', '', '', '', '', '', '', '', '', '', '[]', NULL, NULL, NULL,
  '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '838:59:59.999999', 0, NULL),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 1.17549435e-38, NULL, 5e-324, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL),
 (4, 0, 1, 0, 0, 0, -1, 9223372036854775808, 0.1, 0.01, -0.0, 0.0001, -2.2250738585072014e-308, b'1', b'1111111111111111111111111111111111111111111111111111111111111111',
  'abcd', 'x', 'y', 'z', 'NULL', 'null', '\\N', 'NULL', 'b', '', '"just a string"', POINT(0, 0), POINT(-1e10, 1e-10), NULL,
  '2024-02-29', '2024-02-29 12:34:56.000001', '1970-01-01 00:00:01.000000', '00:00:00.000001', 2155, -5);

CREATE TABLE bytes_bin (b TINYINT UNSIGNED PRIMARY KEY, v VARBINARY(1), c CHAR(1) CHARACTER SET latin1 COLLATE latin1_bin) ENGINE=InnoDB;
INSERT INTO bytes_bin SELECT seq, UNHEX(LPAD(HEX(seq), 2, '0')), CONVERT(UNHEX(LPAD(HEX(seq), 2, '0')) USING latin1) FROM seq_0_to_255;

CREATE TABLE latin1_t (id INT PRIMARY KEY, s VARCHAR(300), t TEXT) ENGINE=InnoDB DEFAULT CHARSET=latin1;
INSERT INTO latin1_t VALUES (1, CONVERT(0x${ALL_BYTES} USING latin1), 'café crème ÿ'), (2, '', NULL);

CREATE TABLE §we§§ird ta;ble§ (§select§ INT PRIMARY KEY, §col with space§ VARCHAR(10), §ünï名§ TEXT, §from§ INT) ENGINE=InnoDB;
INSERT INTO §we§§ird ta;ble§ VALUES (1, 'a;b', 'ünïcode;--', 2), (2, '/*x*/', '#y', NULL);
CREATE TABLE §order§ (id INT AUTO_INCREMENT PRIMARY KEY, §group§ VARCHAR(20), total INT DEFAULT 0) ENGINE=InnoDB;
INSERT INTO §order§ VALUES (1, 'g1', 10), (2, 'g2', 20);

CREATE TABLE a_child (id INT PRIMARY KEY, parent_id INT, FOREIGN KEY (parent_id) REFERENCES z_parent (id) ON DELETE CASCADE) ENGINE=InnoDB;
CREATE TABLE z_parent (id INT PRIMARY KEY, name VARCHAR(10)) ENGINE=InnoDB;
INSERT INTO z_parent VALUES (1, 'p1'), (2, 'p2');
INSERT INTO a_child VALUES (10, 1), (11, 2), (12, NULL);
CREATE TABLE tree (id INT PRIMARY KEY, parent_id INT, CONSTRAINT fk_tree FOREIGN KEY (parent_id) REFERENCES tree (id)) ENGINE=InnoDB;
INSERT INTO tree VALUES (5, NULL), (1, 5), (3, 1), (2, 3);
CREATE TABLE cyc_a (id INT PRIMARY KEY, b_id INT) ENGINE=InnoDB;
CREATE TABLE cyc_b (id INT PRIMARY KEY, a_id INT, FOREIGN KEY (a_id) REFERENCES cyc_a (id)) ENGINE=InnoDB;
ALTER TABLE cyc_a ADD CONSTRAINT fk_cyc FOREIGN KEY (b_id) REFERENCES cyc_b (id);
INSERT INTO cyc_a VALUES (1, 1), (2, 2);
INSERT INTO cyc_b VALUES (1, 2), (2, 1);

CREATE TABLE nopk (a INT, b VARCHAR(10)) ENGINE=InnoDB;
INSERT INTO nopk VALUES (1, 'dup'), (1, 'dup'), (NULL, NULL), (2, 'x');

SET sql_mode = 'NO_AUTO_VALUE_ON_ZERO';
CREATE TABLE zero_id (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10)) ENGINE=InnoDB AUTO_INCREMENT=1000;
INSERT INTO zero_id VALUES (0, 'zero'), (5, 'five');
SET sql_mode = '';

CREATE TABLE aria_t (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=Aria;
INSERT INTO aria_t VALUES (1, 'non-transactional');
CREATE TABLE myisam_t (id INT PRIMARY KEY, v TEXT) ENGINE=MyISAM;
INSERT INTO myisam_t VALUES (1, 'also');

CREATE TABLE big (id INT PRIMARY KEY, payload VARCHAR(120), n DOUBLE) ENGINE=InnoDB;
INSERT INTO big SELECT seq, CONCAT(REPEAT(CHAR(65 + seq % 26), 90), '\'"\\;', seq), seq / 7 FROM seq_1_to_40000;

-- system-versioned tables (MariaDB): the history rows and their ROW_START/ROW_END survive, implicit
-- and explicit period columns
CREATE TABLE versioned_implicit (id INT PRIMARY KEY, v VARCHAR(10)) WITH SYSTEM VERSIONING;
INSERT INTO versioned_implicit VALUES (1, 'a'), (2, 'b');
UPDATE versioned_implicit SET v = 'c' WHERE id = 1;
DELETE FROM versioned_implicit WHERE id = 2;
CREATE TABLE versioned_explicit (id INT PRIMARY KEY, v INT, vs TIMESTAMP(6) GENERATED ALWAYS AS ROW START INVISIBLE, ve TIMESTAMP(6) GENERATED ALWAYS AS ROW END INVISIBLE, PERIOD FOR SYSTEM_TIME(vs, ve)) WITH SYSTEM VERSIONING;
INSERT INTO versioned_explicit (id, v) VALUES (1, 10), (2, 20);
UPDATE versioned_explicit SET v = v + 1;

CREATE SEQUENCE seq_ids START WITH 100 INCREMENT BY 5;
DO NEXTVAL(seq_ids);

CREATE VIEW z_base_view AS SELECT id, vc, ti FROM types WHERE id < 100;
CREATE VIEW a_view_on_view AS SELECT id, vc FROM z_base_view WHERE ti IS NOT NULL;
CREATE VIEW §odd view;name§ AS SELECT §select§ AS §sel ect§, 'str;with''quote' AS q FROM §we§§ird ta;ble§;

DELIMITER ;;
CREATE TRIGGER order_bi BEFORE INSERT ON §order§ FOR EACH ROW
BEGIN
  -- a comment; with a semicolon
  IF NEW.total IS NULL THEN SET NEW.total = 0; END IF;
  SET NEW.§group§ = CONCAT(NEW.§group§, ';;', '$$');
END;;
CREATE TRIGGER order_bi2 BEFORE INSERT ON §order§ FOR EACH ROW FOLLOWS order_bi SET NEW.total = NEW.total + 1;;
CREATE TRIGGER child_ad AFTER DELETE ON a_child FOR EACH ROW INSERT INTO nopk VALUES (OLD.id, 'deleted');;
CREATE PROCEDURE §proc;odd§(IN p INT, OUT q VARCHAR(20))
  COMMENT 'it''s a procedure'
BEGIN
  /* block comment */
  DECLARE x INT DEFAULT 0;
  SELECT COUNT(*) INTO x FROM big WHERE id < p; -- trailing comment
  SET q = CONCAT('n=', x, ';;');
END;;
CREATE FUNCTION add_one(n INT) RETURNS INT DETERMINISTIC SQL SECURITY INVOKER RETURN n + 1;;
CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 02:00:00' ON COMPLETION PRESERVE DISABLE COMMENT 'ev;ent'
DO BEGIN DELETE FROM nopk WHERE a IS NULL; INSERT INTO nopk VALUES (99, 'ev'); END;;
DELIMITER ;

SET sql_mode = 'NO_BACKSLASH_ESCAPES,ANSI_QUOTES';
CREATE FUNCTION nbe_fn() RETURNS VARCHAR(20) DETERMINISTIC RETURN 'back\slash';
SET sql_mode = '';
-- a view that calls stored functions (unqualified, like MariaDB's sys schema does): the functions must
-- exist before the view is created
CREATE VIEW b_view_calls_functions AS SELECT id, add_one(id) AS next_id, nbe_fn() AS s FROM z_base_view;
SET time_zone = '+05:30';
CREATE EVENT tz_event ON SCHEDULE AT '2031-06-01 12:00:00' ON COMPLETION PRESERVE DISABLE DO UPDATE §order§ SET total = total + 1;
SET time_zone = SYSTEM;
`;

/** Objects created by a client whose character set is latin1 (bytes sent as latin1). */
const LATIN1 = `SET NAMES latin1;
CREATE VIEW latin1_view AS SELECT 'caf\u00e9' AS \`c\u00e9\`;
DELIMITER ;;
CREATE PROCEDURE latin1_proc() BEGIN SELECT 'd\u00e9j\u00e0 vu'; END;;
CREATE TRIGGER latin1_trg BEFORE INSERT ON latin1_t FOR EACH ROW SET NEW.t = CONCAT(NEW.t, ' \u00e9');;
DELIMITER ;
`;

/** Creates the corpus in a new database `db` (utf8mb4_unicode_ci, not the server default). */
export function createCorpus(db: string): void {
  mariadb(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`);
  mariadb(SCHEMA.replace(/§/g, '`'), db);
  mariadb(Buffer.from(LATIN1, 'latin1'), db, ['--default-character-set=latin1']);
}

export interface Fingerprint {
  charset: string;
  checksums: Record<string, string>;
  creates: Record<string, string[]>;
  sequences: Record<string, string>;
}

/**
 * CHECKSUM TABLE of every base table and SHOW CREATE of every object, as raw bytes (hex where not
 * ASCII), for comparing two databases. Trigger creation times are left out.
 */
export async function fingerprint(db: string, opts: { stripComments?: boolean } = {}): Promise<Fingerprint> {
  const c = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', database: db, charset: 'UTF8MB4_GENERAL_CI' });
  try {
    const q = async (sql: string, values: unknown[] = []) => (await c.query({ sql, values, rowsAsArray: true }))[0] as string[][];
    const [[charset, collation]] = await q('SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [db]) as [[string, string]];
    const objects = await q(
      `SELECT TABLE_TYPE, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?
       UNION ALL SELECT 'TRIGGER', TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?
       UNION ALL SELECT ROUTINE_TYPE, ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?
       UNION ALL SELECT 'EVENT', EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?`,
      [db, db, db, db],
    );
    const checksums: Record<string, string> = {};
    const sequences: Record<string, string> = {};
    const creates: Record<string, string[]> = {};
    const id = (n: string) => '`' + n.replace(/`/g, '``') + '`';
    await c.query('SET character_set_results = binary');
    for (const [type, name] of objects) {
      const kind = type === 'BASE TABLE' || type === 'SYSTEM VERSIONED' ? 'TABLE' : type === 'SYSTEM VIEW' ? 'VIEW' : type!;
      const rows = (await c.query({ sql: `SHOW CREATE ${kind} ${id(name!)}`, rowsAsArray: true, typeCast: (f: { buffer(): Buffer | null }) => f.buffer() } as never))[0] as (Buffer | null)[][];
      let cols = rows[0]!.map((b) => (b ? b.toString('latin1') : 'NULL'));
      if (kind === 'TRIGGER') cols = cols.slice(0, 6);
      if (opts.stripComments && ['TRIGGER', 'PROCEDURE', 'FUNCTION', 'EVENT'].includes(kind)) cols = cols.map(stripComments);
      creates[`${kind} ${name}`] = cols;
      if (kind === 'TABLE') checksums[name!] = String(((await c.query(`CHECKSUM TABLE ${id(name!)} EXTENDED`))[0] as { Checksum: unknown }[])[0]!.Checksum);
      if (kind === 'SEQUENCE') sequences[name!] = JSON.stringify((await c.query(`SELECT * FROM ${id(name!)}`))[0]);
    }
    return { charset: `${charset} ${collation}`, checksums, creates, sequences };
  } finally {
    await c.end();
  }
}

/** What the stock client does to stored-program text without --comments: drops plain comments. */
function stripComments(s: string): string {
  return s.replace(/--[ \t][^\n]*|#[^\n]*|\/\*(?!!)[\s\S]*?\*\//g, '').replace(/[ \t]+\n/g, '\n').replace(/[ \t]{2,}/g, ' ');
}
