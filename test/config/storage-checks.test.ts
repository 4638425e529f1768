/** Storage and delivery settings are checked at load, with file:line:col and a readable message. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkConfig } from '../../src/config/load.js';
import { formatIssue } from '../../src/errors.js';
import { tempDir } from '../harness/util.js';

function issuesOf(yaml: string): string[] {
  const t = tempDir();
  try {
    const file = join(t.path, 'jobs.yaml');
    writeFileSync(file, yaml);
    return checkConfig(file, { env: {} }).issues.map((i) => formatIssue({ ...i, file: 'jobs.yaml' }));
  } finally {
    t.cleanup();
  }
}

const job = (extra = '', to = '[disk]') => `
jobs:
  - name: j
    type: dump
    database: { driver: sqlite, dsn: "sqlite:./a.db" }
    to: ${to}${extra}
`;

test('storage blocks: one way to authenticate, keys that go together', () => {
  expect(issuesOf(`storages:
  drive: { type: gdrive, folder_id: f, refresh_token: r }
  nas: { type: sftp, host: h, user: u, path: /p, key: "k", key_file: /k }
  bucket: { type: s3, bucket: b, access_key_id: AKIA }
  disk: { type: local, path: . }
${job()}`)).toEqual([
    'jobs.yaml:2:55: storages.drive.refresh_token: refresh_token needs client_id and client_secret',
    'jobs.yaml:3:55: storages.nas.key: set key or key_file, not both',
    'jobs.yaml:4:11: storages.bucket.secret_access_key: access_key_id and secret_access_key go together',
  ]);
  expect(issuesOf(`storages:
  box: { type: dropbox, path: backups, refresh_token: r, client_id: c }
  disk: { type: local, path: . }
${job()}`)).toEqual(['jobs.yaml:2:31: storages.box.path: must match ^(/.*)?$']);
  expect(issuesOf(`storages:
  drive: { type: gdrive, folder_id: f }
  disk: { type: local, path: . }
${job()}`)).toEqual(['jobs.yaml:2:10: storages.drive: set exactly one of service_account, service_account_file, or refresh_token (+ client_id, client_secret)']);
});

test('encrypt, on_destination_failure and retention are checked', () => {
  expect(issuesOf(`storages:
  disk: { type: local, path: . }
${job(`
    encrypt: { age_recipients: ["ssh-ed25519 AAAAC3Nza"] }
    on_destination_failure: ignore
    retention: {}`)}`)).toEqual([
    'jobs.yaml:9:33: jobs[0].encrypt.age_recipients[0]: must be an age public key (age1…, as age-keygen prints it)',
    'jobs.yaml:10:29: jobs[0].on_destination_failure: must be one of: "fail", "continue"',
    'jobs.yaml:11:16: jobs[0].retention: must not be empty',
  ]);
});
