/**
 * Storage URLs, for commands that take a place rather than a job file (`download`, `restore --from`,
 * and anything else that reads from storages):
 *
 *   s3://BUCKET/KEY-OR-PREFIX        sftp://USER@HOST:PORT/PATH     gdrive://FOLDER_ID/PATH
 *   dropbox:///PATH                  file:///PATH  (or a plain path)
 *
 * Non-secret options go in the query string, with the config keys' names (`s3://b/p?endpoint=
 * http://minio:9000&region=eu-west-1`, `sftp://u@h/p?known_hosts=./kh`). Credentials never go in the URL;
 * they come from the environment (see `CREDENTIALS`) and are registered with the redactor.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import { registerSecret } from '../util/redact.js';
import { logger, type Logger } from '../util/log.js';
import { storageKinds } from './registry.js';
import type { Storage } from './types.js';

export interface UrlOptions {
  /** Where credentials come from (default: `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Relative paths (key files, known_hosts, plain paths) resolve against this (default: cwd). */
  baseDir?: string;
  log?: Logger;
}

/** The storage a URL names, rooted so that `key` (possibly `''`) is the object or prefix it points at. */
export interface UrlTarget {
  storage: Storage;
  key: string;
}

/** Environment variables each scheme reads, for help texts and docs. */
export const CREDENTIALS: Record<string, string> = {
  s3: 'the AWS chain: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE, AWS_REGION; AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL for S3-compatible services',
  sftp: 'ONEDUMP_SFTP_KEY_FILE (+ ONEDUMP_SFTP_PASSPHRASE), ONEDUMP_SFTP_PASSWORD, or the SSH agent and ~/.ssh/id_* keys; host keys from ~/.ssh/known_hosts',
  gdrive: 'GOOGLE_APPLICATION_CREDENTIALS (service account key file) or ONEDUMP_GDRIVE_SERVICE_ACCOUNT (its JSON), ONEDUMP_GDRIVE_SUBJECT; or ONEDUMP_GDRIVE_CLIENT_ID, ONEDUMP_GDRIVE_CLIENT_SECRET, ONEDUMP_GDRIVE_REFRESH_TOKEN',
  dropbox: 'ONEDUMP_DROPBOX_REFRESH_TOKEN, ONEDUMP_DROPBOX_CLIENT_ID, ONEDUMP_DROPBOX_CLIENT_SECRET',
};

const SCHEMES = ['s3', 'sftp', 'gdrive', 'dropbox', 'file'];

/** True for `scheme://…` with a scheme this module knows. */
export function isStorageUrl(text: string): boolean {
  const m = /^([a-z0-9]+):\/\//i.exec(text);
  return !!m && SCHEMES.includes(m[1]!.toLowerCase());
}

function secret(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  if (v) registerSecret(v);
  return v || undefined;
}

/** Query-string options, with `true`/`false`/numbers typed. */
function queryOptions(u: URL): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of u.searchParams) out[k] = v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v;
  return out;
}

function pathKey(u: URL): string {
  return decodeURIComponent(u.pathname).replace(/^\/+/, '').replace(/\/+$/, '');
}

type Parsed = { config: Record<string, unknown>; key: string };

function s3(u: URL, env: NodeJS.ProcessEnv, q: Record<string, unknown>): Parsed {
  // the SDK reads these itself; registered so that no message can show them
  secret(env, 'AWS_SECRET_ACCESS_KEY');
  secret(env, 'AWS_SESSION_TOKEN');
  const endpoint = (q.endpoint as string | undefined) ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  return {
    config: { type: 's3', bucket: u.hostname, ...(endpoint ? { endpoint, force_path_style: true } : {}), ...q },
    key: pathKey(u),
  };
}

function sftp(u: URL, env: NodeJS.ProcessEnv, q: Record<string, unknown>): Parsed {
  if (u.password) throw new UsageError('sftp URL: put the password in ONEDUMP_SFTP_PASSWORD, not in the URL');
  const path = decodeURIComponent(u.pathname);
  const home = path === '/~' || path.startsWith('/~/');
  const keyFile = env.ONEDUMP_SFTP_KEY_FILE;
  return {
    config: {
      type: 'sftp', host: u.hostname.replace(/^\[|\]$/g, ''), ...(u.port ? { port: Number(u.port) } : {}),
      user: decodeURIComponent(u.username) || env.USER || 'root', path: home ? '.' : '/',
      ...(keyFile ? { key_file: keyFile } : {}), ...(secret(env, 'ONEDUMP_SFTP_PASSPHRASE') ? { passphrase: env.ONEDUMP_SFTP_PASSPHRASE } : {}),
      ...(secret(env, 'ONEDUMP_SFTP_PASSWORD') ? { password: env.ONEDUMP_SFTP_PASSWORD } : {}), ...q,
    },
    key: (home ? path.slice(2) : path).replace(/^\/+/, '').replace(/\/+$/, ''),
  };
}

function gdrive(u: URL, env: NodeJS.ProcessEnv, q: Record<string, unknown>): Parsed {
  const inline = secret(env, 'ONEDUMP_GDRIVE_SERVICE_ACCOUNT');
  let auth: Record<string, unknown>;
  if (inline) auth = { service_account: JSON.parse(inline) };
  else if (env.GOOGLE_APPLICATION_CREDENTIALS) auth = { service_account_file: env.GOOGLE_APPLICATION_CREDENTIALS };
  else if (env.ONEDUMP_GDRIVE_REFRESH_TOKEN) {
    auth = { client_id: env.ONEDUMP_GDRIVE_CLIENT_ID, client_secret: secret(env, 'ONEDUMP_GDRIVE_CLIENT_SECRET'), refresh_token: secret(env, 'ONEDUMP_GDRIVE_REFRESH_TOKEN') };
  } else throw new UsageError(`gdrive URL: no credentials; set ${CREDENTIALS.gdrive}`);
  const subject = env.ONEDUMP_GDRIVE_SUBJECT;
  return { config: { type: 'gdrive', ...(u.hostname && u.hostname !== 'root' ? { folder_id: u.hostname } : {}), ...auth, ...(subject ? { subject } : {}), ...q }, key: pathKey(u) };
}

function dropbox(u: URL, env: NodeJS.ProcessEnv, q: Record<string, unknown>): Parsed {
  const refresh = secret(env, 'ONEDUMP_DROPBOX_REFRESH_TOKEN');
  if (!refresh || !env.ONEDUMP_DROPBOX_CLIENT_ID) throw new UsageError(`dropbox URL: no credentials; set ${CREDENTIALS.dropbox}`);
  return {
    config: { type: 'dropbox', path: '', refresh_token: refresh, client_id: env.ONEDUMP_DROPBOX_CLIENT_ID, ...(secret(env, 'ONEDUMP_DROPBOX_CLIENT_SECRET') ? { client_secret: env.ONEDUMP_DROPBOX_CLIENT_SECRET } : {}), ...q },
    key: pathKey(u),
  };
}

/** The storage config and key a URL (or plain path) names; `name` is the URL's root (`s3://bucket`). */
export function parseStorageUrl(text: string, opts: UrlOptions = {}): Parsed & { name: string } {
  const env = opts.env ?? process.env;
  if (!isStorageUrl(text) || /^file:/i.test(text)) {
    const path = /^file:/i.test(text) ? fileURLToPath(text) : resolve(opts.baseDir ?? process.cwd(), text);
    return { name: 'file://', config: { type: 'local', path: '/' }, key: path.replace(/^\/+/, '').replace(/\/+$/, '') };
  }
  const u = new URL(text);
  const scheme = u.protocol.slice(0, -1).toLowerCase();
  const q = queryOptions(u);
  const parsed = scheme === 's3' ? s3(u, env, q) : scheme === 'sftp' ? sftp(u, env, q) : scheme === 'gdrive' ? gdrive(u, env, q) : dropbox(u, env, q);
  // the storage is the URL's root; messages name it and the key: `s3://backups: get "app/x.sql.gz": …`
  const name = `${scheme}://${u.username && scheme === 'sftp' ? `${u.username}@` : ''}${u.host}`;
  return { ...parsed, name };
}

/**
 * Opens the storage a URL names. The caller closes it. Throws `UsageError` for a malformed URL or
 * missing credentials, naming the environment variables to set.
 */
export async function storageFromUrl(text: string, opts: UrlOptions = {}): Promise<UrlTarget> {
  let parsed: ReturnType<typeof parseStorageUrl>;
  try {
    parsed = parseStorageUrl(text, opts);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`invalid storage URL ${JSON.stringify(text)}: ${(err as Error).message}`);
  }
  const kind = storageKinds.get(String(parsed.config.type));
  const known = Object.keys(kind.schema.properties);
  const unknown = Object.keys(parsed.config).filter((k) => k !== 'type' && !known.includes(k));
  if (unknown.length) throw new UsageError(`${parsed.name}: unknown option ${unknown.join(', ')} (known: ${known.join(', ')})`);
  const issues = kind.check?.(parsed.config as never) ?? [];
  if (issues.length) throw new UsageError(`${parsed.name}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`);
  const storage = await kind.create(parsed.name, parsed.config as never, { baseDir: opts.baseDir ?? process.cwd(), log: opts.log ?? logger() });
  return { storage, key: parsed.key };
}
