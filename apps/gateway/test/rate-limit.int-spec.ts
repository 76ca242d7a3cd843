import { api, newActor, startGateway, tokenFor, type Gateway } from './support';

describe('rate limits (real HTTP)', () => {
  let gw: Gateway;

  beforeAll(async () => {
    // The test's requests come from loopback: named as the trusted proxy here.
    gw = await startGateway({ RATE_LIMIT_PER_MINUTE: '5', AUTH_RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: 'loopback' });
  });
  afterAll(async () => {
    await gw?.close();
  });

  const login = (ip: string) =>
    api(gw, '/api/auth/login', { method: 'POST', json: { email: 'nobody@example.com', password: 'whatever-it-is' }, headers: { 'x-forwarded-for': ip } });

  it('limits auth routes per client IP with a 429 problem and Retry-After', async () => {
    for (let i = 0; i < 3; i++) expect((await login('203.0.113.7')).status).toBe(401);
    const limited = await login('203.0.113.7');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(limited.body).toMatchObject({ status: 429, code: 'rate_limited' });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // The budget is shared by every auth route.
    expect((await api(gw, '/api/auth/refresh', { method: 'POST', json: { refreshToken: 'x'.repeat(43) }, headers: { 'x-forwarded-for': '203.0.113.7' } })).status).toBe(429);
    // Behind the trusted proxy (loopback here), another client address has its own budget.
    expect((await login('198.51.100.9')).status).toBe(401);
  });

  it('limits everything else per user, not per address', async () => {
    const alice = await tokenFor(gw, newActor());
    const bob = await tokenFor(gw, newActor());
    for (let i = 0; i < 5; i++) expect((await api(gw, '/api/test/whoami', { token: alice })).status).toBe(200);
    const limited = await api(gw, '/api/test/whoami', { token: alice });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 'rate_limited' });
    expect(limited.headers.get('retry-after')).toBeTruthy();
    expect((await api(gw, '/api/test/whoami', { token: bob })).status).toBe(200);
  });

  it('never limits health probes or metrics scrapes', async () => {
    for (let i = 0; i < 8; i++) {
      expect((await api(gw, '/health/live')).status).toBe(200);
      expect((await api(gw, '/metrics')).status).toBe(200);
    }
  });
});

describe('proxy trust (real HTTP)', () => {
  let gw: Gateway;

  beforeAll(async () => {
    gw = await startGateway({ AUTH_RATE_LIMIT_PER_MINUTE: '3' }); // TRUST_PROXY unset
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('trusts no X-Forwarded-For unless TRUST_PROXY names the proxy: a client cannot pick a fresh address per request', async () => {
    const login = (ip: string) =>
      api(gw, '/api/auth/login', { method: 'POST', json: { email: 'nobody@example.com', password: 'whatever-it-is' }, headers: { 'x-forwarded-for': ip } });
    for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) expect((await login(ip)).status).toBe(401);
    // Same connection address, so the same budget, whatever the header claims.
    expect((await login('203.0.113.4')).status).toBe(429);
  });
});
