/** Storage URLs: what each scheme maps to, where credentials come from, and the errors. */
import { parseStorageUrl, isStorageUrl, storageFromUrl } from '../../src/storages/url.js';
import { redact } from '../../src/util/redact.js';
import { UsageError } from '../../src/errors.js';

test('s3://bucket/prefix: the endpoint may come from the query or AWS_ENDPOINT_URL; AWS secrets are masked', () => {
  parseStorageUrl('s3://b/k', { env: { AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI-example-secret' } });
  expect(redact('signature from wJalrXUtnFEMI-example-secret')).toBe('signature from ***');
  expect(parseStorageUrl('s3://backups/mysql/app', { env: {} })).toEqual({ name: 's3://backups', key: 'mysql/app', config: { type: 's3', bucket: 'backups' } });
  expect(parseStorageUrl('s3://b/k?region=eu-west-1&force_path_style=false&part_size=8', { env: { AWS_ENDPOINT_URL: 'http://minio:9000' } }).config)
    .toEqual({ type: 's3', bucket: 'b', endpoint: 'http://minio:9000', force_path_style: false, region: 'eu-west-1', part_size: 8 });
});

test('sftp://user@host:port/path: absolute paths, ~ for the login directory, credentials from the environment', () => {
  const env = { ONEDUMP_SFTP_KEY_FILE: '/keys/id', ONEDUMP_SFTP_PASSWORD: 'pw-from-env-123' };
  expect(parseStorageUrl('sftp://backup@nas.lan:2222/srv/backups/db%20one', { env })).toEqual({
    name: 'sftp://backup@nas.lan:2222', key: 'srv/backups/db one',
    config: { type: 'sftp', host: 'nas.lan', port: 2222, user: 'backup', path: '/', key_file: '/keys/id', password: 'pw-from-env-123' },
  });
  expect(parseStorageUrl('sftp://u@h/~/dumps', { env: {} })).toMatchObject({ key: 'dumps', config: { path: '.' } });
  expect(redact('error mentioning pw-from-env-123')).toBe('error mentioning ***');
  expect(() => parseStorageUrl('sftp://u:secret@h/x', { env: {} })).toThrow('sftp URL: put the password in ONEDUMP_SFTP_PASSWORD, not in the URL');
});

test('gdrive://FOLDER_ID/path and dropbox:///path take their credentials from the environment', () => {
  expect(parseStorageUrl('gdrive://1AbCfolder/db/x.sql.gz', { env: { GOOGLE_APPLICATION_CREDENTIALS: '/sa.json' } })).toMatchObject({
    key: 'db/x.sql.gz', config: { type: 'gdrive', folder_id: '1AbCfolder', service_account_file: '/sa.json' },
  });
  expect(parseStorageUrl('gdrive://root/x', { env: { ONEDUMP_GDRIVE_CLIENT_ID: 'id', ONEDUMP_GDRIVE_CLIENT_SECRET: 'sec-1234', ONEDUMP_GDRIVE_REFRESH_TOKEN: 'tok-1234' } }).config)
    .toEqual({ type: 'gdrive', client_id: 'id', client_secret: 'sec-1234', refresh_token: 'tok-1234' });
  expect(() => parseStorageUrl('gdrive://f/x', { env: {} })).toThrow(/gdrive URL: no credentials; set GOOGLE_APPLICATION_CREDENTIALS/);
  expect(parseStorageUrl('dropbox:///Apps/onedump/db', { env: { ONEDUMP_DROPBOX_REFRESH_TOKEN: 'r-1234', ONEDUMP_DROPBOX_CLIENT_ID: 'c' } })).toEqual({
    name: 'dropbox://', key: 'Apps/onedump/db', config: { type: 'dropbox', path: '', refresh_token: 'r-1234', client_id: 'c' },
  });
});

test('file:// URLs and plain paths are local, resolved against the base directory', () => {
  expect(parseStorageUrl('file:///var/backups/a%20b/', { env: {} })).toMatchObject({ key: 'var/backups/a b', config: { type: 'local', path: '/' } });
  expect(parseStorageUrl('backups/x.sql.gz', { env: {}, baseDir: '/work' })).toMatchObject({ key: 'work/backups/x.sql.gz', config: { type: 'local', path: '/' } });
  expect(isStorageUrl('s3://b')).toBe(true);
  expect(isStorageUrl('./backups')).toBe(false);
  expect(isStorageUrl('mysql://root@h/db')).toBe(false);
});

test('unknown options and contradictions are usage errors', async () => {
  await expect(storageFromUrl('s3://b/k?bukket=x', { env: {} })).rejects.toThrow(UsageError);
  await expect(storageFromUrl('sftp://u@h/x?insecure_ignore_host_key=true&known_hosts=/k', { env: {} })).rejects.toThrow(/insecure_ignore_host_key contradicts/);
});
