/** `s3` against the shared storage conformance suite, on an S3 server on loopback. */
import { storageConformance } from '../conformance/storage/suite.js';
import { s3Fixture } from '../conformance/storage/fixtures.js';

storageConformance('s3', s3Fixture);
