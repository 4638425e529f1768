/**
 * `webhook`: POSTs the job result as JSON. With `secret`, adds `X-Onedump-Signature: sha256=<hex>`,
 * the HMAC-SHA256 of the exact body bytes, so the receiver can check where it came from.
 */
import { createHmac } from 'node:crypto';
import { redactValue } from '../util/redact.js';
import { headline } from './message.js';
import type { NotifierKind } from './types.js';

export interface WebhookNotifierConfig {
  type: 'webhook';
  url: string;
  secret?: string;
  headers?: Record<string, string>;
  timeout?: number;
}

export const SIGNATURE_HEADER = 'x-onedump-signature';

export const webhookNotifier: NotifierKind<WebhookNotifierConfig> = {
  name: 'webhook',
  description: 'POST each result as JSON to a URL, optionally signed with HMAC-SHA256.',
  schema: {
    properties: {
      url: { type: 'string', pattern: '^https?://', description: 'Where to POST.' },
      secret: { type: 'string', minLength: 1, description: 'HMAC-SHA256 key; the signature goes in `X-Onedump-Signature: sha256=<hex>`.' },
      headers: { type: 'object', additionalProperties: { type: 'string' }, description: 'Extra request headers.' },
      timeout: { type: 'number', minimum: 1, default: 15, description: 'Request timeout in seconds.' },
    },
    required: ['url'],
  },
  create(name, config) {
    return {
      name,
      type: 'webhook',
      async notify(result) {
        const payload = redactValue({ event: 'job.finished', text: headline(result), ...result });
        const body = JSON.stringify(payload);
        const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'onedump', ...(config.headers ?? {}) };
        if (config.secret) headers[SIGNATURE_HEADER] = 'sha256=' + createHmac('sha256', config.secret).update(body).digest('hex');
        const res = await fetch(config.url, { method: 'POST', headers, body, signal: AbortSignal.timeout((config.timeout ?? 15) * 1000) });
        if (!res.ok) throw new Error(`webhook answered HTTP ${res.status}`);
      },
    };
  },
};
