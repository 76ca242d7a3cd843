import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import type { OpenAPIObject } from '@nestjs/swagger';
import { COMMITTED_OPENAPI_PATH, generateOpenApiDocument, serialiseOpenApi } from '../src/openapi-document';
import { api, startGateway, type Gateway } from './support';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

type Json = Record<string, unknown>;

function operations(doc: OpenAPIObject): Array<{ path: string; method: string; op: Json }> {
  const out: Array<{ path: string; method: string; op: Json }> = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = (item as Json)[method] as Json | undefined;
      if (op) out.push({ path, method, op });
    }
  }
  return out;
}

function collectRefs(node: unknown, refs: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => collectRefs(n, refs));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') refs.push(v);
      else collectRefs(v, refs);
    }
  }
  return refs;
}

function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Json)[key] : undefined), doc);
}

/** Every route the Express app would answer (method + OpenAPI-style path), from its router. */
function servedRoutes(gw: Gateway): string[] {
  const express = gw.app.getHttpAdapter().getInstance() as { router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> } };
  const routes = new Set<string>();
  for (const layer of express.router.stack) {
    // Wildcards are Nest's not-found handler under the prefix, not routes of ours.
    if (!layer.route || typeof layer.route.path !== 'string' || layer.route.path.includes('*')) continue;
    const path = layer.route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') routes.add(`${method.toUpperCase()} ${path}`);
  }
  return [...routes].sort();
}

describe('OpenAPI document', () => {
  let generated: OpenAPIObject;
  let gw: Gateway;

  beforeAll(async () => {
    generated = await generateOpenApiDocument();
    gw = await startGateway({}, [], { testRoutes: false });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('matches the committed apps/gateway/openapi.json (run `npm run openapi:generate` after changing routes)', () => {
    const committed = readFileSync(COMMITTED_OPENAPI_PATH, 'utf8');
    expect(serialiseOpenApi(generated)).toBe(committed);
  });

  it('is what the running gateway serves at /docs/openapi.json: the committed file, byte for byte', async () => {
    const served = await api(gw, '/docs/openapi.json');
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toMatch(/^application\/json/);
    expect(served.text).toBe(readFileSync(COMMITTED_OPENAPI_PATH, 'utf8'));
    expect(served.body).toEqual(JSON.parse(serialiseOpenApi(generated)));
  });

  it('serves Swagger UI at /docs, /docs/ and /docs/index.html: every file the page loads, no inline script', async () => {
    for (const page of ['/docs', '/docs/', '/docs/index.html']) {
      const ui = await api(gw, page);
      expect({ page, status: ui.status }).toEqual({ page, status: 200 });
      expect(ui.headers.get('content-type')).toMatch(/text\/html/);
      expect(ui.text).toContain('id="swagger-ui"');
      // Helmet's CSP allows only same-origin script files: no inline script, and its files must be served.
      expect(ui.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(ui.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      const files = [...ui.text.matchAll(/<(?:script|link)[^>]*(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
      expect(files.filter((f) => f.endsWith('.js')).length).toBe(3);
      for (const file of files) {
        const res = await fetch(new URL(file, `${gw.baseUrl}${page}`));
        await res.arrayBuffer(); // read it all, or the connection stays busy and close() waits
        expect({ page, file, status: res.status }).toEqual({ page, file, status: 200 });
        const type = res.headers.get('content-type') ?? '';
        expect({ file, type: file.endsWith('.js') ? /javascript/.test(type) : file.endsWith('.css') ? /text\/css/.test(type) : /image\/png/.test(type) }).toEqual({ file, type: true });
      }
    }
    // Each page is its own route in the request metrics (not `unmatched`).
    const metrics = (await api(gw, '/metrics')).text;
    for (const route of ['/docs', '/docs/index.html', '/docs/swagger-ui-init.js']) {
      expect({ route, counted: metrics.includes(`http_server_requests_total{method="GET",route="${route}",status_code="200"}`) }).toEqual({ route, counted: true });
    }
  });

  it('points Swagger UI at the document next to its initializer (a proxy path prefix is kept)', async () => {
    const init = await api(gw, '/docs/swagger-ui-init.js');
    expect(init.status).toBe(200);
    let options: Record<string, unknown> | undefined;
    const SwaggerUIBundle = Object.assign((o: Record<string, unknown>) => (options = o), { presets: { apis: {} }, plugins: { DownloadUrl: {} } });
    const window: { onload?: () => void } = {};
    runInNewContext(init.text, { window, document: { currentScript: { src: 'https://api.example.com/gw/docs/swagger-ui-init.js' } }, URL, SwaggerUIBundle, SwaggerUIStandalonePreset: {} });
    window.onload?.();
    expect(options).toMatchObject({ url: 'https://api.example.com/gw/docs/openapi.json', dom_id: '#swagger-ui' });
  });

  it('answers anything else under /docs with a 404 problem (no file of swagger-ui-dist besides the page’s)', async () => {
    for (const path of ['/docs/swagger-initializer.js', '/docs/swagger-ui.js.map', '/docs/LICENSE', '/docs/../package.json', '/docs/openapi.yaml']) {
      const res = await api(gw, path);
      expect({ path, status: res.status, type: res.headers.get('content-type') }).toEqual({ path, status: 404, type: expect.stringMatching(/^application\/problem\+json/) });
    }
    const post = await api(gw, '/docs/openapi.json', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('is an OpenAPI 3.1 document with bearer auth and the problem schema', () => {
    expect(generated.openapi).toBe('3.1.0');
    expect(generated.info.title).toBeTruthy();
    expect(generated.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(generated.security).toEqual([{ bearer: [] }]);
    expect(generated.components?.schemas?.Problem).toMatchObject({ required: ['type', 'title', 'status', 'code'] });
  });

  it('gives every operation an id, a success response and problem+json errors', () => {
    const ids = new Set<string>();
    for (const { path, method, op } of operations(generated)) {
      const where = `${method.toUpperCase()} ${path}`;
      expect({ where, id: typeof op.operationId }).toEqual({ where, id: 'string' });
      expect(ids.has(op.operationId as string)).toBe(false);
      ids.add(op.operationId as string);
      const responses = op.responses as Record<string, Json>;
      expect({ where, success: Object.keys(responses).some((s) => /^2\d\d$/.test(s)) }).toEqual({ where, success: true });
      for (const status of ['429', '500']) expect({ where, status, has: !!responses[status] }).toEqual({ where, status, has: true });
      for (const [status, response] of Object.entries(responses)) {
        if (Number(status) < 400) continue;
        const schema = ((response.content as Json)['application/problem+json'] as Json).schema;
        expect({ where, status, schema }).toEqual({ where, status, schema: { $ref: '#/components/schemas/Problem' } });
      }
      const isPublic = Array.isArray(op.security) && op.security.length === 0;
      // Public routes answer 401 only when credentials they take are wrong (login, refresh, a webhook's signature).
      const publicWith401 = ['POST /api/auth/login', 'POST /api/auth/refresh', 'POST /api/webhooks/chapa'].includes(where);
      expect({ where, has401: !!responses['401'] }).toEqual({ where, has401: !isPublic || publicWith401 });
      // Every {param} of the path is declared.
      for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
        const declared = ((op.parameters as Json[] | undefined) ?? []).some((p) => p.in === 'path' && p.name === name);
        expect({ where, name, declared }).toEqual({ where, name, declared: true });
      }
    }
  });

  it('resolves every $ref', () => {
    const refs = collectRefs(generated);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect({ ref, resolved: resolvePointer(generated, ref) !== undefined }).toEqual({ ref, resolved: true });
  });

  it('documents exactly the routes the gateway serves (besides health, metrics and the docs)', () => {
    const served = servedRoutes(gw).filter((r) => / \/api(\/|$)/.test(r));
    const documented = operations(generated)
      .map(({ path, method }) => `${method.toUpperCase()} ${path}`)
      .sort();
    expect(served.length).toBeGreaterThan(0);
    expect(documented).toEqual(served);
    expect(servedRoutes(gw).filter((r) => !/ \/(api|health|metrics|docs)(\/|$)/.test(r))).toEqual([]);
  });

  it('documents the identity routes with their request and response schemas', () => {
    const register = (generated.paths['/api/auth/register'] as Json).post as Json;
    expect(register.security).toEqual([]);
    const bodyRef = (((register.requestBody as Json).content as Json)['application/json'] as Json).schema as Json;
    // A named component (reused, one type in a generated client).
    expect(bodyRef).toEqual({ $ref: '#/components/schemas/RegisterInput' });
    const body = ((generated.components as Json).schemas as Json).RegisterInput as Json;
    expect(body.required).toEqual(['email', 'password', 'fullName', 'role']);
    expect(((register.responses as Json)['201'] as Json).content).toBeTruthy();
    const me = (generated.paths['/api/me'] as Json).get as Json;
    expect(me.security).toBeUndefined();
    expect((me.responses as Json)['401']).toBeTruthy();
  });
});
