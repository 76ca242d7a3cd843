import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, deleteNamespace, eventually, startGatewayProcess, testNamespace, type AppProcess, type TestDatabase } from '@tutorhub/testing';
import { COMMITTED_OPENAPI_PATH } from '../src/openapi-document';

/**
 * The gateway as it runs (its own process, as `npm start` and the image start it): it serves the
 * committed OpenAPI document and Swagger UI without loading @nestjs/swagger, whose ≈ 530 modules
 * (with es-toolkit/compat) kept its idle memory over 120 MB (issue 15, ADR 0021). A test that
 * boots the app inside Jest could not tell: Jest's own module registry has loaded swagger by then.
 */
describe('the running gateway and @nestjs/swagger', () => {
  let db: TestDatabase;
  let namespace: string;
  let gateway: AppProcess | undefined;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    namespace = testNamespace();
    dir = mkdtempSync(join(tmpdir(), 'gateway-modules-'));
    gateway = await startGatewayProcess(
      { databaseUrl: db.url, namespace },
      { NODE_OPTIONS: `--require ${join(__dirname, 'loaded-modules.cjs')}`, LOADED_MODULES_REPORT: join(dir, 'modules.json') },
    );
  });

  afterAll(async () => {
    await gateway?.stop();
    await deleteNamespace(namespace, ['gateway']);
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the committed document and Swagger UI, and never loads @nestjs/swagger or es-toolkit', async () => {
    const gw = gateway as AppProcess;
    const doc = await fetch(`${gw.baseUrl}/docs/openapi.json`);
    expect(doc.status).toBe(200);
    expect(await doc.text()).toBe(readFileSync(COMMITTED_OPENAPI_PATH, 'utf8'));
    const ui = await fetch(`${gw.baseUrl}/docs`);
    expect(ui.status).toBe(200);
    const page = await ui.text();
    for (const [, src] of page.matchAll(/<script[^>]*src="([^"]+)"/g)) {
      const res = await fetch(new URL(src as string, `${gw.baseUrl}/docs`));
      await res.arrayBuffer();
      expect({ src, status: res.status }).toEqual({ src, status: 200 });
    }

    const report = join(dir, 'modules.json');
    gw.child.kill('SIGUSR2');
    await eventually(async () => existsSync(report));
    const modules = JSON.parse(readFileSync(report, 'utf8')) as string[];
    expect(modules.some((m) => m.includes('/node_modules/@nestjs/core/'))).toBe(true); // the report is real
    expect(modules.filter((m) => /\/node_modules\/(@nestjs\/swagger|es-toolkit)\//.test(m))).toEqual([]);
    // Of swagger-ui-dist only the path helper: its index.js would load the 1.4 MB browser bundle.
    expect(modules.filter((m) => m.includes('/node_modules/swagger-ui-dist/'))).toEqual([expect.stringMatching(/swagger-ui-dist\/absolute-path\.js$/)]);
  });
});
