/**
 * What a dump statement does to which object, from its first few tokens: enough to filter a restore
 * by table, to list what a dry run would change, and to know what a safety backup must save first.
 * Understands mysqldump's versioned-comment forms (`/*!50003 CREATE*\/ /*!50017 DEFINER=…*\/ …`).
 */

export type StatementKind =
  | 'create-table' | 'drop-table' | 'alter-table' | 'insert' | 'lock'
  | 'create-view' | 'drop-view' | 'create-trigger' | 'drop-trigger'
  | 'create-routine' | 'drop-routine' | 'create-event' | 'drop-event'
  | 'database' | 'use' | 'session' | 'other';

export interface StatementInfo {
  kind: StatementKind;
  /** Database named in the statement (`db`.`name`), if any. */
  db?: string;
  /** The table, view, trigger, routine or event (for `use`/`database`: the database). */
  name?: string;
  /** For triggers: the table they are on. */
  table?: string;
  /** For routines: PROCEDURE, FUNCTION, PACKAGE or PACKAGE BODY. */
  objectType?: string;
}

type Token = { t: 'word' | 'ident' | 'str' | 'punct'; v: string };

/** Tokens of the statement's head, with version-comment markers removed. */
function tokenize(stmt: string, max = 40): Token[] {
  const s = stmt.slice(0, 2000).replace(/\/\*M?!\d*|\*\//g, ' ');
  const re = /\s+|`((?:[^`]|``)*)`|'((?:[^'\\]|\\.|'')*)'|"((?:[^"\\]|\\.|"")*)"|([A-Za-z0-9_$\u0080-\uffff]+)|(.)/gy;
  const out: Token[] = [];
  for (let m = re.exec(s); m && out.length < max; m = re.exec(s)) {
    if (m[1] !== undefined) out.push({ t: 'ident', v: m[1].replace(/``/g, '`') });
    else if (m[2] !== undefined || m[3] !== undefined) out.push({ t: 'str', v: m[2] ?? m[3]! });
    else if (m[4] !== undefined) out.push({ t: 'word', v: m[4] });
    else if (m[5] !== undefined) out.push({ t: 'punct', v: m[5] });
  }
  return out;
}

const up = (t?: Token) => (t && t.t === 'word' ? t.v.toUpperCase() : '');

/** Reads `[db.]name` at tokens[i]; returns it and the index after it. */
function nameAt(tokens: Token[], i: number): { db?: string; name?: string; next: number } {
  const a = tokens[i];
  if (!a || (a.t !== 'ident' && a.t !== 'word')) return { next: i };
  if (tokens[i + 1]?.v === '.' && tokens[i + 2] && (tokens[i + 2]!.t === 'ident' || tokens[i + 2]!.t === 'word')) {
    return { db: a.v, name: tokens[i + 2]!.v, next: i + 3 };
  }
  return { name: a.v, next: i + 1 };
}

function skipIfExists(tokens: Token[], i: number): number {
  if (up(tokens[i]) === 'IF' && up(tokens[i + 1]) === 'NOT' && up(tokens[i + 2]) === 'EXISTS') return i + 3;
  if (up(tokens[i]) === 'IF' && up(tokens[i + 1]) === 'EXISTS') return i + 2;
  return i;
}

const OBJECTS: Record<string, [StatementKind, StatementKind]> = {
  TABLE: ['create-table', 'drop-table'], SEQUENCE: ['create-table', 'drop-table'], VIEW: ['create-view', 'drop-view'],
  TRIGGER: ['create-trigger', 'drop-trigger'], PROCEDURE: ['create-routine', 'drop-routine'],
  FUNCTION: ['create-routine', 'drop-routine'], PACKAGE: ['create-routine', 'drop-routine'], EVENT: ['create-event', 'drop-event'],
  DATABASE: ['database', 'database'], SCHEMA: ['database', 'database'],
};

/** CREATE …modifiers… KIND name, or DROP KIND [IF EXISTS] name. */
function createOrDrop(tokens: Token[], create: boolean): StatementInfo {
  let i = 1;
  while (i < tokens.length && !(up(tokens[i]) in OBJECTS)) {
    if (!create && i > 2) return { kind: 'other' };
    i++;
  }
  const word = up(tokens[i]);
  if (!word) return { kind: 'other' };
  const kind = OBJECTS[word]![create ? 0 : 1];
  const body = word === 'PACKAGE' && up(tokens[i + 1]) === 'BODY';
  const n = nameAt(tokens, skipIfExists(tokens, i + (body ? 2 : 1)));
  const info: StatementInfo = { kind, ...(n.db ? { db: n.db } : {}), ...(n.name ? { name: n.name } : {}) };
  if (word === 'PROCEDURE' || word === 'FUNCTION' || word === 'PACKAGE') info.objectType = body ? 'PACKAGE BODY' : word;
  if (kind === 'create-trigger') {
    const on = tokens.findIndex((t, k) => k > n.next && up(t) === 'ON');
    if (on > 0) info.table = nameAt(tokens, on + 1).name;
  }
  return info;
}

export function classifyStatement(stmt: string): StatementInfo {
  const tokens = tokenize(stmt);
  const first = up(tokens[0]);
  switch (first) {
    case 'INSERT':
    case 'REPLACE': {
      let i = 1;
      while (['IGNORE', 'LOW_PRIORITY', 'DELAYED', 'HIGH_PRIORITY', 'INTO'].includes(up(tokens[i]))) i++;
      const n = nameAt(tokens, i);
      return { kind: 'insert', ...(n.db ? { db: n.db } : {}), ...(n.name ? { name: n.name } : {}) };
    }
    case 'CREATE':
      return createOrDrop(tokens, true);
    case 'DROP':
      return createOrDrop(tokens, false);
    case 'ALTER': {
      if (up(tokens[1]) === 'DATABASE' || up(tokens[1]) === 'SCHEMA') return { kind: 'database' };
      if (up(tokens[1]) !== 'TABLE') return { kind: 'other' };
      const n = nameAt(tokens, 2);
      return { kind: 'alter-table', ...(n.db ? { db: n.db } : {}), ...(n.name ? { name: n.name } : {}) };
    }
    case 'LOCK':
    case 'UNLOCK': {
      const n = first === 'LOCK' ? nameAt(tokens, 2) : { next: 0 };
      return { kind: 'lock', ...('name' in n && n.name ? { name: n.name } : {}), ...('db' in n && n.db ? { db: n.db } : {}) };
    }
    case 'USE':
      return { kind: 'use', name: nameAt(tokens, 1).name };
    case 'SET':
      return { kind: 'session' };
    case 'DO':
    case 'SELECT':
      if (up(tokens[1]) === 'SETVAL' && tokens[2]?.v === '(') {
        const n = nameAt(tokens, 3);
        return { kind: 'insert', ...(n.db ? { db: n.db } : {}), ...(n.name ? { name: n.name } : {}) };
      }
      return { kind: 'other' };
    default:
      return { kind: 'other' };
  }
}

/** Counts the row tuples of an extended INSERT (for dry runs): `(` at depth 0 outside strings. */
export function countInsertRows(stmt: string): number {
  const values = /\bVALUES?\b/i.exec(stmt);
  if (!values) return 1;
  let depth = 0;
  let rows = 0;
  const re = /[()'"`\\]/g;
  re.lastIndex = values.index;
  let quote = '';
  for (let m = re.exec(stmt); m; m = re.exec(stmt)) {
    const c = m[0];
    if (quote) {
      if (c === '\\' && quote !== '`') re.lastIndex++;
      else if (c === quote) quote = '';
    } else if (c === '\'' || c === '"' || c === '`') quote = c;
    else if (c === '(') {
      if (depth++ === 0) rows++;
    } else if (c === ')') depth--;
  }
  return rows;
}
