/**
 * Keeps secrets out of logs, errors and notifications.
 * Every value the config marks as secret is registered here; `redact` replaces it wherever it appears.
 * Passwords inside URLs/DSNs (`scheme://user:PASS@host`) are masked even when never registered.
 */

const MASK = '***';
const secrets = new Set<string>();

/** Registers a secret value (ignored when shorter than 4 characters, to avoid masking common words). */
export function registerSecret(value: unknown): void {
  if (typeof value !== 'string' || value.length < 4) return;
  secrets.add(value);
  const encoded = encodeURIComponent(value);
  if (encoded !== value) secrets.add(encoded);
}

/** Forgets all registered secrets (tests only). */
export function clearSecrets(): void {
  secrets.clear();
}

const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@/\s]+)(@)/gi;
/** key=value pairs that hold secrets in DSN query strings or free text. */
const KEY_VALUE = /\b(password|passwd|pwd|secret|token|access_key|secret_access_key|api_key)=([^&\s;]+)/gi;
/** Go-style `user:pass@tcp(host)` DSNs. */
const GO_DSN = /(^|[\s"'=])([^:@\s"'/]+:)([^@\s"']+)(@(?:tcp|unix)\()/g;

/** Returns `text` with every registered secret and every URL password masked. */
export function redact(text: string): string {
  let out = text;
  // longest first so that a secret containing another is masked whole
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join(MASK);
  }
  return out
    .replace(URL_PASSWORD, `$1${MASK}$3`)
    .replace(KEY_VALUE, `$1=${MASK}`)
    .replace(GO_DSN, `$1$2${MASK}$4`);
}

/** Deep-redacts strings in a JSON-like value (for structured log metadata and notification payloads). */
export function redactValue<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (value instanceof Error) return { name: value.name, message: redact(value.message) } as T;
  if (Array.isArray(value)) return value.map((v) => redactValue(v)) as T;
  if (value && typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactValue(v);
    return out as T;
  }
  return value;
}
