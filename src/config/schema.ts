/**
 * Builds the JSON Schema of a job file from the core keys plus the fragments each registered plugin
 * (job kinds, database drivers, storages, notifiers) declares. `schemas/onedump.schema.json` is this,
 * written by `npm run schema` and checked to be current by the tests.
 */
import { DURATION_PATTERN } from '../util/duration.js';
import { jobKinds } from '../jobs/registry.js';
import { databaseDrivers } from '../dumpers/registry.js';
import { storageKinds } from '../storages/registry.js';
import { notifierKinds } from '../notifiers/registry.js';
import { sshLoginSchema } from '../ssh/connect-config.js';

export type JsonSchema = Record<string, unknown>;

export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]*$';

const duration = {
  description: 'A duration: seconds as a number, or a string such as `90s`, `5m`, `1h30m`, `2d`.',
  type: ['number', 'string'],
  minimum: 0,
  pattern: DURATION_PATTERN,
};

/** Keys every job has, whatever its type. */
const jobCommon: Record<string, JsonSchema> = {
  name: { type: 'string', pattern: NAME_PATTERN, description: 'Unique job name (letters, digits, `.`, `_`, `-`).' },
  type: { type: 'string', description: 'Job kind.' },
  schedule: {
    type: 'string',
    description: 'Cron expression (croner syntax, 5 or 6 fields, or `@daily` etc.). Absent: the job runs only on `onedump run`.',
    examples: ['0 2 * * *', '*/30 * * * * *'],
  },
  timezone: { type: 'string', description: 'IANA time zone for `schedule` (default: the machine\'s).', examples: ['Europe/Berlin'] },
  timeout: { $ref: '#/$defs/duration', description: 'Abort a run that takes longer than this (all attempts and retry delays together); it leaves no partial file. Default: no limit.' },
  retries: { type: 'integer', minimum: 0, maximum: 20, default: 0, description: 'Extra attempts after a transient failure (network, timeout, deadlock, HTTP 429/5xx), with exponential backoff and jitter.' },
  retry_delay: { $ref: '#/$defs/duration', default: '5s', description: 'Delay before the first retry; doubles each attempt (capped at 5 minutes), ±20% jitter.' },
  notify: { type: 'array', items: { type: 'string' }, uniqueItems: true, description: 'Names of the notifiers this job reports to (`[]`: none but the console). Default: all.' },
};

function branch(tagKey: string, tag: string, description: string, fragment: { properties: Record<string, unknown>; required?: string[] }, common: Record<string, JsonSchema>, commonRequired: string[]): JsonSchema {
  return {
    type: 'object',
    description,
    properties: { ...common, ...fragment.properties, [tagKey]: { const: tag, description } },
    required: [...new Set([tagKey, ...commonRequired, ...(fragment.required ?? [])])],
    additionalProperties: false,
  };
}

function union(tagKey: string, branches: JsonSchema[], description: string): JsonSchema {
  return {
    type: 'object',
    description,
    discriminator: { propertyName: tagKey },
    properties: { [tagKey]: { type: 'string' } },
    required: [tagKey],
    oneOf: branches,
  };
}

/** Keys of the `database:` block shared by every driver. */
export const databaseCommon: Record<string, JsonSchema> = {
  driver: { type: 'string' },
  dsn: { type: 'string', minLength: 1, description: 'Connection string, e.g. `mysql://user:pass@host:3306/db`, `postgres://user@host/db`, `sqlite:./app.db`. Use `${VAR}` for the password.' },
  tables: { type: 'array', items: { type: 'string' }, uniqueItems: true, description: 'Only these tables (default: all).' },
  exclude_tables: { type: 'array', items: { type: 'string' }, uniqueItems: true, description: 'Leave these tables out.' },
  where: { type: 'object', additionalProperties: { type: 'string' }, description: 'Per-table row filter: `{table: "SQL condition"}`.' },
  schema_only: { type: 'boolean', default: false, description: 'Dump the schema without data.' },
  data_only: { type: 'boolean', default: false, description: 'Dump the data without schema.' },
  ssh: { $ref: '#/$defs/ssh' },
  protected: { type: 'boolean', default: false, description: '`onedump restore` refuses to restore into this database (a production database, say). Applies to restores into the job\'s own DSN and to `--to` DSNs that point at the same server and database.' },
};

const ssh: JsonSchema = {
  type: 'object',
  description: 'Reach the database through an SSH tunnel opened for this job.',
  properties: sshLoginSchema,
  required: ['host', 'user'],
  additionalProperties: false,
};

export function buildSchema(): JsonSchema {
  const jobs = jobKinds.all().map((k) => branch('type', k.name, k.description, k.schema, jobCommon, ['name']));
  const drivers = databaseDrivers.all().map((d) => branch('driver', d.name, d.description, d.schema, databaseCommon, ['dsn']));
  const storages = storageKinds.all().map((s) => branch('type', s.name, s.description, s.schema, {}, []));
  const notifierCommon: Record<string, JsonSchema> = {
    name: { type: 'string', pattern: NAME_PATTERN, description: 'Name jobs use in `notify:` (default: the type).' },
    on: { type: 'array', items: { enum: ['success', 'failure'] }, uniqueItems: true, minItems: 1, default: ['success', 'failure'], description: 'Which outcomes to report.' },
  };
  const notifiers = notifierKinds.all().map((n) => branch('type', n.name, n.description, n.schema, notifierCommon, []));
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://onedump.dev/schemas/onedump.schema.json',
    title: 'onedump job file',
    type: 'object',
    properties: {
      concurrency: { type: 'integer', minimum: 1, maximum: 64, default: 1, description: 'How many jobs run at once (1: one after another).' },
      shutdown_grace: { $ref: '#/$defs/duration', default: '5m', description: 'On SIGTERM/SIGINT the daemon lets running jobs finish for this long, then aborts them.' },
      notifiers: { type: 'array', items: { $ref: '#/$defs/notifier' }, default: [], description: 'Where run reports go, besides the console.' },
      storages: {
        type: 'object',
        propertyNames: { pattern: NAME_PATTERN },
        additionalProperties: { $ref: '#/$defs/storage' },
        default: {},
        description: 'Named storages that jobs deliver to (`to:`) or read from.',
      },
      jobs: { type: 'array', minItems: 1, items: { $ref: '#/$defs/job' }, description: 'The jobs.' },
    },
    patternProperties: { '^x-': { description: 'Free-form extension keys (e.g. YAML anchors); ignored.' } },
    required: ['jobs'],
    additionalProperties: false,
    $defs: {
      duration,
      ssh,
      job: union('type', jobs, 'A job.'),
      database: union('driver', drivers, 'The database to dump.'),
      storage: union('type', storages, 'A storage.'),
      notifier: union('type', notifiers, 'A notifier.'),
    },
  };
}
