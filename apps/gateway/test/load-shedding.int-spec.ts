import { createHmac, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { RpcReply } from '@tutorhub/contracts';
import { LoadShedding, type Release } from '../src/http';
import { api, fakeService, newActor, startGateway, tokenFor, type FakeService, type Gateway } from './support';

/**
 * Overload shedding (ADR 0017), real HTTP, Postgres and RabbitMQ. Saturation is made
 * deterministic rather than raced: requests are held at a fake service (the in-flight limit), or
 * the password slot is held by the test (as a long scrypt would), so every assertion is about
 * behaviour, never about timing.
 */

/** Resolves what the fake service holds when the test says so. */
class Hold {
  private opened = false;
  private readonly waiters: Array<() => void> = [];
  wait(): Promise<void> {
    return this.opened ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
  open(): void {
    this.opened = true;
    for (const w of this.waiters.splice(0)) w();
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, attempts = 400): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never happened: ${what}`);
}

function metric(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

type Answer = Awaited<ReturnType<typeof api>>;

function expectShed(res: Answer): void {
  expect(res.status).toBe(503);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status: 503, code: 'gateway.overloaded' });
  expect(res.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  expect(res.headers.get('x-request-id')).toBeTruthy();
}

const WEBHOOK_SECRET = 'webhook-secret';
const paymentsAnswer = ({ data }: { data: unknown }): RpcReply => {
  const input = data as { rawBody: string; headers: Record<string, string> };
  const expected = createHmac('sha256', WEBHOOK_SECRET).update(Buffer.from(input.rawBody, 'base64')).digest('hex');
  return input.headers['x-chapa-signature'] === expected ? { ok: true, data: { received: true } } : { ok: false, error: { status: 401, code: 'chapa.bad_signature', detail: 'Bad signature.' } };
};

async function webhook(gw: Gateway): Promise<Answer> {
  const raw = JSON.stringify({ event: 'charge.success', tx_ref: `tx-${randomUUID()}` });
  const signature = createHmac('sha256', WEBHOOK_SECRET).update(raw).digest('hex');
  return api(gw, '/api/webhooks/chapa', { method: 'POST', body: raw, headers: { 'content-type': 'application/json', 'x-chapa-signature': signature } });
}

const registration = (i: number) => ({ email: `burst-${i}-${randomUUID().slice(0, 8)}@example.com`, password: 'correct horse battery staple', fullName: `Burst ${i}`, role: 'student' });

describe('overload shedding: the in-flight limit of /api (real HTTP, RabbitMQ, Postgres)', () => {
  let gw: Gateway;
  let bookings: FakeService;
  let payments: FakeService;
  const hold = new Hold();

  beforeAll(async () => {
    gw = await startGateway({ GATEWAY_MAX_IN_FLIGHT: '2', GATEWAY_MAX_QUEUE: '1', GATEWAY_MAX_QUEUE_WAIT_MS: '60000', RATE_LIMIT_PER_MINUTE: '100000' }, ['bookings', 'payments']);
    bookings = await fakeService(gw.namespace, 'bookings', async ({ data }) => {
      await hold.wait();
      return { ok: true, data: { id: (data as { bookingId: string }).bookingId } };
    });
    payments = await fakeService(gw.namespace, 'payments', paymentsAnswer);
  });
  afterAll(async () => {
    hold.open();
    await bookings?.close();
    await payments?.close();
    await gw?.close();
  });

  it('sheds beyond limit + queue with 503 gateway.overloaded + Retry-After, keeps probes, metrics and the webhook answering, and recovers', async () => {
    const token = await tokenFor(gw, newActor('student'));
    const get = () => api(gw, `/api/bookings/${randomUUID()}`, { token });

    // Two requests take both slots and stay at the (held) service.
    const held = [get(), get()];
    await until('both requests reached bookings', () => bookings.requests.length === 2);

    // Six more: one finds the queue's single place, five are shed at once.
    const settled: Answer[] = [];
    const more = Array.from({ length: 6 }, () => get().then((r) => (settled.push(r), r)));
    await until('five were answered', () => settled.length === 5);
    for (const r of settled) expectShed(r);

    // A POST is shed the same way, before any of its work: the account does not exist afterwards.
    const body = registration(0);
    expectShed(await api(gw, '/api/auth/register', { method: 'POST', json: body }));

    // Saturated, and still answering what must never be shed.
    expect((await api(gw, '/health/live')).status).toBe(200);
    expect((await api(gw, '/health/ready')).status).toBe(200);
    const hook = await webhook(gw);
    expect(hook.status).toBe(200);
    expect(hook.body).toEqual({ received: true });
    const metrics = await api(gw, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metric(metrics.text, 'http_requests_queued', 'limiter="requests"')).toBe(1);
    expect(metric(metrics.text, 'http_requests_in_flight', 'limiter="requests"')).toBe(2);
    expect(metric(metrics.text, 'http_requests_shed_total', 'limiter="requests",reason="queue_full"')).toBeGreaterThanOrEqual(6);

    // The service answers: the held requests and the queued one complete normally.
    hold.open();
    const done = await Promise.all([...held, ...more]);
    const statuses = done.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 503, 503, 503, 503, 503]);
    expect(done.filter((r) => r.status >= 500 && r.status !== 503)).toEqual([]);

    // After the burst everything answers, the shed registration included.
    expect((await get()).status).toBe(200);
    expect((await api(gw, '/api/auth/register', { method: 'POST', json: body })).status).toBe(201);
    await until('the slots are free', () => gw.app.get(LoadShedding).requests.inFlight === 0);
    expect(gw.app.get(LoadShedding).requests.queued).toBe(0);
  });

  it('sheds a request that waited in the queue longer than GATEWAY_MAX_QUEUE_WAIT_MS, and frees the place of a client that left', async () => {
    const other = await startGateway({ GATEWAY_MAX_IN_FLIGHT: '1', GATEWAY_MAX_QUEUE: '5', GATEWAY_MAX_QUEUE_WAIT_MS: '200', RATE_LIMIT_PER_MINUTE: '100000' }, [], { replicaOf: gw });
    try {
      const shedding = other.app.get(LoadShedding);
      // The test holds the only slot, as a long request would.
      const release = shedding.requests.tryAcquire() as Release;
      expect(release).toBeDefined();
      expectShed(await api(other, '/api'));
      const metrics = (await api(other, '/metrics')).text;
      expect(metric(metrics, 'http_requests_shed_total', 'limiter="requests",reason="queue_timeout"')).toBeGreaterThanOrEqual(1);

      const abort = new AbortController();
      const gone = fetch(`${other.baseUrl}/api`, { signal: abort.signal }).catch(() => 'aborted');
      await until('the request is queued', () => shedding.requests.queued === 1);
      abort.abort();
      expect(await gone).toBe('aborted');
      await until('its place is given up', () => shedding.requests.queued === 0);

      release();
      expect((await api(other, '/api')).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});

describe('overload shedding: password work (register, login) (real HTTP, scrypt, Postgres)', () => {
  let gw: Gateway;
  let payments: FakeService;

  beforeAll(async () => {
    gw = await startGateway({ PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_MAX_QUEUE: '2', PASSWORD_HASH_MAX_QUEUE_WAIT_MS: '60000', AUTH_RATE_LIMIT_PER_MINUTE: '100000' }, ['payments']);
    payments = await fakeService(gw.namespace, 'payments', paymentsAnswer);
  });
  afterAll(async () => {
    await payments?.close();
    await gw?.close();
  });

  it('sheds registrations beyond the password limit + queue, serves the rest, and everything else keeps answering', async () => {
    const password = gw.app.get(LoadShedding).password;
    // The only password slot is busy (as with a long scrypt): registrations queue, then are shed.
    const release = password.tryAcquire() as Release;
    expect(release).toBeDefined();
    const bodies = Array.from({ length: 10 }, (_, i) => registration(i));
    const answers: Array<{ i: number; r: Answer }> = [];
    const burst = bodies.map((b, i) => api(gw, '/api/auth/register', { method: 'POST', json: b }).then((r) => answers.push({ i, r })));
    await until('eight were answered', () => answers.length === 8);
    for (const { r } of answers) expectShed(r);
    expect(password.queued).toBe(2);

    // Other routes are not password work: they answer while registrations wait.
    expect((await api(gw, '/api')).status).toBe(200);
    expect((await api(gw, '/health/live')).status).toBe(200);
    expect((await api(gw, '/health/ready')).status).toBe(200);
    expect((await webhook(gw)).status).toBe(200);
    const token = await tokenFor(gw, newActor('student'));
    expect((await api(gw, '/api/me', { token })).status).toBe(200);
    // A login is password work too: shed, and not counted by the login throttle (it never started).
    expectShed(await api(gw, '/api/auth/login', { method: 'POST', json: { email: bodies[0]!.email, password: 'wrong password 123' } }));
    expect(await gw.app.get(DataSource).query('SELECT key FROM identity.login_throttle')).toEqual([]);
    const metrics = (await api(gw, '/metrics')).text;
    expect(metric(metrics, 'http_requests_queued', 'limiter="password"')).toBe(2);
    expect(metric(metrics, 'http_requests_shed_total', 'limiter="password",reason="queue_full"')).toBeGreaterThanOrEqual(9);

    release();
    await Promise.all(burst);
    const created = answers.filter(({ r }) => r.status === 201);
    expect(created).toHaveLength(2);
    expect(answers.map(({ r }) => r.status).filter((s) => s !== 201 && s !== 503)).toEqual([]);

    // The shed ones, sent again (no more at once than limit + queue): all registered.
    const shed = answers.filter(({ r }) => r.status === 503).map(({ i }) => bodies[i]!);
    for (let k = 0; k < shed.length; k += 3) {
      const again = await Promise.all(shed.slice(k, k + 3).map((b) => api(gw, '/api/auth/register', { method: 'POST', json: b })));
      expect(again.map((r) => r.status)).toEqual(again.map(() => 201));
    }
    const login = await api(gw, '/api/auth/login', { method: 'POST', json: { email: bodies[0]!.email, password: bodies[0]!.password } });
    expect(login.status).toBe(200);
    expect(password.inFlight).toBe(0);
  });

  it('a real burst of registrations at once: every answer is 201 or a well-formed 503, and the shed ones register when sent again', async () => {
    const bodies = Array.from({ length: 12 }, (_, i) => registration(100 + i));
    const first = await Promise.all(bodies.map((b) => api(gw, '/api/auth/register', { method: 'POST', json: b })));
    for (const r of first) {
      if (r.status === 503) expectShed(r);
      else expect(r.status).toBe(201);
    }
    const shed = bodies.filter((_, i) => first[i]!.status === 503);
    for (const b of shed) expect((await api(gw, '/api/auth/register', { method: 'POST', json: b })).status).toBe(201);
    expect(gw.app.get(LoadShedding).password.queued).toBe(0);
  });
});
