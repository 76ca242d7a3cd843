import { createTestDatabase, runAppToExit, type TestDatabase } from '@tutorhub/testing';

/** `node main.js migrate` runs as a Kubernetes init container: its output is JSON lines like the service's. */
describe('gateway command-line output (a real process)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  const parse = (lines: string[]) => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

  it('writes every migrate line as JSON, then exits 0', async () => {
    const { code, lines } = await runAppToExit('gateway', ['migrate'], { DATABASE_URL: db.url, NODE_ENV: 'development', LOG_LEVEL: 'info' });
    expect(code).toBe(0);
    const parsed = parse(lines);
    for (const line of parsed) expect(line).toMatchObject({ level: expect.any(Number), time: expect.any(Number), name: 'gateway', msg: expect.any(String) });
    expect(parsed.at(-1)?.msg).toMatch(/^migrations done \([1-9]\d* applied\)$/);
  });

  it('reports invalid configuration as a JSON line and exits 78', async () => {
    const { code, lines } = await runAppToExit('gateway', ['migrate'], { DATABASE_URL: db.url, NODE_ENV: 'development', LOG_LEVEL: 'loud' });
    expect(code).toBe(78);
    const parsed = parse(lines);
    expect(parsed).toHaveLength(1);
    expect(parsed[0]).toMatchObject({ level: 60, name: 'gateway', msg: expect.stringContaining('LOG_LEVEL') });
  });

  it('reports a failed migration as a JSON line and exits 1', async () => {
    const missing = new URL(db.url);
    missing.pathname = `${missing.pathname}_missing`;
    const { code, lines } = await runAppToExit('gateway', ['migrate'], { DATABASE_URL: missing.toString(), NODE_ENV: 'development' });
    expect(code).toBe(1);
    expect(parse(lines)).toEqual([expect.objectContaining({ level: 60, name: 'gateway', msg: 'migrations failed', err: expect.objectContaining({ message: expect.any(String) }) })]);
  });
});
