/**
 * The text of a view as SHOW CREATE VIEW prints it, made independent of the database's name.
 *
 * The server normally prints a view's references to its own database unqualified, so that the dump
 * loads into a database of any name. For a view that also reads another database, or whose DEFINER does
 * not exist on the server (a dropped account: common on real servers), MariaDB prints them qualified
 * (`select \`db\`.\`t\`.\`c\` AS \`c\` from \`db\`.\`t\``): loaded into another database such a view
 * reads the source database's tables, or fails. `unqualifyView` drops those `db`. qualifiers.
 *
 * `a`.`b` is a database and a table in a FROM clause but a table (or alias) and a column elsewhere, and
 * a table may be named like its database, so the text is read as the server prints it: a `db`. is
 * dropped before `t`.`c` (a column), before `f`( (a stored function), and before `t` where a table
 * stands (after FROM, JOIN, inside NEXTVAL()/LASTVAL()/SETVAL()), never inside string literals.
 */

interface Token {
  kind: 'ident' | 'word' | 'string' | 'punct';
  start: number;
  end: number;
  /** Identifier name (backticks undone) or lower-case word or the punctuation character. */
  value: string;
}

const TABLE_CLAUSE = new Set(['from', 'join', 'straight_join']);
const EXPRESSION_CLAUSE = new Set(['select', 'where', 'on', 'using', 'group', 'having', 'order', 'limit', 'union', 'except', 'intersect', 'window']);
const SEQUENCE_FUNCTIONS = new Set(['nextval', 'lastval', 'setval']);

/**
 * `create` (bytes, in the view's character set) with every `db`. qualifier removed. `db` is the view's
 * own database, as bytes in the same character set.
 */
export function unqualifyView(create: Buffer, db: Buffer): Buffer {
  const s = create.toString('latin1');
  const name = db.toString('latin1');
  const tokens = tokenize(s);
  const drop = new Set<number>();
  const modes: ('table' | 'expression')[] = ['expression'];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'word' && TABLE_CLAUSE.has(t.value)) modes[modes.length - 1] = 'table';
    else if (t.kind === 'word' && EXPRESSION_CLAUSE.has(t.value)) modes[modes.length - 1] = 'expression';
    else if (t.kind === 'punct' && t.value === '(') {
      const before = tokens[i - 1];
      modes.push(before?.kind === 'word' && SEQUENCE_FUNCTIONS.has(before.value) ? 'table' : modes[modes.length - 1]!);
    } else if (t.kind === 'punct' && t.value === ')') {
      if (modes.length > 1) modes.pop();
    } else if (t.kind === 'ident' && t.value === name && adjacent(tokens, i, '.') && tokens[i + 2]?.kind === 'ident' && tokens[i + 2]!.start === tokens[i + 1]!.end) {
      const after = tokens[i + 3];
      const follows = after && after.start === tokens[i + 2]!.end && after.kind === 'punct' ? after.value : '';
      if (follows === '.' || follows === '(' || modes[modes.length - 1] === 'table') drop.add(i);
    }
  }
  let out = '';
  let pos = 0;
  for (const i of drop) {
    out += s.slice(pos, tokens[i]!.start);
    pos = tokens[i + 1]!.end;
  }
  return Buffer.from(out + s.slice(pos), 'latin1');
}

/** Token i is directly followed (no space) by the punctuation `p`. */
function adjacent(tokens: Token[], i: number, p: string): boolean {
  const n = tokens[i + 1];
  return !!n && n.kind === 'punct' && n.value === p && n.start === tokens[i]!.end;
}

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"') {
      const end = quotedEnd(s, i, c, true);
      out.push({ kind: 'string', start: i, end, value: '' });
      i = end;
    } else if (c === '`') {
      const end = quotedEnd(s, i, '`', false);
      out.push({ kind: 'ident', start: i, end, value: s.slice(i + 1, end - 1).replace(/``/g, '`') });
      i = end;
    } else if (/[\w$\x80-\xff]/.test(c)) {
      let end = i + 1;
      while (end < s.length && /[\w$\x80-\xff]/.test(s[end]!)) end++;
      out.push({ kind: 'word', start: i, end, value: s.slice(i, end).toLowerCase() });
      i = end;
    } else {
      out.push({ kind: 'punct', start: i, end: i + 1, value: c });
      i++;
    }
  }
  return out;
}

/** Index after the quoted text opened by `q` at `i` (doubled quotes; backslash escapes in strings). */
function quotedEnd(s: string, i: number, q: string, backslash: boolean): number {
  for (let j = i + 1; j < s.length; j++) {
    if (backslash && s[j] === '\\') j++;
    else if (s[j] === q) {
      if (s[j + 1] !== q) return j + 1;
      j++;
    }
  }
  return s.length;
}
