/** Maps paths inside a parsed YAML document back to line and column. */
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';

export type PathSegment = string | number;

export interface Position {
  line: number;
  col: number;
}

/** Formats `['jobs', 0, 'database', 'dsn']` as `jobs[0].database.dsn`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

/** Splits an ajv instancePath (`/jobs/0/database/dsn`) into segments. */
export function pointerToPath(pointer: string): PathSegment[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function childPair(node: Node, seg: PathSegment): Pair<Node, Node> | undefined {
  if (!isMap(node)) return undefined;
  return node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg)) as Pair<Node, Node> | undefined;
}

/**
 * The position of the node at `path`; with `key: true`, the position of the key of the last segment
 * (for "unknown key" errors). Falls back to the deepest existing ancestor.
 */
export function positionOf(doc: Document, lines: LineCounter, path: readonly PathSegment[], opts: { key?: boolean } = {}): Position {
  let node: Node | null | undefined = doc.contents as Node | null;
  let offset = node?.range?.[0] ?? 0;
  for (let i = 0; i < path.length && node; i++) {
    const seg = path[i]!;
    if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg] as Node | undefined;
      if (node?.range) offset = node.range[0];
      continue;
    }
    const pair = childPair(node, seg);
    if (!pair) break;
    const isLast = i === path.length - 1;
    if (isLast && opts.key && pair.key?.range) {
      offset = pair.key.range[0];
      break;
    }
    node = pair.value;
    const r = node?.range ?? pair.key?.range;
    if (r) offset = r[0];
  }
  const { line, col } = lines.linePos(offset);
  return { line, col };
}
