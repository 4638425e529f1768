/**
 * The text of a view as SHOW CREATE VIEW prints it, made independent of the database's name.
 *
 * The server normally prints a view's references to its own database unqualified, so that the dump
 * loads into a database of any name. For a view whose DEFINER does not exist on the server (a dropped
 * account: common on real servers), MariaDB prints some of them qualified instead
 * (`select \`db\`.\`t\`.\`c\` AS \`c\` from \`t\``): loaded into another database such a view fails, or
 * worse, reads the source database's tables. `unqualifyView` drops those `db`. qualifiers.
 */

/**
 * `create` (bytes, in the view's character set) with every `db`. qualifier outside string literals
 * removed. `db` is the view's own database, as bytes in the same character set.
 */
export function unqualifyView(create: Buffer, db: Buffer): Buffer {
  const s = create.toString('latin1');
  const prefix = '`' + db.toString('latin1').replace(/`/g, '``') + '`.';
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === "'" || c === '"') {
      const end = stringEnd(s, i, c);
      out += s.slice(i, end);
      i = end;
    } else if (c === '`') {
      if (s.startsWith(prefix, i)) {
        i += prefix.length;
        continue;
      }
      const end = identEnd(s, i);
      out += s.slice(i, end);
      i = end;
    } else {
      out += c;
      i++;
    }
  }
  return Buffer.from(out, 'latin1');
}

/** Index after the string literal opened by `q` at `i` (backslash escapes and doubled quotes). */
function stringEnd(s: string, i: number, q: string): number {
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === '\\') j++;
    else if (s[j] === q) {
      if (s[j + 1] !== q) return j + 1;
      j++;
    }
  }
  return s.length;
}

/** Index after the backtick identifier opened at `i` (doubled backticks inside). */
function identEnd(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === '`') {
      if (s[j + 1] !== '`') return j + 1;
      j++;
    }
  }
  return s.length;
}
