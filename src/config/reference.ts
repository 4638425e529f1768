/**
 * Renders CONFIG_REF.md from the schema, so the reference covers every key and cannot drift.
 */
import type { JsonSchema } from './schema.js';

type S = Record<string, unknown>;

function resolveRef(root: S, s: S): S {
  if (typeof s.$ref === 'string' && s.$ref.startsWith('#/$defs/')) {
    const def = (root.$defs as S)[s.$ref.slice(8)] as S;
    return { ...def, ...Object.fromEntries(Object.entries(s).filter(([k]) => k !== '$ref')) };
  }
  return s;
}

function typeOf(root: S, s: S): string {
  const r = resolveRef(root, s);
  if (typeof s.$ref === 'string') return s.$ref.slice(8);
  if (r.const !== undefined) return `\`${JSON.stringify(r.const)}\``;
  if (Array.isArray(r.enum)) return r.enum.map((v) => `\`${String(v)}\``).join(' | ');
  if (Array.isArray(r.oneOf) && !r.discriminator) return (r.oneOf as S[]).map((b) => typeOf(root, b)).join(' or ');
  if (r.type === 'array') return `list of ${typeOf(root, (r.items as S) ?? {})}`;
  if (Array.isArray(r.type)) return r.type.join(' or ');
  if (r.type === 'object' && r.additionalProperties && typeof r.additionalProperties === 'object') return `map of ${typeOf(root, r.additionalProperties as S)}`;
  return String(r.type ?? 'any');
}

function cell(text: unknown): string {
  return String(text ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function rows(root: S, s: S, skip: string[], prefix: string): string[] {
  const props = (s.properties ?? {}) as Record<string, S>;
  const required = new Set((s.required as string[] | undefined) ?? []);
  const lines: string[] = [];
  for (const [k, v] of Object.entries(props)) {
    if (skip.includes(k)) continue;
    const r = resolveRef(root, v);
    const def = v.default ?? r.default;
    lines.push(`| \`${prefix}${k}\` | ${cell(typeOf(root, v))} | ${required.has(k) ? 'yes' : ''} | ${def === undefined ? '' : cell('`' + JSON.stringify(def) + '`')} | ${cell(v.description ?? r.description)} |`);
    // inline nested objects are listed with dotted keys (`a.b`, `list[].b`); named ($ref) ones have their own section
    if (v.$ref === undefined && r.type === 'object' && r.properties) lines.push(...rows(root, r, [], `${prefix}${k}.`));
    const item = listItemObject(r);
    if (v.$ref === undefined && item) lines.push(...rows(root, item, [], `${prefix}${k}[].`));
  }
  return lines;
}

/** The object form of a list's items, when they have one (`items: {oneOf: [string, {properties}]}`). */
function listItemObject(r: S): S | undefined {
  if (r.type !== 'array' || !r.items) return undefined;
  const items = r.items as S;
  const forms = Array.isArray(items.oneOf) ? (items.oneOf as S[]) : [items];
  return forms.find((f) => f.type === 'object' && f.properties && f.$ref === undefined);
}

function table(root: S, s: S, skip: string[] = []): string[] {
  return ['| key | type | required | default | description |', '| --- | --- | --- | --- | --- |', ...rows(root, s, skip, '')];
}

function unionSection(root: S, title: string, tag: string, def: string, skip: string[]): string[] {
  const out: string[] = [];
  for (const b of ((root.$defs as S)[def] as S).oneOf as S[]) {
    const name = ((b.properties as S)[tag] as S).const as string;
    out.push(`### ${title} \`${tag}: ${name}\``, '', String(b.description ?? ''), '', ...table(root, b, skip), '');
  }
  return out;
}

export function renderReference(schema: JsonSchema): string {
  const root = schema as S;
  const defs = root.$defs as S;
  const jobCommonKeys = ['name', 'type', 'schedule', 'timezone', 'timeout', 'retries', 'retry_delay', 'notify'];
  const firstJob = ((defs.job as S).oneOf as S[])[0]!;
  const common: S = { properties: Object.fromEntries(jobCommonKeys.map((k) => [k, (firstJob.properties as S)[k]])), required: ['name', 'type'] };
  const kinds = ((defs.job as S).oneOf as S[]).map((b) => `\`${String(((b.properties as S).type as S).const)}\``);
  (common.properties as S).type = { type: 'string', description: `The job kind: ${kinds.join(', ')} (its own keys are below).` };
  const dbKeys = ['dsn', 'tables', 'exclude_tables', 'where', 'schema_only', 'data_only', 'ssh'];
  const firstDb = ((defs.database as S).oneOf as S[])[0]!;
  const dbCommon: S = { properties: Object.fromEntries(dbKeys.map((k) => [k, (firstDb.properties as S)[k]])), required: ['driver', 'dsn'] };
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from schemas/onedump.schema.json by `npm run schema`; do not edit by hand. -->',
    '',
    'A job file is YAML. `${VAR}` and `${VAR:-default}` expand from the environment (and a `.env` file',
    'beside the job file); an unset variable without a default is an error. Relative paths resolve against',
    'the job file\'s directory. Keys starting with `x-` at the top level are ignored (use them for YAML anchors).',
    '',
    '## Top level',
    '',
    ...table(root, root),
    '',
    '## Jobs',
    '',
    'Keys every job has:',
    '',
    ...table(root, common),
    '',
    ...unionSection(root, 'Job', 'type', 'job', jobCommonKeys),
    '## Databases (`database:` of a dump job)',
    '',
    'Keys every driver has:',
    '',
    ...table(root, dbCommon),
    '',
    '### `ssh:`',
    '',
    ...table(root, defs.ssh as S),
    '',
    ...unionSection(root, 'Driver', 'driver', 'database', dbKeys),
    '## Storages (`storages:`)',
    '',
    ...unionSection(root, 'Storage', 'type', 'storage', []),
    '## Notifiers (`notifiers:`)',
    '',
    ...unionSection(root, 'Notifier', 'type', 'notifier', []),
  ].join('\n');
}
