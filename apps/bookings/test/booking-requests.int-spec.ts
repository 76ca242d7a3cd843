import { randomUUID } from 'node:crypto';
import { BOOKINGS_RPC, type Booking } from '@tutorhub/contracts';
import {
  HOUR,
  MINUTE,
  T0,
  admin,
  bookingInput,
  call,
  confirmedBooking,
  createTutor,
  outboxEvents,
  outboxTypes,
  refusal,
  registerUser,
  requestedBooking,
  startBookings,
  student,
  tutor,
  type Harness,
} from './support/bookings-harness';

describe('bookings: requesting, answering and cancelling lessons (real RPC, Postgres, RabbitMQ)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startBookings();
  });
  afterAll(async () => {
    await h?.close();
  });

  describe('bookings.create', () => {
    it('creates a requested booking priced from the tutor’s current rate, and writes one requested event', async () => {
      const { actor: t } = await createTutor(h, { hourlyRate: { amountMinor: 150_000, currency: 'ETB' } });
      const s = student();
      await registerUser(h, s, 'Sara Student');
      await registerUser(h, t, 'Tom Tutor');
      const startsAt = new Date(T0.getTime() + 30 * HOUR);
      const booking = await call(h, BOOKINGS_RPC.create, bookingInput(t.userId, { startsAt: startsAt.toISOString(), durationMinutes: 90, note: ' derivatives ' }), s);
      expect(booking).toMatchObject({
        studentId: s.userId,
        tutorId: t.userId,
        studentName: 'Sara Student',
        tutorName: 'Tom Tutor',
        subject: 'mathematics',
        note: 'derivatives',
        status: 'requested',
        price: { amountMinor: 225_000, currency: 'ETB' },
        startsAt: startsAt.toISOString(),
        endsAt: new Date(startsAt.getTime() + 90 * MINUTE).toISOString(),
        durationMinutes: 90,
        acceptDeadline: new Date(startsAt.getTime() - 60 * MINUTE).toISOString(),
        paymentDeadline: startsAt.toISOString(),
        moneyStatus: 'unpaid',
        createdAt: T0.toISOString(),
        cancellation: null,
        reviewedBy: [],
        dispute: null,
        version: 1,
      });
      const events = await outboxEvents(h, booking.id);
      expect(events).toEqual([
        {
          type: 'bookings.booking.requested.v1',
          data: {
            bookingId: booking.id,
            studentId: s.userId,
            tutorId: t.userId,
            subject: 'mathematics',
            startsAt: booking.startsAt,
            endsAt: booking.endsAt,
            price: { amountMinor: 225_000, currency: 'ETB' },
            note: 'derivatives',
          },
        },
      ]);
    });

    it('never takes a price from the client', async () => {
      const { actor: t } = await createTutor(h);
      const problem = await refusal(call(h, BOOKINGS_RPC.create, { ...bookingInput(t.userId), price: { amountMinor: 1, currency: 'ETB' } }, student()));
      expect(problem).toMatchObject({ status: 400, code: 'validation_failed' });
    });

    it('keeps the price of an existing booking when the tutor changes their rate', async () => {
      const { tutor: t, student: s, booking } = await requestedBooking(h);
      await call(h, BOOKINGS_RPC.tutorsUpsertMe, { ...profileOf(booking), hourlyRate: { amountMinor: 999_900, currency: 'USD' } }, t);
      const again = await call(h, BOOKINGS_RPC.get, { bookingId: booking.id }, s);
      expect(again.price).toEqual(booking.price);
    });

    it('lets exactly one of several students racing for one slot win; the others get 409 booking.slot_taken', async () => {
      const { actor: t } = await createTutor(h);
      const startsAt = new Date(T0.getTime() + 72 * HOUR);
      const students = Array.from({ length: 6 }, () => student());
      const results = await Promise.allSettled(
        students.map((s, i) =>
          call(
            h,
            BOOKINGS_RPC.create,
            // Same slot, or one that starts 15 minutes either side of it: every pair overlaps.
            bookingInput(t.userId, { startsAt: new Date(startsAt.getTime() + ((i % 3) - 1) * 15 * MINUTE).toISOString(), durationMinutes: 60 }),
            s,
          ),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(5);
      for (const r of lost) expect(r.reason.problem).toMatchObject({ status: 409, code: 'booking.slot_taken' });
      const [{ n }] = await h.ds.query(`SELECT count(*)::int AS n FROM bookings.bookings WHERE tutor_id = $1`, [t.userId]);
      expect(n).toBe(1);
      const [{ m }] = await h.ds.query(
        `SELECT count(*)::int AS m FROM bookings.outbox WHERE type = 'bookings.booking.requested.v1' AND envelope->'data'->>'tutorId' = $1`,
        [t.userId],
      );
      expect(m).toBe(1);
    });

    it('frees the slot once the booking is declined, and allows back-to-back lessons', async () => {
      const { tutor: t, booking } = await requestedBooking(h);
      const endsAt = booking.endsAt;
      await call(h, BOOKINGS_RPC.create, bookingInput(t.userId, { startsAt: endsAt }), student());
      expect(await refusal(call(h, BOOKINGS_RPC.create, bookingInput(t.userId, { startsAt: booking.startsAt }), student()))).toMatchObject({
        status: 409,
        code: 'booking.slot_taken',
      });
      await call(h, BOOKINGS_RPC.decline, { bookingId: booking.id }, t);
      const taken = await call(h, BOOKINGS_RPC.create, bookingInput(t.userId, { startsAt: booking.startsAt }), student());
      expect(taken.status).toBe('requested');
    });

    it('refuses a student two overlapping live lessons (with different tutors)', async () => {
      const { student: s, booking } = await requestedBooking(h);
      const { actor: other } = await createTutor(h);
      const problem = await refusal(
        call(h, BOOKINGS_RPC.create, bookingInput(other.userId, { startsAt: new Date(Date.parse(booking.startsAt) + 30 * MINUTE).toISOString() }), s),
      );
      expect(problem).toMatchObject({ status: 409, code: 'booking.student_overlap' });
    });

    it('refuses too little notice, too far ahead, a subject the tutor does not teach, and an unknown tutor', async () => {
      const { actor: t } = await createTutor(h);
      const soon = new Date(T0.getTime() + 59 * MINUTE).toISOString();
      expect(await refusal(call(h, BOOKINGS_RPC.create, bookingInput(t.userId, { startsAt: soon }), student()))).toMatchObject({
        status: 422,
        code: 'booking.too_soon',
      });
      const far = new Date(T0.getTime() + 181 * 24 * HOUR).toISOString();
      expect(await refusal(call(h, BOOKINGS_RPC.create, bookingInput(t.userId, { startsAt: far }), student()))).toMatchObject({
        status: 422,
        code: 'booking.too_far_ahead',
      });
      expect(await refusal(call(h, BOOKINGS_RPC.create, bookingInput(t.userId, { subject: 'Chemistry' }), student()))).toMatchObject({
        status: 422,
        code: 'booking.subject_not_offered',
      });
      expect(await refusal(call(h, BOOKINGS_RPC.create, bookingInput(randomUUID()), student()))).toMatchObject({ status: 404, code: 'tutor.not_found' });
    });

    it.each([
      ['a duration off the 15-minute grid', { durationMinutes: 50 }],
      ['a duration over 4 hours', { durationMinutes: 255 }],
      ['a start that is not an ISO date-time', { startsAt: 'tomorrow' }],
      ['a blank subject', { subject: '   ' }],
      ['a tutor id that is not a uuid', { tutorId: 'abc' }],
      ['an unknown field', { discount: 10 }],
    ])('answers 400 validation_failed for %s', async (_what, over) => {
      const { actor: t } = await createTutor(h);
      const problem = await refusal(call(h, BOOKINGS_RPC.create, bookingInput(t.userId, over), student()));
      expect(problem).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.any(String) })]));
    });

    it('answers a retried request with the same Idempotency-Key with the booking it already created', async () => {
      const { actor: t } = await createTutor(h);
      const s = student();
      const input = bookingInput(t.userId, { idempotencyKey: 'retry-1' });
      const [a, b] = await Promise.all([call(h, BOOKINGS_RPC.create, input, s), call(h, BOOKINGS_RPC.create, input, s)]);
      expect(b.id).toBe(a.id);
      expect(await outboxTypes(h, a.id)).toEqual(['bookings.booking.requested.v1']);
    });

    it('is for students only', async () => {
      const { actor: t } = await createTutor(h);
      for (const actor of [tutor(), admin(), t]) {
        expect(await refusal(call(h, BOOKINGS_RPC.create, bookingInput(t.userId), actor))).toMatchObject({ status: 403, code: 'auth.forbidden_role' });
      }
      expect(await refusal(call(h, BOOKINGS_RPC.create, bookingInput(t.userId), null))).toMatchObject({ status: 401, code: 'auth.unauthenticated' });
    });
  });

  describe('bookings.accept / bookings.decline', () => {
    it('lets the booking’s tutor accept once; the event carries the price', async () => {
      const { tutor: t, booking } = await requestedBooking(h);
      const accepted = await call(h, BOOKINGS_RPC.accept, { bookingId: booking.id }, t);
      expect(accepted).toMatchObject({ status: 'accepted', acceptedAt: T0.toISOString(), version: 2 });
      expect(await refusal(call(h, BOOKINGS_RPC.accept, { bookingId: booking.id }, t))).toMatchObject({
        status: 409,
        code: 'booking.invalid_transition',
        details: { from: 'accepted', action: 'accept' },
      });
      expect(await refusal(call(h, BOOKINGS_RPC.decline, { bookingId: booking.id }, t))).toMatchObject({ status: 409, code: 'booking.invalid_transition' });
      const events = await outboxEvents(h, booking.id);
      expect(events.map((e) => e.type)).toEqual(['bookings.booking.requested.v1', 'bookings.booking.accepted.v1']);
      expect(events[1]!.data).toMatchObject({ price: booking.price, subject: booking.subject, startsAt: booking.startsAt, endsAt: booking.endsAt });
    });

    it('applies exactly one of an accept and a decline that race', async () => {
      const { tutor: t, booking } = await requestedBooking(h);
      const results = await Promise.allSettled([
        call(h, BOOKINGS_RPC.accept, { bookingId: booking.id }, t),
        call(h, BOOKINGS_RPC.decline, { bookingId: booking.id }, t),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(lost?.reason.problem).toMatchObject({ status: 409, code: 'booking.invalid_transition' });
      expect(await outboxTypes(h, booking.id)).toHaveLength(2);
    });

    it('records the decline reason and emits declined', async () => {
      const { tutor: t, booking } = await requestedBooking(h);
      const declined = await call(h, BOOKINGS_RPC.decline, { bookingId: booking.id, reason: 'Travelling that week' }, t);
      expect(declined).toMatchObject({ status: 'declined', declineReason: 'Travelling that week' });
      const events = await outboxEvents(h, booking.id);
      expect(events[1]).toEqual({ type: 'bookings.booking.declined.v1', data: { bookingId: booking.id, studentId: booking.studentId, tutorId: booking.tutorId, reason: 'Travelling that week' } });
    });

    it('refuses an accept after the accept deadline', async () => {
      const { tutor: t, booking } = await requestedBooking(h);
      h.clock.set(new Date(Date.parse(booking.acceptDeadline) + 1));
      try {
        expect(await refusal(call(h, BOOKINGS_RPC.accept, { bookingId: booking.id }, t))).toMatchObject({
          status: 409,
          code: 'booking.accept_deadline_passed',
          details: { acceptDeadline: booking.acceptDeadline },
        });
      } finally {
        h.clock.set(T0);
      }
    });

    it('is only for the booking’s tutor: other roles 403, another tutor 404', async () => {
      const { student: s, booking } = await requestedBooking(h);
      for (const pattern of [BOOKINGS_RPC.accept, BOOKINGS_RPC.decline]) {
        expect(await refusal(call(h, pattern, { bookingId: booking.id }, s))).toMatchObject({ status: 403, code: 'auth.forbidden_role' });
        expect(await refusal(call(h, pattern, { bookingId: booking.id }, admin()))).toMatchObject({ status: 403 });
        expect(await refusal(call(h, pattern, { bookingId: booking.id }, tutor()))).toMatchObject({ status: 404, code: 'booking.not_found' });
        expect(await refusal(call(h, pattern, { bookingId: randomUUID() }, tutor()))).toMatchObject({ status: 404, code: 'booking.not_found' });
        expect(await refusal(call(h, pattern, { bookingId: 'nope' }, tutor()))).toMatchObject({ status: 400, code: 'validation_failed' });
      }
      expect(await outboxTypes(h, booking.id)).toEqual(['bookings.booking.requested.v1']);
    });
  });

  describe('bookings.cancel', () => {
    const cancelledData = (b: Booking) => ({ bookingId: b.id, studentId: b.studentId, tutorId: b.tutorId });

    it.each([
      ['48 h ahead', 48, 10000],
      ['exactly 24 h ahead', 24, 10000],
      ['10 h ahead', 10, 5000],
      ['exactly 2 h ahead', 2, 5000],
      ['1.5 h ahead', 1.5, 0],
    ])('a student cancelling a confirmed (paid) lesson %s (%p h) gets %p bps back', async (_what, hoursAhead, bps) => {
      const startsAt = new Date(T0.getTime() + 72 * HOUR);
      const { student: s, booking } = await confirmedBooking(h, { startsAt: startsAt.toISOString() });
      h.clock.set(new Date(startsAt.getTime() - hoursAhead * HOUR));
      try {
        const cancelled = await call(h, BOOKINGS_RPC.cancel, { bookingId: booking.id, reason: 'Exam moved' }, s);
        expect(cancelled.status).toBe('cancelled');
        expect(cancelled.cancellation).toEqual({
          cancelledBy: s.userId,
          cancelledByRole: 'student',
          reason: 'Exam moved',
          refundBasisPoints: bps,
          cancelledAt: h.clock.now().toISOString(),
        });
        const events = await outboxEvents(h, booking.id);
        expect(events.map((e) => e.type)).toEqual([
          'bookings.booking.requested.v1',
          'bookings.booking.accepted.v1',
          'bookings.booking.confirmed.v1',
          'bookings.booking.cancelled.v1',
        ]);
        expect(events[3]!.data).toEqual({
          ...cancelledData(booking),
          cancelledBy: s.userId,
          cancelledByRole: 'student',
          reason: 'Exam moved',
          refundBasisPoints: bps,
          previousStatus: 'confirmed',
          startsAt: booking.startsAt,
          cancelledAt: h.clock.now().toISOString(),
          via: 'request',
        });
      } finally {
        h.clock.set(T0);
      }
    });

    // Issue 13, defect 1: the student paid, but escrow.held had not reached bookings yet, so the
    // booking still showed `accepted`. The tiers apply only to what the student saw as confirmed.
    it.each([10, 1.5])('a student cancelling an accepted (not yet confirmed) lesson %p h ahead is quoted a full refund', async (hoursAhead) => {
      const startsAt = new Date(T0.getTime() + 72 * HOUR);
      const { tutor: t, student: s, booking } = await requestedBooking(h, { startsAt: startsAt.toISOString() });
      await call(h, BOOKINGS_RPC.accept, { bookingId: booking.id }, t);
      h.clock.set(new Date(startsAt.getTime() - hoursAhead * HOUR));
      try {
        const cancelled = await call(h, BOOKINGS_RPC.cancel, { bookingId: booking.id }, s);
        expect(cancelled.cancellation).toMatchObject({ cancelledByRole: 'student', refundBasisPoints: 10000 });
        const events = await outboxEvents(h, booking.id);
        expect(events[2]!.data).toMatchObject({ refundBasisPoints: 10000, previousStatus: 'accepted', via: 'request' });
      } finally {
        h.clock.set(T0);
      }
    });

    // Issue 13, defect 4: once the lesson can start (its session's start window is open, 5 min
    // before startsAt), the session (or its absence) decides the money.
    it('answers 409 booking.cancel_window_closed from the opening of the start window on, whoever asks', async () => {
      const { tutor: t, student: s, booking } = await confirmedBooking(h);
      expect(booking.canStartFrom).toBe(new Date(Date.parse(booking.startsAt) - 5 * MINUTE).toISOString());
      expect(booking.canStartUntil).toBe(new Date(Date.parse(booking.startsAt) + 15 * MINUTE).toISOString());
      for (const at of [-5 * MINUTE, 0, 1, 10 * MINUTE]) {
        h.clock.set(new Date(Date.parse(booking.startsAt) + at));
        try {
          for (const actor of [s, t, admin()]) {
            expect(await refusal(call(h, BOOKINGS_RPC.cancel, { bookingId: booking.id }, actor))).toMatchObject({
              status: 409,
              code: 'booking.cancel_window_closed',
            });
          }
        } finally {
          h.clock.set(T0);
        }
      }
      expect((await call(h, BOOKINGS_RPC.get, { bookingId: booking.id }, s)).status).toBe('confirmed');
      expect(await outboxTypes(h, booking.id)).not.toContain('bookings.booking.cancelled.v1');
    });

    it('refunds everything when the tutor or an admin cancels, even at the last minute', async () => {
      for (const who of ['tutor', 'admin'] as const) {
        const r = await requestedBooking(h);
        h.clock.set(new Date(Date.parse(r.booking.startsAt) - 10 * MINUTE));
        try {
          const actor = who === 'tutor' ? r.tutor : admin();
          const cancelled = await call(h, BOOKINGS_RPC.cancel, { bookingId: r.booking.id }, actor);
          expect(cancelled.cancellation).toMatchObject({ cancelledBy: actor.userId, cancelledByRole: who, refundBasisPoints: 10000, reason: null });
        } finally {
          h.clock.set(T0);
        }
      }
    });

    it('cannot cancel twice, and an outsider sees no booking', async () => {
      const { student: s, booking } = await requestedBooking(h);
      expect(await refusal(call(h, BOOKINGS_RPC.cancel, { bookingId: booking.id }, student()))).toMatchObject({ status: 404, code: 'booking.not_found' });
      expect(await refusal(call(h, BOOKINGS_RPC.cancel, { bookingId: booking.id }, tutor()))).toMatchObject({ status: 404, code: 'booking.not_found' });
      await call(h, BOOKINGS_RPC.cancel, { bookingId: booking.id }, s);
      expect(await refusal(call(h, BOOKINGS_RPC.cancel, { bookingId: booking.id }, s))).toMatchObject({
        status: 409,
        code: 'booking.invalid_transition',
        details: { from: 'cancelled', action: 'cancel' },
      });
      expect(await outboxTypes(h, booking.id)).toEqual(['bookings.booking.requested.v1', 'bookings.booking.cancelled.v1']);
    });
  });

  describe('bookings.get / bookings.list', () => {
    it('shows a booking to its participants and admins only', async () => {
      const { tutor: t, student: s, booking } = await requestedBooking(h);
      for (const actor of [s, t, admin()]) expect((await call(h, BOOKINGS_RPC.get, { bookingId: booking.id }, actor)).id).toBe(booking.id);
      for (const actor of [student(), tutor()]) {
        expect(await refusal(call(h, BOOKINGS_RPC.get, { bookingId: booking.id }, actor))).toMatchObject({ status: 404, code: 'booking.not_found' });
      }
      expect(await refusal(call(h, BOOKINGS_RPC.get, { bookingId: booking.id }, null))).toMatchObject({ status: 401 });
    });

    it('lists the caller’s bookings, latest lesson first, page by page', async () => {
      const { actor: t } = await createTutor(h);
      const s = student();
      const created: Booking[] = [];
      for (let i = 0; i < 5; i++) {
        created.push(await call(h, BOOKINGS_RPC.create, bookingInput(t.userId, { startsAt: new Date(T0.getTime() + (100 + i * 2) * HOUR).toISOString() }), s));
      }
      // Someone else's booking with this tutor: the tutor sees it, the student does not.
      const other = await call(h, BOOKINGS_RPC.create, bookingInput(t.userId, { startsAt: new Date(T0.getTime() + 120 * HOUR).toISOString() }), student());
      const expected = created.map((b) => b.id).reverse();

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: Booking[]; nextCursor: string | null } = await call(h, BOOKINGS_RPC.list, { limit: 2, ...(cursor ? { cursor } : {}) }, s);
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((b) => b.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(expected);

      const tutorsView = await call(h, BOOKINGS_RPC.list, { limit: 100 }, t);
      expect(tutorsView.items.map((b) => b.id)).toEqual([other.id, ...expected]);
      expect(tutorsView.nextCursor).toBeNull();

      const adminView = await call(h, BOOKINGS_RPC.list, { limit: 100 }, admin());
      expect(adminView.items.map((b) => b.id)).toEqual(expect.arrayContaining([other.id, ...expected]));

      await call(h, BOOKINGS_RPC.cancel, { bookingId: created[0]!.id }, s);
      const cancelled = await call(h, BOOKINGS_RPC.list, { status: 'cancelled' }, s);
      expect(cancelled.items.map((b) => b.id)).toEqual([created[0]!.id]);
    });

    it('refuses a forged cursor and a bad limit', async () => {
      expect(await refusal(call(h, BOOKINGS_RPC.list, { cursor: 'bm90LWEtY3Vyc29y' }, student()))).toMatchObject({
        status: 400,
        code: 'pagination.invalid_cursor',
      });
      expect(await refusal(call(h, BOOKINGS_RPC.list, { limit: 0 }, student()))).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(await refusal(call(h, BOOKINGS_RPC.list, { status: 'paid' }, student()))).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(await refusal(call(h, BOOKINGS_RPC.list, {}, null))).toMatchObject({ status: 401, code: 'auth.unauthenticated' });
    });
  });
});

function profileOf(b: Booking) {
  return {
    headline: 'Calculus and physics, exam ready',
    bio: 'Ten years of teaching.',
    subjects: [b.subject, 'physics'],
    hourlyRate: b.price,
    timezone: 'UTC',
  };
}
