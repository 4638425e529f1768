/**
 * The host-key check of an SSH login (tunnels, sftp storages), as OpenSSH does it with
 * StrictHostKeyChecking=yes: the key must be in a known_hosts file (known-hosts.ts) or match an expected
 * fingerprint; skipping the check must be asked for (`insecure_ignore_host_key`).
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { fingerprintOf, verifyKnownHosts } from './known-hosts.js';

export interface HostKeyOptions {
  known_hosts?: string;
  host_key_fingerprint?: string;
  insecure_ignore_host_key?: boolean;
}

/** `~/x` → home-relative; relative paths resolve against `baseDir`. */
export function expandPath(path: string, baseDir: string): string {
  if (path === '~' || path.startsWith('~/')) return resolve(homedir(), path.slice(2));
  return resolve(baseDir, path);
}

export interface HostKeyCheck {
  /** For ssh2's `hostVerifier`: true when the key (raw blob) is trusted. */
  verify(keyBlob: Buffer): boolean;
  /** Why the last verification failed (empty when it did not). */
  reason(): string;
}

/** Builds the check for `host:port`; throws when there is nothing to verify the key against. */
export function hostKeyCheck(opts: HostKeyOptions, host: string, port: number, baseDir: string): HostKeyCheck {
  let why = '';
  const check = (fn: (blob: Buffer) => string): HostKeyCheck => ({
    verify(blob) {
      why = fn(blob);
      return !why;
    },
    reason: () => why,
  });
  if (opts.insecure_ignore_host_key) return check(() => '');
  if (opts.host_key_fingerprint) {
    const want = opts.host_key_fingerprint.trim().replace(/=+$/, '');
    return check((blob) => (fingerprintOf(blob) === want ? '' : `host key fingerprint ${fingerprintOf(blob)} does not match host_key_fingerprint ${want}`));
  }
  const file = expandPath(opts.known_hosts ?? '~/.ssh/known_hosts', baseDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot verify the host key: cannot read known_hosts ${file} (${(err as NodeJS.ErrnoException).code}); set known_hosts, host_key_fingerprint, or insecure_ignore_host_key: true`, { cause: err });
  }
  return check((blob) => {
    const verdict = verifyKnownHosts(text, host, port, blob);
    return verdict.ok ? '' : `${verdict.reason} (${file})`;
  });
}
