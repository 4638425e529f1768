/**
 * The text views of a report as a terminal shows them: wide (CJK, fullwidth) characters take two
 * columns, and control characters from the log never reach the terminal.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eastAsianWidth } from 'get-east-asian-width';
import { analyzeSlowLogs } from '../../src/slowlog/analyze.js';
import { fileSource } from '../../src/slowlog/input.js';
import { markdownReport } from '../../src/slowlog/markdown.js';
import { tableReport } from '../../src/slowlog/table.js';
import { tempDir } from '../harness/util.js';

const tmp = tempDir('onedump-slowlog-table-');
afterAll(() => tmp.cleanup());

const entry = (n: number, db: string, sql: string) =>
  `# User@Host: app[app] @ web [10.0.0.${n}]\n# Query_time: 0.00${n}  Lock_time: 0.000010  Rows_sent: 1  Rows_examined: 1\nuse ${db};\nSET timestamp=1714564800;\n${sql};\n`;

/** Terminal columns of a line: 2 per wide character (as `wcwidth` counts them). */
const columns = (line: string) => [...line].reduce((n, ch) => n + eastAsianWidth(ch.codePointAt(0)!), 0);

test('table lines fit 120 terminal columns with CJK text and many databases; control characters are not printed', async () => {
  const log = join(tmp.path, 'wide.log');
  const cjk = '中文'.repeat(80);
  writeFileSync(log, [
    entry(1, '商店', `SELECT name FROM 商品表 WHERE 名称 = '${cjk}' AND 备注 <> '${cjk}'`),
    entry(2, 'shop', "SELECT 'red \x1b[31malert\x1b[0m\x07 \x9b' AS x FROM t WHERE id = 1"),
    ...Array.from({ length: 40 }, (_, i) => entry(3, `tenant_database_${i}_${'x'.repeat(20)}`, 'SELECT 1 FROM dual')),
  ].join(''));
  const { report } = await analyzeSlowLogs([fileSource(log)], { top: 0, sort: 'total', mask: false });
  const table = tableReport(report);
  expect(table.split('\n').filter((l) => columns(l) > 120)).toEqual([]);
  expect(table).toContain('名称');
  for (const text of [table, markdownReport(report)]) {
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(text).toContain('red �[31malert�[0m� �');
  }
});
