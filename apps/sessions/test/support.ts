import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { Actor, EventDataOf, EventEnvelope, EventType, RpcProblem } from '@tutorhub/contracts';
import { RpcClient, RpcError } from '@tutorhub/messaging';
import { ManualClock } from '@tutorhub/platform';
import { eventually, publishEvents, startTestService, type TestDatabase, type TestService } from '@tutorhub/testing';
import { AppModule } from '../src/app.module';
import type { SessionsConfig } from '../src/config';
import { sessionsMain } from '../src/main-definition';

export const APP_ID = '970ca35de60c44645bbae8a215061b33';
export const APP_CERT = '5cfd2fd1755d40ecb72977518be15d3b';
export const MINUTE = 60_000;

export interface SessionsHarness {
  svc: TestService<SessionsConfig>;
  clock: ManualClock;
}

/** One real sessions service (own database and broker namespace unless shared) with a ManualClock. */
export async function startSessions(opts: { db?: TestDatabase; namespace?: string; services?: string[] } = {}): Promise<SessionsHarness> {
  const clock = new ManualClock();
  const svc = await startTestService(sessionsMain, {
    ...opts,
    env: { AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: APP_CERT },
    module: (c) => AppModule.forRoot(c as SessionsConfig, { clock }),
  });
  return { svc, clock };
}

export const studentActor = (userId = randomUUID()): Actor => ({ userId, role: 'student' });
export const tutorActor = (userId = randomUUID()): Actor => ({ userId, role: 'tutor' });

export interface TestBooking {
  bookingId: string;
  student: Actor;
  tutor: Actor;
  startsAt: Date;
  endsAt: Date;
}

/**
 * A booking slot starting on a whole minute about an hour from the real time, so that the
 * tokens' real lifetimes stay well under Agora's 24 h cap and their expiries can be checked
 * to the second. `offsetMinutes` moves it.
 */
export function newBooking(offsetMinutes = 0, durationMinutes = 60): TestBooking {
  const startsAt = new Date(Math.ceil(Date.now() / MINUTE) * MINUTE + (60 + offsetMinutes) * MINUTE);
  return {
    bookingId: randomUUID(),
    student: studentActor(),
    tutor: tutorActor(),
    startsAt,
    endsAt: new Date(startsAt.getTime() + durationMinutes * MINUTE),
  };
}

export const plus = (d: Date, ms: number) => new Date(d.getTime() + ms);

export function envelope<K extends EventType>(type: K, data: EventDataOf<K>): EventEnvelope<EventDataOf<K>, K> {
  return {
    id: randomUUID(),
    type,
    version: 1,
    occurredAt: new Date().toISOString(),
    producer: type.split('.')[0] ?? 'bookings',
    correlationId: randomUUID(),
    causationId: null,
    data,
  };
}

export const confirmedEvent = (b: TestBooking) =>
  envelope('bookings.booking.confirmed.v1', {
    bookingId: b.bookingId,
    studentId: b.student.userId,
    tutorId: b.tutor.userId,
    subject: 'Algebra',
    startsAt: b.startsAt.toISOString(),
    endsAt: b.endsAt.toISOString(),
  });

export const cancelledEvent = (b: TestBooking) =>
  envelope('bookings.booking.cancelled.v1', {
    bookingId: b.bookingId,
    studentId: b.student.userId,
    tutorId: b.tutor.userId,
    cancelledBy: b.student.userId,
    cancelledByRole: 'student',
    reason: null,
    refundBasisPoints: 10000,
    previousStatus: 'confirmed',
    startsAt: b.startsAt.toISOString(),
  });

/** Publishes real envelopes on the namespace's exchange, as the bookings service's relay would. */
export async function publish(h: SessionsHarness, ...envelopes: EventEnvelope[]): Promise<void> {
  await publishEvents(h.svc.namespace, ...envelopes);
}

/** Waits until the service has handled (committed) each of these events. */
export async function handled(h: SessionsHarness, ...envelopes: EventEnvelope[]): Promise<void> {
  const ids = envelopes.map((e) => e.id);
  await eventually(async () => {
    const [row] = await ds(h).query(`SELECT count(DISTINCT event_id)::int AS n FROM sessions.inbox WHERE event_id = ANY($1::uuid[])`, [ids]);
    return row.n === ids.length;
  });
}

export async function deliver(h: SessionsHarness, ...envelopes: EventEnvelope[]): Promise<void> {
  await publish(h, ...envelopes);
  await handled(h, ...envelopes);
}

/** A confirmed booking, known to the service. */
export async function confirmedBooking(h: SessionsHarness, b: TestBooking = newBooking()): Promise<TestBooking> {
  await deliver(h, confirmedEvent(b));
  return b;
}

export const ds = (h: SessionsHarness) => h.svc.app.get(DataSource);

export function call<T>(h: SessionsHarness, pattern: string, data: unknown, actor: Actor | null): Promise<T> {
  return h.svc.app.get(RpcClient).call<T>('sessions', pattern, data, { actor });
}

/** The problem a refused call answered with (fails the test if the call succeeded). */
export async function refusal(h: SessionsHarness, pattern: string, data: unknown, actor: Actor | null): Promise<RpcProblem> {
  try {
    await call(h, pattern, data, actor);
  } catch (err) {
    if (err instanceof RpcError) return err.problem;
    throw err;
  }
  throw new Error(`${pattern} was expected to be refused but succeeded`);
}

export interface OutboxRow {
  type: string;
  data: Record<string, unknown>;
}

/** Every event the service wrote about this booking, in commit order. */
export async function outboxFor(h: SessionsHarness, bookingId: string): Promise<OutboxRow[]> {
  const rows: Array<{ type: string; envelope: { data: Record<string, unknown> } }> = await ds(h).query(
    `SELECT type, envelope FROM sessions.outbox WHERE envelope->'data'->>'bookingId' = $1 ORDER BY seq`,
    [bookingId],
  );
  return rows.map((r) => ({ type: r.type, data: r.envelope.data }));
}

export async function countEvents(h: SessionsHarness, bookingId: string, type: EventType): Promise<number> {
  return (await outboxFor(h, bookingId)).filter((e) => e.type === type).length;
}
