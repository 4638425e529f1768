/** `console`: one log line per finished job. Always on; configure it only to change `on:`. */
import { headline, details } from './message.js';
import type { NotifierKind } from './types.js';

export const consoleNotifier: NotifierKind = {
  name: 'console',
  description: 'Log each result to the console (always on; list it only to change `on:`).',
  schema: { properties: {} },
  create(name, config, ctx) {
    return {
      name,
      type: 'console',
      async notify(result) {
        const meta = {
          job: result.job, status: result.status, duration_ms: result.durationMs,
          ...(result.bytes !== undefined ? { bytes: result.bytes } : {}),
          destinations: result.destinations.map((d) => (d.ok ? d.key ? `${d.storage}:${d.key}` : d.storage : `${d.storage} (failed)`)),
        };
        const text = [headline(result), ...details(result)].join(' | ');
        if (result.status === 'success') ctx.log.info(text, meta);
        else ctx.log.error(text, meta);
      },
    };
  },
};
