import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, auth, createTutorhubClient, ok, problemOf, retryAfterMs } from './index';

const ROOT = join(__dirname, '..', '..', '..');

describe('the generated API client', () => {
  it('is generated from the committed OpenAPI document (run `npm run openapi:generate` after changing a route)', () => {
    const cli = join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
    const out = spawnSync(process.execPath, [cli, join(ROOT, 'apps', 'gateway', 'openapi.json')], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(out.status).toBe(0);
    expect(out.stdout).toBe(readFileSync(join(__dirname, 'openapi.ts'), 'utf8'));
  });

  it('sends typed requests with an Idempotency-Key on POST, reports timings by document path, and turns problems into ApiErrors', async () => {
    const seen: Request[] = [];
    const timings: Array<[string, number]> = [];
    const api = createTutorhubClient({
      baseUrl: 'http://gateway.test/',
      onTiming: (route, _ms, status) => timings.push([route, status]),
      fetch: async (request) => {
        seen.push(request);
        if (request.url.endsWith('/accept')) {
          return new Response(JSON.stringify({ type: 'about:blank', title: 'Conflict', status: 409, code: 'booking.invalid_transition' }), {
            status: 409,
            headers: { 'content-type': 'application/problem+json' },
          });
        }
        return new Response(JSON.stringify({ name: 'tutorhub API', version: '1.0.0', links: {} }), { status: 200, headers: { 'content-type': 'application/json' } });
      },
    });
    const index = ok(await api.GET('/api'));
    expect(index.name).toBe('tutorhub API');
    const id = '3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b';
    const refused = await api.POST('/api/bookings/{id}/accept', { params: { path: { id } }, ...auth('tok') });
    expect(problemOf(refused)).toMatchObject({ status: 409, code: 'booking.invalid_transition' });
    expect(() => ok(refused)).toThrow(ApiError);
    try {
      ok(refused, [200]);
    } catch (err) {
      expect((err as ApiError).code).toBe('booking.invalid_transition');
      expect((err as ApiError).message).toMatch(/^POST \/api\/bookings\/3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b\/accept answered 409 \(expected 200\)/);
    }

    expect(seen.map((r) => [r.method, new URL(r.url).pathname])).toEqual([
      ['GET', '/api'],
      ['POST', `/api/bookings/${id}/accept`],
    ]);
    expect(seen[0]?.headers.get('idempotency-key')).toBeNull();
    expect(seen[1]?.headers.get('idempotency-key')).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[1]?.headers.get('authorization')).toBe('Bearer tok');
    expect(timings).toEqual([
      ['GET /api', 200],
      ['POST /api/bookings/{id}/accept', 409],
    ]);
  });

  describe('503 with Retry-After', () => {
    const problem = (code: string, retryAfter?: string) =>
      new Response(JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, code }), {
        status: 503,
        headers: { 'content-type': 'application/problem+json', ...(retryAfter !== undefined ? { 'retry-after': retryAfter } : {}) },
      });
    const session = () => new Response(JSON.stringify({ user: { id: 'u' } }), { status: 201, headers: { 'content-type': 'application/json' } });

    function clientAnswering(answers: Array<() => Response>, opts: { idempotencyKeys?: boolean; retries?: number } = {}) {
      const seen: Array<{ method: string; body: string; key: string | null }> = [];
      const waits: number[] = [];
      const api = createTutorhubClient({
        baseUrl: 'http://gateway.test',
        ...opts,
        sleep: async (ms) => {
          waits.push(ms);
        },
        fetch: async (request) => {
          seen.push({ method: request.method, body: await request.text(), key: request.headers.get('idempotency-key') });
          return (answers[seen.length - 1] ?? answers.at(-1)!)();
        },
      });
      return { api, seen, waits };
    }
    const register = { email: 'a@example.com', password: 'correct horse battery', fullName: 'A', role: 'student' as const };

    it('sends a shed request (gateway.overloaded) again after Retry-After, the same body each time, even a POST without a key', async () => {
      const { api, seen, waits } = clientAnswering([() => problem('gateway.overloaded', '2'), () => problem('gateway.overloaded', '1'), session], { idempotencyKeys: false });
      const answer = await api.POST('/api/auth/register', { body: register });
      expect(answer.response.status).toBe(201);
      expect(seen).toHaveLength(3);
      expect(new Set(seen.map((s) => s.body))).toEqual(new Set([JSON.stringify(register)]));
      expect(seen.every((s) => s.key === null)).toBe(true);
      // Retry-After, plus up to a quarter more (jitter).
      expect(waits[0]).toBeGreaterThanOrEqual(2000);
      expect(waits[0]).toBeLessThanOrEqual(2500);
      expect(waits[1]).toBeGreaterThanOrEqual(1000);
      expect(waits[1]).toBeLessThanOrEqual(1250);
    });

    it('retries another 503 only when that is safe: an idempotent method or an Idempotency-Key', async () => {
      const id = '3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b';
      const unkeyed = clientAnswering([() => problem('upstream.timeout', '1'), session], { idempotencyKeys: false });
      expect((await unkeyed.api.POST('/api/bookings/{id}/accept', { params: { path: { id } }, ...auth('t') })).response.status).toBe(503);
      expect(unkeyed.seen).toHaveLength(1);

      const keyed = clientAnswering([() => problem('upstream.timeout', '1'), session]);
      expect((await keyed.api.POST('/api/bookings/{id}/accept', { params: { path: { id } }, ...auth('t') })).response.status).toBe(201);
      expect(keyed.seen).toHaveLength(2);
      // The same key both times: the gateway replays rather than repeats.
      expect(keyed.seen[1]!.key).toBe(keyed.seen[0]!.key);

      const get = clientAnswering([() => problem('upstream.unavailable', '1'), session]);
      expect((await get.api.GET('/api/bookings/{id}', { params: { path: { id } }, ...auth('t') })).response.status).toBe(201);
      expect(get.seen).toHaveLength(2);
    });

    it('does not retry without Retry-After, and gives up after `retries`', async () => {
      const bare = clientAnswering([() => problem('gateway.overloaded'), session]);
      expect((await bare.api.POST('/api/auth/register', { body: register })).response.status).toBe(503);
      expect(bare.seen).toHaveLength(1);

      const always = clientAnswering([() => problem('gateway.overloaded', '1')], { retries: 2 });
      const last = await always.api.POST('/api/auth/register', { body: register });
      expect(problemOf(last)).toMatchObject({ status: 503, code: 'gateway.overloaded' });
      expect(always.seen).toHaveLength(3);

      const off = clientAnswering([() => problem('gateway.overloaded', '1'), session], { retries: 0 });
      expect((await off.api.POST('/api/auth/register', { body: register })).response.status).toBe(503);
      expect(off.seen).toHaveLength(1);
    });

    it('reads Retry-After as seconds or as an HTTP date', () => {
      expect(retryAfterMs('3')).toBe(3000);
      expect(retryAfterMs('0')).toBe(0);
      expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
      expect(retryAfterMs(null)).toBeUndefined();
      expect(retryAfterMs('soon')).toBeUndefined();
    });
  });
});
