/** Line splitting across read chunks, and lines longer than MAX_LINE. */
import { LineSplitter, MAX_LINE } from '../../src/slowlog/input.js';

function split(chunks: string[]): string[] {
  const out: string[] = [];
  const s = new LineSplitter((l) => out.push(l));
  for (const c of chunks) s.push(c);
  s.end();
  return out;
}

test('lines are the same wherever the chunks break, with \\n or \\r\\n', () => {
  const text = "# Time: 1\r\nSELECT 'a;b'\n\n#x\r\n;\r\nlast line without break";
  const expected = ['# Time: 1', "SELECT 'a;b'", '', '#x', ';', 'last line without break'];
  for (let i = 0; i <= text.length; i++) {
    for (let j = i; j <= text.length; j += 3) {
      expect({ i, j, lines: split([text.slice(0, i), text.slice(i, j), text.slice(j)]) }).toEqual({ i, j, lines: expected });
    }
  }
  expect(split(['a\n', 'b\n'])).toEqual(['a', 'b']);
});

test('a line longer than MAX_LINE keeps its first MAX_LINE characters and its last one', () => {
  const long = 'x'.repeat(MAX_LINE + 1000) + ';';
  const chunks: string[] = [];
  const text = `before\n${long}\r\nafter\n`;
  for (let i = 0; i < text.length; i += 1 << 20) chunks.push(text.slice(i, i + (1 << 20)));
  const lines = split(chunks);
  expect(lines.map((l) => l.length)).toEqual([6, MAX_LINE + 1, 5]);
  expect(lines[1]!.endsWith('x;')).toBe(true);
});
