/** File name templates: every placeholder, time zones, and the problems `validate` reports. */
import { PLACEHOLDERS, renderFilename, templateProblems, unknownPlaceholders } from '../../src/pipeline/filename.js';

const now = new Date('2026-07-04T01:02:03.456Z');
const vars = { job: 'app-db', driver: 'sqlite', db: 'app', ext: '.sql.gz', now };

test('every placeholder, in UTC', () => {
  const all = PLACEHOLDERS.map((p) => `${p}={${p}}`).join(' ');
  expect(renderFilename(all, vars)).toBe(
    'job=app-db driver=sqlite db=app date=2026-07-04 time=010203 timestamp=20260704T010203Z unix=1783126923 year=2026 month=07 day=04 hour=01 minute=02 second=03 ext=.sql.gz',
  );
  expect(renderFilename('{job}/{date}/{job}-{timestamp}{ext}', vars)).toBe('app-db/2026-07-04/app-db-20260704T010203Z.sql.gz');
});

test('timezone: local date and time, and the offset in {timestamp}', () => {
  expect(renderFilename('{date} {time} {timestamp}', { ...vars, timeZone: 'Europe/Berlin' })).toBe('2026-07-04 030203 20260704T030203+0200');
  expect(renderFilename('{date} {timestamp}', { ...vars, timeZone: 'America/New_York' })).toBe('2026-07-03 20260703T210203-0400');
  expect(renderFilename('{timestamp}', { ...vars, timeZone: 'Asia/Kolkata' })).toBe('20260704T063203+0530');
  expect(renderFilename('{timestamp}', { ...vars, timeZone: 'Europe/London', now: new Date('2026-01-15T12:00:00Z') })).toBe('20260115T120000Z');
  expect(renderFilename('{unix}', { ...vars, timeZone: 'Asia/Tokyo' })).toBe('1783126923'); // an instant, not a wall clock
});

test('keys are relative: duplicate and leading slashes collapse', () => {
  expect(renderFilename('{db}//{job}{ext}', { ...vars, db: '' })).toBe('app-db.sql.gz');
});

test('problems: unknown placeholders, unbalanced braces, names that leave the storage root', () => {
  expect(unknownPlaceholders('{job}-{host}-{Date}')).toEqual(['host', 'Date']);
  expect(templateProblems('{job}-{host}{ext}')[0]).toMatch(/^unknown placeholder \{host\} in file name \(known: \{job\} \{driver\}/);
  expect(templateProblems('{job}-{date{ext}')).toEqual(['unbalanced { or } in file name']);
  expect(templateProblems('{job}}{ext}')).toEqual(['unbalanced { or } in file name']);
  for (const bad of ['../{job}{ext}', '{job}/../../x', '/abs/{job}', '{job}/', './{job}']) {
    expect(templateProblems(bad)).toEqual(['file name must be a relative path to a file, without "." or ".." segments']);
  }
  expect(templateProblems('{job}/{year}/{month}/{job}-{timestamp}{ext}')).toEqual([]);
});
