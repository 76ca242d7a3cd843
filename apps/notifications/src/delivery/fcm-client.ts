import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import type { Clock } from '@tutorhub/platform';
import type { ServiceAccount } from '../config';

export interface FcmOptions {
  projectId: string;
  serviceAccount: ServiceAccount;
  /** `https://fcm.googleapis.com` in production. */
  baseUrl: string;
  /** Defaults to the service account's token_uri, then Google's. */
  tokenUrl?: string;
  timeoutMs?: number;
}

export interface FcmMessage {
  title: string;
  body: string;
  /** FCM data payloads are string → string. */
  data: Record<string, string>;
}

/** FCM answered that the registration token is no longer valid: forget the device. */
export class UnregisteredTokenError extends Error {}

const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/**
 * FCM HTTP v1: a service-account JWT (RS256) is exchanged for an OAuth access token (cached
 * until shortly before it expires), which authorises `POST /v1/projects/<id>/messages:send`.
 */
export class FcmClient {
  private readonly key: KeyObject;
  private readonly tokenUrl: string;
  private cached?: { token: string; expiresAt: number };

  constructor(
    private readonly options: FcmOptions,
    private readonly clock: Clock,
  ) {
    this.key = createPrivateKey(options.serviceAccount.private_key);
    this.tokenUrl = options.tokenUrl ?? options.serviceAccount.token_uri ?? GOOGLE_TOKEN_URL;
  }

  async send(deviceToken: string, message: FcmMessage): Promise<void> {
    const accessToken = await this.accessToken();
    const url = `${this.options.baseUrl.replace(/\/$/, '')}/v1/projects/${encodeURIComponent(this.options.projectId)}/messages:send`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        message: { token: deviceToken, notification: { title: message.title, body: message.body }, data: message.data },
      }),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 10000),
    });
    if (res.ok) return;
    const text = await res.text();
    if (res.status === 401) this.cached = undefined;
    if (isUnregistered(res.status, text)) throw new UnregisteredTokenError(`FCM: token no longer valid (${res.status})`);
    throw new Error(`FCM send failed: ${res.status} ${text.slice(0, 300)}`);
  }

  private async accessToken(): Promise<string> {
    const now = this.clock.now().getTime();
    if (this.cached && this.cached.expiresAt > now) return this.cached.token;
    const assertion = this.assertion(Math.floor(now / 1000));
    const res = await fetch(this.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 10000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`FCM OAuth token request failed: ${res.status} ${text.slice(0, 300)}`);
    const body = JSON.parse(text) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string') throw new Error('FCM OAuth token response has no access_token');
    const ttl = typeof body.expires_in === 'number' ? body.expires_in : 3600;
    // Renew a minute early so a token never expires between check and use.
    this.cached = { token: body.access_token, expiresAt: now + Math.max(0, ttl - 60) * 1000 };
    return body.access_token;
  }

  /** The signed JWT assertion of Google's service-account OAuth flow. */
  assertion(issuedAt: number): string {
    const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
    const claims = b64url(
      JSON.stringify({
        iss: this.options.serviceAccount.client_email,
        scope: SCOPE,
        aud: this.tokenUrl,
        iat: issuedAt,
        exp: issuedAt + 3600,
      }),
    );
    const signature = sign('RSA-SHA256', Buffer.from(`${header}.${claims}`), this.key).toString('base64url');
    return `${header}.${claims}.${signature}`;
  }
}

function b64url(s: string): string {
  return Buffer.from(s).toString('base64url');
}

/** 404 UNREGISTERED, or 400 INVALID_ARGUMENT about the token: the token is dead for good. */
function isUnregistered(status: number, body: string): boolean {
  if (status === 404) return true;
  if (status !== 400) return false;
  return /UNREGISTERED|registration token/i.test(body);
}
