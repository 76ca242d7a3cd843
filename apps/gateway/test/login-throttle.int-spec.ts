import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ManualClock } from '@tutorhub/platform';
import { IdentityCleanupJob } from '../src/identity';
import { api, startGateway, type Gateway } from './support';

/**
 * Issue 17: per-account login throttling, through real HTTP against a real gateway and
 * Postgres. Time is a ManualClock: backoffs are passed by moving it, never by sleeping, and no
 * assertion depends on how fast anything runs. Defaults: backoff after 5 failures of one
 * account from one address, after 20 from any addresses, 1 s doubling up to 900 s.
 */
const PASSWORD = 'the-right-password';

async function registered(gw: Gateway): Promise<string> {
  const email = `victim-${randomUUID().slice(0, 8)}@example.com`;
  const res = await api(gw, '/api/auth/register', { method: 'POST', json: { email, password: PASSWORD, fullName: 'Victim', role: 'student' } });
  expect(res.status).toBe(201);
  return email;
}

const login = (gw: Gateway, email: string, password: string, forwardedFor?: string) =>
  api(gw, '/api/auth/login', { method: 'POST', json: { email, password }, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} });

/** A different documentation address (RFC 5737) for each attempt. */
const addressNo = (i: number) => `203.0.${Math.floor(i / 250)}.${(i % 250) + 1}`;

describe('login throttling per account, with no proxy trusted (the default)', () => {
  let gw: Gateway;
  const clock = new ManualClock('2026-12-07T10:00:00.000Z');

  beforeAll(async () => {
    gw = await startGateway({}, [], { clock });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('throttles 100 wrong passwords sent with a fresh X-Forwarded-For each, refuses the right password within the backoff, and lets it in after', async () => {
    const email = await registered(gw);
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) statuses.push((await login(gw, email, `wrong-password-${i}`, addressNo(i))).status);
    // The header is not trusted, so every attempt comes from the same address: five failures, then waits.
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual(Array(95).fill(429));

    const right = await login(gw, email, PASSWORD, addressNo(100));
    expect(right.status).toBe(429);
    expect(right.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(right.body).toMatchObject({ status: 429, code: 'auth.login_throttled' });
    expect(right.body).not.toHaveProperty('accessToken');
    const retryAfter = Number(right.headers.get('retry-after'));
    expect(retryAfter).toBe(1); // the first backoff: nothing counted while waiting

    clock.advance(retryAfter * 1000);
    const after = await login(gw, email, PASSWORD);
    expect(after.status).toBe(200);
    expect(after.body).toHaveProperty('accessToken');

    // The success cleared this address's count: a typo now is a plain 401 again.
    expect((await login(gw, email, 'a-typo-password')).status).toBe(401);
  });

  it('doubles the wait after each further failure, up to LOGIN_BACKOFF_MAX_SECONDS (900): never a lockout', async () => {
    const email = await registered(gw);
    for (let i = 0; i < 5; i++) expect((await login(gw, email, 'wrong-password')).status).toBe(401);
    const waits: number[] = [];
    for (let i = 0; i < 13; i++) {
      const waiting = await login(gw, email, PASSWORD);
      expect(waiting.body).toMatchObject({ code: 'auth.login_throttled' });
      const retryAfter = Number(waiting.headers.get('retry-after'));
      waits.push(retryAfter);
      clock.advance(retryAfter * 1000);
      expect((await login(gw, email, 'still-wrong')).status).toBe(401);
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]);
    clock.advance(900_000);
    expect((await login(gw, email, PASSWORD)).status).toBe(200);
  });

  it('throttles an unknown email exactly like an account, so a 429 reveals nothing', async () => {
    const ghost = `nobody-${randomUUID().slice(0, 8)}@example.com`;
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await login(gw, ghost, `guess-${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    const refused = await login(gw, ghost, 'guess');
    expect(refused.body).toMatchObject({ status: 429, code: 'auth.login_throttled' });
    expect(refused.headers.get('retry-after')).toBe('1');
  });

  it('counts an attempt before checking the password: a burst of 30 parallel guesses gets exactly 5 checked', async () => {
    const email = await registered(gw);
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => login(gw, email, `parallel-guess-${i}`)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(25);
  });

  it('stores no email in plain text, and the cleanup pass forgets old counters', async () => {
    const email = await registered(gw);
    expect((await login(gw, email, 'wrong-password')).status).toBe(401);
    const ds = gw.app.get(DataSource);
    const [{ n }] = (await ds.query(`SELECT count(*)::int AS n FROM identity.login_throttle WHERE encode(key, 'escape') LIKE $1`, [`%${email}%`])) as Array<{ n: number }>;
    expect(n).toBe(0);
    const [{ before }] = (await ds.query(`SELECT count(*)::int AS before FROM identity.login_throttle`)) as Array<{ before: number }>;
    expect(before).toBeGreaterThan(0);
    clock.advance(2 * 86_400_000); // past every counter's memory (1 h, or twice the longest wait)
    const removed = await gw.app.get(IdentityCleanupJob).runOnce();
    expect(removed.loginThrottle).toBeGreaterThanOrEqual(before);
    const [{ after }] = (await ds.query(`SELECT count(*)::int AS after FROM identity.login_throttle`)) as Array<{ after: number }>;
    expect(after).toBe(0);
  });
});

describe('login throttling per account, behind a trusted proxy (each attempt from a real different address)', () => {
  let gw: Gateway;
  const clock = new ManualClock('2026-12-07T10:00:00.000Z');

  beforeAll(async () => {
    // The test's requests come from loopback, named as the trusted ingress here.
    gw = await startGateway({ TRUST_PROXY: 'loopback' }, [], { clock });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('throttles 100 wrong passwords from 100 addresses account-wide, while the owner still logs in from their usual address', async () => {
    const email = await registered(gw);
    const home = '198.51.100.77';
    expect((await login(gw, email, PASSWORD, home)).status).toBe(200); // the owner's usual address

    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) statuses.push((await login(gw, email, `wrong-password-${i}`, addressNo(i))).status);
    // One failure per address: the account-wide limit (20) is what stops them.
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses.slice(20)).toEqual(Array(80).fill(429));

    // The right password from yet another address waits like the guesses (it could be the attacker's lucky one).
    const elsewhere = await login(gw, email, PASSWORD, addressNo(100));
    expect(elsewhere.body).toMatchObject({ status: 429, code: 'auth.login_throttled' });

    // No lockout of the owner: from their usual address they log in during the attack.
    const owner = await login(gw, email, PASSWORD, home);
    expect(owner.status).toBe(200);

    clock.advance(Number(elsewhere.headers.get('retry-after')) * 1000);
    expect((await login(gw, email, PASSWORD, addressNo(100))).status).toBe(200);
  });

  it('keeps the per-address limit for the owner’s usual address too', async () => {
    const email = await registered(gw);
    const home = '198.51.100.78';
    expect((await login(gw, email, PASSWORD, home)).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await login(gw, email, `guess-${i}`, home)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    // Another address is not held up by it.
    expect((await login(gw, email, PASSWORD, '198.51.100.79')).status).toBe(200);
  });
});
