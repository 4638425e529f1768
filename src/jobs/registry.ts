/** Every job kind. */
import { Registry } from '../util/registry.js';
import { dumpJob } from './dump.js';
import { binlogJob } from './binlog.js';
import { slowlogJob } from './slowlog.js';
import type { JobKind } from './types.js';

export const jobKinds = new Registry<JobKind<never>>('job type', [dumpJob, binlogJob, slowlogJob]);
