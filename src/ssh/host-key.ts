/**
 * SSH host-key verification, as OpenSSH does it with StrictHostKeyChecking=yes: the server's key must
 * be listed for that host in a known_hosts file (plain or hashed host names, `[host]:port` for other
 * ports, `*`/`?` wildcards and `!` negations, `@revoked` lines), or match an expected fingerprint
 * (`SHA256:…` as `ssh-keygen -lf` prints it). Skipping the check must be asked for explicitly.
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';

export interface HostKeyOptions {
  known_hosts?: string;
  host_key_fingerprint?: string;
  insecure_ignore_host_key?: boolean;
}

/** `SHA256:<base64 without padding>` of a public key blob. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** `~/x` → home-relative; relative paths resolve against `baseDir`. */
export function expandPath(path: string, baseDir: string): string {
  if (path === '~' || path.startsWith('~/')) return resolve(homedir(), path.slice(2));
  return resolve(baseDir, path);
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** Does a known_hosts host field (comma-separated patterns, or one hashed `|1|salt|hash`) name `name`? */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  let matched = false;
  for (const pattern of field.split(',')) {
    if (pattern.startsWith('!')) {
      if (globToRegExp(pattern.slice(1)).test(name)) return false;
    } else if (globToRegExp(pattern).test(name)) {
      matched = true;
    }
  }
  return matched;
}

interface KnownKey {
  revoked: boolean;
  blob: Buffer;
}

/** Keys listed for `host:port` in known_hosts text (certificate authorities are not supported). */
export function knownKeysFor(text: string, host: string, port: number): KnownKey[] {
  const name = port === 22 ? host : `[${host}]:${port}`;
  const out: KnownKey[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const marker = fields[0]!.startsWith('@') ? fields.shift() : undefined;
    if (marker === '@cert-authority' || fields.length < 3) continue;
    if (!hostFieldMatches(fields[0]!, name)) continue;
    out.push({ revoked: marker === '@revoked', blob: Buffer.from(fields[2]!, 'base64') });
  }
  return out;
}

export interface HostKeyCheck {
  /** For ssh2's `hostVerifier`: true when the key is trusted. */
  verify(keyBlob: Buffer): boolean;
  /** Why the last verification failed (empty when it did not). */
  reason(): string;
}

/** Builds the verifier for `host:port`; throws when no way to verify was configured or found. */
export function hostKeyCheck(opts: HostKeyOptions, host: string, port: number, baseDir: string): HostKeyCheck {
  let why = '';
  if (opts.insecure_ignore_host_key) return { verify: () => true, reason: () => '' };
  if (opts.host_key_fingerprint) {
    const want = opts.host_key_fingerprint.trim().replace(/=+$/, '');
    return {
      verify(blob) {
        const got = fingerprintOf(blob);
        why = got === want ? '' : `host key ${got} does not match host_key_fingerprint ${want}`;
        return !why;
      },
      reason: () => why,
    };
  }
  const file = expandPath(opts.known_hosts ?? '~/.ssh/known_hosts', baseDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot verify the host key of ${host}:${port}: cannot read known_hosts ${file} (${(err as NodeJS.ErrnoException).code}); set known_hosts or host_key_fingerprint`, { cause: err });
  }
  const keys = knownKeysFor(text, host, port);
  return {
    verify(blob) {
      const match = keys.filter((k) => k.blob.equals(blob));
      if (match.some((k) => k.revoked)) why = `host key ${fingerprintOf(blob)} of ${host}:${port} is marked @revoked in ${file}`;
      else if (match.length) why = '';
      else if (keys.length) why = `host key ${fingerprintOf(blob)} of ${host}:${port} does not match ${file} (possible man-in-the-middle, or the server's key changed)`;
      else why = `host ${host}:${port} is not in ${file} (add it with ssh-keyscan, or set host_key_fingerprint)`;
      return !why;
    },
    reason: () => why,
  };
}
