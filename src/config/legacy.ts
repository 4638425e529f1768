/**
 * Job files written for the Go onedump (github.com/liweiyi88/onedump) load too: they are checked
 * against their own shape (so errors point at the keys the user wrote), then mapped onto ours.
 *
 *   jobs[].dbdriver/dbdsn/gzip/unique/options/sshhost/sshuser/sshkey, jobs[].storage.{local,s3,gdrive,
 *   dropbox,sftp}[], notifier.slack[].incomingwebhook, maxjobs
 *
 * Each Go storage entry names a whole file (`path`, `key`, `filename`); it becomes a storage rooted at
 * that file's directory and a `to:` entry with that file name (`unique: true` adds the UTC time
 * `YYYYMMDDhhmmss-` in front of the name, `gzip: true` compresses and adds `.gz` unless already there).
 */
import { posix } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { newAjv } from './validate-schema.js';
import type { PathSegment } from './positions.js';

type Raw = Record<string, unknown>;

/**
 * A Go-onedump file: some job has `dbdriver`/`dbdsn`, or the file has `maxjobs`/`notifier` and no job
 * looks native (`type`/`database`). A native file with a stray `notifier:` stays native, so its
 * errors are reported against the native shape.
 */
export function isLegacy(raw: object): boolean {
  const r = raw as Raw;
  const jobs = Array.isArray(r.jobs) ? r.jobs.filter((j): j is Raw => !!j && typeof j === 'object') : [];
  if (jobs.some((j) => 'dbdriver' in j || 'dbdsn' in j)) return true;
  return ('maxjobs' in r || 'notifier' in r) && !jobs.some((j) => 'type' in j || 'database' in j);
}

const str = { type: 'string' };

/** `unique: true` in the Go onedump prefixed the file name with the UTC time as `20060102150405-`. */
export const GO_UNIQUE_PREFIX = '{year}{month}{day}{hour}{minute}{second}-';
const legacySchema = {
  type: 'object',
  properties: {
    maxjobs: { type: 'integer', minimum: 1 },
    notifier: {
      type: 'object',
      properties: {
        slack: {
          type: 'array',
          items: { type: 'object', properties: { incomingwebhook: str }, required: ['incomingwebhook'], additionalProperties: false },
        },
      },
      additionalProperties: false,
    },
    jobs: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          name: str, dbdriver: { enum: ['mysql', 'mysqldump', 'postgresql', 'pgdump', 'postgres', 'pg_dump', 'sqlite'] }, dbdsn: str,
          gzip: { type: 'boolean' }, unique: { type: 'boolean' }, options: { type: 'array', items: str },
          sshhost: str, sshuser: str, sshkey: str, schedule: str,
          storage: {
            type: 'object',
            properties: {
              local: { type: 'array', items: obj({ path: str }, ['path']) },
              s3: { type: 'array', items: obj({ bucket: str, key: str, region: str, 'access-key-id': str, 'secret-access-key': str, endpoint: str }, ['bucket', 'key']) },
              gdrive: { type: 'array', items: obj({ email: str, privatekey: str, filename: str, folderid: str }, ['email', 'privatekey', 'filename']) },
              dropbox: { type: 'array', items: obj({ path: str, refreshtoken: str, clientid: str, clientsecret: str }, ['path', 'refreshtoken', 'clientid', 'clientsecret']) },
              sftp: { type: 'array', items: obj({ path: str, sshhost: str, sshuser: str, sshkey: str, maxattempts: { type: 'integer' } }, ['path', 'sshhost', 'sshuser', 'sshkey']) },
            },
            additionalProperties: false,
          },
        },
        required: ['name', 'dbdriver', 'dbdsn'],
        additionalProperties: false,
      },
    },
  },
  required: ['jobs'],
  additionalProperties: false,
};

function obj(properties: Raw, required: string[]): Raw {
  return { type: 'object', properties, required, additionalProperties: false };
}

let compiled: ValidateFunction | undefined;
export function legacyValidator(): ValidateFunction {
  compiled ??= newAjv().compile(legacySchema);
  return compiled;
}

/** Go driver names → ours. The Go `postgresql` driver ran pg_dump. */
const DRIVERS: Record<string, string> = { mysql: 'mysql', mysqldump: 'mysqldump', postgresql: 'pg_dump', pgdump: 'pg_dump', pg_dump: 'pg_dump', postgres: 'postgres', sqlite: 'sqlite' };

/** `user:pass@tcp(host:3306)/db?x=y` → `mysql://user:pass@host:3306/db?x=y` (URLs pass through). */
export function goMysqlDsnToUrl(dsn: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(dsn)) return dsn;
  const m = /^(?:([^:@]*)(?::(.*))?@)?(tcp|unix)?(?:\(([^)]*)\))?\/([^?]*)(\?.*)?$/.exec(dsn);
  if (!m) return dsn;
  const [, user = '', pass, proto = 'tcp', addr = '', db = '', query = ''] = m;
  const auth = user || pass !== undefined ? `${encodeURIComponent(user)}${pass !== undefined ? ':' + encodeURIComponent(pass) : ''}@` : '';
  if (proto === 'unix') {
    const sep = query ? '&' : '?';
    return `mysql://${auth}localhost/${db}${query}${sep}socket=${encodeURIComponent(addr)}`;
  }
  return `mysql://${auth}${addr || '127.0.0.1:3306'}/${db}${query}`;
}

/** Go's `sshkey` is a key file path, the key itself, or the key base64-encoded. */
export function sshKeyField(value: string): Raw {
  if (value.includes('PRIVATE KEY')) return { key: value };
  const compact = value.replace(/\s+/g, '');
  if (compact.length > 64 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    const decoded = Buffer.from(compact, 'base64').toString('utf8');
    if (decoded.includes('PRIVATE KEY')) return { key: decoded };
  }
  return { key_file: value };
}

/** A storage name from a Go job name: characters our names do not allow become `-`. */
function storageName(job: string, type: string, k: number, count: number): string {
  const base = job.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'job';
  return `${base}-${type}${count > 1 ? `-${k + 1}` : ''}`;
}

function hostPort(value: string, defaultPort: number): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(value);
  return m ? { host: m[1]!, port: Number(m[2]) } : { host: value, port: defaultPort };
}

export interface LegacyMapping {
  config: Raw;
  /** Maps a path in the native config to the path the user wrote in the Go-style file. */
  sourcePath(path: PathSegment[]): PathSegment[];
}

/** One Go storage entry → our storage config and the file (path or key) it names. */
type StorageMapper = (s: Raw) => { config: Raw; file: string };

/** The Dropbox folder of a Go-style file path: absolute, `''` for the root. */
function dropboxFolder(path: string): string {
  const dir = posix.dirname(path);
  if (dir === '.' || dir === '/') return '';
  return dir.startsWith('/') ? dir : `/${dir}`;
}

const STORAGE_MAPPERS: Record<string, StorageMapper> = {
  local: (s) => ({ config: { type: 'local', path: posix.dirname(s.path as string) }, file: s.path as string }),
  s3: (s) => {
    const dir = posix.dirname(s.key as string);
    return {
      file: s.key as string,
      config: {
        type: 's3', bucket: s.bucket, ...(dir !== '.' ? { prefix: `${dir}/` } : {}),
        ...(s.region ? { region: s.region } : {}), ...(s.endpoint ? { endpoint: s.endpoint } : {}),
        ...(s['access-key-id'] ? { access_key_id: s['access-key-id'] } : {}),
        ...(s['secret-access-key'] ? { secret_access_key: s['secret-access-key'] } : {}),
      },
    };
  },
  gdrive: (s) => ({
    file: s.filename as string,
    config: { type: 'gdrive', ...(s.folderid ? { folder_id: s.folderid } : {}), service_account: { client_email: s.email, private_key: s.privatekey } },
  }),
  dropbox: (s) => ({
    file: s.path as string,
    config: { type: 'dropbox', path: dropboxFolder(s.path as string), refresh_token: s.refreshtoken, client_id: s.clientid, client_secret: s.clientsecret },
  }),
  sftp: (s) => {
    const { host, port } = hostPort(s.sshhost as string, 22);
    return { file: s.path as string, config: { type: 'sftp', host, port, user: s.sshuser, path: posix.dirname(s.path as string), ...sshKeyField(s.sshkey as string) } };
  },
};

/** Where each piece of the mapped config came from in the Go file. */
interface Sources {
  storages: Map<string, PathSegment[]>;
  targets: Map<string, PathSegment[]>;
}

/** Maps one Go job (its storages go into `storages`). */
function mapJob(job: Raw, i: number, storages: Raw, sources: Sources): Raw {
  const fileName = (p: string): string => {
    let base = posix.basename(p);
    if (job.unique === true) base = `${GO_UNIQUE_PREFIX}${base}`;
    if (job.gzip === true && !base.endsWith('.gz')) base += '.gz';
    return base;
  };
  const to: Raw[] = [];
  for (const [type, entries] of Object.entries((job.storage ?? {}) as Record<string, Raw[]>)) {
    entries.forEach((entry, k) => {
      const name = storageName(String(job.name), type, k, entries.length);
      const { config, file } = STORAGE_MAPPERS[type]!(entry);
      storages[name] = config;
      sources.storages.set(name, ['jobs', i, 'storage', type, k]);
      sources.targets.set(`${i}/${to.length}`, ['jobs', i, 'storage', type, k]);
      to.push({ storage: name, filename: fileName(file) });
    });
  }
  const driver = DRIVERS[job.dbdriver as string]!;
  const dsn = driver === 'mysql' || driver === 'mysqldump' ? goMysqlDsnToUrl(job.dbdsn as string) : (job.dbdsn as string);
  const database: Raw = { driver, dsn };
  if (Array.isArray(job.options) && job.options.length) database.options = job.options;
  if (job.sshhost) {
    const { host, port } = hostPort(job.sshhost as string, 22);
    database.ssh = { host, port, user: job.sshuser, ...sshKeyField((job.sshkey as string | undefined) ?? '~/.ssh/id_rsa') };
  }
  return { name: job.name, type: 'dump', ...(job.schedule ? { schedule: job.schedule } : {}), database, compress: job.gzip === true ? 'gzip' : 'none', to };
}

/** Maps a Go-onedump file (already checked against its own schema) onto the native shape. */
export function mapLegacy(raw: Raw): LegacyMapping {
  const storages: Raw = {};
  const sources: Sources = { storages: new Map(), targets: new Map() };
  const jobs = (raw.jobs as Raw[]).map((job, i) => mapJob(job, i, storages, sources));
  const notifiers = (((raw.notifier as Raw | undefined)?.slack as Raw[] | undefined) ?? []).map((s, k, all) => ({
    type: 'slack', ...(all.length > 1 ? { name: `slack-${k + 1}` } : {}), webhook_url: s.incomingwebhook,
  }));
  const config: Raw = { jobs, storages, notifiers, ...(raw.maxjobs ? { concurrency: raw.maxjobs } : {}) };
  return { config, sourcePath: (path) => legacySourcePath(path, sources) };
}

function legacySourcePath(path: PathSegment[], sources: Sources): PathSegment[] {
  const [a, b, c, d] = path;
  if (a === 'concurrency') return ['maxjobs'];
  if (a === 'notifiers') return ['notifier', 'slack', ...(b === undefined ? [] : [b])];
  if (a === 'storages' && typeof b === 'string') return sources.storages.get(b) ?? [];
  if (a !== 'jobs' || typeof b !== 'number') return [];
  const database: Record<string, string> = { dsn: 'dbdsn', driver: 'dbdriver', ssh: 'sshhost', options: 'options' };
  if (c === 'database' && typeof d === 'string' && database[d]) return ['jobs', b, database[d]];
  if (c === 'to' && typeof d === 'number') return sources.targets.get(`${b}/${d}`) ?? ['jobs', b];
  if (c === 'name' || c === 'schedule') return ['jobs', b, c];
  return ['jobs', b];
}
