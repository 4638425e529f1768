/** `dropbox` against the shared storage conformance suite, on a loopback fake of the Dropbox API. */
import { storageConformance } from '../conformance/storage/suite.js';
import { dropboxFixture } from '../conformance/storage/fixtures.js';

storageConformance('dropbox', dropboxFixture);
