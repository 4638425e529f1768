/**
 * Google Drive credentials: a service account (inline JSON key or key file; `subject` for domain-wide
 * delegation) or an OAuth client with a user's refresh token. `token_url` replaces Google's token
 * endpoint for both (the JWT flow has it built in, so its requests are rewritten on the way out).
 */
type AuthPlus = typeof import('@googleapis/drive').auth;
type OAuth2Client = InstanceType<AuthPlus['OAuth2']>;

export interface GdriveStorageConfig {
  type: 'gdrive';
  folder_id?: string;
  service_account?: { client_email: string; private_key: string; [k: string]: unknown };
  service_account_file?: string;
  subject?: string;
  client_id?: string;
  client_secret?: string;
  refresh_token?: string;
  shared_drive_id?: string;
  api_url?: string;
  token_url?: string;
  /** MiB. */
  chunk_size?: number;
}

export const DRIVE_SCOPE = 'https://www.googleapis.com/auth/drive';
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** An authenticated client for `config` (whose `service_account` holds the key, read if from a file). */
export function driveAuth(auth: AuthPlus, config: GdriveStorageConfig): OAuth2Client {
  if (config.service_account) {
    const jwt = new auth.JWT({ email: config.service_account.client_email, key: config.service_account.private_key, scopes: [DRIVE_SCOPE], subject: config.subject });
    if (config.token_url) {
      const tokenUrl = config.token_url;
      jwt.transporter.interceptors.request.add({
        resolved: async (opts) => {
          if (String(opts.url) === GOOGLE_TOKEN_URL) opts.url = new URL(tokenUrl);
          return opts;
        },
      });
    }
    return jwt as unknown as OAuth2Client;
  }
  const client = new auth.OAuth2({
    clientId: config.client_id, clientSecret: config.client_secret,
    ...(config.token_url ? { endpoints: { oauth2TokenUrl: config.token_url } } : {}),
  });
  client.setCredentials({ refresh_token: config.refresh_token });
  return client as unknown as OAuth2Client;
}
