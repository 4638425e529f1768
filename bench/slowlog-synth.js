// A deterministic, realistic MariaDB 10.11 slow-query log for benchmarks and the streaming test:
// ~300 query classes with Zipf-like popularity, log-normal latencies per class (50µs … 2s medians),
// IN lists and multi-row VALUES of varying length, joins, multi-line statements, strings holding `;`
// and `#`, procedure calls, administrator commands, several databases and users, `# Time:` only when
// the second changes, `use db;` only when the database changes, query_plan lines on some entries.

/** mulberry32: a small, fast, seedable PRNG. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];
const SUFFIXES = ['', '_archive', '_eu', '_us', '_stage', '_old', '_tmp', '_log', '_hist', '_x'];
const TEMPLATES = [
  (t, r) => `SELECT id, name, email FROM users${t} WHERE id = ${int(r, 1e6)}`,
  (t, r) => `SELECT * FROM orders${t} WHERE customer_id = ${int(r, 1e5)} AND status = '${word(r)}' ORDER BY created_at DESC LIMIT ${1 + int(r, 50)}`,
  (t, r) => `SELECT o.id, o.total, c.name FROM orders${t} o JOIN customers c ON c.id = o.customer_id WHERE o.created_at > '2024-0${1 + int(r, 9)}-1${int(r, 9)}' AND c.country IN (${list(r, () => `'${word(r).slice(0, 2)}'`)})`,
  (t, r) => `SELECT * FROM products${t} WHERE id IN (${list(r, () => int(r, 1e6))})`,
  (t, r) => `INSERT INTO events${t} (user_id, kind, payload, created_at) VALUES ${list(r, () => `(${int(r, 1e6)}, '${word(r)}', '{"k":${int(r, 99)}}', NOW())`, 40)}`,
  (t, r) => `UPDATE carts${t} SET updated_at = NOW(), total = ${(r() * 1000).toFixed(2)} WHERE id = ${int(r, 1e6)}`,
  (t, r) => `DELETE FROM sessions${t} WHERE expires_at < ${1700000000 + int(r, 1e7)}`,
  (t, r) => `SELECT COUNT(*) FROM notes${t} WHERE body LIKE '%;%' OR title = '${word(r)} # ${word(r)};'`,
  (t, r) => `SELECT\n  p.id,\n  p.title,\n  SUM(l.qty) AS sold\nFROM products${t} p\n  LEFT JOIN lines l ON l.product_id = p.id\nWHERE p.category_id = ${int(r, 500)}\nGROUP BY p.id, p.title\nORDER BY sold DESC\nLIMIT 10`,
  (t, r) => `SELECT * FROM audit${t} WHERE actor = '${word(r)}' AND at BETWEEN '2024-01-01' AND '2024-0${1 + int(r, 9)}-01' ORDER BY at ASC LIMIT ${int(r, 100)}, 20`,
  (t, r) => `CALL refresh_stats${t.replace('_', '')}(${int(r, 1000)})`,
  (t, r) => `REPLACE INTO kv${t} (k, v) VALUES ('${word(r)}-${int(r, 1e5)}', '${word(r)}')`,
  (t, r) => `SELECT u.id FROM users${t} u WHERE u.email = '${word(r)}@example.com' /* app:login */`,
  (t, r) => `UPDATE stock${t} SET qty = qty - ${1 + int(r, 5)} WHERE sku = 'SKU-${int(r, 1e5)}' AND qty >= ${1 + int(r, 5)}`,
  (t, r) => `SELECT SQL_NO_CACHE id FROM queue${t} WHERE state = 'ready' ORDER BY priority DESC, id LIMIT 1 FOR UPDATE`,
  (t, r) => `SELECT a.*, b.* FROM accounts${t} a, balances b WHERE a.id = b.account_id AND a.id = ${int(r, 1e6)} AND b.currency IN ('EUR', 'USD')`,
  (t, r) => `INSERT INTO pageviews${t} (path, ref, ms) VALUES ('/p/${int(r, 1e4)}', NULL, ${int(r, 5000)})`,
  (t, r) => `SELECT id FROM t_big${t} WHERE created_at >= NOW() - INTERVAL ${1 + int(r, 30)} DAY AND flag = ${r() < 0.5 ? 'TRUE' : 'FALSE'}`,
  (t, r) => `SELECT name FROM tags${t} WHERE name LIKE '${word(r)}%' UNION SELECT name FROM labels WHERE name LIKE '${word(r)}%'`,
  (t, r) => `COMMIT`,
  (t, r) => `SET NAMES utf8mb4`,
  (t, r) => `SHOW TABLE STATUS LIKE 'orders${t}'`,
  (t, r) => `SELECT 'ok; # not a comment', ${int(r, 10)} FROM dual${t ? ` WHERE '${t}' <> ''` : ''}`,
  (t, r) => `UPDATE users${t} SET last_login = '2024-05-0${1 + int(r, 9)} 1${int(r, 9)}:00:00', login_count = login_count + 1 WHERE id = ${int(r, 1e6)}`,
  (t, r) => `SELECT * FROM invoices${t} WHERE customer_id = ${int(r, 1e5)} AND paid = 0 AND due < '2024-06-01'`,
  (t, r) => `DELETE FROM carts${t} WHERE id IN (${list(r, () => int(r, 1e6))})`,
  (t, r) => `SELECT DATE(created_at) d, COUNT(*) FROM orders${t} GROUP BY d ORDER BY d`,
  (t, r) => `INSERT IGNORE INTO follows${t} (a, b) VALUES (${int(r, 1e6)}, ${int(r, 1e6)}), (${int(r, 1e6)}, ${int(r, 1e6)})`,
  (t, r) => `SELECT * FROM messages${t} WHERE thread_id = ${int(r, 1e6)} ORDER BY id ASC`,
  (t, r) => `ADMIN Quit`,
];
const DBS = ['shop', 'shop', 'shop', 'analytics', 'auth', 'cms'];
const USERS = [['app', '10.0.0.11'], ['app', '10.0.0.12'], ['app', '10.0.0.13'], ['report', '10.0.1.5'], ['admin', 'localhost']];

function int(r, n) {
  return Math.floor(r() * n);
}
function word(r) {
  return WORDS[int(r, WORDS.length)];
}
function list(r, item, max = 30) {
  const n = 1 + int(r, max);
  const out = [];
  for (let i = 0; i < n; i++) out.push(item());
  return out.join(', ');
}

/** The classes: template × table suffix, each with a popularity weight and a latency profile. */
function classes(r, count) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const template = TEMPLATES[i % TEMPLATES.length];
    const suffix = SUFFIXES[Math.floor(i / TEMPLATES.length) % SUFFIXES.length];
    out.push({ template, suffix, weight: 1 / (i + 1) ** 0.9, medianUs: Math.exp(Math.log(50) + r() * (Math.log(2e6) - Math.log(50))), db: DBS[int(r, DBS.length)] });
  }
  // shuffle popularity so that the slow classes are not always the rare ones
  for (let i = out.length - 1; i > 0; i--) {
    const j = int(r, i + 1);
    [out[i].weight, out[j].weight] = [out[j].weight, out[i].weight];
  }
  let total = 0;
  for (const c of out) total += c.weight;
  let acc = 0;
  for (const c of out) c.cumulative = (acc += c.weight / total);
  return out;
}

function gaussian(r) {
  return Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r());
}

function secondsText(us) {
  return (us / 1e6).toFixed(6);
}

function mariadbTime(sec) {
  const d = new Date(sec * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${String(d.getUTCHours()).padStart(2, ' ')}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/**
 * Yields the log in chunks of about `chunkBytes` characters (ASCII) until `bytes` characters have
 * been produced (the last entry completes). Same seed, same log. `stats.entries` counts the entries.
 */
export function* syntheticSlowLog({ bytes, seed = 42, classCount = 300, chunkBytes = 1 << 20, startTime = 1714521600, stats = { entries: 0 } }) {
  const r = prng(seed);
  const list = classes(r, classCount);
  let produced = 0;
  let time = startTime;
  let lastSecond = -1;
  let lastDb = '';
  let thread = 100;
  let chunk = '/usr/sbin/mariadbd, Version: 10.11.6-MariaDB-0+deb12u1-log (Debian 12). started with:\nTcp port: 3306  Unix socket: /run/mysqld/mysqld.sock\nTime\t\t    Id Command\tArgument\n';
  while (produced < bytes) {
    const pick = r();
    let lo = 0;
    let hi = list.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].cumulative < pick) lo = mid + 1;
      else hi = mid;
    }
    const c = list[lo];
    time += r() < 0.3 ? 1 : 0;
    const queryUs = Math.max(1, Math.round(c.medianUs * Math.exp(0.8 * gaussian(r))));
    const [user, host] = USERS[int(r, USERS.length)];
    let e = '';
    if (time !== lastSecond) {
      e += `# Time: ${mariadbTime(time)}\n`;
      lastSecond = time;
    }
    const examined = int(r, 5000);
    e += `# User@Host: ${user}[${user}] @  [${host}]\n# Thread_id: ${thread + int(r, 50)}  Schema: ${c.db}  QC_hit: No\n`;
    e += `# Query_time: ${secondsText(queryUs)}  Lock_time: ${secondsText(int(r, 200))}  Rows_sent: ${int(r, 100)}  Rows_examined: ${examined}\n`;
    e += `# Rows_affected: ${int(r, 3)}  Bytes_sent: ${int(r, 20000)}\n`;
    if (examined > 4000) e += '# Full_scan: Yes  Full_join: No  Tmp_table: No  Tmp_table_on_disk: No\n# Filesort: No  Filesort_on_disk: No  Merge_passes: 0  Priority_queue: No\n';
    if (c.db !== lastDb) {
      e += `use ${c.db};\n`;
      lastDb = c.db;
    }
    e += `SET timestamp=${time};\n`;
    const sql = c.template(c.suffix, r);
    e += sql === 'ADMIN Quit' ? '# administrator command: Quit;\n' : `${sql};\n`;
    chunk += e;
    produced += e.length;
    stats.entries++;
    if (chunk.length >= chunkBytes) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
