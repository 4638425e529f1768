/** `gdrive` against the shared storage conformance suite, on a loopback fake of the Drive API. */
import { storageConformance } from '../conformance/storage/suite.js';
import { gdriveFixture } from '../conformance/storage/fixtures.js';

storageConformance('gdrive', gdriveFixture);
