import { randomBytes, randomUUID } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { SERVICE_ATTRIBUTE } from '@tutorhub/messaging';
import { shutdownTelemetry, startTelemetry } from '@tutorhub/service';
import { eventually, startGatewayProcess, startOtlpReceiver, startServiceProcess, type AppProcess, type OtlpReceiver, type ReceivedSpan } from '@tutorhub/testing';
import { HOUR, T0, startBookings, type Harness } from './support/bookings-harness';

/**
 * Distributed tracing across three services (issue 17), on the real broker and database:
 * - the gateway and notifications run as their own processes, started with the production
 *   entry point and OTEL_EXPORTER_OTLP_ENDPOINT pointing at an in-test OTLP receiver;
 * - bookings runs in this process with an in-memory exporter.
 * One HTTP request (POST /api/bookings) causes an RPC (gateway → bookings) and an event
 * (bookings' outbox → notifications). All their spans share one trace id; the consumer span is
 * linked to (and a child of) the producer span that published the event.
 */

/** A span from either side, in one shape. */
interface AnySpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: 'server' | 'client' | 'producer' | 'consumer' | 'internal';
  attributes: Record<string, unknown>;
  links: Array<{ traceId: string; spanId: string }>;
}

const OTLP_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
const API_KINDS: Record<SpanKind, AnySpan['kind']> = {
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};

function fromProcess(s: ReceivedSpan): AnySpan {
  return { ...s, kind: OTLP_KINDS[s.kind] as AnySpan['kind'] };
}

function inProcess(s: ReadableSpan): AnySpan {
  return {
    // Every service of this process shares the tracer provider; the backbone's spans say whose they are.
    service: String(s.attributes[SERVICE_ATTRIBUTE] ?? 'unknown'),
    traceId: s.spanContext().traceId,
    spanId: s.spanContext().spanId,
    parentSpanId: s.parentSpanContext?.spanId ?? '',
    name: s.name,
    kind: API_KINDS[s.kind],
    attributes: { ...s.attributes },
    links: s.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId })),
  };
}

describe('distributed tracing: HTTP → RPC → outbox → consumer share one trace', () => {
  const memory = new InMemorySpanExporter();
  let receiver: OtlpReceiver;
  let h: Harness;
  let gateway: AppProcess | undefined;
  let notifications: AppProcess | undefined;

  beforeAll(async () => {
    startTelemetry('bookings', { spanProcessors: [new SimpleSpanProcessor({ exporter: memory })], instrument: false });
    receiver = await startOtlpReceiver();
    h = await startBookings({}, ['bookings', 'gateway', 'notifications']);
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_TRACES_SAMPLER: 'parentbased_always_on' };
    const target = { databaseUrl: h.db.url, namespace: h.namespace };
    [gateway, notifications] = await Promise.all([
      startGatewayProcess(target, { ...otel, AUTH_RATE_LIMIT_PER_MINUTE: '1000', LOG_LEVEL: 'info' }),
      startServiceProcess('notifications', target, otel),
    ]);
  });

  afterAll(async () => {
    await Promise.all([gateway?.stop(), notifications?.stop()]);
    await h?.close();
    await receiver?.close();
    await shutdownTelemetry();
  });

  async function post(path: string, json: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${gateway!.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(json) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async function register(role: 'student' | 'tutor'): Promise<{ id: string; token: string }> {
    const res = await post('/api/auth/register', { email: `${role}-${randomUUID()}@example.test`, password: 'correct horse battery staple', fullName: `A ${role}`, role });
    expect(res.status).toBe(201);
    const user = { id: (res.body.user as { id: string }).id, token: res.body.accessToken as string };
    await eventually(async () => ((await h.ds.query(`SELECT 1 FROM bookings.users WHERE id = $1`, [user.id])) as unknown[]).length > 0 || null, 15000);
    return user;
  }

  const spansOf = (traceId: string): AnySpan[] => [
    ...receiver.spans.map(fromProcess),
    ...memory.getFinishedSpans().map(inProcess),
  ].filter((s) => s.traceId === traceId);

  it('follows one booking request through three services', async () => {
    const tutor = await register('tutor');
    const student = await register('student');
    const profile = { headline: 'Maths', bio: 'Patient lessons.', subjects: ['Mathematics'], hourlyRate: { amountMinor: 120_000, currency: 'ETB' }, timezone: 'Africa/Addis_Ababa' };
    const put = await fetch(`${gateway!.baseUrl}/api/tutors/me`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${tutor.token}` }, body: JSON.stringify(profile) });
    expect(put.status).toBe(200);

    // The caller starts the trace (a browser or an edge proxy would); the gateway continues it.
    const traceId = randomBytes(16).toString('hex');
    const created = await post(
      '/api/bookings',
      { tutorId: tutor.id, subject: 'Mathematics', startsAt: new Date(T0.getTime() + 48 * HOUR).toISOString(), durationMinutes: 60 },
      { authorization: `Bearer ${student.token}`, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    );
    expect(created.status).toBe(201);

    // notifications handles bookings.booking.requested.v1; the processes export in batches, so
    // wait until both exported spans of this trace have arrived.
    const consumerSpan = (all: AnySpan[]) => all.find((s) => s.service === 'notifications' && s.kind === 'consumer' && s.name === 'bookings.booking.requested.v1 process');
    const gatewayServer = (all: AnySpan[]) => all.find((s) => s.service === 'gateway' && s.kind === 'server');
    const spans = await eventually(async () => {
      const all = spansOf(traceId);
      return consumerSpan(all) && gatewayServer(all) ? all : null;
    }, 20000);
    const consumer = consumerSpan(spans)!;
    const services = new Set(spans.map((s) => s.service));
    expect([...services].sort()).toEqual(expect.arrayContaining(['bookings', 'gateway', 'notifications']));

    // gateway: the HTTP server span (instrumentation-http) and the RPC client span beneath it.
    const rpcClient = spans.find((s) => s.service === 'gateway' && s.kind === 'client' && s.name === 'bookings.create');
    expect(rpcClient).toBeDefined();
    const httpServer = gatewayServer(spans)!;
    expect(httpServer.attributes['http.route'] ?? httpServer.attributes['url.path']).toMatch(/bookings/);
    expect(rpcClient!.parentSpanId).toBe(httpServer.spanId);

    // bookings: the RPC server span is the client's child (traceparent in the AMQP headers); the
    // event's producer spans (outbox write, relay send) continue the same trace.
    const rpcServer = spans.find((s) => s.service === 'bookings' && s.kind === 'server' && s.name === 'bookings.create');
    expect(rpcServer?.parentSpanId).toBe(rpcClient!.spanId);
    // …and the reply carries the server's context back: the client span links to it.
    expect(rpcClient!.links).toContainEqual({ traceId, spanId: rpcServer!.spanId });
    const create = spans.find((s) => s.service === 'bookings' && s.kind === 'producer' && s.name === 'bookings.booking.requested.v1 create');
    expect(create?.parentSpanId).toBe(rpcServer!.spanId);
    const send = spans.find((s) => s.service === 'bookings' && s.kind === 'producer' && s.name === 'bookings.booking.requested.v1 send');
    expect(send?.parentSpanId).toBe(create!.spanId);
    expect(send!.attributes['messaging.system']).toBe('rabbitmq');

    // notifications: the consumer span links to the producer span that sent the event.
    expect(consumer.links).toContainEqual({ traceId, spanId: send!.spanId });
    expect(consumer.parentSpanId).toBe(send!.spanId);
    expect(consumer.attributes['messaging.system']).toBe('rabbitmq');
    expect(consumer.attributes['tutorhub.booking_id']).toBe(created.body.id);
    // Its Postgres queries (instrumentation-pg, patched after the app was loaded) are its children.
    expect(spans.filter((s) => s.service === 'notifications' && s.kind === 'client' && s.parentSpanId === consumer.spanId).length).toBeGreaterThan(0);

    // The gateway's log lines written for this request carry the trace id beside the correlation id.
    const logged = await eventually(async () => gateway!.logs.find((l) => l.includes(`"traceId":"${traceId}"`)) ?? null, 5000);
    expect(JSON.parse(logged)).toMatchObject({ traceId, spanId: expect.stringMatching(/^[0-9a-f]{16}$/) });
  });
});
