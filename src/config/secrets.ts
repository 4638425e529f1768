/** Registers every secret in a loaded config with the redactor, so no log or message can show it. */
import { registerSecret } from '../util/redact.js';

const SECRET_KEY = /(^|_)(password|passwd|passphrase|secret|token|key|credentials|private_key|refresh_token|client_secret|secret_access_key|session_token|webhook_url|url)$/i;
const NOT_SECRET = new Set(['key_file', 'kms_key_id', 'access_key_id', 'api_url', 'endpoint', 'host_key_fingerprint', 'known_hosts', 'key_prefix']);

/** Walks the config: values under secret-looking keys, URL passwords and webhook URLs are registered. */
export function registerConfigSecrets(value: unknown, key = ''): void {
  if (typeof value === 'string') {
    if (key && SECRET_KEY.test(key) && !NOT_SECRET.has(key)) {
      // webhook and incoming-webhook URLs embed their secret in the path
      registerSecret(value);
    }
    const pw = urlPassword(value);
    if (pw) registerSecret(pw);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) registerConfigSecrets(v, key);
    return;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) registerConfigSecrets(v, k);
  }
}

/** The password embedded in a URL/DSN (`scheme://user:pass@host`), decoded, if any. */
export function urlPassword(text: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:([^@/\s]+)@/i.exec(text);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1];
  }
}
