/**
 * Go-onedump job files: detection, the mapping onto the native shape (every storage kind, with the
 * config keys the storages use), and a Go file with local storage and a Slack incoming webhook run
 * end to end through the built CLI.
 */
import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { goMysqlDsnToUrl, isLegacy, mapLegacy, sshKeyField } from '../../src/config/legacy.js';
import { describeDb } from '../harness/sqlite-corpus.js';
import { startRecorder } from '../harness/http-recorder.js';
import { ROOT, runCli, tempDir } from '../harness/util.js';

const PEM = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----';

test('detection: Go jobs (dbdriver/dbdsn) are legacy; a native file with a stray `notifier:` is not', () => {
  expect(isLegacy({ jobs: [{ name: 'a', dbdriver: 'mysql', dbdsn: 'x' }] })).toBe(true);
  expect(isLegacy({ maxjobs: 2, jobs: [{ name: 'a' }] })).toBe(true);
  expect(isLegacy({ notifier: {}, jobs: [{ name: 'a', type: 'dump', database: {} }] })).toBe(false);
  expect(isLegacy({ jobs: [{ name: 'a', type: 'dump' }] })).toBe(false);
});

test('Go MySQL DSNs become URLs; passwords with @ : / survive', () => {
  expect(goMysqlDsnToUrl('user:password@tcp(127.0.0.1:3306)/dbname')).toBe('mysql://user:password@127.0.0.1:3306/dbname');
  expect(goMysqlDsnToUrl('root@tcp(127.0.0.1)/test_local')).toBe('mysql://root@127.0.0.1/test_local');
  expect(goMysqlDsnToUrl('u:p@ss:w/rd@tcp(db:3307)/app?parseTime=true')).toBe('mysql://u:p%40ss%3Aw%2Frd@db:3307/app?parseTime=true');
  expect(goMysqlDsnToUrl('u@unix(/run/mysqld/mysqld.sock)/app')).toBe('mysql://u@localhost/app?socket=%2Frun%2Fmysqld%2Fmysqld.sock');
  expect(goMysqlDsnToUrl('mysql://u:p@h/db')).toBe('mysql://u:p@h/db');
});

test('sshkey: a path, the key itself, or the key base64-encoded (as the Go onedump accepted)', () => {
  expect(sshKeyField('~/.ssh/id_ed25519')).toEqual({ key_file: '~/.ssh/id_ed25519' });
  expect(sshKeyField(PEM)).toEqual({ key: PEM });
  expect(sshKeyField(Buffer.from(PEM).toString('base64'))).toEqual({ key: PEM });
});

test('every Go storage kind maps onto the native storage keys, and jobs onto dump jobs', () => {
  const { config } = mapLegacy({
    maxjobs: 3,
    notifier: { slack: [{ incomingwebhook: 'https://hooks.slack.com/services/A' }, { incomingwebhook: 'https://hooks.slack.com/services/B' }] },
    jobs: [{
      name: 'my db', dbdriver: 'mysql', dbdsn: 'u:pw@tcp(db:3306)/app', gzip: true, unique: true, options: ['--skip-add-locks'],
      sshhost: 'bastion:2222', sshuser: 'deploy', sshkey: PEM,
      storage: {
        local: [{ path: '/var/backups/app.sql' }],
        s3: [{ bucket: 'bk', key: 'mysql/app.sql', region: 'eu-west-1', 'access-key-id': 'AKIA', 'secret-access-key': 'SECRET', endpoint: 'http://minio:9000' }, { bucket: 'bk2', key: 'app.sql.gz' }],
        gdrive: [{ email: 'sa@p.iam.gserviceaccount.com', privatekey: 'PK', filename: 'app.sql', folderid: 'F1' }],
        dropbox: [{ path: '/backups/app.sql', refreshtoken: 'RT', clientid: 'CID', clientsecret: 'CS' }],
        sftp: [{ path: '/srv/backups/app.sql', sshhost: 'files.example.com', sshuser: 'bk', sshkey: '/keys/id' }],
      },
    }, { name: 'pg', dbdriver: 'postgresql', dbdsn: 'postgres://u@h/db' }],
  });
  const u = '{year}{month}{day}{hour}{minute}{second}-';
  expect(config).toEqual({
    concurrency: 3,
    notifiers: [{ type: 'slack', name: 'slack-1', webhook_url: 'https://hooks.slack.com/services/A' }, { type: 'slack', name: 'slack-2', webhook_url: 'https://hooks.slack.com/services/B' }],
    storages: {
      'my-db-local': { type: 'local', path: '/var/backups' },
      'my-db-s3-1': { type: 's3', bucket: 'bk', prefix: 'mysql/', region: 'eu-west-1', endpoint: 'http://minio:9000', access_key_id: 'AKIA', secret_access_key: 'SECRET' },
      'my-db-s3-2': { type: 's3', bucket: 'bk2' },
      'my-db-gdrive': { type: 'gdrive', folder_id: 'F1', service_account: { client_email: 'sa@p.iam.gserviceaccount.com', private_key: 'PK' } },
      'my-db-dropbox': { type: 'dropbox', path: '/backups', refresh_token: 'RT', client_id: 'CID', client_secret: 'CS' },
      'my-db-sftp': { type: 'sftp', host: 'files.example.com', port: 22, user: 'bk', path: '/srv/backups', key_file: '/keys/id' },
    },
    jobs: [{
      name: 'my db', type: 'dump', compress: 'gzip',
      database: { driver: 'mysql', dsn: 'mysql://u:pw@db:3306/app', options: ['--skip-add-locks'], ssh: { host: 'bastion', port: 2222, user: 'deploy', key: PEM } },
      to: [
        { storage: 'my-db-local', filename: `${u}app.sql.gz` },
        { storage: 'my-db-s3-1', filename: `${u}app.sql.gz` },
        { storage: 'my-db-s3-2', filename: `${u}app.sql.gz` },
        { storage: 'my-db-gdrive', filename: `${u}app.sql.gz` },
        { storage: 'my-db-dropbox', filename: `${u}app.sql.gz` },
        { storage: 'my-db-sftp', filename: `${u}app.sql.gz` },
      ],
    }, { name: 'pg', type: 'dump', compress: 'none', database: { driver: 'pg_dump', dsn: 'postgres://u@h/db' }, to: [] }],
  });
});

test('a Go file with local storage and a Slack incoming webhook runs end to end', async () => {
  const t = tempDir();
  const slack = await startRecorder();
  try {
    copyFileSync(join(ROOT, 'examples/quickstart.db'), join(t.path, 'app.db'));
    writeFileSync(join(t.path, 'go.yaml'), [
      'maxjobs: 2',
      'notifier:',
      '  slack:',
      `    - incomingwebhook: ${slack.url}/services/T0/B0/SECRETPATH`,
      'jobs:',
      '  - name: local-dump',
      '    dbdriver: sqlite',
      '    dbdsn: ./app.db',
      '    gzip: true',
      '    unique: true',
      '    storage:',
      '      local:',
      '        - path: ./backups/app.sql',
      '        - path: ./mirror/app.sql',
      '',
    ].join('\n'));
    expect((await runCli(['validate', 'go.yaml'], { cwd: t.path })).code).toBe(0);
    const run = await runCli(['run', 'go.yaml'], { cwd: t.path });
    expect(run.code).toBe(0);
    for (const dir of ['backups', 'mirror']) {
      const files = readdirSync(join(t.path, dir)).sort();
      expect(files).toEqual([expect.stringMatching(/^\d{14}-app\.sql\.gz$/), expect.stringMatching(/^\d{14}-app\.sql\.gz\.manifest\.json$/)]);
    }
    const [msg] = await slack.waitForRequests(1);
    expect(msg!.url).toBe('/services/T0/B0/SECRETPATH');
    expect(JSON.parse(msg!.body).text).toMatch(/onedump job local-dump \(dump\) succeeded in .*→ local-dump-local-1, local-dump-local-2/);

    const file = readdirSync(join(t.path, 'backups')).find((f) => f.endsWith('.sql.gz'))!;
    const restore = await runCli(['restore', '--from', `backups/${file}`, '--to', 'sqlite:./restored.db'], { cwd: t.path });
    expect(restore.code).toBe(0);
    expect(describeDb(join(t.path, 'restored.db'))).toEqual(describeDb(join(t.path, 'app.db')));
  } finally {
    await slack.close();
    t.cleanup();
  }
});
