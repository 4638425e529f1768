/** Every storage implementation. Adding one: a file in this folder, an entry here, the conformance suite. */
import { Registry } from '../util/registry.js';
import { localStorage } from './local.js';
import { s3Storage } from './s3.js';
import { sftpStorage } from './sftp.js';
import { gdriveStorage } from './gdrive.js';
import { dropboxStorage } from './dropbox.js';
import type { StorageKind } from './types.js';

export const storageKinds = new Registry<StorageKind<never>>('storage type', [localStorage, s3Storage, sftpStorage, gdriveStorage, dropboxStorage] as StorageKind<never>[]);
