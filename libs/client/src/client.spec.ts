import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, auth, createTutorhubClient, ok, problemOf } from './index';

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
});
