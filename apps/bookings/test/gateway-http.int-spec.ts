import { randomUUID } from 'node:crypto';
import {
  availabilitySchema,
  bookingPageSchema,
  createdTimeOffSchema,
  slotsSchema,
  timeOffPageSchema,
  bookingSchema,
  disputePageSchema,
  disputeResultSchema,
  reviewResultSchema,
  tutorProfilePageSchema,
  tutorProfileSchema,
} from '@tutorhub/contracts';
import { eventually, startGatewayProcess, type AppProcess } from '@tutorhub/testing';
import { HOUR, T0, deliver, outboxTypes, sessionEnded, startBookings, type Harness } from './support/bookings-harness';

/**
 * docs/design.md §6 routes end to end: the real gateway as its own process (HTTP, registration and login,
 * JWT auth, validation, problem+json, Idempotency-Key), forwarding over RabbitMQ to the real
 * bookings service (in this process, with a ManualClock), on one Postgres database. Users come
 * from the gateway's own registration, whose `identity.user.registered.v1` events bookings
 * consumes. Nothing imports the gateway's code (apps never import apps).
 */
const ADMIN = { email: 'root@tutorhub.test', password: 'root-password-123456' };


interface User {
  id: string;
  token: string;
}

describe('bookings routes through the gateway (HTTP → gateway process → RPC → bookings)', () => {
  let h: Harness;
  let gateway: AppProcess | undefined;
  let base: string;

  beforeAll(async () => {
    h = await startBookings({}, ['bookings', 'gateway']);
    gateway = await startGatewayProcess(
      { databaseUrl: h.db.url, namespace: h.namespace },
      { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, AUTH_RATE_LIMIT_PER_MINUTE: '1000' },
    );
    base = gateway.baseUrl;
  });

  afterAll(async () => {
    await gateway?.stop();
    await h?.close();
  });

  async function http(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, user: User | null, json?: unknown, headers: Record<string, string> = {}) {
    const all: Record<string, string> = { ...headers };
    if (user) all.authorization = `Bearer ${user.token}`;
    if (json !== undefined) all['content-type'] = 'application/json';
    const res = await fetch(`${base}${path}`, { method, headers: all, body: json === undefined ? undefined : JSON.stringify(json) });
    const text = await res.text();
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      replayed: res.headers.get('idempotent-replayed'),
      body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> & { code?: string },
    };
  }

  /** Registers through the gateway and waits until bookings has the user (from the identity event). */
  async function register(role: 'student' | 'tutor', fullName: string): Promise<User> {
    const res = await http('POST', '/api/auth/register', null, {
      email: `${role}-${randomUUID()}@example.test`,
      password: 'correct horse battery staple',
      fullName,
      role,
    });
    expect(res.status).toBe(201);
    const user = { id: (res.body.user as { id: string }).id, token: res.body.accessToken as string };
    await eventually(async () => {
      const rows: Array<{ full_name: string | null }> = await h.ds.query(`SELECT full_name FROM bookings.users WHERE id = $1`, [user.id]);
      return rows[0]?.full_name === fullName;
    }, 15000);
    return user;
  }

  async function login(email: string, password: string): Promise<User> {
    const res = await http('POST', '/api/auth/login', null, { email, password });
    expect(res.status).toBe(200);
    return { id: (res.body.user as { id: string }).id, token: res.body.accessToken as string };
  }

  const profile = {
    headline: 'Maths for the national exam',
    bio: 'Patient, structured lessons.',
    subjects: ['Mathematics'],
    hourlyRate: { amountMinor: 120_000, currency: 'ETB' },
    timezone: 'Africa/Addis_Ababa',
  };
  const at = (hours: number) => new Date(T0.getTime() + hours * HOUR).toISOString();

  it('runs a lesson from profile to dispute resolution over HTTP', async () => {
    const tutor = await register('tutor', 'Tigist Tutor');
    const student = await register('student', 'Sara Student');
    const rival = await register('student', 'Rita Rival');
    const admin = await login(ADMIN.email, ADMIN.password);

    // Profiles
    expect((await http('PUT', '/api/tutors/me', student, profile)).body).toMatchObject({ status: 403, code: 'auth.forbidden_role' });
    const put = await http('PUT', '/api/tutors/me', tutor, profile);
    expect(put.status).toBe(200);
    expect(tutorProfileSchema.parse(put.body)).toMatchObject({ id: tutor.id, fullName: 'Tigist Tutor', subjects: ['mathematics'], ratingCount: 0 });
    const search = await http('GET', '/api/tutors?subject=MATHEMATICS&limit=10', student);
    expect(search.status).toBe(200);
    expect(tutorProfilePageSchema.parse(search.body).items.map((p) => p.id)).toContain(tutor.id);
    const badQuery = await http('GET', '/api/tutors?limit=lots', student);
    expect(badQuery).toMatchObject({ status: 400, body: { code: 'validation_failed' } });
    expect(badQuery.type).toContain('application/problem+json');
    expect((await http('GET', `/api/tutors/${tutor.id}`, null)).status).toBe(401);

    // Request, with an Idempotency-Key: a retry replays the same booking
    const request = { tutorId: tutor.id, subject: 'Mathematics', startsAt: at(48), durationMinutes: 90, note: 'Integration by parts' };
    const created = await http('POST', '/api/bookings', student, request, { 'idempotency-key': 'lesson-1' });
    expect(created.status).toBe(201);
    const booking = bookingSchema.parse(created.body);
    expect(booking).toMatchObject({ status: 'requested', price: { amountMinor: 180_000, currency: 'ETB' }, studentName: 'Sara Student', tutorName: 'Tigist Tutor' });
    const replay = await http('POST', '/api/bookings', student, request, { 'idempotency-key': 'lesson-1' });
    expect(replay).toMatchObject({ status: 201, replayed: 'true', body: { id: booking.id } });
    expect(await outboxTypes(h, booking.id)).toEqual(['bookings.booking.requested.v1']);

    // The slot is taken for anyone else; a price in the body is refused
    const clash = await http('POST', '/api/bookings', rival, { ...request, startsAt: at(48.5) });
    expect(clash).toMatchObject({ status: 409, body: { code: 'booking.slot_taken' } });
    expect(clash.type).toContain('application/problem+json');
    expect((await http('POST', '/api/bookings', rival, { ...request, price: { amountMinor: 1, currency: 'ETB' } })).body).toMatchObject({
      status: 400,
      code: 'validation_failed',
    });
    expect((await http('POST', '/api/bookings', tutor, request)).status).toBe(403);

    // Visibility
    expect((await http('GET', `/api/bookings/${booking.id}`, rival)).body).toMatchObject({ status: 404, code: 'booking.not_found' });
    expect((await http('GET', `/api/bookings/${booking.id}`, admin)).status).toBe(200);
    const mine = bookingPageSchema.parse((await http('GET', '/api/bookings?limit=5', student)).body);
    expect(mine.items.map((b) => b.id)).toEqual([booking.id]);
    expect(bookingPageSchema.parse((await http('GET', '/api/bookings', rival)).body).items).toEqual([]);

    // The tutor accepts (a student may not); payment and the session arrive as events
    expect((await http('POST', `/api/bookings/${booking.id}/accept`, student)).status).toBe(403);
    const accepted = await http('POST', `/api/bookings/${booking.id}/accept`, tutor);
    expect(accepted).toMatchObject({ status: 200, body: { status: 'accepted' } });
    expect((await http('POST', `/api/bookings/${booking.id}/accept`, tutor)).body).toMatchObject({ status: 409, code: 'booking.invalid_transition' });
    const escrowId = randomUUID();
    const ids = { bookingId: booking.id, studentId: student.id, tutorId: tutor.id };
    await deliver(h, 'payments.escrow.held.v1', { escrowId, ...ids, amount: booking.price });
    await deliver(h, 'sessions.session.ended.v1', sessionEnded(booking, randomUUID(), null));
    expect((await http('GET', `/api/bookings/${booking.id}`, tutor)).body).toMatchObject({ status: 'completed', moneyStatus: 'held' });

    // Reviews
    const review = await http('POST', `/api/bookings/${booking.id}/review`, student, { rating: 5, comment: 'Excellent' });
    expect(review.status).toBe(201);
    expect(reviewResultSchema.parse(review.body).review).toMatchObject({ rating: 5, authorId: student.id, revieweeId: tutor.id });
    expect((await http('POST', `/api/bookings/${booking.id}/review`, student, { rating: 4 })).body).toMatchObject({ status: 409, code: 'review.already_submitted' });
    expect((await http('POST', `/api/bookings/${booking.id}/review`, student, { rating: 9 })).status).toBe(400);
    expect((await http('GET', `/api/tutors/${tutor.id}`, rival)).body).toMatchObject({ ratingAverage: 5, ratingCount: 1 });

    // Dispute, listed and resolved by an admin
    expect((await http('POST', `/api/bookings/${booking.id}/dispute`, tutor, { reason: 'x' })).status).toBe(403);
    const dispute = await http('POST', `/api/bookings/${booking.id}/dispute`, student, { reason: 'The lesson ended early.' });
    expect(dispute.status).toBe(201);
    const opened = disputeResultSchema.parse(dispute.body);
    expect(opened.booking).toMatchObject({ status: 'disputed', moneyStatus: 'held' });
    expect((await http('GET', '/api/admin/disputes?status=open', student)).status).toBe(403);
    const list = await http('GET', '/api/admin/disputes?status=open', admin);
    expect(disputePageSchema.parse(list.body).items.map((d) => d.id)).toContain(opened.dispute.id);
    // Payments confirms the freeze (here: its event, as payments would publish it).
    await deliver(h, 'payments.escrow.frozen.v1', { escrowId, ...ids, disputeId: opened.dispute.id, amount: booking.price });
    const resolved = await http('POST', `/api/admin/disputes/${opened.dispute.id}/resolve`, admin, { outcome: 'refund' });
    expect(resolved.status).toBe(200);
    expect(disputeResultSchema.parse(resolved.body)).toMatchObject({
      dispute: { status: 'resolved', outcome: 'refund', refundBasisPoints: 10000, resolvedBy: admin.id },
      booking: { status: 'completed' },
    });
  });

  it('declines and cancels with or without a body', async () => {
    const tutor = await register('tutor', 'Dawit Tutor');
    const student = await register('student', 'Hana Student');
    expect((await http('PUT', '/api/tutors/me', tutor, profile)).status).toBe(200);
    const one = bookingSchema.parse((await http('POST', '/api/bookings', student, { tutorId: tutor.id, subject: 'mathematics', startsAt: at(30), durationMinutes: 60 })).body);
    const two = bookingSchema.parse((await http('POST', '/api/bookings', student, { tutorId: tutor.id, subject: 'mathematics', startsAt: at(31), durationMinutes: 60 })).body);

    const declined = await http('POST', `/api/bookings/${one.id}/decline`, tutor);
    expect(declined).toMatchObject({ status: 200, body: { status: 'declined', declineReason: null } });

    expect((await http('POST', `/api/bookings/${two.id}/cancel`, student, { reason: 'x', extra: 1 })).status).toBe(400);
    const cancelled = await http('POST', `/api/bookings/${two.id}/cancel`, student, { reason: 'Exam moved' });
    expect(cancelled).toMatchObject({
      status: 200,
      body: { status: 'cancelled', cancellation: { cancelledBy: student.id, cancelledByRole: 'student', reason: 'Exam moved', refundBasisPoints: 10000 } },
    });
    expect((await http('POST', `/api/bookings/${two.id}/cancel`, tutor)).body).toMatchObject({ status: 409, code: 'booking.invalid_transition' });
    expect((await http('POST', `/api/bookings/not-a-uuid/cancel`, tutor)).status).toBe(400);
  });

  it('sets weekly hours and time off, lists slots and books one over HTTP (availability routes, 400/403/404/422 problems)', async () => {
    const tutor = await register('tutor', 'Abebe Tutor');
    const other = await register('tutor', 'Other Tutor');
    const student = await register('student', 'Liya Student');
    expect((await http('PUT', '/api/tutors/me', tutor, profile)).status).toBe(200);
    expect((await http('PUT', '/api/tutors/me', other, profile)).status).toBe(200);

    // Never set: bookable at any time, and said so.
    const none = await http('GET', `/api/tutors/${tutor.id}/availability`, student);
    expect(none).toMatchObject({ status: 200, body: { configured: false, timezone: null, weekly: [] } });

    // Weekly hours: Wednesday 09:00–12:00 in Addis Ababa (UTC+3) = 06:00–09:00 UTC.
    const week = { timezone: 'Africa/Addis_Ababa', weekly: [{ day: 'wed', from: '09:00', to: '12:00' }] };
    expect((await http('PUT', '/api/tutors/me/availability', student, week)).body).toMatchObject({ status: 403, code: 'auth.forbidden_role' });
    const overlapping = await http('PUT', '/api/tutors/me/availability', tutor, { ...week, weekly: [...week.weekly, { day: 'wed', from: '11:00', to: '13:00' }] });
    expect(overlapping).toMatchObject({ status: 400, body: { code: 'availability.overlapping_ranges' } });
    expect(overlapping.type).toContain('application/problem+json');
    expect(String(overlapping.body.detail ?? overlapping.body.title ?? '')).toContain('wed 09:00–12:00 overlaps wed 11:00–13:00');
    expect((await http('PUT', '/api/tutors/me/availability', tutor, { ...week, timezone: 'Nowhere/Land' })).body).toMatchObject({ status: 400, code: 'validation_failed' });
    expect((await http('PUT', '/api/tutors/me/availability', tutor, { ...week, weekly: [{ day: 'wed', from: '09:05', to: '12:00' }] })).status).toBe(400);
    const put = await http('PUT', '/api/tutors/me/availability', tutor, week);
    expect(put.status).toBe(200);
    expect(availabilitySchema.parse(put.body)).toMatchObject({ configured: true, timezone: 'Africa/Addis_Ababa', weekly: week.weekly });
    expect((await http('GET', `/api/tutors/${tutor.id}/availability`, student)).body).toMatchObject({ configured: true, weekly: week.weekly });

    // Slots: Wednesday 2030-01-09, one-hour lessons.
    const q = (from: string, to: string, d: number | string) =>
      http('GET', `/api/tutors/${tutor.id}/slots?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&durationMinutes=${d}`, student);
    const slots = await q('2030-01-09T00:00:00Z', '2030-01-10T00:00:00Z', 60);
    expect(slots.status).toBe(200);
    const parsed = slotsSchema.parse(slots.body);
    expect(parsed).toMatchObject({ tutorId: tutor.id, timezone: 'Africa/Addis_Ababa', durationMinutes: 60 });
    expect(parsed.slots.map((s) => s.startsAt)).toEqual([
      '2030-01-09T06:00:00.000Z', '2030-01-09T06:15:00.000Z', '2030-01-09T06:30:00.000Z', '2030-01-09T06:45:00.000Z',
      '2030-01-09T07:00:00.000Z', '2030-01-09T07:15:00.000Z', '2030-01-09T07:30:00.000Z', '2030-01-09T07:45:00.000Z', '2030-01-09T08:00:00.000Z',
    ]);
    // A zone offset in the query is fine (encoded); a range over 31 days, a bad duration or a missing parameter is 400.
    expect(slotsSchema.parse((await q('2030-01-09T09:00:00+03:00', '2030-01-09T10:00:00+03:00', 60)).body).slots[0].startsAt).toBe('2030-01-09T06:00:00.000Z');
    expect((await q('2030-01-09T00:00:00Z', '2030-02-10T00:00:00Z', 60)).body).toMatchObject({ status: 400, code: 'validation_failed' });
    expect((await q('2030-01-09T00:00:00Z', '2030-01-10T00:00:00Z', 20)).status).toBe(400);
    expect((await http('GET', `/api/tutors/${tutor.id}/slots?from=2030-01-09T00:00:00Z&to=2030-01-10T00:00:00Z`, student)).status).toBe(400);
    expect((await q('2030-01-09T00:00:00Z', '2030-01-10T00:00:00Z', 60)).status).toBe(200);
    expect((await http('GET', `/api/tutors/${randomUUID()}/slots?from=2030-01-09T00:00:00Z&to=2030-01-10T00:00:00Z&durationMinutes=60`, student)).body).toMatchObject({
      status: 404,
      code: 'tutor.not_found',
    });

    // Time off on the following Wednesday; another tutor cannot see or delete it.
    const off = await http('POST', '/api/tutors/me/time-off', tutor, { startsAt: '2030-01-16T00:00:00Z', endsAt: '2030-01-17T00:00:00Z', reason: 'Holiday' });
    expect(off.status).toBe(201);
    const timeOff = createdTimeOffSchema.parse(off.body);
    expect(timeOff).toMatchObject({ startsAt: '2030-01-16T00:00:00.000Z', reason: 'Holiday', conflictingBookings: [] });
    expect((await http('POST', '/api/tutors/me/time-off', tutor, { startsAt: '2030-01-17T00:00:00Z', endsAt: '2030-01-16T00:00:00Z' })).body).toMatchObject({
      status: 400,
      code: 'time_off.invalid_range',
    });
    expect((await http('POST', '/api/tutors/me/time-off', student, { startsAt: '2030-01-16T00:00:00Z', endsAt: '2030-01-17T00:00:00Z' })).status).toBe(403);
    expect(timeOffPageSchema.parse((await http('GET', '/api/tutors/me/time-off', tutor)).body).items.map((t) => t.id)).toEqual([timeOff.id]);
    expect(timeOffPageSchema.parse((await http('GET', '/api/tutors/me/time-off', other)).body).items).toEqual([]);
    expect((await http('DELETE', `/api/tutors/me/time-off/${timeOff.id}`, other)).body).toMatchObject({ status: 404, code: 'time_off.not_found' });
    expect(slotsSchema.parse((await q('2030-01-16T00:00:00Z', '2030-01-17T00:00:00Z', 60)).body).slots).toEqual([]);

    // Booking: inside a listed slot 201; outside the hours or in the time off 422.
    const request = { tutorId: tutor.id, subject: 'mathematics', durationMinutes: 60 };
    const booked = await http('POST', '/api/bookings', student, { ...request, startsAt: parsed.slots[0].startsAt });
    expect(booked).toMatchObject({ status: 201, body: { status: 'requested', startsAt: '2030-01-09T06:00:00.000Z' } });
    expect((await http('POST', '/api/bookings', student, { ...request, startsAt: '2030-01-09T08:30:00Z' })).body).toMatchObject({
      status: 422,
      code: 'booking.outside_availability',
    });
    expect((await http('POST', '/api/bookings', student, { ...request, startsAt: '2030-01-16T06:00:00Z' })).body).toMatchObject({
      status: 422,
      code: 'booking.outside_availability',
    });
    // The booked hour is gone from the slots.
    expect(slotsSchema.parse((await q('2030-01-09T00:00:00Z', '2030-01-10T00:00:00Z', 60)).body).slots.map((s) => s.startsAt)).toEqual([
      '2030-01-09T07:00:00.000Z', '2030-01-09T07:15:00.000Z', '2030-01-09T07:30:00.000Z', '2030-01-09T07:45:00.000Z', '2030-01-09T08:00:00.000Z',
    ]);

    // Deleting the time off opens the day again.
    const deleted = await http('DELETE', `/api/tutors/me/time-off/${timeOff.id}`, tutor);
    expect(deleted.status).toBe(204);
    expect((await http('DELETE', `/api/tutors/me/time-off/${timeOff.id}`, tutor)).status).toBe(404);
    expect((await http('POST', '/api/bookings', student, { ...request, startsAt: '2030-01-16T06:00:00Z' })).status).toBe(201);
  });
});
