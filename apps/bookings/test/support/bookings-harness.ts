import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  BOOKINGS_RPC,
  bookingsRpc,
  type Actor,
  type Booking,
  type EventDataOf,
  type EventEnvelope,
  type EventType,
  type Role,
  type RpcOutput,
  type TutorProfile,
} from '@tutorhub/contracts';
import { OutboxRelay, RpcClient, RpcError, Topology } from '@tutorhub/messaging';
import { ManualClock } from '@tutorhub/platform';
import { eventually, publishEvents, rawBroker, startTestService, type TestDatabase, type TestService } from '@tutorhub/testing';
import { AppModule } from '../../src/app.module';
import type { BookingsConfig } from '../../src/config';
import { ExpireBookingsJob } from '../../src/expire-bookings/expire-bookings.job';
import { bookingsMain } from '../../src/main-definition';

export const T0 = new Date('2030-01-07T08:00:00.000Z');
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

export interface Harness {
  svc: TestService<BookingsConfig>;
  db: TestDatabase;
  namespace: string;
  clock: ManualClock;
  ds: DataSource;
  close(): Promise<void>;
}

/** The real bookings service on a fresh database and broker namespace, with a hand-moved clock. */
export async function startBookings(env: Record<string, string> = {}, services: string[] = ['bookings']): Promise<Harness> {
  const clock = new ManualClock(T0);
  const svc = await startTestService(bookingsMain, {
    env,
    services,
    module: (c) => AppModule.forRoot(c as BookingsConfig, { clock }),
  });
  const { db, namespace } = svc;
  // Events published before the service has declared its queue would be dropped by the exchange.
  await eventually(async () => (await queueExists(new Topology(namespace).eventsQueue('bookings'))) || null);
  return {
    svc,
    db,
    namespace,
    clock,
    ds: svc.app.get(DataSource),
    close: () => svc.close(),
  };
}

async function queueExists(queue: string): Promise<boolean> {
  const conn = await rawBroker();
  try {
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    await ch.checkQueue(queue);
    return true;
  } catch {
    return false;
  } finally {
    await conn.close().catch(() => undefined);
  }
}

export const student = (): Actor => ({ userId: randomUUID(), role: 'student' });
export const tutor = (): Actor => ({ userId: randomUUID(), role: 'tutor' });
export const admin = (): Actor => ({ userId: randomUUID(), role: 'admin' });

type BookingsDefinition = (typeof bookingsRpc)[keyof typeof bookingsRpc];
type Pattern = BookingsDefinition['name'];
/** What a pattern answers: the output its `defineRpc` definition infers. */
type Answer<P extends Pattern> = RpcOutput<Extract<BookingsDefinition, { name: P }>>;

/**
 * Calls a pattern over real RPC as `actor`. `data` stays `unknown` (not the definition's input)
 * because the tests also send what the schema refuses.
 */
export function call<P extends Pattern>(h: Harness, pattern: P, data: unknown, actor: Actor | null): Promise<Answer<P>> {
  return h.svc.app.get(RpcClient).call<Answer<P>>('bookings', pattern, data, { actor });
}

/** The problem a call is refused with (fails the test if the call succeeds). */
export async function refusal(p: Promise<unknown>): Promise<{ status: number; code: string; errors?: unknown; details?: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof RpcError) return err.problem;
    throw err;
  }
  throw new Error('expected the call to be refused, but it succeeded');
}

export function envelope<K extends EventType>(type: K, data: EventDataOf<K>, id: string = randomUUID()): EventEnvelope<EventDataOf<K>, K> {
  return {
    id,
    type,
    version: 1,
    occurredAt: new Date().toISOString(),
    producer: type.slice(0, type.indexOf('.')),
    correlationId: randomUUID(),
    causationId: null,
    data,
  };
}

/** Publishes real envelopes to the namespace's events exchange, as another service's relay would. */
export async function publish(h: Harness, ...envelopes: EventEnvelope[]): Promise<void> {
  await publishEvents(h.namespace, ...envelopes);
}

/** Waits until bookings has handled (committed) the event with this id. */
export async function handled(h: Harness, eventId: string): Promise<void> {
  await eventually(async () => {
    const rows: unknown[] = await h.ds.query(`SELECT 1 FROM bookings.inbox WHERE event_id = $1`, [eventId]);
    return rows.length === 1;
  }, 15000);
}

/** Publishes and waits until handled. */
export async function deliver<K extends EventType>(h: Harness, type: K, data: EventDataOf<K>, id?: string): Promise<EventEnvelope<EventDataOf<K>, K>> {
  const e = envelope(type, data, id);
  await publish(h, e);
  await handled(h, e.id);
  return e;
}

/** Events bookings wrote to its outbox about one booking, oldest first. */
export async function outboxEvents(h: Harness, bookingId: string): Promise<Array<{ type: string; data: Record<string, unknown> }>> {
  const rows: Array<{ type: string; envelope: { data: Record<string, unknown> } }> = await h.ds.query(
    `SELECT type, envelope FROM bookings.outbox WHERE envelope->'data'->>'bookingId' = $1 ORDER BY seq`,
    [bookingId],
  );
  return rows.map((r) => ({ type: r.type, data: r.envelope.data }));
}

export async function outboxTypes(h: Harness, bookingId: string): Promise<string[]> {
  return (await outboxEvents(h, bookingId)).map((e) => e.type);
}

export async function registerUser(h: Harness, actor: Actor, fullName: string): Promise<void> {
  await deliver(h, 'identity.user.registered.v1', {
    userId: actor.userId,
    role: actor.role as Role,
    email: `${actor.userId}@example.test`,
    fullName,
  });
}

export const profileInput = (over: Record<string, unknown> = {}) => ({
  headline: 'Calculus and physics, exam ready',
  bio: 'Ten years of teaching.',
  subjects: ['Mathematics', 'Physics'],
  hourlyRate: { amountMinor: 150_000, currency: 'ETB' },
  timezone: 'Africa/Addis_Ababa',
  ...over,
});

export async function createTutor(h: Harness, over: Record<string, unknown> = {}): Promise<{ actor: Actor; profile: TutorProfile }> {
  const actor = tutor();
  const profile = await call(h, BOOKINGS_RPC.tutorsUpsertMe, profileInput(over), actor);
  return { actor, profile };
}

export const bookingInput = (tutorId: string, over: Record<string, unknown> = {}) => ({
  tutorId,
  subject: 'mathematics',
  startsAt: new Date(T0.getTime() + 48 * HOUR).toISOString(),
  durationMinutes: 60,
  ...over,
});

/** A fresh tutor and student and a requested booking between them. */
export async function requestedBooking(
  h: Harness,
  over: Record<string, unknown> = {},
): Promise<{ tutor: Actor; student: Actor; booking: Booking }> {
  const { actor: t } = await createTutor(h);
  const s = student();
  const booking = await call(h, BOOKINGS_RPC.create, bookingInput(t.userId, over), s);
  return { tutor: t, student: s, booking };
}

export const parties = (b: Booking) => ({ bookingId: b.id, studentId: b.studentId, tutorId: b.tutorId });

/** Accepted by the tutor and paid (escrow held): confirmed. */
export async function confirmedBooking(h: Harness, over: Record<string, unknown> = {}) {
  const r = await requestedBooking(h, over);
  await call(h, BOOKINGS_RPC.accept, { bookingId: r.booking.id }, r.tutor);
  const escrowId = randomUUID();
  await deliver(h, 'payments.escrow.held.v1', { escrowId, ...parties(r.booking), amount: r.booking.price });
  return { ...r, escrowId, booking: await call(h, BOOKINGS_RPC.get, { bookingId: r.booking.id }, r.student) };
}

/** Confirmed, the session started and ended with both present: completed. */
export async function completedBooking(h: Harness, over: Record<string, unknown> = {}) {
  const r = await confirmedBooking(h, over);
  const sessionId = randomUUID();
  await deliver(h, 'sessions.session.started.v1', {
    sessionId,
    ...parties(r.booking),
    startedBy: r.tutor.userId,
    channelName: `tutorhub-${r.booking.id}`,
    startedAt: r.booking.startsAt,
  });
  await deliver(h, 'sessions.session.ended.v1', sessionEnded(r.booking, sessionId, null));
  return { ...r, sessionId, booking: await call(h, BOOKINGS_RPC.get, { bookingId: r.booking.id }, r.student) };
}

export function sessionEnded(b: Booking, sessionId: string, absentParty: 'student' | 'tutor' | 'both' | null): EventDataOf<'sessions.session.ended.v1'> {
  return {
    sessionId,
    ...parties(b),
    endedBy: 'system',
    startedAt: b.startsAt,
    endedAt: b.endsAt,
    durationSeconds: b.durationMinutes * 60,
    scheduledDurationSeconds: b.durationMinutes * 60,
    attendance: { studentJoinedAt: absentParty === 'student' ? null : b.startsAt, tutorJoinedAt: absentParty === 'tutor' ? null : b.startsAt },
    absentParty,
  };
}

export const expiryJob = (h: Harness) => h.svc.app.get(ExpireBookingsJob);
export const relay = (h: Harness) => h.svc.app.get(OutboxRelay);
