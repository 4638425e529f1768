/** Fixtures of the storage conformance suite: each storage on a real (or loopback fake) server. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isTempName } from '../../../src/storages/keys.js';
import { localStorage } from '../../../src/storages/local.js';
import { logger } from '../../../src/util/log.js';
import { s3Storage } from '../../../src/storages/s3.js';
import { startS3 } from '../../harness/s3.js';
import { sftpStorage } from '../../../src/storages/sftp.js';
import { startSshd } from '../../harness/sshd.js';
import { gdriveStorage } from '../../../src/storages/gdrive.js';
import { startFakeDrive } from '../../fakes/gdrive.js';
import { dropboxStorage } from '../../../src/storages/dropbox.js';
import { startFakeDropbox } from '../../fakes/dropbox.js';
import { tempDir } from '../../harness/util.js';
import type { StorageFixture } from './suite.js';

export const ctx = { baseDir: process.cwd(), log: logger() };

/** Every temp file under `dir`, recursively. */
export function tempFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && isTempName(e.name)) out.push(join(e.parentPath, e.name));
  }
  return out;
}

export async function localFixture(): Promise<StorageFixture> {
  const t = tempDir('onedump-local-');
  const storage = await localStorage.create('local-test', { type: 'local', path: join(t.path, 'root') }, ctx);
  return {
    storage,
    leftovers: async () => tempFilesUnder(t.path),
    stop: async () => {
      await storage.close();
      t.cleanup();
    },
  };
}

export async function s3Fixture(): Promise<StorageFixture> {
  const server = await startS3();
  const bucket = await server.bucket();
  const storage = await s3Storage.create('s3-test', {
    type: 's3', bucket, prefix: 'conformance/', endpoint: server.endpoint, force_path_style: true, region: 'us-east-1',
    access_key_id: server.accessKeyId, secret_access_key: server.secretAccessKey, part_size: 5,
  }, ctx);
  return {
    storage,
    leftovers: async () => server.uploadsLeft(bucket),
    stop: async () => {
      await storage.close();
      await server.stop();
    },
  };
}

export async function sftpFixture(): Promise<StorageFixture> {
  const sshd = await startSshd();
  const storage = await sftpStorage.create('sftp-test', {
    type: 'sftp', host: sshd.host, port: sshd.port, user: sshd.user, key_file: sshd.keyFile, known_hosts: sshd.knownHosts,
    path: join(sshd.dir, 'root'),
  }, ctx);
  return {
    storage,
    leftovers: async () => tempFilesUnder(sshd.dir),
    stop: async () => {
      await storage.close();
      await sshd.stop();
    },
  };
}

export async function gdriveFixture(): Promise<StorageFixture> {
  const fake = await startFakeDrive();
  const storage = await gdriveStorage.create('gdrive-test', {
    type: 'gdrive', folder_id: fake.createFolder('backups'), ...fake.oauth, api_url: fake.url, token_url: fake.tokenUrl,
  }, ctx);
  return {
    storage,
    leftovers: async () => fake.openSessions(),
    stop: async () => {
      await storage.close();
      await fake.stop();
    },
  };
}

export async function dropboxFixture(): Promise<StorageFixture> {
  const fake = await startFakeDropbox();
  const storage = await dropboxStorage.create('dropbox-test', { type: 'dropbox', path: '/Backups/onedump', ...fake.app, api_url: fake.url, chunk_size: 4 }, ctx);
  return {
    storage,
    // Dropbox cannot cancel an upload session and never shows one: only finished files could linger
    leftovers: async () => fake.paths().filter((p) => isTempName(p)),
    stop: async () => {
      await storage.close();
      await fake.stop();
    },
  };
}
