/**
 * The part of the Drive query language (`q`) the fake understands: clauses joined by `and` —
 * `'ID' in parents`, `name = '…'`, `mimeType = '…'`, `mimeType != '…'`, `trashed = false`. Anything
 * else is refused, so the storage cannot come to rely on something the fake only pretends to do.
 */
export interface DriveQuery {
  parent?: string;
  name?: string;
  mimeType?: { op: '=' | '!='; value: string };
}

function tokens(q: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (c === ' ') {
      i++;
    } else if (c === "'") {
      let s = '';
      for (i++; i < q.length && q[i] !== "'"; i++) s += q[i] === '\\' ? q[++i] : q[i];
      if (q[i] !== "'") throw new Error(`unterminated string in q: ${q}`);
      i++;
      out.push(`'${s}`); // a leading quote marks a string token
    } else {
      const m = /^(!=|=|[A-Za-z]+)/.exec(q.slice(i));
      if (!m) throw new Error(`unexpected character in q at ${i}: ${q}`);
      out.push(m[1]!);
      i += m[1]!.length;
    }
  }
  return out;
}

export function parseDriveQuery(q: string): DriveQuery {
  const t = tokens(q);
  const out: DriveQuery = {};
  for (let i = 0; i < t.length; ) {
    const [a, b, c] = [t[i], t[i + 1], t[i + 2]];
    if (a?.startsWith("'") && b === 'in' && c === 'parents') out.parent = a.slice(1);
    else if (a === 'name' && b === '=' && c?.startsWith("'")) out.name = c.slice(1);
    else if (a === 'mimeType' && (b === '=' || b === '!=') && c?.startsWith("'")) out.mimeType = { op: b, value: c.slice(1) };
    else if (a === 'trashed' && b === '=' && c === 'false') {
      // nothing is ever trashed here
    } else throw new Error(`unsupported clause in q: ${t.slice(i, i + 3).join(' ')}`);
    i += 3;
    if (i < t.length) {
      if (t[i] !== 'and') throw new Error(`expected "and" in q, got ${t[i]}`);
      i++;
    }
  }
  return out;
}
