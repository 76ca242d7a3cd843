import { randomUUID } from 'node:crypto';
import { SignJWT, base64url } from 'jose';
import { testState } from './test-routes';
import { api, fakeService, JWT_SECRET, newActor, startGateway, tokenFor, type FakeService, type Gateway } from './support';

const key = new TextEncoder().encode(JWT_SECRET);

describe('gateway HTTP core (real HTTP, RabbitMQ, Postgres)', () => {
  let gw: Gateway;
  let probe: FakeService;

  beforeAll(async () => {
    gw = await startGateway({ BODY_LIMIT: '2kb' }, ['probe']);
    probe = await fakeService(gw.namespace, 'probe', async ({ data }) => {
      const mode = (data as { mode: string }).mode;
      if (mode === 'ok') return { ok: true, data: { done: true } };
      if (mode === 'refuse') return { ok: false, error: { status: 409, code: 'probe.conflict', detail: 'Already done.', errors: [{ path: 'x', message: 'bad' }] } };
      if (mode === 'hidden') return { ok: false, error: { status: 404, code: 'booking.not_found', detail: 'No such booking.' } };
      if (mode === 'crash') return { ok: false, error: { status: 500, code: 'internal_error', detail: 'An unexpected error occurred.' } };
      await new Promise((r) => setTimeout(r, 1500)); // longer than the route's 1 s timeout
      return { ok: true, data: null };
    });
  });
  afterAll(async () => {
    await probe?.close();
    await gw?.close();
  });

  const claims = (actor = newActor()) => new SignJWT({ role: actor.role }).setSubject(actor.userId).setIssuer('tutorhub').setAudience('tutorhub-app').setJti(randomUUID()).setIssuedAt();

  describe('authentication', () => {
    it('refuses a protected route without a token as a 401 problem', async () => {
      const res = await api(gw, '/api/test/whoami');
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 401, code: 'auth.unauthenticated', instance: '/api/test/whoami' });
    });

    it('gives a valid token\'s actor to the route', async () => {
      const actor = newActor('tutor');
      const res = await api(gw, '/api/test/whoami', { token: await tokenFor(gw, actor) });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ actor });
    });

    it('tells an expired token apart from an invalid one', async () => {
      const past = Math.floor(Date.now() / 1000) - 3600;
      const expired = await claims().setIssuedAt(past - 60).setExpirationTime(past).setProtectedHeader({ alg: 'HS256' }).sign(key);
      expect((await api(gw, '/api/test/whoami', { token: expired })).body).toMatchObject({ status: 401, code: 'auth.token_expired' });
    });

    it('refuses tampered, foreign-key, alg:none, wrong-audience and wrong-issuer tokens', async () => {
      const good = await tokenFor(gw, newActor('student'));
      const [h, p, s] = good.split('.');
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
      const asAdmin = base64url.encode(JSON.stringify({ ...payload, role: 'admin' }));
      const exp = Math.floor(Date.now() / 1000) + 600;
      const none = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${asAdmin}.`;
      const candidates = [
        `${h}.${asAdmin}.${s}`, // payload changed, signature kept
        `${h}.${p}.${s.slice(0, -4)}AAAA`, // signature changed
        none,
        `${base64url.encode(JSON.stringify({ alg: 'none' }))}.${asAdmin}.${s}`,
        await claims().setExpirationTime(exp).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('another-secret-another-secret-1234')),
        await claims().setAudience('someone-else').setExpirationTime(exp).setProtectedHeader({ alg: 'HS256' }).sign(key),
        await claims().setIssuer('evil').setExpirationTime(exp).setProtectedHeader({ alg: 'HS256' }).sign(key),
        await claims().setExpirationTime(exp).setProtectedHeader({ alg: 'HS512' }).sign(key),
        'not-a-jwt',
      ];
      for (const token of candidates) {
        const res = await api(gw, '/api/test/whoami', { token });
        expect({ token, status: res.status, code: res.body.code }).toEqual({ token, status: 401, code: 'auth.token_invalid' });
      }
      const basic = await api(gw, '/api/test/whoami', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
      expect(basic.body).toMatchObject({ status: 401, code: 'auth.token_invalid' });
    });

    it('answers 403 auth.forbidden_role for the wrong role and lets the right one through', async () => {
      const denied = await api(gw, '/api/test/admin-only', { token: await tokenFor(gw, newActor('tutor')) });
      expect(denied.status).toBe(403);
      expect(denied.body).toMatchObject({ code: 'auth.forbidden_role' });
      expect((await api(gw, '/api/test/admin-only', { token: await tokenFor(gw, newActor('admin')) })).status).toBe(200);
    });

    it('serves public routes without a token, and knows the caller when one is sent', async () => {
      expect((await api(gw, '/api/test/open')).body).toEqual({ actor: null });
      const actor = newActor();
      expect((await api(gw, '/api/test/open', { token: await tokenFor(gw, actor) })).body).toEqual({ actor });
    });

    it('keeps health and metrics outside /api and outside authentication', async () => {
      expect((await api(gw, '/health/live')).status).toBe(200);
      expect((await api(gw, '/metrics')).status).toBe(200);
      expect((await api(gw, '/api/health/live')).status).toBe(404);
    });
  });

  describe('methods', () => {
    it('answers a known path asked with the wrong method 405 with Allow, as a problem', async () => {
      const token = await tokenFor(gw, newActor());
      const cases: Array<[method: string, path: string, allow: string]> = [
        ['POST', '/api/test/whoami', 'GET, HEAD'],
        ['GET', '/api/test/echo', 'POST'],
        ['DELETE', `/api/test/items/${randomUUID()}`, 'GET, HEAD'],
        ['GET', `/api/bookings/${randomUUID()}/accept`, 'POST'],
        // GET /api/tutors/:id answers /api/tutors/me too, as the router would route it.
        ['PATCH', '/api/tutors/me', 'GET, HEAD, PUT'],
        ['POST', '/health/live', 'GET, HEAD'],
      ];
      for (const [method, path, allow] of cases) {
        const res = await api(gw, path, { method, token });
        expect({ method, path, status: res.status, allow: res.headers.get('allow'), type: res.headers.get('content-type') }).toEqual({
          method,
          path,
          status: 405,
          allow,
          type: expect.stringMatching(/^application\/problem\+json/),
        });
        expect(res.body).toMatchObject({ status: 405, code: 'method_not_allowed', instance: path });
      }
    });

    it('merges the methods of every route on one path, and keeps unknown paths 404', async () => {
      const token = await tokenFor(gw, newActor());
      const payment = await api(gw, `/api/bookings/${randomUUID()}/payment`, { method: 'DELETE', token });
      expect(payment.status).toBe(405);
      expect(payment.headers.get('allow')).toBe('GET, HEAD, POST');
      for (const [method, path] of [['GET', '/api/test/no-such-route'], ['POST', '/api/no/such/thing'], ['DELETE', '/nowhere']]) {
        const res = await api(gw, path, { method, token });
        expect({ path, status: res.status, code: res.body.code, allow: res.headers.get('allow') }).toEqual({ path, status: 404, code: 'not_found', allow: null });
      }
    });

    it('still serves the allowed methods, HEAD included', async () => {
      expect((await api(gw, '/health/live', { method: 'HEAD' })).status).toBe(200);
      expect((await api(gw, '/api/test/open')).status).toBe(200);
    });
  });

  describe('validation and body handling', () => {
    let token: string;
    beforeAll(async () => {
      token = await tokenFor(gw, newActor());
    });

    it('validates bodies with the zod contract and lists the field errors', async () => {
      const ok = await api(gw, '/api/test/echo', { method: 'POST', token, json: { text: 'hi', count: 2 } });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ body: { text: 'hi', count: 2 } });
      const bad = await api(gw, '/api/test/echo', { method: 'POST', token, json: { text: '', count: 9, extra: true } });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ code: 'validation_failed' });
      const errors = bad.body.errors as Array<{ path: string; message: string }>;
      expect(errors.map((e) => e.path).sort()).toEqual(['count', 'extra', 'text']);
      expect(errors.find((e) => e.path === 'extra')?.message).toMatch(/^Unknown field `extra`\./);
      const missing = await api(gw, '/api/test/echo', { method: 'POST', token });
      expect(missing.body).toMatchObject({ status: 400, code: 'validation_failed' });
    });

    it('refuses a body on an operation that declares none, and takes none, an empty one or {}', async () => {
      const before = testState.executions;
      for (const json of [{ x: 1 }, { status: 'completed' }, [1], []]) {
        const res = await api(gw, '/api/test/no-content', { method: 'POST', token, json });
        expect({ json, status: res.status, code: res.body.code }).toEqual({ json, status: 400, code: 'validation_failed' });
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }
      const named = await api(gw, '/api/test/no-content', { method: 'POST', token, json: { x: 1 } });
      expect(named.body.errors).toEqual([{ path: 'x', message: expect.stringMatching(/^Unknown field `x`\. .*takes no body/) }]);
      expect(testState.executions).toBe(before);
      expect((await api(gw, '/api/test/no-content', { method: 'POST', token })).status).toBe(204);
      expect((await api(gw, '/api/test/no-content', { method: 'POST', token, json: {} })).status).toBe(204);
      expect((await api(gw, '/api/test/no-content', { method: 'POST', token, body: '', headers: { 'content-type': 'application/json' } })).status).toBe(204);
      expect(testState.executions).toBe(before + 3);
      // A real route that forwards: refused before anything is sent to the service.
      const accept = await api(gw, `/api/bookings/${randomUUID()}/accept`, { method: 'POST', token: await tokenFor(gw, newActor('tutor')), json: { x: 1 } });
      expect(accept.body).toMatchObject({ status: 400, code: 'validation_failed', errors: [{ path: 'x' }] });
    });

    it('validates path parameters and query strings', async () => {
      const id = randomUUID();
      expect((await api(gw, `/api/test/items/${id}?limit=5`, { token })).body).toEqual({ id, limit: 5 });
      expect((await api(gw, `/api/test/items/${id}`, { token })).body).toEqual({ id, limit: 10 });
      const badId = await api(gw, '/api/test/items/nope', { token });
      expect(badId.body).toMatchObject({ status: 400, code: 'validation_failed', errors: [{ path: 'id' }] });
      const badQuery = await api(gw, `/api/test/items/${id}?limit=500`, { token });
      expect(badQuery.body).toMatchObject({ status: 400, code: 'validation_failed', errors: [{ path: 'query.limit' }] });
    });

    it('answers malformed JSON with 400 malformed_json', async () => {
      const res = await api(gw, '/api/test/echo', { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: '{"text": "hi",' });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'malformed_json' });
      expect(res.text).not.toMatch(/at .*\.js/);
    });

    it('answers a body over BODY_LIMIT with 413', async () => {
      const res = await api(gw, '/api/test/echo', { method: 'POST', token, json: { text: 'x'.repeat(5000) } });
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ code: 'payload_too_large' });
    });

    it('answers a non-JSON body with 415', async () => {
      const res = await api(gw, '/api/test/echo', { method: 'POST', token, headers: { 'content-type': 'text/plain' }, body: 'text=hi' });
      expect(res.status).toBe(415);
      expect(res.body).toMatchObject({ code: 'unsupported_media_type' });
    });

    it('answers unknown routes with a 404 problem', async () => {
      for (const path of ['/api/nope', '/nope', '/api/test/whoami/extra', '/health/nope', '/docs/nope', '/metrics/x']) {
        const res = await api(gw, path, { token });
        expect(res.status).toBe(404);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ status: 404, code: 'not_found' });
      }
    });

    it('sends security headers', async () => {
      const res = await api(gw, '/api/test/open');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('strict-transport-security')).toBeTruthy();
      expect(res.headers.get('x-powered-by')).toBeNull();
    });
  });

  describe('forwarding to services', () => {
    let token: string;
    const actor = newActor('tutor');
    beforeAll(async () => {
      token = await tokenFor(gw, actor);
    });

    it('forwards with the actor and returns the service answer', async () => {
      const res = await api(gw, '/api/test/forward', { method: 'POST', token, json: { mode: 'ok' } });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ done: true });
      // The request id goes along, so the service's log lines carry it too.
      expect(probe.requests.at(-1)).toEqual({ pattern: 'probe.do', actor, data: { mode: 'ok' }, correlationId: res.headers.get('x-request-id') });
    });

    it('maps a service refusal to a problem with its status, code, detail and errors', async () => {
      const res = await api(gw, '/api/test/forward', { method: 'POST', token, json: { mode: 'refuse' } });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ status: 409, code: 'probe.conflict', detail: 'Already done.', errors: [{ path: 'x', message: 'bad' }] });
    });

    it("passes a service's 404 for someone else's object through unchanged", async () => {
      const res = await api(gw, '/api/test/forward', { method: 'POST', token, json: { mode: 'hidden' } });
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ status: 404, code: 'booking.not_found', detail: 'No such booking.' });
    });

    it('maps a service crash to 502 and a timeout to 503 upstream.timeout', async () => {
      const crash = await api(gw, '/api/test/forward', { method: 'POST', token, json: { mode: 'crash' } });
      expect(crash.status).toBe(502);
      expect(crash.body).toMatchObject({ code: 'upstream.error' });
      const slow = await api(gw, '/api/test/forward', { method: 'POST', token, json: { mode: 'slow' } });
      expect(slow.status).toBe(503);
      expect(slow.body).toMatchObject({ code: 'upstream.timeout' });
    });
  });
});
