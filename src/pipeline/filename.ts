/**
 * File name templates: `{job}/{date}/{job}-{timestamp}{ext}`.
 * Placeholders: {job} {driver} {db} {date} (YYYY-MM-DD) {time} (HHmmss) {timestamp} (YYYYMMDDTHHmmssZ
 * in UTC, or with the offset of `timezone`) {year} {month} {day} {hour} {minute} {second} {ext}.
 */

export const PLACEHOLDERS = ['job', 'driver', 'db', 'date', 'time', 'timestamp', 'year', 'month', 'day', 'hour', 'minute', 'second', 'ext'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export const DEFAULT_FILENAME = '{job}/{job}-{timestamp}{ext}';

/** Placeholders in `template` that are not known. */
export function unknownPlaceholders(template: string): string[] {
  const known = new Set<string>(PLACEHOLDERS);
  return [...template.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]!).filter((n) => !known.has(n));
}

function parts(now: Date, timeZone?: string): Record<string, string> {
  const fmt = new Intl.DateTimeFormat('en-CA', {
    timeZone: timeZone ?? 'UTC', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  });
  const out: Record<string, string> = {};
  for (const p of fmt.formatToParts(now)) out[p.type] = p.value;
  return out;
}

export interface FilenameVars {
  job: string;
  driver?: string;
  db?: string;
  ext: string;
  now: Date;
  timeZone?: string;
}

export function renderFilename(template: string, v: FilenameVars): string {
  const p = parts(v.now, v.timeZone);
  const date = `${p.year}-${p.month}-${p.day}`;
  const time = `${p.hour}${p.minute}${p.second}`;
  const zone = v.timeZone ? '' : 'Z';
  const values: Record<Placeholder, string> = {
    job: v.job, driver: v.driver ?? '', db: v.db ?? '', ext: v.ext, date, time,
    timestamp: `${p.year}${p.month}${p.day}T${time}${zone}`,
    year: p.year!, month: p.month!, day: p.day!, hour: p.hour!, minute: p.minute!, second: p.second!,
  };
  const key = template.replace(/\{([^}]*)\}/g, (whole, name: string) => (name in values ? values[name as Placeholder] : whole));
  // keys are relative paths: collapse duplicate slashes, drop leading ones
  return key.replace(/\/{2,}/g, '/').replace(/^\/+/, '');
}
