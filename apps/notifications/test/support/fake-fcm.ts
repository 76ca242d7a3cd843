import { createPublicKey, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface SentPush {
  projectId: string;
  token: string;
  title: string;
  body: string;
  data: Record<string, string>;
}

/**
 * A local stand-in for Google's OAuth token endpoint and FCM HTTP v1 `messages:send`. It
 * checks the service-account JWT signature and the bearer token like the real ones would, and
 * answers 404 UNREGISTERED for tokens marked dead.
 */
export class FakeFcm {
  readonly sent: SentPush[] = [];
  readonly deadTokens = new Set<string>();
  /** While set, sends fail with 503. */
  unavailable = false;
  tokenRequests = 0;
  readonly privateKeyPem: string;
  private readonly publicKey: KeyObject;
  private server?: Server;
  private readonly accessToken = `ya29.fake-${Math.random().toString(36).slice(2)}`;

  constructor(readonly clientEmail = 'push@tutorhub-test.iam.gserviceaccount.com') {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    this.publicKey = createPublicKey(publicKey.export({ type: 'spki', format: 'pem' }));
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(
        ({ status, body }) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return this.baseUrl;
  }

  get baseUrl(): string {
    const address = this.server?.address() as { port: number } | undefined;
    if (!address) throw new Error('fake FCM not started');
    return `http://127.0.0.1:${address.port}`;
  }

  serviceAccountJson(): string {
    return JSON.stringify({
      type: 'service_account',
      client_email: this.clientEmail,
      private_key: this.privateKeyPem,
      token_uri: `${this.baseUrl}/token`,
    });
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const raw = await new Promise<string>((resolve) => {
      let s = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (s += c));
      req.on('end', () => resolve(s));
    });
    if (req.method === 'POST' && req.url === '/token') {
      this.tokenRequests++;
      const form = new URLSearchParams(raw);
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return { status: 400, body: { error: 'unsupported_grant_type' } };
      const claims = this.verifyJwt(form.get('assertion') ?? '');
      if (!claims || claims.iss !== this.clientEmail || claims.aud !== `${this.baseUrl}/token` || claims.scope !== 'https://www.googleapis.com/auth/firebase.messaging') {
        return { status: 400, body: { error: 'invalid_grant' } };
      }
      return { status: 200, body: { access_token: this.accessToken, expires_in: 3599, token_type: 'Bearer' } };
    }
    const match = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(req.url ?? '');
    if (req.method === 'POST' && match) {
      if (req.headers.authorization !== `Bearer ${this.accessToken}`) return { status: 401, body: { error: { status: 'UNAUTHENTICATED' } } };
      if (this.unavailable) return { status: 503, body: { error: { status: 'UNAVAILABLE' } } };
      const { message } = JSON.parse(raw) as { message: { token: string; notification: { title: string; body: string }; data: Record<string, string> } };
      if (this.deadTokens.has(message.token)) {
        return { status: 404, body: { error: { code: 404, status: 'NOT_FOUND', details: [{ errorCode: 'UNREGISTERED' }] } } };
      }
      this.sent.push({ projectId: decodeURIComponent(match[1]), token: message.token, ...message.notification, data: message.data });
      return { status: 200, body: { name: `projects/${match[1]}/messages/${this.sent.length}` } };
    }
    return { status: 404, body: { error: 'not found' } };
  }

  private verifyJwt(jwt: string): Record<string, unknown> | undefined {
    const [header, claims, signature] = jwt.split('.');
    if (!header || !claims || !signature) return undefined;
    const ok = verify('RSA-SHA256', Buffer.from(`${header}.${claims}`), this.publicKey, Buffer.from(signature, 'base64url'));
    if (!ok) return undefined;
    const h = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string };
    if (h.alg !== 'RS256') return undefined;
    return JSON.parse(Buffer.from(claims, 'base64url').toString()) as Record<string, unknown>;
  }
}
