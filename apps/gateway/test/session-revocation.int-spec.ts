import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { eventually, openSse } from '@tutorhub/testing';
import { NotificationHub, SessionRevocations } from '../src/notifications-stream';
import { api, startGateway, type Gateway } from './support';

type Session = { user: { id: string }; accessToken: string; refreshToken: string };

/**
 * Issue 17: logout and refresh-token reuse revoke the session's access tokens at once, and
 * every replica refuses them. Two gateway replicas (two Nest applications, one database, one
 * broker namespace), real HTTP. No waiting for the token's TTL, and no sleeping: the refusal
 * on replica B is asserted right after replica A's answer has returned.
 */
describe('session revocation across two gateway replicas (real HTTP, Postgres)', () => {
  let a: Gateway;
  let b: Gateway;

  beforeAll(async () => {
    a = await startGateway({ SSE_HEARTBEAT_MS: '1000' });
    b = await startGateway({ SSE_HEARTBEAT_MS: '1000' }, [], { replicaOf: a });
  });
  afterAll(async () => {
    await b?.close(); // the replica first: A owns the database and the namespace
    await a?.close();
  });

  const email = () => `user-${randomUUID().slice(0, 8)}@example.com`;
  const post = (gw: Gateway, path: string, json: unknown) => api(gw, path, { method: 'POST', json });
  const me = (gw: Gateway, token: string) => api(gw, '/api/me', { token });

  async function register(gw: Gateway): Promise<{ email: string; session: Session }> {
    const e = email();
    const res = await post(gw, '/api/auth/register', { email: e, password: 'a-long-password', fullName: 'Abebe Bikila', role: 'student' });
    expect(res.status).toBe(201);
    return { email: e, session: res.body as unknown as Session };
  }

  it('logout on replica A: the access token is refused on replica B at once (401 auth.token_revoked); other sessions stay valid', async () => {
    const { email: e, session } = await register(a);
    const other = (await post(b, '/api/auth/login', { email: e, password: 'a-long-password' })).body as unknown as Session; // a second device
    expect((await me(b, session.accessToken)).status).toBe(200);
    expect((await me(a, other.accessToken)).status).toBe(200);

    expect((await post(a, '/api/auth/logout', { refreshToken: session.refreshToken })).status).toBe(204);

    for (const gw of [b, a]) {
      const refused = await me(gw, session.accessToken);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(refused.body).toMatchObject({ status: 401, code: 'auth.token_revoked' });
      // Only that session ended: the other device's token still works on both replicas.
      expect((await me(gw, other.accessToken)).status).toBe(200);
    }
    // Any protected route refuses it (the guard decides, not the route).
    expect((await api(b, '/api/test/whoami', { token: session.accessToken })).body).toMatchObject({ code: 'auth.token_revoked' });
    // On a public route the revoked token is ignored: the caller is anonymous, not the user.
    expect((await api(b, '/api/test/open', { token: session.accessToken })).body).toEqual({ actor: null });
  });

  it('refresh-token reuse: every access token of the family is refused on both replicas at once', async () => {
    const { session: first } = await register(a);
    const rotated = (await post(b, '/api/auth/refresh', { refreshToken: first.refreshToken })).body as unknown as Session;
    expect(rotated.accessToken).toBeTruthy();
    for (const gw of [a, b]) for (const t of [first.accessToken, rotated.accessToken]) expect((await me(gw, t)).status).toBe(200);

    // The old refresh token again (a thief's copy): the family is revoked.
    const reused = await post(a, '/api/auth/refresh', { refreshToken: first.refreshToken });
    expect(reused.body).toMatchObject({ status: 401, code: 'auth.refresh_token_reused' });

    for (const gw of [b, a]) {
      for (const t of [first.accessToken, rotated.accessToken]) {
        expect((await me(gw, t)).body).toMatchObject({ status: 401, code: 'auth.token_revoked' });
      }
    }
    expect((await post(b, '/api/auth/refresh', { refreshToken: rotated.refreshToken })).body).toMatchObject({ code: 'auth.refresh_token_revoked' });
  });

  it('ends the open notification stream of the session on the other replica with event session_revoked', async () => {
    const { session } = await register(a);
    const other = await register(a); // another user's stream on the same replica stays open
    await eventually(async () => b.app.get(SessionRevocations).isListening);
    const stream = await openSse(`${b.baseUrl}/api/notifications/stream`, { authorization: `Bearer ${session.accessToken}` });
    const bystander = await openSse(`${b.baseUrl}/api/notifications/stream`, { authorization: `Bearer ${other.session.accessToken}` });
    try {
      expect(stream.res.status).toBe(200);
      const hub = b.app.get(NotificationHub);
      await eventually(async () => hub.subscriberCount(session.user.id) === 1 && hub.subscriberCount(other.session.user.id) === 1);

      expect((await post(a, '/api/auth/logout', { refreshToken: session.refreshToken })).status).toBe(204);

      await eventually(async () => stream.ended);
      expect(stream.events.at(-1)?.event).toBe('session_revoked');
      expect(hub.subscriberCount(session.user.id)).toBe(0);
      expect(bystander.ended).toBe(false);
      expect(hub.subscriberCount(other.session.user.id)).toBe(1);
    } finally {
      stream.close();
      bystander.close();
    }
  });

  it('ends a revoked session’s stream at the next heartbeat when its notification may have been lost (LISTEN connection cut)', async () => {
    const { session } = await register(a);
    const revocations = b.app.get(SessionRevocations);
    await eventually(async () => revocations.isListening);
    const stream = await openSse(`${b.baseUrl}/api/notifications/stream`, { authorization: `Bearer ${session.accessToken}` });
    try {
      expect(stream.res.status).toBe(200);
      await eventually(async () => b.app.get(NotificationHub).subscriberCount(session.user.id) === 1);
      // Cut replica B's LISTEN connection, and revoke behind the gateways' back (no pg_notify):
      // the notification is lost whether B has reconnected by then or not.
      const pid = revocations.backendPid;
      expect(pid).toEqual(expect.any(Number));
      await a.app.get(DataSource).query(`SELECT pg_terminate_backend($1)`, [pid]);
      await a.app.get(DataSource).query(
        `UPDATE identity.refresh_token_families SET revoked_at = now(), revoked_reason = 'logout' WHERE user_id = $1`,
        [session.user.id],
      );
      await eventually(async () => stream.ended, 15000);
      expect(stream.events.at(-1)?.event).toBe('session_revoked');
    } finally {
      stream.close();
    }
  });
});
