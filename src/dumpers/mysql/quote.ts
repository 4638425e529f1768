/** Quoting for MySQL SQL text: identifiers in backticks, strings with mysql_real_escape_string's escapes. */

/** `name` with embedded backticks doubled; any name (spaces, unicode, reserved words) is safe. */
export function quoteIdent(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/** `db`.`name`. */
export function qualified(db: string, name: string): string {
  return `${quoteIdent(db)}.${quoteIdent(name)}`;
}

const STRING_ESCAPES: Record<string, string> = {
  '\0': '\\0', '\n': '\\n', '\r': '\\r', '\\': '\\\\', "'": "\\'", '"': '\\"', '\x1a': '\\Z',
};

/** A single-quoted string literal (valid unless the session has NO_BACKSLASH_ESCAPES). */
export function quoteString(s: string): string {
  return "'" + s.replace(/[\0\n\r\\'"\x1a]/g, (c) => STRING_ESCAPES[c]!) + "'";
}

/**
 * Escape table for bytes inside a single-quoted literal: 0 = copy as is, otherwise the character to
 * write after a backslash. Works on UTF-8 bytes because every escaped byte is ASCII.
 */
export const BYTE_ESCAPES: Uint8Array = (() => {
  const t = new Uint8Array(256);
  t[0] = 0x30; // \0
  t[0x0a] = 0x6e; // \n
  t[0x0d] = 0x72; // \r
  t[0x5c] = 0x5c; // \\
  t[0x27] = 0x27; // \'
  t[0x22] = 0x22; // \"
  t[0x1a] = 0x5a; // \Z
  return t;
})();
