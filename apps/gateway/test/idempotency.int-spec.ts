import { DataSource } from 'typeorm';
import { IdentityCleanupJob } from '../src/identity';
import { api, fakeService, newActor, startGateway, tokenFor, type FakeService, type Gateway } from './support';
import { Gate, testState } from './test-routes';
import { eventually } from '@tutorhub/testing';

describe('Idempotency-Key on mutating POSTs (real HTTP, RabbitMQ, Postgres)', () => {
  let gw: Gateway;
  let probe: FakeService;
  let token: string;
  let n = 0;
  const key = () => `key-${Date.now()}-${++n}`;

  beforeAll(async () => {
    gw = await startGateway({}, ['probe']);
    probe = await fakeService(gw.namespace, 'probe', ({ data }) => {
      const mode = (data as { mode: string }).mode;
      if (mode === 'refuse') return { ok: false, error: { status: 409, code: 'probe.conflict', detail: 'No.' } };
      if (mode === 'missing') return { ok: false, error: { status: 404, code: 'probe.not_found', detail: 'Not yet.' } };
      if (mode === 'crash') return { ok: false, error: { status: 500, code: 'internal_error', detail: 'An unexpected error occurred.' } };
      return { ok: true, data: { done: true } };
    });
    token = await tokenFor(gw, newActor());
  });
  afterAll(async () => {
    testState.gate.release();
    await probe?.close();
    await gw?.close();
  });

  const post = (path: string, json: unknown, headers: Record<string, string> = {}, t = token) => api(gw, path, { method: 'POST', token: t, json, headers });

  it('replays the first answer for the same key and body, without running the handler again', async () => {
    const k = key();
    const before = testState.executions;
    const first = await post('/api/test/orders', { item: 'book', qty: 2 }, { 'Idempotency-Key': k });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    // Same JSON with its keys in another order is the same request.
    const again = await post('/api/test/orders', { qty: 2, item: 'book' }, { 'Idempotency-Key': k });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('content-type')).toMatch(/^application\/json/);
    expect(again.body).toEqual(first.body);
    expect(testState.executions).toBe(before + 1);
  });

  it('refuses the same key with a different body: 422 idempotency.key_reused', async () => {
    const k = key();
    expect((await post('/api/test/orders', { item: 'book', qty: 1 }, { 'Idempotency-Key': k })).status).toBe(201);
    const other = await post('/api/test/orders', { item: 'book', qty: 3 }, { 'Idempotency-Key': k });
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ code: 'idempotency.key_reused' });
  });

  it('runs requests without a key every time, and scopes keys per user', async () => {
    const before = testState.executions;
    await post('/api/test/orders', { item: 'pen', qty: 1 });
    await post('/api/test/orders', { item: 'pen', qty: 1 });
    expect(testState.executions).toBe(before + 2);
    const k = key();
    const mine = await post('/api/test/orders', { item: 'pen', qty: 1 }, { 'Idempotency-Key': k });
    const theirs = await post('/api/test/orders', { item: 'pen', qty: 1 }, { 'Idempotency-Key': k }, await tokenFor(gw, newActor()));
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(theirs.body.orderNo).not.toBe(mine.body.orderNo);
  });

  it('answers a concurrent duplicate with 409 idempotency.in_progress, then replays once done', async () => {
    testState.gate = new Gate();
    const k = key();
    const first = post('/api/test/slow-orders', { item: 'lamp' }, { 'Idempotency-Key': k });
    await eventually(async () => testState.gate.entered === 1);
    const duplicate = await post('/api/test/slow-orders', { item: 'lamp' }, { 'Idempotency-Key': k });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toMatchObject({ code: 'idempotency.in_progress' });
    expect(testState.gate.entered).toBe(1);
    testState.gate.release();
    const done = await first;
    expect(done.status).toBe(201);
    const replay = await post('/api/test/slow-orders', { item: 'lamp' }, { 'Idempotency-Key': k });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(done.body);
  });

  it('replays a service refusal (4xx problem) but not a 5xx, which a retry may fix', async () => {
    const k = key();
    const refused = await post('/api/test/forward', { mode: 'refuse' }, { 'Idempotency-Key': k });
    expect(refused.status).toBe(409);
    const calls = probe.requests.length;
    const replayed = await post('/api/test/forward', { mode: 'refuse' }, { 'Idempotency-Key': k });
    expect(replayed.status).toBe(409);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(replayed.body).toMatchObject({ code: 'probe.conflict' });
    expect(probe.requests.length).toBe(calls);

    const k2 = key();
    expect((await post('/api/test/forward', { mode: 'crash' }, { 'Idempotency-Key': k2 })).status).toBe(502);
    const retry = await post('/api/test/forward', { mode: 'crash' }, { 'Idempotency-Key': k2 });
    expect(retry.status).toBe(502);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(probe.requests.length).toBe(calls + 2);
  });

  it('does not store a 404: an object may appear once its event arrives, and the retry must see it', async () => {
    const k = key();
    const calls = probe.requests.length;
    expect((await post('/api/test/forward', { mode: 'missing' }, { 'Idempotency-Key': k })).status).toBe(404);
    const retry = await post('/api/test/forward', { mode: 'missing' }, { 'Idempotency-Key': k });
    expect(retry.status).toBe(404);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(probe.requests.length).toBe(calls + 2);
  });

  it('replays an empty 204 answer', async () => {
    const k = key();
    const before = testState.executions;
    expect((await post('/api/test/no-content', {}, { 'Idempotency-Key': k })).status).toBe(204);
    const again = await post('/api/test/no-content', {}, { 'Idempotency-Key': k });
    expect(again.status).toBe(204);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(testState.executions).toBe(before + 1);
  });

  it('refuses malformed keys with 400', async () => {
    for (const bad of ['x'.repeat(201), '   ', 'tab\there']) {
      const res = await post('/api/test/orders', { item: 'a', qty: 1 }, { 'Idempotency-Key': bad });
      expect({ bad, status: res.status, code: res.body.code }).toEqual({ bad, status: 400, code: 'idempotency.invalid_key' });
    }
    expect((await post('/api/test/orders', { item: 'a', qty: 1 }, { 'Idempotency-Key': 'x'.repeat(200) })).status).toBe(201);
  });

  it('forgets keys after the retention period (cleanup job), after which the key runs afresh', async () => {
    const k = key();
    const first = await post('/api/test/orders', { item: 'cup', qty: 1 }, { 'Idempotency-Key': k });
    const ds = gw.app.get(DataSource);
    await ds.query(`UPDATE identity.idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1`, [k]);
    // An expired record is not replayed even before the cleanup removes it.
    const fresh = await post('/api/test/orders', { item: 'cup', qty: 1 }, { 'Idempotency-Key': k });
    expect(fresh.headers.get('idempotent-replayed')).toBeNull();
    expect(fresh.body.orderNo).not.toBe(first.body.orderNo);

    await ds.query(`UPDATE identity.idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1`, [k]);
    const job = gw.app.get(IdentityCleanupJob);
    const [a, b] = await Promise.all([job.runOnce(), job.runOnce()]); // two replicas at once
    expect(a.idempotencyKeys + b.idempotencyKeys).toBe(1);
    const [{ left }] = await ds.query(`SELECT count(*)::int AS left FROM identity.idempotency_keys WHERE key = $1`, [k]);
    expect(left).toBe(0);
  });
});
