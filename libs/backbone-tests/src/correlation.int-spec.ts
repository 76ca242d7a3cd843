import { randomUUID } from 'node:crypto';
import { eventually, logCapture, startTestService, type TestService } from '@tutorhub/testing';
import { ProbeHttpController, probeMain, probeModule } from './probe-service';

/**
 * One request id, followed through everything it causes: the HTTP access line, the RPC handler
 * (another service in production: the id travels in the message headers), the event the
 * handler wrote to the outbox and the consumer that handled it. Log lines are read back from
 * the service's real JSON logger.
 */
describe('correlation ids in the logs (real HTTP, RabbitMQ, Postgres)', () => {
  const logs = logCapture();
  let svc: TestService<unknown>;

  beforeAll(async () => {
    svc = await startTestService(probeMain, {
      env: { LOG_LEVEL: 'info' },
      module: (c) => probeModule(c as never, { logDestination: logs.stream, extraControllers: [ProbeHttpController] }),
    });
  });
  afterAll(async () => {
    await svc?.close();
  });

  const relay = (bookingId: string, headers: Record<string, string> = {}) =>
    fetch(`${svc.baseUrl}/probe/relay`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ bookingId }) });

  it('carries the caller\'s X-Request-Id through the RPC handler and the event consumer, and answers it', async () => {
    const id = `test-${randomUUID()}`;
    const bookingId = randomUUID();
    const res = await relay(bookingId, { 'x-request-id': id });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe(id);

    const lines = await eventually(async () => {
      const mine = logs.withId(id);
      return mine.some((l) => l.msg === `event handled for booking ${bookingId}`) ? mine : undefined;
    }, 20_000);
    const messages = lines.map((l) => l.msg);
    expect(messages).toEqual(
      expect.arrayContaining([`relay called for booking ${bookingId}`, `event handled for booking ${bookingId}`, 'POST /probe/relay 200']),
    );
    // The consumer's line also names the event that caused it.
    expect(lines.find((l) => l.msg === `event handled for booking ${bookingId}`)).toMatchObject({ name: 'probe', context: 'Probe', causationId: expect.any(String) });
    // Nothing this request caused was logged without its id.
    expect(logs.lines.filter((l) => typeof l.msg === 'string' && l.msg.includes(bookingId) && l.correlationId !== id)).toEqual([]);
  });

  it('makes up an id when the caller sends none or a malformed one, and still follows it', async () => {
    for (const headers of [{} as Record<string, string>, { 'x-request-id': 'has spaces and ; semicolons' }, { 'x-request-id': 'x'.repeat(101) }]) {
      const bookingId = randomUUID();
      const res = await relay(bookingId, headers);
      const id = res.headers.get('x-request-id') ?? '';
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      await eventually(async () => logs.withId(id).some((l) => l.msg === `event handled for booking ${bookingId}`), 20_000);
      expect(logs.withId(id).map((l) => l.msg)).toContain(`relay called for booking ${bookingId}`);
    }
  });

  it('accepts the older X-Correlation-Id header as the request id', async () => {
    const id = `legacy-${randomUUID()}`;
    const res = await relay(randomUUID(), { 'x-correlation-id': id });
    expect(res.headers.get('x-request-id')).toBe(id);
  });
});
