import { randomUUID } from 'node:crypto';
import { logCapture, type LogLine } from '@tutorhub/testing';
import { api, fakeService, newActor, startGateway, tokenFor, type FakeService, type Gateway } from './support';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Request ids, the access line and the HTTP metrics, as a client and an operator see them. */
describe('gateway request ids, access log and HTTP metrics (real HTTP, RabbitMQ, Postgres)', () => {
  const logs = logCapture();
  let gw: Gateway;
  let probe: FakeService;

  beforeAll(async () => {
    gw = await startGateway({ BODY_LIMIT: '2kb', LOG_LEVEL: 'info' }, ['probe'], { logDestination: logs.stream });
    probe = await fakeService(gw.namespace, 'probe', async ({ data }) => {
      if ((data as { mode: string }).mode === 'crash') return { ok: false, error: { status: 500, code: 'internal_error', detail: 'An unexpected error occurred.' } };
      return { ok: true, data: { done: true } };
    });
  });
  afterAll(async () => {
    await probe?.close();
    await gw?.close();
  });

  /** The access line of one request (there must be exactly one). */
  const accessLine = (id: string): LogLine => {
    const lines = logs.withId(id).filter((l) => typeof l.status === 'number' && typeof l.route === 'string');
    expect(lines).toHaveLength(1);
    return lines[0];
  };

  it('echoes a well-formed X-Request-Id on every kind of response', async () => {
    const token = await tokenFor(gw, newActor('student'));
    const cases: Array<[string, RequestInit & { token?: string; json?: unknown }, number]> = [
      ['/api/test/whoami', { token }, 200],
      ['/api/test/whoami', {}, 401],
      ['/api/test/items/not-a-uuid', { token }, 400],
      ['/api/nope', { token }, 404],
      ['/nope', {}, 404],
      ['/health/live', { method: 'POST' }, 405],
      ['/api/test/echo', { method: 'POST', token, json: { text: 'x'.repeat(3000) } }, 413],
      ['/api/test/echo', { method: 'POST', token, body: 'text', headers: { 'content-type': 'text/plain' } }, 415],
      ['/api/test/echo', { method: 'POST', token, body: '{bad', headers: { 'content-type': 'application/json' } }, 400],
      ['/health/live', {}, 200],
      ['/health/ready', {}, 200],
      ['/metrics', {}, 200],
      ['/docs/openapi.json', {}, 200],
    ];
    for (const [path, init, status] of cases) {
      const id = `req-${randomUUID()}`;
      const res = await api(gw, path, { ...init, headers: { ...(init.headers as Record<string, string>), 'x-request-id': id } });
      expect({ path, status: res.status, requestId: res.headers.get('x-request-id') }).toEqual({ path, status, requestId: id });
    }
  });

  it('documents X-Request-Id on every response of every operation', async () => {
    const doc = (await api(gw, '/docs/openapi.json')).body as { paths: Record<string, Record<string, { responses: Record<string, { headers?: Record<string, unknown> }> }>>; components: { headers?: Record<string, unknown> } };
    expect(doc.components.headers?.RequestId).toMatchObject({ schema: { type: 'string' } });
    const missing: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        for (const [status, response] of Object.entries(op.responses ?? {})) {
          if (!response.headers?.['X-Request-Id']) missing.push(`${method} ${path} ${status}`);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(Object.keys(doc.paths).length).toBeGreaterThan(10);
  });

  it('makes up an id for a request without one, or with a malformed one', async () => {
    for (const headers of [{} as Record<string, string>, { 'x-request-id': 'two words' }, { 'x-request-id': 'a'.repeat(101) }, { 'x-request-id': 'x\u00e9' }]) {
      const res = await api(gw, '/api/nope', { headers });
      expect(res.headers.get('x-request-id')).toMatch(UUID);
    }
    expect((await api(gw, '/api/nope', { headers: { 'x-correlation-id': 'from-an-older-client' } })).headers.get('x-request-id')).toBe('from-an-older-client');
  });

  it('sends the request id to the service and logs one short line per request', async () => {
    const actor = newActor('student');
    const token = await tokenFor(gw, actor);
    const id = `req-${randomUUID()}`;
    const res = await api(gw, '/api/test/forward', { method: 'POST', token, json: { mode: 'ok' }, headers: { 'x-request-id': id, cookie: 'session=secret-cookie' } });
    expect(res.status).toBe(201);
    expect(probe.requests.at(-1)?.correlationId).toBe(id);

    const line = accessLine(id);
    expect(line).toMatchObject({ name: 'gateway', method: 'POST', path: '/api/test/forward', route: '/api/test/forward', status: 201, userId: actor.userId, msg: 'POST /api/test/forward 201' });
    expect(line.durationMs).toEqual(expect.any(Number));
    expect(line.ip).toMatch(/127\.0\.0\.1$/);
    expect(line.bytes).toBe(Number(res.headers.get('content-length')));
    // No headers, so no token or cookie to leak, and short.
    expect(line).not.toHaveProperty('req');
    expect(line).not.toHaveProperty('res');
    const raw = JSON.stringify(line);
    expect(raw).not.toContain(token);
    expect(raw).not.toContain('secret-cookie');
    expect(raw.length).toBeLessThan(400);
  });

  it('logs the route template beside the raw path, and refusals before routing as unmatched', async () => {
    const token = await tokenFor(gw, newActor('student'));
    const itemId = randomUUID();
    const id = `req-${randomUUID()}`;
    await api(gw, `/api/test/items/${itemId}?limit=3`, { token, headers: { 'x-request-id': id } });
    expect(accessLine(id)).toMatchObject({ path: `/api/test/items/${itemId}`, route: '/api/test/items/:id', status: 200 });

    const missing = `req-${randomUUID()}`;
    await api(gw, '/somewhere/else', { headers: { 'x-request-id': missing } });
    expect(accessLine(missing)).toMatchObject({ route: 'unmatched', status: 404 });
    expect(accessLine(missing).userId).toBeUndefined();
  });

  it('puts the request id on the lines the request causes besides the access line', async () => {
    const token = await tokenFor(gw, newActor('student'));
    const id = `req-${randomUUID()}`;
    const res = await api(gw, '/api/test/forward', { method: 'POST', token, json: { mode: 'crash' }, headers: { 'x-request-id': id } });
    expect(res.status).toBe(502);
    const error = logs.withId(id).find((l) => l.context === 'ProblemFilter');
    expect(error).toMatchObject({ level: 50, correlationId: id });
    expect(accessLine(id)).toMatchObject({ status: 502, level: 50 });
  });

  it('writes no access line for probes and scrapes', async () => {
    const id = `req-${randomUUID()}`;
    await api(gw, '/health/live', { headers: { 'x-request-id': id } });
    await api(gw, '/metrics', { headers: { 'x-request-id': id } });
    expect(logs.withId(id)).toEqual([]);
  });

  it('exports request counts and latency by route template and status, never by raw path', async () => {
    const token = await tokenFor(gw, newActor('student'));
    const itemId = randomUUID();
    await api(gw, `/api/test/items/${itemId}`, { token });
    await api(gw, `/api/nope/${itemId}`, { token });
    await api(gw, '/api/test/items/not-a-uuid', { token });
    const metrics = (await api(gw, '/metrics')).text;
    expect(metrics).toMatch(/^http_server_requests_total\{method="GET",route="\/api\/test\/items\/:id",status_code="200"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^http_server_requests_total\{method="GET",route="\/api\/test\/items\/:id",status_code="400"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^http_server_requests_total\{method="GET",route="unmatched",status_code="404"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^http_server_request_duration_seconds_bucket\{le="0\.1",method="GET",route="\/api\/test\/items\/:id",status_code="200"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^http_server_request_duration_seconds_count\{method="POST",route="\/api\/test\/forward",status_code="201"\} [1-9]\d*$/m);
    expect(metrics).not.toContain(itemId);
    expect(metrics).not.toContain('not-a-uuid');
  });
});
