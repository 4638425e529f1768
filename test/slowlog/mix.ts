/**
 * A varied query mix for a real MariaDB with `long_query_time=0`: IN lists, multi-row VALUES, updates,
 * deletes, joins across databases, strings holding `;` and `#`, multi-line statements, a procedure,
 * prepared statements, two users, `log_slow_verbosity` changed per session. Every call is one entry.
 */
import mysql from 'mysql2/promise';

type Conn = mysql.Connection;

export interface Mix {
  /** Statements issued (= slow-log entries written). */
  issued: number;
  /** Statements issued per database that was current. */
  perDb: Record<string, number>;
}

// letters only: pt-query-digest folds digits in names (`db_12.t` → `db_?t`), and the tests read names back
const suffix = [...String(process.pid)].map((d) => 'abcdefghij'[Number(d)]).join('');
export const DB_A = `od_slowlog_a_${suffix}`;
export const DB_B = `od_slowlog_b_${suffix}`;

export async function connect(port: number, user = 'root', password?: string, database?: string): Promise<Conn> {
  return mysql.createConnection({ host: '127.0.0.1', port, user, password, database, multipleStatements: false });
}

/** Schema, data and a second user; run as root before the measured mix. */
export async function setup(root: Conn): Promise<void> {
  for (const sql of [
    `CREATE DATABASE ${DB_A}`, `CREATE DATABASE ${DB_B}`,
    `CREATE TABLE ${DB_A}.users (id INT PRIMARY KEY, name VARCHAR(64), email VARCHAR(128), note VARCHAR(128))`,
    `CREATE TABLE ${DB_A}.orders (id INT AUTO_INCREMENT PRIMARY KEY, user_id INT, total DECIMAL(10,2), status VARCHAR(16), KEY (user_id))`,
    `CREATE TABLE ${DB_B}.events (id INT AUTO_INCREMENT PRIMARY KEY, kind VARCHAR(32), payload TEXT)`,
    `CREATE PROCEDURE ${DB_A}.bump(IN x INT) BEGIN UPDATE ${DB_A}.orders SET total = total + x WHERE user_id = x; SELECT COUNT(*) FROM ${DB_A}.orders; END`,
    `CREATE USER od_slowlog_app@'127.0.0.1' IDENTIFIED BY 'od-pw-${process.pid}'`,
    `GRANT ALL ON ${DB_A}.* TO od_slowlog_app@'127.0.0.1'`,
    `GRANT ALL ON ${DB_B}.* TO od_slowlog_app@'127.0.0.1'`,
  ]) await root.query(sql);
  const rows = Array.from({ length: 200 }, (_, i) => `(${i}, 'user${i}', 'u${i}@example.com', '${i % 3 ? 'a;b' : 'c#d'}')`);
  await root.query(`INSERT INTO ${DB_A}.users VALUES ${rows.join(',')}`);
  await root.query(`INSERT INTO ${DB_A}.orders (user_id, total, status) SELECT id, id * 1.5, 'new' FROM ${DB_A}.users`);
}

/** `iterations` rounds of the mix over an application connection (db A) and a report connection (db B). */
export async function runMix(app: Conn, report: Conn, iterations: number, seed: number): Promise<Mix> {
  let s = seed;
  const r = (n: number) => Math.floor(((s = (s * 16807) % 2147483647) / 2147483647) * n);
  const mix: Mix = { issued: 0, perDb: {} };
  const q = async (c: Conn, db: string, sql: string, params?: (string | number)[]) => {
    if (params) await c.execute(sql, params);
    else await c.query(sql);
    mix.issued++;
    mix.perDb[db] = (mix.perDb[db] ?? 0) + 1;
  };
  for (let i = 0; i < iterations; i++) {
    const ids = Array.from({ length: 1 + r(20) }, () => r(200));
    await q(app, DB_A, `SELECT id, name FROM users WHERE id IN (${ids.join(', ')})`);
    await q(app, DB_A, `UPDATE orders SET total = total + ${r(100)}.${r(100)}, status = 'paid' WHERE id = ${1 + r(200)}`);
    await q(app, DB_A, `SELECT u.name, SUM(o.total) AS spent FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id < ${r(200)} GROUP BY u.name ORDER BY spent DESC LIMIT ${1 + r(10)}`);
    await q(app, DB_A, `SELECT * FROM users WHERE note = '${i % 2 ? 'a;b' : 'c#d'}' AND email <> "x; # y" LIMIT 5`);
    await q(app, DB_A, `CALL bump(${r(200)})`);
    await q(app, DB_A, `SELECT id,\n       name\n  FROM users\n WHERE id = ${r(200)}\n   AND name LIKE 'user%'`);
    await q(app, DB_A, 'SELECT email FROM users WHERE id = ? AND name <> ?', [r(200), 'Größe']);
    await q(app, DB_A, `SELECT COUNT(*) FROM ${DB_B}.events e JOIN ${DB_A}.users u ON u.id = e.id WHERE e.kind IN ('a', 'b', 'c')`);
    const values = Array.from({ length: 1 + r(8) }, (_, k) => `('kind${k}', '{"n": ${r(1000)}, "s": "x;y#z"}')`);
    await q(report, DB_B, `INSERT INTO events (kind, payload) VALUES ${values.join(', ')}`);
    await q(report, DB_B, `SELECT kind, COUNT(*) FROM events WHERE id > ${r(50)} GROUP BY kind`);
    await q(report, DB_B, `DELETE FROM events WHERE id = ${r(100)}`);
    if (i % 7 === 0) await q(report, DB_B, `SET SESSION log_slow_verbosity = '${['query_plan', 'innodb', 'explain', 'query_plan,explain'][r(4)]}'`);
    if (i % 10 === 0) await q(app, DB_A, `SELECT SLEEP(0.0${1 + r(3)})`);
  }
  return mix;
}

/** Statements pt-query-digest reads wrongly (see docs/slowlog.md); one entry each. */
export const TRICKY = [
  // a string spanning lines, one of which starts with `#` after a line ending in `;`
  "SELECT 'first;\n# not a header;\n#', 3",
  // a statement that is only a comment (MariaDB logs it as `# note;`)
  '# just a comment',
  // `use` and `SET timestamp` as statements, after the entry's own `SET timestamp=` line
  `use ${DB_B}`,
  'SET timestamp = 1700000000',
];
