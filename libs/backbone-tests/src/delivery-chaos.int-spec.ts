import { randomUUID } from 'node:crypto';
import { register } from 'prom-client';
import { DataSource } from 'typeorm';
import { createTestDatabase, eventually, publishEvents, queueDepth, startTestService, type TestDatabase, type TestService } from '@tutorhub/testing';
import { chaosProbeMain } from './chaos-probe-service';

/**
 * The test-only delivery chaos (libs/messaging/src/delivery-chaos.ts) against the real broker and
 * database: events of ONE booking, published in order, are handled out of order and some twice
 * (same id: the inbox absorbs it; new id: the handler's fact-level idempotency absorbs it), and
 * every fact still takes effect exactly once. The same run without chaos is the control: in order,
 * nothing doubled, so the assertions are not vacuous.
 */
const N = 60;

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const m = register.getSingleMetric(name);
  if (!m) return 0;
  const { values } = await m.get();
  return values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((s, v) => s + v.value, 0);
}

const counts = async () => ({
  handled: await metric('events_consumed_total', { service: 'chaosprobe', outcome: 'handled' }),
  duplicate: await metric('events_consumed_total', { service: 'chaosprobe', outcome: 'duplicate' }),
  duplicated: await metric('event_chaos_total', { service: 'chaosprobe', action: 'duplicated' }),
  republished: await metric('event_chaos_total', { service: 'chaosprobe', action: 'republished' }),
});


function reviews(bookingId: string) {
  const studentId = randomUUID();
  const tutorId = randomUUID();
  return Array.from({ length: N }, (_, i) => ({
    id: randomUUID(),
    type: 'bookings.review.submitted.v1',
    version: 1,
    occurredAt: new Date(Date.now() + i).toISOString(),
    producer: 'bookings',
    correlationId: `chaos-${i}`,
    causationId: null,
    data: { reviewId: randomUUID(), bookingId, studentId, tutorId, authorId: studentId, revieweeId: tutorId, rating: 1 + (i % 5) },
  }));
}

/** Publishes N events of one booking in order and waits until all of them and every chaos copy are handled. */
async function run(svc: TestService<unknown>) {
  const ds = svc.app.get(DataSource);
  const before = await counts();
  const bookingId = randomUUID();
  const events = reviews(bookingId);
  await publishEvents(svc.namespace, ...events);
  const after = await eventually(async () => {
    const c = await counts();
    const handled = c.handled - before.handled;
    const duplicate = c.duplicate - before.duplicate;
    // Each original once, each new-id copy once more; each same-id copy found in the inbox.
    const done = handled === N + (c.republished - before.republished) && duplicate === c.duplicated - before.duplicated;
    return done && (await queueDepth(`${svc.namespace}.chaosprobe.events`)) === 0 ? c : undefined;
  }, 60000, 100);
  const arrivals: Array<{ event_id: string; review_id: string }> = await ds.query(
    `SELECT event_id, review_id FROM chaosprobe.arrivals WHERE booking_id = $1 ORDER BY seq`,
    [bookingId],
  );
  const facts: Array<{ review_id: string; n: number }> = await ds.query(
    `SELECT review_id, count(*)::int AS n FROM chaosprobe.facts WHERE booking_id = $1 GROUP BY review_id`,
    [bookingId],
  );
  const position = new Map<string, number>(events.map((e, i) => [e.data.reviewId, i]));
  const firstSeen: number[] = [];
  for (const a of arrivals) {
    const p = position.get(a.review_id) as number;
    if (!firstSeen.includes(p)) firstSeen.push(p);
  }
  const inversions = firstSeen.reduce((n, p, i) => n + firstSeen.slice(i + 1).filter((q) => q < p).length, 0);
  const original = new Set<string>(events.map((e) => e.id));
  return {
    inversions,
    facts,
    originalsHandled: arrivals.filter((a) => original.has(a.event_id)).length,
    distinctOriginalsHandled: new Set(arrivals.filter((a) => original.has(a.event_id)).map((a) => a.event_id)).size,
    newIdCopiesHandled: arrivals.filter((a) => !original.has(a.event_id)).length,
    sameIdCopiesAbsorbed: after.duplicate - before.duplicate,
  };
}

describe('delivery chaos against the real broker and database', () => {
  let db: TestDatabase;
  afterAll(async () => {
    await db?.drop();
  });
  beforeAll(async () => {
    db = await createTestDatabase();
  });

  it('delivers the events of one booking out of order and twice (same id and new id), with every fact applied exactly once', async () => {
    const svc = await startTestService(chaosProbeMain, {
      db,
      env: { EVENT_CHAOS_MAX_DELAY_MS: '400', EVENT_CHAOS_DUPLICATE_RATE: '0.3', EVENT_CHAOS_REPUBLISH_RATE: '0.3', EVENT_CHAOS_SEED: 'backbone-1' },
    });
    try {
      const r = await run(svc);
      expect(r.inversions).toBeGreaterThan(0);
      expect(r.sameIdCopiesAbsorbed).toBeGreaterThan(0);
      expect(r.newIdCopiesHandled).toBeGreaterThan(0);
      // Exactly once: every event handled once under its own id, every fact applied once.
      expect(r.originalsHandled).toBe(N);
      expect(r.distinctOriginalsHandled).toBe(N);
      expect(r.facts).toHaveLength(N);
      expect(r.facts.every((f) => f.n === 1)).toBe(true);
    } finally {
      await svc.close();
    }
  });

  it('control: without chaos the same events are handled in order, each once', async () => {
    const svc = await startTestService(chaosProbeMain, { db });
    try {
      const r = await run(svc);
      expect(r).toMatchObject({ inversions: 0, sameIdCopiesAbsorbed: 0, newIdCopiesHandled: 0, originalsHandled: N, distinctOriginalsHandled: N });
      expect(r.facts).toHaveLength(N);
    } finally {
      await svc.close();
    }
  });
});
