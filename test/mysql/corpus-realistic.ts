/**
 * A realistic schema (sakila-like) with what real user schemas have and the hostile corpus lacks:
 * FULLTEXT and SPATIAL indexes, partitioned tables (RANGE with HASH subpartitions, LIST COLUMNS, HASH,
 * KEY), ON UPDATE CURRENT_TIMESTAMP and DEFAULT expressions, CHECK constraints, MariaDB's INET6/INET4/UUID,
 * utf16/ucs2/utf32/utf16le and binary-collation columns, legacy character sets (cp932, sjis, cp1251, …),
 * table options (ROW_FORMAT, KEY_BLOCK_SIZE, COMMENTs with quotes and newlines), prefix, descending and
 * IGNORED indexes, AUTO_INCREMENT on the second column of a MyISAM/Aria key, MERGE tables, compressed
 * columns, views with ALGORITHM/CHECK OPTION and one on another database, triggers and routines created
 * under ANSI_QUOTES,PIPES_AS_CONCAT and ORACLE sql_mode (with a package), a function and a procedure of
 * the same name, and objects whose DEFINER is an account that exists on the source only (`user`) or on
 * no server at all (`ghost`).
 */
import { mariadb } from './corpus.js';

export interface RealisticNames {
  /** A second database the view v_other_db reads from. */
  other: string;
  /** 'name'@'host' of an account that exists while the corpus is created and dumped. */
  user: string;
  /** 'name'@'host' of an account that does not exist. */
  ghost: string;
}

/** The schema, with § standing for a backtick. */
const SCHEMA = String.raw`SET sql_mode = DEFAULT;
CREATE TABLE film (
  film_id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT,
  title VARCHAR(128) NOT NULL,
  description TEXT COMMENT 'free text; it''s "quoted"\nand on two lines',
  rating ENUM('G','PG','PG-13','R','NC-17') DEFAULT 'G',
  special_features SET('Trailers','Commentaries','Deleted Scenes','Behind the Scenes') DEFAULT NULL,
  price DECIMAL(4,2) NOT NULL DEFAULT 4.99 CHECK (price >= 0),
  code CHAR(8) NOT NULL DEFAULT '',
  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  created DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  expires DATETIME DEFAULT (NOW() + INTERVAL 1 DAY),
  uid CHAR(36) NOT NULL DEFAULT (uuid()),
  PRIMARY KEY (film_id),
  KEY idx_title_desc (title DESC, film_id),
  KEY idx_descr (description(40)),
  KEY idx_ignored (rating) IGNORED,
  FULLTEXT KEY ft_title_descr (title, description),
  CONSTRAINT chk_code CHECK (code = '' OR code RLIKE '^[A-Z0-9]+$')
) ENGINE=InnoDB AUTO_INCREMENT=1001 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci ROW_FORMAT=DYNAMIC COMMENT='films: it''s a "table"\nwith a newline';
INSERT INTO film (film_id, title, description, rating, special_features, price, code, last_update, created, expires, uid) VALUES
 (1, 'ACADEMY DINOSAUR', 'A Epic Drama of a Feminist And a Mad Scientist', 'PG', 'Deleted Scenes,Behind the Scenes', 0.99, 'AD1', '2006-02-15 05:03:42', '2006-02-15 05:03:42.123', '2006-02-16 05:03:42', '2b1c8a8e-7f1a-11ee-b962-0242ac120002'),
 (2, 'ACE GOLDFINGER', NULL, 'G', NULL, 4.99, '', '2020-03-29 02:30:00', '2020-03-29 02:30:00.000', NULL, 'c0ffee00-0000-4000-8000-000000000000');
INSERT INTO film (title) VALUES ('DEFAULTS ONLY');

CREATE TABLE address (
  address_id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  address VARCHAR(50) NOT NULL,
  location POINT NOT NULL,
  SPATIAL KEY idx_location (location)
) ENGINE=InnoDB;
INSERT INTO address VALUES (1, '47 MySakila Drive', ST_GeomFromText('POINT(-112.8185647 49.6999986)')), (2, '28 MySQL Boulevard', POINT(0, 0));

CREATE TABLE compressed_t (id INT PRIMARY KEY, v VARCHAR(100) COMMENT 'col comment with ''quote''') ENGINE=InnoDB ROW_FORMAT=COMPRESSED KEY_BLOCK_SIZE=8 COMMENT='compressed';
INSERT INTO compressed_t VALUES (1, REPEAT('z', 100));

CREATE TABLE net_t (
  id INT PRIMARY KEY,
  ip6 INET6, ip4 INET4, u UUID,
  s16 VARCHAR(20) CHARACTER SET utf16, s2 VARCHAR(20) CHARACTER SET ucs2, s32 VARCHAR(20) CHARACTER SET utf32,
  s16le TEXT CHARACTER SET utf16le, sbin VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, lbin CHAR(5) CHARACTER SET latin1 COLLATE latin1_bin,
  KEY (ip6), UNIQUE KEY (u)
) ENGINE=InnoDB;
INSERT INTO net_t VALUES
 (1, '2001:db8::ff00:42:8329', '192.168.0.1', '123e4567-e89b-12d3-a456-426655440000', 'emoji 😀 𝄞', 'ucs2 ü中', 'utf32 😀', 'le 𝄞 ü', 'Case', 'ÿÀ'),
 (2, '::', '0.0.0.0', '00000000-0000-0000-0000-000000000000', '', '', '', '', 'case', ''),
 (3, '::ffff:1.2.3.4', '255.255.255.255', 'ffffffff-ffff-ffff-ffff-ffffffffffff', NULL, NULL, NULL, NULL, NULL, NULL),
 (4, NULL, NULL, NULL, 'quote '' \\ back', 'nul', 'tab\t', '\n', ' trailing ', 'x ');

-- legacy multi-byte and single-byte character sets whose codes do not all survive a trip through Unicode:
-- cp932's NEC/IBM duplicates and sjis's 0x5C, cp1251's unassigned 0x98, euckr's user-defined area
CREATE TABLE legacy_cs (id INT PRIMARY KEY, c VARCHAR(10) CHARACTER SET cp932, s TEXT CHARACTER SET sjis, g VARCHAR(10) CHARACTER SET gbk,
  b CHAR(4) CHARACTER SET big5, w VARCHAR(300) CHARACTER SET cp1251, e VARCHAR(10) CHARACTER SET eucjpms, k VARCHAR(10) CHARACTER SET euckr) ENGINE=InnoDB DEFAULT CHARSET=cp932;
INSERT INTO legacy_cs VALUES (1, 0x878A81E6FA5B, 0x815F5C, 0xA2A1, 0xC6A1, 0x88, 0xADA1, 0xA2E6), (2, 0xED40FA5C, 0x8160, 0x8180, 0xF9D6, 0x98, 0x8FA2B7, 0xC9A1), (3, '', NULL, 'ascii', 'ab', 'Ж', '', '');

CREATE TABLE p_range (id INT NOT NULL, d DATE NOT NULL, v VARCHAR(10), PRIMARY KEY (id, d))
  PARTITION BY RANGE (YEAR(d)) SUBPARTITION BY HASH (id) SUBPARTITIONS 2
  (PARTITION p2019 VALUES LESS THAN (2020) COMMENT 'old', PARTITION p2020 VALUES LESS THAN (2021), PARTITION pmax VALUES LESS THAN MAXVALUE);
INSERT INTO p_range VALUES (1, '2019-05-01', 'a'), (2, '2020-06-01', 'b'), (3, '2030-01-01', 'c');
CREATE TABLE p_list (id INT NOT NULL, region CHAR(2) NOT NULL, PRIMARY KEY (id, region))
  PARTITION BY LIST COLUMNS (region) (PARTITION p_eu VALUES IN ('DE','FR'), PARTITION p_us VALUES IN ('US'), PARTITION p_other DEFAULT);
INSERT INTO p_list VALUES (1, 'DE'), (2, 'US'), (3, 'JP');
CREATE TABLE p_hash (id INT NOT NULL PRIMARY KEY, v INT) PARTITION BY HASH (id) PARTITIONS 3;
INSERT INTO p_hash VALUES (1, 1), (2, 2), (3, 3), (4, 4);
CREATE TABLE p_key (id INT NOT NULL PRIMARY KEY, v INT) PARTITION BY KEY (id) PARTITIONS 2;
INSERT INTO p_key VALUES (1, 1), (2, 2);

CREATE TABLE ai_myisam (grp ENUM('fish','mammal','bird') NOT NULL, id MEDIUMINT NOT NULL AUTO_INCREMENT, name CHAR(30) NOT NULL, PRIMARY KEY (grp, id)) ENGINE=MyISAM;
INSERT INTO ai_myisam (grp, name) VALUES ('mammal','dog'),('mammal','cat'),('bird','penguin'),('fish','lax'),('mammal','whale'),('bird','ostrich');
CREATE TABLE ai_aria (grp INT NOT NULL, id INT NOT NULL AUTO_INCREMENT, PRIMARY KEY (grp, id)) ENGINE=Aria;
INSERT INTO ai_aria (grp) VALUES (1), (1), (2), (1);

-- MERGE tables (their rows are m1's and m2's: the dump must not carry them twice) and compressed columns
CREATE TABLE m1 (id INT, v VARCHAR(10), KEY (id)) ENGINE=MyISAM;
CREATE TABLE m2 LIKE m1;
INSERT INTO m1 VALUES (1, 'a');
INSERT INTO m2 VALUES (2, 'b');
CREATE TABLE m_all (id INT, v VARCHAR(10), KEY (id)) ENGINE=MRG_MyISAM UNION=(m1, m2) INSERT_METHOD=LAST;
CREATE TABLE m_read_only (id INT, v VARCHAR(10), KEY (id)) ENGINE=MRG_MyISAM UNION=(m1, m2);
CREATE TABLE compressed_cols (id INT PRIMARY KEY, c VARCHAR(1000) COMPRESSED, b BLOB COMPRESSED) ENGINE=InnoDB;
INSERT INTO compressed_cols VALUES (1, REPEAT('abc', 300), REPEAT(0x00FF, 400));

CREATE TABLE inventory (inventory_id INT PRIMARY KEY, film_id SMALLINT UNSIGNED NOT NULL, qty INT NOT NULL DEFAULT 0,
  CONSTRAINT fk_inventory_film FOREIGN KEY (film_id) REFERENCES film (film_id) ON DELETE RESTRICT ON UPDATE CASCADE) ENGINE=InnoDB;
INSERT INTO inventory VALUES (1, 1, 3), (2, 2, 0);
CREATE TABLE audit_log (id INT AUTO_INCREMENT PRIMARY KEY, msg VARCHAR(200)) ENGINE=InnoDB;

CREATE ALGORITHM=MERGE VIEW v_merge AS SELECT film_id, title, price FROM film WHERE price > 1 WITH CASCADED CHECK OPTION;
CREATE ALGORITHM=TEMPTABLE VIEW v_temptable AS SELECT rating, COUNT(*) AS n FROM film GROUP BY rating;
CREATE VIEW v_local_check AS SELECT * FROM v_merge WHERE price < 10 WITH LOCAL CHECK OPTION;
CREATE DEFINER = {ghost} SQL SECURITY DEFINER VIEW v_ghost AS SELECT film_id FROM film;
CREATE DEFINER = {user} SQL SECURITY INVOKER VIEW v_user_invoker AS SELECT film_id FROM film;

CREATE DEFINER = {user} SQL SECURITY DEFINER VIEW v_user AS SELECT f.film_id, i.qty FROM film f JOIN inventory i USING (film_id);
CREATE VIEW v_other_db AS SELECT f.film_id, l.label FROM film f JOIN {other}.lookup l ON l.k = f.film_id;
CREATE DEFINER = {ghost} VIEW v_ghost_join AS SELECT f.title, 'q§''"' AS s, (SELECT COUNT(*) FROM inventory i WHERE i.film_id = f.film_id) AS c FROM film f JOIN {other}.lookup l ON l.k = f.film_id;

SET sql_mode = 'ANSI_QUOTES,PIPES_AS_CONCAT';
DELIMITER ;;
CREATE TRIGGER film_ai AFTER INSERT ON film FOR EACH ROW INSERT INTO audit_log (msg) VALUES ('film ' || NEW."title" || ';');;
CREATE FUNCTION ansi_fn(s VARCHAR(20)) RETURNS VARCHAR(60) DETERMINISTIC RETURN '<' || s || '>' || "s";;
CREATE PROCEDURE ansi_proc() BEGIN SELECT "title" || ';' FROM "film"; END;;
DELIMITER ;
SET sql_mode = 'ORACLE';
DELIMITER ;;
CREATE PROCEDURE oracle_proc(a IN INT) AS BEGIN INSERT INTO audit_log (msg) VALUES ('n=' || a); END;;
CREATE PACKAGE pkg AS FUNCTION price_of(id INT) RETURN DECIMAL; END;;
CREATE PACKAGE BODY pkg AS FUNCTION price_of(id INT) RETURN DECIMAL AS BEGIN RETURN (SELECT price FROM film WHERE film_id = id); END; END;;
DELIMITER ;
SET sql_mode = DEFAULT;
DELIMITER ;;
CREATE FUNCTION same_name() RETURNS INT RETURN 1;;
CREATE PROCEDURE same_name() SELECT 2;;
CREATE DEFINER = {user} TRIGGER inventory_bu BEFORE UPDATE ON inventory FOR EACH ROW SET NEW.qty = GREATEST(NEW.qty, 0);;
CREATE DEFINER = {user} PROCEDURE user_proc() SQL SECURITY DEFINER SELECT 1;;
CREATE DEFINER = {ghost} EVENT ghost_event ON SCHEDULE EVERY 1 HOUR STARTS '2030-01-01 00:00:00' DISABLE DO DELETE FROM audit_log;;
DELIMITER ;
`;

/** Creates the realistic schema in a new database `db`, and `other` with the table its view reads. */
export function createRealistic(db: string, n: RealisticNames): void {
  mariadb(`CREATE DATABASE \`${db}\`; CREATE DATABASE \`${n.other}\`;
    CREATE TABLE \`${n.other}\`.lookup (k INT PRIMARY KEY, label VARCHAR(10)); INSERT INTO \`${n.other}\`.lookup VALUES (1, 'one');`);
  mariadb(SCHEMA.replace(/§/g, '`').replace(/\{(other|user|ghost)\}/g, (_, k: keyof RealisticNames) => n[k]), db);
  // a table named like its database, which views print as `db`.`c` (a column) and `db`.`db` (the table)
  mariadb(`CREATE TABLE \`${db}\` (id INT PRIMARY KEY, inventory INT); INSERT INTO \`${db}\` VALUES (1, 1), (2, 2);
    CREATE VIEW v_same_name AS SELECT \`${db}\`.id, \`${db}\`.inventory, i.qty FROM \`${db}\` JOIN inventory i ON i.inventory_id = \`${db}\`.id;
    CREATE VIEW v_same_name_other AS SELECT s.id, l.label FROM \`${db}\` s JOIN \`${n.other}\`.lookup l ON l.k = s.id;`, db);
}
