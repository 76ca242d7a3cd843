import type { Request } from 'express';
import { REQUEST_ID_PATTERN, UNMATCHED_ROUTE, requestIdOf, routeTemplate } from './http-observability';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const req = (headers: Record<string, string | string[]>) => ({ headers }) as unknown as Request;

describe('request ids', () => {
  it('takes a well-formed X-Request-Id, then X-Correlation-Id', () => {
    expect(requestIdOf(req({ 'x-request-id': 'abc-123.x:y_z' }))).toBe('abc-123.x:y_z');
    expect(requestIdOf(req({ 'x-correlation-id': 'older-client' }))).toBe('older-client');
    expect(requestIdOf(req({ 'x-request-id': 'new', 'x-correlation-id': 'old' }))).toBe('new');
    expect(requestIdOf(req({ 'x-request-id': 'bad id', 'x-correlation-id': 'old' }))).toBe('old');
  });

  it('makes up a UUID for a missing, repeated, too long or injected id', () => {
    for (const headers of [{} as Record<string, string>, { 'x-request-id': ['a', 'b'] }, { 'x-request-id': 'a'.repeat(101) }, { 'x-request-id': 'x\n{"level":60}' }, { 'x-request-id': '' }]) {
      expect(requestIdOf(req(headers))).toMatch(UUID);
    }
    expect(REQUEST_ID_PATTERN.test('a'.repeat(100))).toBe(true);
  });
});

describe('route template', () => {
  it('is the matched route with its mount point, never the raw path', () => {
    expect(routeTemplate({ route: { path: '/api/bookings/:id' }, baseUrl: '' } as unknown as Request)).toBe('/api/bookings/:id');
    expect(routeTemplate({ route: { path: '/:id' }, baseUrl: '/api/things' } as unknown as Request)).toBe('/api/things/:id');
    expect(routeTemplate({ baseUrl: '', path: '/api/bookings/123' } as unknown as Request)).toBe(UNMATCHED_ROUTE);
  });
});
