/** Every notifier implementation. */
import { Registry } from '../util/registry.js';
import { consoleNotifier } from './console.js';
import { slackNotifier } from './slack.js';
import { webhookNotifier } from './webhook.js';
import type { NotifierKind } from './types.js';

export const notifierKinds = new Registry<NotifierKind<never>>('notifier type', [consoleNotifier, slackNotifier, webhookNotifier]);
