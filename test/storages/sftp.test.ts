/** `sftp` against the shared storage conformance suite, on OpenSSH's sshd on loopback. */
import { storageConformance } from '../conformance/storage/suite.js';
import { sftpFixture } from '../conformance/storage/fixtures.js';

storageConformance('sftp', sftpFixture);
