/**
 * Privileges: turns an object's ACL (aclitem[] as text) into the REVOKE/GRANT statements that give a
 * freshly created object the same ACL, item for item and in the same order, as pg_dump does.
 */
import { ident, role } from '../quote.js';

export interface AclItem {
  grantee: string;
  grantor: string;
  /** Privilege letters (`r`, `w`, …) and which of them carry the grant option. */
  privs: { letter: string; grantable: boolean }[];
}

const PRIVILEGE: Record<string, string> = {
  r: 'SELECT', w: 'UPDATE', a: 'INSERT', d: 'DELETE', D: 'TRUNCATE', x: 'REFERENCES', t: 'TRIGGER', X: 'EXECUTE',
  U: 'USAGE', C: 'CREATE', c: 'CONNECT', T: 'TEMPORARY', s: 'SET', A: 'ALTER SYSTEM', m: 'MAINTAIN',
};

/** Reads a role name as aclitemout writes it (double-quoted when it has special characters). */
function readName(s: string, i: number, stop: string): [string, number] {
  if (s[i] !== '"') {
    let j = i;
    while (j < s.length && !stop.includes(s[j]!)) j++;
    return [s.slice(i, j), j];
  }
  let out = '';
  let j = i + 1;
  for (;;) {
    if (j >= s.length) return [out, j];
    if (s[j] === '"') {
      if (s[j + 1] === '"') { out += '"'; j += 2; continue; }
      return [out, j + 1];
    }
    out += s[j++];
  }
}

/** Parses one aclitem, e.g. `"my role"=r*w/postgres` or `=U/owner` (PUBLIC). */
export function parseAclItem(text: string): AclItem {
  const [grantee, i] = readName(text, 0, '=');
  const slash = text.indexOf('/', i);
  const letters = text.slice(i + 1, slash < 0 ? text.length : slash);
  const [grantor] = slash < 0 ? [''] : readName(text, slash + 1, '');
  const privs: AclItem['privs'] = [];
  for (let k = 0; k < letters.length; k++) {
    const grantable = letters[k + 1] === '*';
    privs.push({ letter: letters[k]!, grantable });
    if (grantable) k++;
  }
  return { grantee, grantor, privs };
}

export interface AclTarget {
  /** What follows `ON`: `TABLE public.t`, `FUNCTION public.f(integer)`, `SCHEMA s`, `TABLES`. */
  on: string;
  owner: string;
  acl: string[] | null;
  /** The ACL a new object starts with (acldefault or pg_init_privs); null = empty. */
  baseline: string[] | null;
  /** Column privileges: `SELECT(col)` instead of `SELECT`. */
  column?: string;
  /** `ALTER DEFAULT PRIVILEGES FOR ROLE r [IN SCHEMA s]` for default ACLs. */
  prefix?: string;
}

/** The statements that turn `baseline` into `acl`; '' when they are the same (or acl is null). */
export function aclSql(t: AclTarget): string {
  if (!t.acl) return '';
  const base = t.baseline ?? [];
  if (base.length === t.acl.length && base.every((b, i) => b === t.acl![i])) return '';
  const pre = t.prefix ? `${t.prefix} ` : '';
  const col = t.column ? `(${ident(t.column)})` : '';
  const lines: string[] = [];
  const revoked = new Set<string>();
  for (const b of base) {
    const g = parseAclItem(b).grantee;
    if (revoked.has(g)) continue;
    revoked.add(g);
    lines.push(`${pre}REVOKE ALL${col} ON ${t.on} FROM ${role(g)};`);
  }
  for (const text of t.acl) {
    const item = parseAclItem(text);
    const names = (grantable: boolean) => item.privs.filter((p) => p.grantable === grantable).map((p) => (PRIVILEGE[p.letter] ?? p.letter) + col);
    const grants: string[] = [];
    const plain = names(false);
    const withOption = names(true);
    if (plain.length) grants.push(`${pre}GRANT ${plain.join(',')} ON ${t.on} TO ${role(item.grantee)};`);
    if (withOption.length) grants.push(`${pre}GRANT ${withOption.join(',')} ON ${t.on} TO ${role(item.grantee)} WITH GRANT OPTION;`);
    if (!t.prefix && item.grantor && item.grantor !== t.owner) {
      lines.push(`SET SESSION AUTHORIZATION ${ident(item.grantor)};`, ...grants, 'RESET SESSION AUTHORIZATION;');
    } else lines.push(...grants);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}
