/**
 * The dump as a list of objects, each one piece of SQL with its section and the objects it depends on.
 * Catalog loaders produce them; `orderObjects` sorts them so the script loads in one pass.
 */

/** pg_dump's sections: definitions before the data, then the data, then indexes/constraints/triggers. */
export type Section = 'pre' | 'data' | 'post';

/** Object kinds in the order pg_dump prefers among objects whose dependencies are met. */
export const KIND_RANK = [
  'SCHEMA', 'EXTENSION', 'COLLATION', 'TYPE', 'DOMAIN', 'CAST', 'FUNCTION', 'AGGREGATE', 'OPERATOR', 'OPERATOR FAMILY', 'OPERATOR CLASS', 'TEXT SEARCH DICTIONARY', 'TEXT SEARCH CONFIGURATION', 'SEQUENCE', 'TABLE', 'VIEW',
  'MATERIALIZED VIEW', 'TABLE ATTACH', 'SEQUENCE OWNED BY', 'DEFAULT',
  'TABLE DATA', 'SEQUENCE SET',
  'CONSTRAINT', 'INDEX', 'INDEX ATTACH', 'STATISTICS', 'RULE', 'TRIGGER', 'FK CONSTRAINT', 'POLICY', 'ROW SECURITY',
  'DEFAULT ACL', 'EVENT TRIGGER', 'MATERIALIZED VIEW DATA',
] as const;
export type Kind = (typeof KIND_RANK)[number];

/** A table whose rows go into the dump as a COPY block. */
export interface TableData {
  oid: number;
  schema: string;
  name: string;
  /** Columns written (generated columns are left out), already quoted, e.g. `a, "B"`. */
  columns: string;
  /**
   * The same columns as SELECT expressions when some must be read as text (xml: its output function
   * drops the XML declaration, the stored text keeps it); undefined when plain `COPY table` will do.
   */
  select?: string;
  /** Per-table row filter from the config. */
  where?: string;
  /** Size in 8 KiB pages when the dump started (for splitting big tables among workers). */
  pages: number;
}

export interface DumpObject {
  /** Unique key: `<catalog>:<oid>` for catalog objects, with a suffix for derived pieces. */
  key: string;
  kind: Kind;
  section: Section;
  /** Schema and name, for ordering and the `-- Name:` header. */
  schema: string;
  name: string;
  owner?: string;
  /** The SQL, complete statements each ending in `;\n`. Empty for data. */
  sql: string;
  /** Keys of the objects this one needs first (unknown keys are ignored). */
  deps: Set<string>;
  data?: TableData;
}

/** Builds an object. */
export function obj(o: Omit<DumpObject, 'deps'> & { deps?: Iterable<string> }): DumpObject {
  return { ...o, deps: new Set(o.deps ?? []) };
}

/** Key of a catalog row: `pg_class:16384`. */
export function key(catalog: string, oid: number | string): string {
  return `${catalog}:${oid}`;
}

/** `COMMENT ON <what> IS '…';` or nothing. */
export function commentSql(what: string, comment: string | null | undefined, lit: (s: string) => string): string {
  return comment == null ? '' : `COMMENT ON ${what} IS ${lit(comment)};\n`;
}
