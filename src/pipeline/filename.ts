/**
 * File name templates: `{job}/{date}/{job}-{timestamp}{ext}`.
 *
 * Placeholders: {job} {driver} {db} {date} (YYYY-MM-DD) {time} (HHmmss) {timestamp} (YYYYMMDDTHHmmss
 * followed by `Z` in UTC, or by the offset of `timezone`, e.g. `+0200`) {unix} (seconds since the epoch)
 * {year} {month} {day} {hour} {minute} {second} {ext} (`.sql.gz`, ...). Times are UTC unless the job
 * sets `timezone`. Anything else in braces is an error at load time.
 */

export const PLACEHOLDERS = ['job', 'driver', 'db', 'date', 'time', 'timestamp', 'unix', 'year', 'month', 'day', 'hour', 'minute', 'second', 'ext'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export const DEFAULT_FILENAME = '{job}/{job}-{timestamp}{ext}';

/** Placeholders in `template` that are not known. */
export function unknownPlaceholders(template: string): string[] {
  const known = new Set<string>(PLACEHOLDERS);
  return [...template.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]!).filter((n) => !known.has(n));
}

/**
 * Problems with a template, as messages: unknown placeholders, unbalanced braces, and names that
 * could leave the storage root (`..`, a leading `/`).
 */
export function templateProblems(template: string): string[] {
  const bad = unknownPlaceholders(template);
  if (bad.length) return [`unknown placeholder {${bad[0]}} in file name (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')})`];
  if (/[{}]/.test(template.replace(/\{[^{}]*\}/g, ''))) return ['unbalanced { or } in file name'];
  const sample = renderFilename(template, { job: 'job', driver: 'sqlite', db: 'db', ext: '.sql.gz', now: new Date(0) });
  if (template.startsWith('/') || sample.split('/').some((s) => s === '..' || s === '.') || sample === '' || sample.endsWith('/')) {
    return ['file name must be a relative path to a file, without "." or ".." segments'];
  }
  return [];
}

interface TimeParts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
  /** `Z` or `+hhmm` / `-hhmm`. */
  zone: string;
}

function parts(now: Date, timeZone = 'UTC'): TimeParts {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'longOffset',
  });
  const p: Record<string, string> = {};
  for (const x of fmt.formatToParts(now)) p[x.type] = x.value;
  const offset = /GMT([+-]\d\d):(\d\d)/.exec(p.timeZoneName ?? '');
  const zone = !offset || (offset[1] === '+00' && offset[2] === '00') ? 'Z' : `${offset[1]}${offset[2]}`;
  return { year: p.year!, month: p.month!, day: p.day!, hour: p.hour!, minute: p.minute!, second: p.second!, zone };
}

export interface FilenameVars {
  job: string;
  driver?: string;
  db?: string;
  ext: string;
  now: Date;
  /** IANA time zone for the date and time placeholders (default UTC). */
  timeZone?: string;
}

/** Renders a template into a storage key (a relative `/`-separated path). */
export function renderFilename(template: string, v: FilenameVars): string {
  const p = parts(v.now, v.timeZone);
  const time = `${p.hour}${p.minute}${p.second}`;
  const values: Record<Placeholder, string> = {
    job: v.job, driver: v.driver ?? '', db: v.db ?? '', ext: v.ext,
    date: `${p.year}-${p.month}-${p.day}`, time,
    timestamp: `${p.year}${p.month}${p.day}T${time}${p.zone}`,
    unix: String(Math.floor(v.now.getTime() / 1000)),
    year: p.year, month: p.month, day: p.day, hour: p.hour, minute: p.minute, second: p.second,
  };
  const key = template.replace(/\{([^{}]*)\}/g, (whole, name: string) => (name in values ? values[name as Placeholder] : whole));
  // keys are relative paths: collapse duplicate slashes, drop leading ones
  return key.replace(/\/{2,}/g, '/').replace(/^\/+/, '');
}
