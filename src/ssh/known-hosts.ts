/**
 * Host-key verification as OpenSSH does it: `known_hosts` lines (plain or hashed `|1|salt|hash` host
 * patterns, `[host]:port` for non-default ports, `*`/`?` wildcards, `!` negation, `@revoked`), or an
 * expected `SHA256:…` fingerprint as `ssh-keygen -lf` prints it.
 */
import { createHash, createHmac } from 'node:crypto';

/** `SHA256:base64` (no padding) of a raw host key blob. */
export function fingerprintOf(key: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}

/** The name a host has in known_hosts: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 'i');
  return re.test(name);
}

function hostMatches(field: string, name: string): boolean {
  let matched = false;
  for (const p of field.split(',')) {
    if (p.startsWith('!')) {
      if (patternMatches(p.slice(1), name)) return false;
    } else if (patternMatches(p, name)) matched = true;
  }
  return matched;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

/** Checks `key` (raw blob) for host:port against the text of a known_hosts file. */
export function verifyKnownHosts(text: string, host: string, port: number, key: Buffer): Verdict {
  const name = knownHostsName(host, port);
  let listed = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    const marker = parts[0]!.startsWith('@') ? parts.shift()! : '';
    const [hosts, , blob] = parts;
    if (!hosts || !blob || !hostMatches(hosts, name)) continue;
    if (marker === '@cert-authority') continue;
    const same = Buffer.from(blob, 'base64').equals(key);
    if (marker === '@revoked') {
      if (same) return { ok: false, reason: `the host key of ${name} is marked @revoked` };
      continue;
    }
    listed = true;
    if (same) return { ok: true };
  }
  return {
    ok: false,
    reason: listed
      ? `the host key of ${name} (${fingerprintOf(key)}) does not match known_hosts — possible man-in-the-middle attack`
      : `${name} is not in known_hosts (its key is ${fingerprintOf(key)})`,
  };
}
