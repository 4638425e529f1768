/**
 * `slack`: through the Web API (`token` + `channel`, via @slack/web-api) or an incoming webhook
 * (`webhook_url`). `api_url` points the Web API elsewhere (proxies, Enterprise Grid, tests).
 */
import { headline, details } from './message.js';
import { redact } from '../util/redact.js';
import type { JobResult } from '../jobs/types.js';
import type { KnownBlock } from '@slack/web-api';
import type { NotifierKind } from './types.js';

export interface SlackNotifierConfig {
  type: 'slack';
  token?: string;
  channel?: string;
  webhook_url?: string;
  api_url?: string;
  username?: string;
}

export const slackNotifier: NotifierKind<SlackNotifierConfig> = {
  name: 'slack',
  description: 'Post results to Slack: Web API (`token` + `channel`) or an incoming webhook (`webhook_url`).',
  schema: {
    properties: {
      token: { type: 'string', minLength: 1, description: 'Bot token (`xoxb-...`) for the Web API. Use `${SLACK_TOKEN}`.' },
      channel: { type: 'string', minLength: 1, description: 'Channel name or ID for the Web API.', examples: ['#backups'] },
      webhook_url: { type: 'string', pattern: '^https?://', description: 'Incoming-webhook URL (instead of token + channel).' },
      api_url: { type: 'string', pattern: '^https?://', description: 'Web API base URL (default `https://slack.com/api/`).' },
      username: { type: 'string', description: 'Display name for the message, where the app allows it.' },
    },
  },
  check(config) {
    if (config.webhook_url && (config.token || config.channel)) return ['use either webhook_url, or token and channel, not both'];
    if (!config.webhook_url && !(config.token && config.channel)) return ['needs webhook_url, or token and channel'];
    return [];
  },
  create(name, config) {
    if (!config.webhook_url && !(config.token && config.channel)) {
      // the loader's check makes this unreachable for loaded configs
      throw new Error(`notifier ${name}: needs webhook_url, or token and channel`);
    }
    return {
      name,
      type: 'slack',
      async notify(result) {
        const text = redact(headline(result));
        const blocks = slackBlocks(result);
        if (config.webhook_url) {
          const res = await fetch(config.webhook_url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ text, blocks, ...(config.username ? { username: config.username } : {}) }),
            signal: AbortSignal.timeout(15_000),
          });
          if (!res.ok) throw new Error(`slack webhook answered HTTP ${res.status}`);
          return;
        }
        const { WebClient } = await import('@slack/web-api');
        const client = new WebClient(config.token, {
          ...(config.api_url ? { slackApiUrl: config.api_url.endsWith('/') ? config.api_url : config.api_url + '/' } : {}),
          retryConfig: { retries: 2 },
        });
        await client.chat.postMessage({ channel: config.channel!, text, blocks, ...(config.username ? { username: config.username } : {}) });
      },
    };
  },
};

function slackBlocks(r: JobResult): KnownBlock[] {
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: redact(headline(r)) } }];
  const more = details(r);
  if (more.length) {
    // Slack limits a text object to 3000 characters
    const body = redact(more.join('\n'));
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: '```' + body.slice(0, 2900) + '```' } });
  }
  return blocks;
}
