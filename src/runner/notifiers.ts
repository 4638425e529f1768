/** Builds the notifiers of a config; the console notifier is always present. */
import { notifierKinds } from '../notifiers/registry.js';
import type { Config, NotifyOn } from '../config/types.js';
import type { Notifier } from '../notifiers/types.js';
import type { Logger } from '../util/log.js';

export interface ConfiguredNotifier {
  notifier: Notifier;
  on: NotifyOn[];
}

export function createNotifiers(config: Config, log: Logger): ConfiguredNotifier[] {
  const out = config.notifiers.map((n) => ({
    notifier: notifierKinds.get(n.type).create(n.name, n as never, { log }),
    on: n.on,
  }));
  if (!out.some((n) => n.notifier.type === 'console')) {
    out.unshift({ notifier: notifierKinds.get('console').create('console', { type: 'console' } as never, { log }), on: ['success', 'failure'] });
  }
  return out;
}
