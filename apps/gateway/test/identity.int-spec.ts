import { randomUUID } from 'node:crypto';
import type { Channel, ChannelModel } from 'amqplib';
import { DataSource } from 'typeorm';
import { Topology } from '@tutorhub/messaging';
import { eventually, rawBroker } from '@tutorhub/testing';
import { BootstrapAdmin } from '../src/identity';
import { ADMIN, api, startGateway, type Gateway } from './support';

type Session = { user: { id: string; email: string; role: string; fullName: string }; accessToken: string; refreshToken: string };

describe('identity: accounts and sessions (real HTTP, RabbitMQ, Postgres)', () => {
  let gw: Gateway;
  let broker: ChannelModel;
  let ch: Channel;
  const registered: Array<{ type: string; data: Record<string, unknown> }> = [];

  beforeAll(async () => {
    gw = await startGateway();
    broker = await rawBroker();
    ch = await broker.createChannel();
    const topology = new Topology(gw.namespace);
    await topology.assertExchanges(ch);
    const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
    await ch.bindQueue(queue, topology.eventsExchange, 'identity.user.registered.v1');
    await ch.consume(queue, (msg) => msg && registered.push(JSON.parse(msg.content.toString())), { noAck: true });
  });
  afterAll(async () => {
    await broker?.close();
    await gw?.close();
  });

  const ds = () => gw.app.get(DataSource);
  const email = () => `user-${randomUUID().slice(0, 8)}@example.com`;
  const register = (body: Record<string, unknown>) => api(gw, '/api/auth/register', { method: 'POST', json: body });
  const login = (e: string, password: string) => api(gw, '/api/auth/login', { method: 'POST', json: { email: e, password } });
  const refresh = (refreshToken: string) => api(gw, '/api/auth/refresh', { method: 'POST', json: { refreshToken } });

  async function newUser(role: 'student' | 'tutor' = 'student') {
    const e = email();
    const res = await register({ email: e, password: 'a-long-password', fullName: 'Abebe Bikila', role });
    expect(res.status).toBe(201);
    return { email: e, session: res.body as unknown as Session };
  }

  it('registers a student, logs them in, and announces the account once through the outbox', async () => {
    const e = email();
    const res = await register({ email: `  ${e.toUpperCase()} `, password: 'a-long-password', fullName: ' Abebe Bikila ', role: 'tutor' });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = res.body as unknown as Session & { tokenType: string; expiresIn: number };
    expect(body.user).toMatchObject({ email: e, fullName: 'Abebe Bikila', role: 'tutor' });
    expect(body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    const me = await api(gw, '/api/me', { token: body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toEqual(body.user);
    const event = await eventually(async () => registered.find((m) => m.data.userId === body.user.id));
    expect(event).toMatchObject({ type: 'identity.user.registered.v1', data: { userId: body.user.id, role: 'tutor', email: e, fullName: 'Abebe Bikila' } });
  });

  it('refuses a taken email whatever its case, with 409 auth.email_taken', async () => {
    const { email: e } = await newUser();
    const again = await register({ email: e.toUpperCase(), password: 'another-long-password', fullName: 'X', role: 'student' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'auth.email_taken' });
    const asAdminEmail = await register({ email: ADMIN.email, password: 'another-long-password', fullName: 'X', role: 'student' });
    expect(asAdminEmail.body).toMatchObject({ status: 409, code: 'auth.email_taken' });
  });

  it('validates registrations: no admin self-registration, password policy, unknown fields, bad email', async () => {
    const base = { email: email(), password: 'a-long-password', fullName: 'A B', role: 'student' };
    for (const [body, path] of [
      [{ ...base, role: 'admin' }, 'role'],
      [{ ...base, password: 'short' }, 'password'],
      [{ ...base, password: 'x'.repeat(201) }, 'password'],
      [{ ...base, email: 'not-an-email' }, 'email'],
      [{ ...base, fullName: '   ' }, 'fullName'],
      [{ ...base, isAdmin: true }, 'isAdmin'],
    ] as const) {
      const res = await register(body);
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 400, code: 'validation_failed' });
      expect((res.body.errors as Array<{ path: string }>).map((x) => x.path)).toContain(path);
    }
  });

  it('stores only a salted scrypt hash and hashed refresh tokens', async () => {
    const { session } = await newUser();
    const [user] = await ds().query(`SELECT password_hash FROM identity.users WHERE id = $1`, [session.user.id]);
    expect(user.password_hash).toMatch(/^scrypt\$12\$8\$1\$/);
    expect(user.password_hash).not.toContain('a-long-password');
    const [{ n }] = await ds().query(`SELECT count(*)::int AS n FROM identity.refresh_tokens WHERE encode(token_hash, 'escape') LIKE $1`, [`%${session.refreshToken}%`]);
    expect(n).toBe(0);
  });

  it('answers an unknown email and a wrong password identically', async () => {
    const { email: e } = await newUser();
    const wrong = await login(e, 'not-the-password');
    const unknown = await login(email(), 'not-the-password');
    for (const res of [wrong, unknown]) expect(res.status).toBe(401);
    const { instance: _a, ...w } = wrong.body;
    const { instance: _b, ...u } = unknown.body;
    expect(w).toEqual(u);
    expect(w).toMatchObject({ code: 'auth.invalid_credentials' });
    const ok = await login(`  ${e.toUpperCase()}`, 'a-long-password');
    expect(ok.status).toBe(200);
  });

  it('rotates refresh tokens, and reuse of a rotated one ends the whole session', async () => {
    const { session } = await newUser();
    const first = await refresh(session.refreshToken);
    expect(first.status).toBe(200);
    const rotated = first.body as unknown as Session;
    expect(rotated.refreshToken).not.toBe(session.refreshToken);
    expect(rotated.user.id).toBe(session.user.id);
    expect((await api(gw, '/api/me', { token: rotated.accessToken })).status).toBe(200);

    const second = await refresh(rotated.refreshToken);
    expect(second.status).toBe(200);
    const latest = second.body as unknown as Session;

    // The first token again: someone else has a copy. The session ends for everyone.
    const reuse = await refresh(session.refreshToken);
    expect(reuse.status).toBe(401);
    expect(reuse.body).toMatchObject({ code: 'auth.refresh_token_reused' });
    const afterReuse = await refresh(latest.refreshToken);
    expect(afterReuse.status).toBe(401);
    expect(afterReuse.body).toMatchObject({ code: 'auth.refresh_token_revoked' });

    // Another session (another device) of the same user is untouched.
    const other = await login(session.user.email, 'a-long-password');
    expect((await refresh((other.body as unknown as Session).refreshToken)).status).toBe(200);
  });

  it('lets only one of two concurrent refreshes with the same token succeed', async () => {
    const { session } = await newUser();
    const results = await Promise.all([refresh(session.refreshToken), refresh(session.refreshToken)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('refuses unknown and expired refresh tokens', async () => {
    expect((await refresh('x'.repeat(43))).body).toMatchObject({ status: 401, code: 'auth.refresh_token_invalid' });
    const { session } = await newUser();
    await ds().query(
      `UPDATE identity.refresh_tokens SET expires_at = now() - interval '1 second'
        WHERE family_id IN (SELECT id FROM identity.refresh_token_families WHERE user_id = $1)`,
      [session.user.id],
    );
    expect((await refresh(session.refreshToken)).body).toMatchObject({ status: 401, code: 'auth.refresh_token_expired' });
  });

  it('logs out: the session\'s refresh token stops working; logout is idempotent', async () => {
    const { session } = await newUser();
    const out = await api(gw, '/api/auth/logout', { method: 'POST', json: { refreshToken: session.refreshToken } });
    expect(out.status).toBe(204);
    expect(out.text).toBe('');
    expect((await refresh(session.refreshToken)).body).toMatchObject({ status: 401, code: 'auth.refresh_token_revoked' });
    expect((await api(gw, '/api/auth/logout', { method: 'POST', json: { refreshToken: session.refreshToken } })).status).toBe(204);
  });

  it('creates the bootstrap admin once, however many replicas start together', async () => {
    const admin = await login(ADMIN.email, ADMIN.password);
    expect(admin.status).toBe(200);
    expect((admin.body as unknown as Session).user.role).toBe('admin');
    const bootstrap = gw.app.get(BootstrapAdmin);
    await expect(Promise.all([bootstrap.ensureBootstrapAdmin(), bootstrap.ensureBootstrapAdmin(), bootstrap.ensureBootstrapAdmin()])).resolves.toEqual(['exists', 'exists', 'exists']);
    const [{ users }] = await ds().query(`SELECT count(*)::int AS users FROM identity.users WHERE email = $1`, [ADMIN.email]);
    const [{ events }] = await ds().query(
      `SELECT count(*)::int AS events FROM identity.outbox WHERE type = 'identity.user.registered.v1' AND envelope->'data'->>'email' = $1`,
      [ADMIN.email],
    );
    expect({ users, events }).toEqual({ users: 1, events: 1 });
  });

  it('races bootstrap inserts safely when the admin does not exist yet', async () => {
    const bootstrap = gw.app.get(BootstrapAdmin);
    await ds().query(`DELETE FROM identity.users WHERE email = $1`, [ADMIN.email]);
    const outcomes = await Promise.all([bootstrap.ensureBootstrapAdmin(), bootstrap.ensureBootstrapAdmin(), bootstrap.ensureBootstrapAdmin()]);
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    const [{ users }] = await ds().query(`SELECT count(*)::int AS users FROM identity.users WHERE email = $1`, [ADMIN.email]);
    expect(users).toBe(1);
  });
});
