import { randomUUID } from 'node:crypto';
import { BOOKINGS_RPC, type Actor } from '@tutorhub/contracts';
import {
  T0,
  admin,
  call,
  completedBooking,
  confirmedBooking,
  deliver,
  outboxEvents,
  outboxTypes,
  parties,
  refusal,
  requestedBooking,
  sessionEnded,
  startBookings,
  student,
  tutor,
  type Harness,
} from './support/bookings-harness';

describe('bookings: reviews and disputes', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startBookings();
  });
  afterAll(async () => {
    await h?.close();
  });

  describe('bookings.review', () => {
    it('lets each party review a completed lesson once; the student’s rating feeds the tutor’s average', async () => {
      const { tutor: t, student: s, booking } = await completedBooking(h);
      const byStudent = await call(h, BOOKINGS_RPC.review, { bookingId: booking.id, rating: 4, comment: '  Clear and patient.  ' }, s);
      expect(byStudent.review).toEqual({
        id: expect.any(String),
        bookingId: booking.id,
        authorId: s.userId,
        authorRole: 'student',
        revieweeId: t.userId,
        rating: 4,
        comment: 'Clear and patient.',
        createdAt: T0.toISOString(),
      });
      expect(byStudent.booking.reviewedBy).toEqual(['student']);
      expect(await refusal(call(h, BOOKINGS_RPC.review, { bookingId: booking.id, rating: 5 }, s))).toMatchObject({
        status: 409,
        code: 'review.already_submitted',
      });
      const byTutor = await call(h, BOOKINGS_RPC.review, { bookingId: booking.id, rating: 5 }, t);
      expect(byTutor.review).toMatchObject({ authorRole: 'tutor', revieweeId: s.userId, comment: null });
      expect(byTutor.booking.reviewedBy).toEqual(['student', 'tutor']);

      // A second lesson with the same tutor, rated 5: average 4.5 over 2 (the tutor's own review does not count).
      const second = await completedBookingWith(t);
      await call(h, BOOKINGS_RPC.review, { bookingId: second.booking.id, rating: 5 }, second.student);
      expect(await call(h, BOOKINGS_RPC.tutorsGet, { tutorId: t.userId }, student())).toMatchObject({ ratingAverage: 4.5, ratingCount: 2 });

      const submitted = (await outboxEvents(h, booking.id)).filter((e) => e.type === 'bookings.review.submitted.v1');
      expect(submitted.map((e) => e.data)).toEqual([
        { reviewId: byStudent.review.id, ...parties(booking), authorId: s.userId, revieweeId: t.userId, rating: 4 },
        { reviewId: byTutor.review.id, ...parties(booking), authorId: t.userId, revieweeId: s.userId, rating: 5 },
      ]);
    });

    it('keeps one review per party even when the same review is sent twice at once', async () => {
      const { student: s, booking } = await completedBooking(h);
      const results = await Promise.allSettled([
        call(h, BOOKINGS_RPC.review, { bookingId: booking.id, rating: 3 }, s),
        call(h, BOOKINGS_RPC.review, { bookingId: booking.id, rating: 3 }, s),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const [{ n }] = await h.ds.query(`SELECT count(*)::int AS n FROM bookings.reviews WHERE booking_id = $1`, [booking.id]);
      expect(n).toBe(1);
      expect(await call(h, BOOKINGS_RPC.tutorsGet, { tutorId: booking.tutorId }, s)).toMatchObject({ ratingCount: 1, ratingAverage: 3 });
    });

    it('refuses a lesson that is not completed, outsiders, admins and bad ratings', async () => {
      const { student: s, booking } = await confirmedBooking(h);
      expect(await refusal(call(h, BOOKINGS_RPC.review, { bookingId: booking.id, rating: 5 }, s))).toMatchObject({ status: 409, code: 'review.not_allowed' });
      const done = await completedBooking(h);
      expect(await refusal(call(h, BOOKINGS_RPC.review, { bookingId: done.booking.id, rating: 5 }, student()))).toMatchObject({ status: 404, code: 'booking.not_found' });
      expect(await refusal(call(h, BOOKINGS_RPC.review, { bookingId: done.booking.id, rating: 5 }, tutor()))).toMatchObject({ status: 404 });
      expect(await refusal(call(h, BOOKINGS_RPC.review, { bookingId: done.booking.id, rating: 5 }, admin()))).toMatchObject({ status: 403, code: 'auth.forbidden_role' });
      for (const rating of [0, 6, 4.5]) {
        expect(await refusal(call(h, BOOKINGS_RPC.review, { bookingId: done.booking.id, rating }, done.student))).toMatchObject({ status: 400, code: 'validation_failed' });
      }
      expect(await refusal(call(h, BOOKINGS_RPC.review, { bookingId: done.booking.id, rating: 5, comment: 'ሀ'.repeat(2001) }, done.student))).toMatchObject({
        status: 400,
        code: 'validation_failed',
      });
      expect((await outboxTypes(h, done.booking.id)).filter((t) => t === 'bookings.review.submitted.v1')).toEqual([]);
    });
  });

  describe('disputes', () => {
    it('the student opens a dispute after the session, an admin lists and resolves it with a split', async () => {
      const { tutor: t, student: s, escrowId, booking } = await completedBooking(h);
      await deliver(h, 'payments.escrow.release_scheduled.v1', { escrowId, ...parties(booking), amount: booking.price, releaseAt: booking.endsAt });
      const opened = await call(h, BOOKINGS_RPC.dispute, { bookingId: booking.id, reason: 'The tutor left after 20 minutes.' }, s);
      // The money status is what payments last said; frozen only once payments confirms it.
      expect(opened.booking).toMatchObject({ status: 'disputed', moneyStatus: 'release_scheduled', dispute: { id: opened.dispute.id, status: 'open', outcome: null } });
      expect(opened.dispute).toMatchObject({
        bookingId: booking.id,
        studentId: s.userId,
        tutorId: t.userId,
        status: 'open',
        reason: 'The tutor left after 20 minutes.',
        price: booking.price,
        outcome: null,
        refundBasisPoints: null,
        frozenAt: null,
        closedReason: null,
      });
      expect(await refusal(call(h, BOOKINGS_RPC.dispute, { bookingId: booking.id, reason: 'again' }, s))).toMatchObject({ status: 409, code: 'dispute.already_open' });
      // No reviews while the dispute is open.
      expect(await refusal(call(h, BOOKINGS_RPC.review, { bookingId: booking.id, rating: 1 }, s))).toMatchObject({ status: 409, code: 'review.not_allowed' });

      const open = await call(h, BOOKINGS_RPC.disputesList, { status: 'open' }, admin());
      expect(open.items.map((d) => d.id)).toContain(opened.dispute.id);

      const boss = admin();
      // Not before payments confirmed the freeze: the money might still be on its way out.
      expect(await refusal(call(h, BOOKINGS_RPC.disputesResolve, { disputeId: opened.dispute.id, outcome: 'refund' }, boss))).toMatchObject({
        status: 409,
        code: 'dispute.not_ready',
      });
      await deliver(h, 'payments.escrow.frozen.v1', { escrowId, ...parties(booking), disputeId: opened.dispute.id, amount: booking.price });
      expect((await call(h, BOOKINGS_RPC.get, { bookingId: booking.id }, s)).moneyStatus).toBe('frozen');
      expect(await refusal(call(h, BOOKINGS_RPC.disputesResolve, { disputeId: opened.dispute.id, outcome: 'split' }, boss))).toMatchObject({
        status: 422,
        code: 'dispute.invalid_resolution',
      });
      const resolved = await call(h, BOOKINGS_RPC.disputesResolve, { disputeId: opened.dispute.id, outcome: 'split', refundBasisPoints: 6000, note: 'Half the lesson took place.' }, boss);
      expect(resolved.dispute).toMatchObject({ status: 'resolved', outcome: 'split', refundBasisPoints: 6000, resolvedBy: boss.userId, resolutionNote: 'Half the lesson took place.' });
      expect(resolved.booking).toMatchObject({ status: 'completed', dispute: { status: 'resolved', outcome: 'split' } });
      expect(await refusal(call(h, BOOKINGS_RPC.disputesResolve, { disputeId: opened.dispute.id, outcome: 'refund' }, boss))).toMatchObject({
        status: 409,
        code: 'dispute.already_resolved',
      });
      expect(await refusal(call(h, BOOKINGS_RPC.dispute, { bookingId: booking.id, reason: 'once more' }, s))).toMatchObject({ status: 409, code: 'dispute.already_resolved' });

      const events = await outboxEvents(h, booking.id);
      expect(events.filter((e) => e.type.startsWith('bookings.dispute.'))).toEqual([
        { type: 'bookings.dispute.opened.v1', data: { disputeId: opened.dispute.id, ...parties(booking), reason: 'The tutor left after 20 minutes.' } },
        {
          type: 'bookings.dispute.resolved.v1',
          data: { disputeId: opened.dispute.id, ...parties(booking), outcome: 'split', refundBasisPoints: 6000, resolvedBy: boss.userId },
        },
      ]);
      const resolvedList = await call(h, BOOKINGS_RPC.disputesList, { status: 'resolved' }, boss);
      expect(resolvedList.items.map((d) => d.id)).toEqual([opened.dispute.id]);
    });

    it('applies exactly one of two resolutions that race', async () => {
      const { student: s, escrowId, booking } = await completedBooking(h);
      const { dispute } = await call(h, BOOKINGS_RPC.dispute, { bookingId: booking.id, reason: 'No show of materials' }, s);
      await deliver(h, 'payments.escrow.frozen.v1', { escrowId, ...parties(booking), disputeId: dispute.id, amount: booking.price });
      const results = await Promise.allSettled([
        call(h, BOOKINGS_RPC.disputesResolve, { disputeId: dispute.id, outcome: 'refund' }, admin()),
        call(h, BOOKINGS_RPC.disputesResolve, { disputeId: dispute.id, outcome: 'release' }, admin()),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect((await outboxTypes(h, booking.id)).filter((t) => t === 'bookings.dispute.resolved.v1')).toHaveLength(1);
    });

    // Issue 13, defect 3: the release job released at 10:00:00.2, the student disputed at
    // 10:00:00.5 (bookings had not heard of the release yet). Payments could not freeze the money:
    // the dispute is closed with the outcome the money had, and resolving it is a clear 409.
    it('closes a dispute that lost the race with the release, and never resolves it on paper', async () => {
      const { student: s, escrowId, booking } = await completedBooking(h);
      const { dispute } = await call(h, BOOKINGS_RPC.dispute, { bookingId: booking.id, reason: 'The tutor was late.' }, s);
      const rejected = { escrowId, ...parties(booking), disputeId: dispute.id, escrowStatus: 'released' as const, reason: 'already_released' as const };
      // The released event and the rejection arrive in either order, and twice under new ids.
      await deliver(h, 'payments.escrow.freeze_rejected.v1', rejected);
      await deliver(h, 'payments.escrow.released.v1', {
        escrowId,
        ...parties(booking),
        tutorAmount: { amountMinor: booking.price.amountMinor - 150, currency: booking.price.currency },
        platformFee: { amountMinor: 150, currency: booking.price.currency },
      });
      await deliver(h, 'payments.escrow.freeze_rejected.v1', rejected);
      const after = await call(h, BOOKINGS_RPC.get, { bookingId: booking.id }, s);
      expect(after).toMatchObject({ status: 'completed', moneyStatus: 'released', dispute: { id: dispute.id, status: 'closed', outcome: null } });
      const boss = admin();
      expect(await refusal(call(h, BOOKINGS_RPC.disputesResolve, { disputeId: dispute.id, outcome: 'refund' }, boss))).toMatchObject({
        status: 409,
        code: 'dispute.closed',
      });
      const [closed] = (await call(h, BOOKINGS_RPC.disputesList, { status: 'closed' }, boss)).items.filter((d) => d.id === dispute.id);
      expect(closed).toMatchObject({ status: 'closed', closedReason: 'already_released', outcome: null, resolvedAt: null });
      expect(await outboxTypes(h, booking.id)).not.toContain('bookings.dispute.resolved.v1');
      // A second dispute is not possible: the money is gone.
      expect(await refusal(call(h, BOOKINGS_RPC.dispute, { bookingId: booking.id, reason: 'again' }, s))).toMatchObject({ status: 409 });
    });

    // Issue 13, defect 2: a no-show that pays the tutor (the student "absent") may be disputed
    // in the same window as a completed lesson, and returns to no_show when resolved.
    it('lets the student dispute a no-show that pays the tutor, and not one that refunds them', async () => {
      const paid = await confirmedBooking(h);
      await deliver(h, 'sessions.session.ended.v1', sessionEnded(paid.booking, randomUUID(), 'student'));
      await deliver(h, 'payments.escrow.release_scheduled.v1', { escrowId: paid.escrowId, ...parties(paid.booking), amount: paid.booking.price, releaseAt: paid.booking.endsAt });
      const { dispute, booking } = await call(h, BOOKINGS_RPC.dispute, { bookingId: paid.booking.id, reason: 'I was there; the tutor never let me in.' }, paid.student);
      expect(booking).toMatchObject({ status: 'disputed', absentParty: 'student' });
      await deliver(h, 'payments.escrow.frozen.v1', { escrowId: paid.escrowId, ...parties(paid.booking), disputeId: dispute.id, amount: paid.booking.price });
      const resolved = await call(h, BOOKINGS_RPC.disputesResolve, { disputeId: dispute.id, outcome: 'refund' }, admin());
      expect(resolved.booking).toMatchObject({ status: 'no_show', dispute: { status: 'resolved', outcome: 'refund' } });

      const refunded = await confirmedBooking(h);
      await deliver(h, 'sessions.session.ended.v1', sessionEnded(refunded.booking, randomUUID(), 'tutor'));
      expect(await refusal(call(h, BOOKINGS_RPC.dispute, { bookingId: refunded.booking.id, reason: 'x' }, refunded.student))).toMatchObject({
        status: 409,
        code: 'dispute.not_allowed',
      });
    });

    it('is only for the booking’s student, only after the session, and only admins see and resolve disputes', async () => {
      const { tutor: t, student: s, booking } = await completedBooking(h);
      expect(await refusal(call(h, BOOKINGS_RPC.dispute, { bookingId: booking.id, reason: 'x' }, t))).toMatchObject({ status: 403, code: 'auth.forbidden_role' });
      expect(await refusal(call(h, BOOKINGS_RPC.dispute, { bookingId: booking.id, reason: 'x' }, admin()))).toMatchObject({ status: 403 });
      expect(await refusal(call(h, BOOKINGS_RPC.dispute, { bookingId: booking.id, reason: 'x' }, student()))).toMatchObject({ status: 404, code: 'booking.not_found' });
      expect(await refusal(call(h, BOOKINGS_RPC.dispute, { bookingId: booking.id, reason: '' }, s))).toMatchObject({ status: 400, code: 'validation_failed' });
      const early = await requestedBooking(h);
      expect(await refusal(call(h, BOOKINGS_RPC.dispute, { bookingId: early.booking.id, reason: 'x' }, early.student))).toMatchObject({
        status: 409,
        code: 'dispute.not_allowed',
      });
      for (const actor of [s, t]) {
        expect(await refusal(call(h, BOOKINGS_RPC.disputesList, {}, actor))).toMatchObject({ status: 403, code: 'auth.forbidden_role' });
        expect(await refusal(call(h, BOOKINGS_RPC.disputesResolve, { disputeId: randomUUID(), outcome: 'refund' }, actor))).toMatchObject({ status: 403 });
      }
      expect(await refusal(call(h, BOOKINGS_RPC.disputesResolve, { disputeId: randomUUID(), outcome: 'refund' }, admin()))).toMatchObject({
        status: 404,
        code: 'dispute.not_found',
      });
      expect(await refusal(call(h, BOOKINGS_RPC.disputesResolve, { disputeId: randomUUID(), outcome: 'halve' }, admin()))).toMatchObject({
        status: 400,
        code: 'validation_failed',
      });
    });
  });

  /** Another completed lesson with the same tutor (a later slot, a new student). */
  async function completedBookingWith(t: Actor) {
    const s = student();
    const startsAt = new Date(T0.getTime() + 96 * 3_600_000).toISOString();
    const booking = await call(h, BOOKINGS_RPC.create, { tutorId: t.userId, subject: 'mathematics', startsAt, durationMinutes: 60 }, s);
    await call(h, BOOKINGS_RPC.accept, { bookingId: booking.id }, t);
    await deliver(h, 'payments.escrow.held.v1', { escrowId: randomUUID(), ...parties(booking), amount: booking.price });
    const sessionId = randomUUID();
    await deliver(h, 'sessions.session.ended.v1', {
      sessionId,
      ...parties(booking),
      endedBy: 'system',
      startedAt: booking.startsAt,
      endedAt: booking.endsAt,
      durationSeconds: 3600,
      scheduledDurationSeconds: 3600,
      attendance: { studentJoinedAt: booking.startsAt, tutorJoinedAt: booking.startsAt },
      absentParty: null,
    });
    return { student: s, booking };
  }
});
