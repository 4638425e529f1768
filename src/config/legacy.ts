/**
 * Job files written for the Go onedump (github.com/liweiyi88/onedump) load too: they are checked
 * against their own shape (so errors point at the keys the user wrote), then mapped onto ours.
 *
 *   jobs[].dbdriver/dbdsn/gzip/unique/options/sshhost/sshuser/sshkey, jobs[].storage.{local,s3,gdrive,
 *   dropbox,sftp}[], notifier.slack[].incomingwebhook, maxjobs
 *
 * Each Go storage entry names a whole file (`path`, `key`, `filename`); it becomes a storage rooted at
 * that file's directory and a `to:` entry with that file name (`unique: true` adds `{timestamp}-` in
 * front of the name, `gzip: true` compresses and adds `.gz` unless already there).
 */
import { posix } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { newAjv } from './validate-schema.js';
import type { PathSegment } from './positions.js';

type Raw = Record<string, unknown>;

export function isLegacy(raw: object): boolean {
  const r = raw as Raw;
  if ('maxjobs' in r || 'notifier' in r) return true;
  return Array.isArray(r.jobs) && r.jobs.some((j) => j && typeof j === 'object' && ('dbdriver' in j || 'dbdsn' in j));
}

const str = { type: 'string' };
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
          name: str, dbdriver: { enum: ['mysql', 'mysqldump', 'pgdump', 'postgres', 'pg_dump', 'sqlite'] }, dbdsn: str,
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

const DRIVERS: Record<string, string> = { mysql: 'mysql', mysqldump: 'mysqldump', pgdump: 'pg_dump', pg_dump: 'pg_dump', postgres: 'postgres', sqlite: 'sqlite' };

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

function sshKeyField(value: string): Raw {
  return value.includes('PRIVATE KEY') ? { key: value } : { key_file: value };
}

function hostPort(value: string, defaultPort: number): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(value);
  return m ? { host: m[1]!, port: Number(m[2]) } : { host: value, port: defaultPort };
}

/** The Dropbox folder of a Go-style file path: absolute, `''` for the root. */
function dropboxFolder(path: string): string {
  const dir = posix.dirname(path);
  if (dir === '.' || dir === '/') return '';
  return dir.startsWith('/') ? dir : `/${dir}`;
}

export interface LegacyMapping {
  config: Raw;
  /** Maps a path in the native config to the path the user wrote in the Go-style file. */
  sourcePath(path: PathSegment[]): PathSegment[];
}

export function mapLegacy(raw: Raw): LegacyMapping {
  const storages: Raw = {};
  const storageSource = new Map<string, PathSegment[]>();
  const toSource = new Map<string, PathSegment[]>();
  const jobs = (raw.jobs as Raw[]).map((job, i) => {
    const gzip = job.gzip === true;
    const unique = job.unique === true;
    const fileName = (p: string): string => {
      let base = posix.basename(p);
      if (unique) base = `{timestamp}-${base}`;
      if (gzip && !base.endsWith('.gz')) base += '.gz';
      return base;
    };
    const to: Raw[] = [];
    const add = (type: string, k: number, name: string, config: Raw, file: string): void => {
      storages[name] = config;
      storageSource.set(name, ['jobs', i, 'storage', type, k]);
      toSource.set(`${i}/${to.length}`, ['jobs', i, 'storage', type, k]);
      to.push({ storage: name, filename: fileName(file) });
    };
    const st = (job.storage ?? {}) as Record<string, Raw[]>;
    const nameFor = (type: string, k: number, count: number) => `${job.name as string}-${type}${count > 1 ? `-${k + 1}` : ''}`;
    (st.local ?? []).forEach((s, k, all) => add('local', k, nameFor('local', k, all.length), { type: 'local', path: posix.dirname(s.path as string) }, s.path as string));
    (st.s3 ?? []).forEach((s, k, all) => {
      const key = s.key as string;
      const dir = posix.dirname(key);
      add('s3', k, nameFor('s3', k, all.length), {
        type: 's3', bucket: s.bucket, ...(dir !== '.' ? { prefix: `${dir}/` } : {}),
        ...(s.region ? { region: s.region } : {}), ...(s.endpoint ? { endpoint: s.endpoint } : {}),
        ...(s['access-key-id'] ? { access_key_id: s['access-key-id'] } : {}),
        ...(s['secret-access-key'] ? { secret_access_key: s['secret-access-key'] } : {}),
      }, key);
    });
    (st.gdrive ?? []).forEach((s, k, all) => add('gdrive', k, nameFor('gdrive', k, all.length), {
      type: 'gdrive', ...(s.folderid ? { folder_id: s.folderid } : {}),
      service_account: { client_email: s.email, private_key: s.privatekey },
    }, s.filename as string));
    (st.dropbox ?? []).forEach((s, k, all) => add('dropbox', k, nameFor('dropbox', k, all.length), {
      type: 'dropbox', path: dropboxFolder(s.path as string), refresh_token: s.refreshtoken, client_id: s.clientid, client_secret: s.clientsecret,
    }, s.path as string));
    (st.sftp ?? []).forEach((s, k, all) => {
      const { host, port } = hostPort(s.sshhost as string, 22);
      add('sftp', k, nameFor('sftp', k, all.length), {
        type: 'sftp', host, port, user: s.sshuser, path: posix.dirname(s.path as string), ...sshKeyField(s.sshkey as string),
      }, s.path as string);
    });
    const driver = DRIVERS[job.dbdriver as string]!;
    const dsn = driver === 'mysql' || driver === 'mysqldump' ? goMysqlDsnToUrl(job.dbdsn as string) : (job.dbdsn as string);
    const database: Raw = { driver, dsn };
    if (Array.isArray(job.options) && job.options.length) database.options = job.options;
    if (job.sshhost) {
      const { host, port } = hostPort(job.sshhost as string, 22);
      database.ssh = { host, port, user: job.sshuser, ...sshKeyField((job.sshkey as string | undefined) ?? '~/.ssh/id_rsa') };
    }
    return {
      name: job.name, type: 'dump', ...(job.schedule ? { schedule: job.schedule } : {}),
      database, compress: gzip ? 'gzip' : 'none', to,
    };
  });
  const notifiers = (((raw.notifier as Raw | undefined)?.slack as Raw[] | undefined) ?? []).map((s, k, all) => ({
    type: 'slack', ...(all.length > 1 ? { name: `slack-${k + 1}` } : {}), webhook_url: s.incomingwebhook,
  }));
  const config: Raw = { jobs, storages, notifiers, ...(raw.maxjobs ? { concurrency: raw.maxjobs } : {}) };
  return {
    config,
    sourcePath(path) {
      const [a, b, c, d] = path;
      if (a === 'concurrency') return ['maxjobs'];
      if (a === 'notifiers') return ['notifier', 'slack', ...(b === undefined ? [] : [b])];
      if (a === 'storages' && typeof b === 'string') return storageSource.get(b) ?? [];
      if (a === 'jobs' && typeof b === 'number') {
        if (c === 'database' && d === 'dsn') return ['jobs', b, 'dbdsn'];
        if (c === 'database' && d === 'driver') return ['jobs', b, 'dbdriver'];
        if (c === 'database' && d === 'ssh') return ['jobs', b, 'sshhost'];
        if (c === 'database' && d === 'options') return ['jobs', b, 'options'];
        if (c === 'to' && typeof d === 'number') return toSource.get(`${b}/${d}`) ?? ['jobs', b];
        return ['jobs', b];
      }
      return [];
    },
  };
}
