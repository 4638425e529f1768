/**
 * Which objects a dump includes: `schemas`/`exclude_schemas` and `tables`/`exclude_tables` patterns.
 * A table pattern is `name` (any schema) or `schema.name`; `"…"` quotes a part with dots or capitals
 * and `*`/`?` are wildcards, as in pg_dump's `-t`.
 */

export interface SelectionConfig {
  schemas?: string[];
  exclude_schemas?: string[];
  tables?: string[];
  exclude_tables?: string[];
}

interface Pattern {
  schema?: RegExp;
  name: RegExp;
}

function splitPattern(p: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '"') {
      if (quoted && p[i + 1] === '"') { cur += '"'; i++; continue; }
      quoted = !quoted;
      continue;
    }
    if (c === '.' && !quoted) { parts.push(cur); cur = ''; continue; }
    cur += quoted ? c.replace(/[*?]/g, '\\$&') : c;
  }
  parts.push(cur);
  return parts;
}

function glob(part: string): RegExp {
  let re = '';
  for (let i = 0; i < part.length; i++) {
    const c = part[i]!;
    if (c === '\\' && (part[i + 1] === '*' || part[i + 1] === '?')) { re += '\\' + part[++i]; continue; }
    re += c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

export function parseTablePattern(p: string): Pattern {
  const parts = splitPattern(p);
  if (parts.length === 1) return { name: glob(parts[0]!) };
  return { schema: glob(parts.slice(0, -1).join('.')), name: glob(parts[parts.length - 1]!) };
}

function matchesAny(patterns: Pattern[], schema: string, name: string): boolean {
  return patterns.some((p) => (!p.schema || p.schema.test(schema)) && p.name.test(name));
}

/** Decides, from the configuration, what goes into the dump. */
export class Selection {
  private readonly tables?: Pattern[];
  private readonly excludeTables: Pattern[];
  private readonly schemas?: RegExp[];
  private readonly excludeSchemas: RegExp[];

  constructor(cfg: SelectionConfig) {
    this.tables = cfg.tables?.map(parseTablePattern);
    this.excludeTables = (cfg.exclude_tables ?? []).map(parseTablePattern);
    this.schemas = cfg.schemas?.map((s) => glob(splitPattern(s).join('.')));
    this.excludeSchemas = (cfg.exclude_schemas ?? []).map((s) => glob(splitPattern(s).join('.')));
  }

  /** True when only some tables were asked for: other kinds of objects are then left out (as pg_dump -t). */
  get tablesOnly(): boolean {
    return !!this.tables;
  }

  /** True when a schema list narrows the dump: extensions are then left out (as pg_dump -n). */
  get schemasOnly(): boolean {
    return !!this.schemas;
  }

  schema(name: string): boolean {
    if (this.excludeSchemas.some((r) => r.test(name))) return false;
    return !this.schemas || this.schemas.some((r) => r.test(name));
  }

  /** A relation by itself (partitions also follow their parent, see `loadRelations`). */
  relation(schema: string, name: string): boolean {
    if (this.excludeSchemas.some((r) => r.test(schema))) return false;
    if (matchesAny(this.excludeTables, schema, name)) return false;
    if (this.tables) return matchesAny(this.tables, schema, name);
    return this.schema(schema);
  }

  /** Non-relation objects (types, functions, …) of a schema. */
  object(schema: string): boolean {
    return !this.tables && this.schema(schema);
  }

  excluded(schema: string, name: string): boolean {
    return matchesAny(this.excludeTables, schema, name);
  }
}

/** The `where:` filter for a table, by `schema.name` or plain `name`. */
export function whereFor(where: Record<string, string> | undefined, schema: string, name: string): string | undefined {
  if (!where) return undefined;
  for (const [k, v] of Object.entries(where)) {
    const p = parseTablePattern(k);
    if ((!p.schema || p.schema.test(schema)) && p.name.test(name)) return v;
  }
  return undefined;
}
