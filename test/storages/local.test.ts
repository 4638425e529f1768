/** `local` against the shared storage conformance suite. */
import { storageConformance } from '../conformance/storage/suite.js';
import { localFixture } from '../conformance/storage/fixtures.js';

storageConformance('local', localFixture);
