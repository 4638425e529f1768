/** A job file written for the Go onedump with every kind of storage validates and maps onto our storages. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkConfig } from '../../src/config/load.js';
import { tempDir } from '../harness/util.js';

const GO_FILE = `
jobs:
  - name: everywhere
    dbdriver: sqlite
    dbdsn: ./app.db
    gzip: true
    unique: true
    storage:
      local:
        - path: /var/backups/app.sql
      s3:
        - bucket: my-backups
          key: mysql/app.sql
          region: eu-west-1
          access-key-id: AKIAEXAMPLE
          secret-access-key: \${AWS_SECRET}
          endpoint: https://minio.internal:9000
      sftp:
        - path: /home/backup/app.sql
          sshhost: nas.internal:2222
          sshuser: backup
          sshkey: ~/.ssh/id_ed25519
          maxattempts: 3
      gdrive:
        - email: backup@project.iam.gserviceaccount.com
          privatekey: "-----BEGIN PRIVATE KEY-----\\nMIIEv...\\n-----END PRIVATE KEY-----\\n"
          filename: app.sql
          folderid: 1AbCdEfGh
      dropbox:
        - path: /onedump/app.sql
          refreshtoken: \${DROPBOX_REFRESH}
          clientid: appkey
          clientsecret: appsecret
        - path: app.sql
          refreshtoken: r
          clientid: appkey
          clientsecret: appsecret
`;

test('a Go onedump job file with local, s3, sftp, gdrive and dropbox storages validates against our storage schemas', () => {
  const t = tempDir();
  try {
    const file = join(t.path, 'go.yaml');
    writeFileSync(file, GO_FILE);
    const { config, issues } = checkConfig(file, { env: { AWS_SECRET: 'sek', DROPBOX_REFRESH: 'tok' } });
    expect(issues).toEqual([]);
    expect(config!.legacy).toBe(true);
    expect(config!.storages).toEqual({
      'everywhere-local': { type: 'local', path: '/var/backups' },
      'everywhere-s3': {
        type: 's3', bucket: 'my-backups', prefix: 'mysql/', region: 'eu-west-1', endpoint: 'https://minio.internal:9000',
        access_key_id: 'AKIAEXAMPLE', secret_access_key: 'sek', force_path_style: false, part_size: 16, upload_concurrency: 2,
      },
      'everywhere-sftp': { type: 'sftp', host: 'nas.internal', port: 2222, user: 'backup', path: '/home/backup', key_file: '~/.ssh/id_ed25519', insecure_ignore_host_key: false },
      'everywhere-gdrive': {
        type: 'gdrive', folder_id: '1AbCdEfGh', chunk_size: 8,
        service_account: { client_email: 'backup@project.iam.gserviceaccount.com', private_key: '-----BEGIN PRIVATE KEY-----\nMIIEv...\n-----END PRIVATE KEY-----\n' },
      },
      'everywhere-dropbox-1': { type: 'dropbox', path: '/onedump', refresh_token: 'tok', client_id: 'appkey', client_secret: 'appsecret', chunk_size: 8 },
      'everywhere-dropbox-2': { type: 'dropbox', path: '', refresh_token: 'r', client_id: 'appkey', client_secret: 'appsecret', chunk_size: 8 },
    });
    const job = config!.jobs[0]!;
    const target = '{year}{month}{day}{hour}{minute}{second}-app.sql.gz';
    expect(job.to).toEqual(['local', 's3', 'sftp', 'gdrive', 'dropbox-1', 'dropbox-2'].map((n) => ({ storage: `everywhere-${n}`, filename: target })));
  } finally {
    t.cleanup();
  }
});
