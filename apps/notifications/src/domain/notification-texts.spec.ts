import { EVENT_CATALOGUE } from '@tutorhub/contracts';
import { eventMessages, failureSentence, reminderMessage } from './notification-texts';

const S = '11111111-1111-4111-8111-111111111111';
const T = '22222222-2222-4222-8222-222222222222';
const A = '33333333-3333-4333-8333-333333333333';
const B = '44444444-4444-4444-8444-444444444444';
const p = { bookingId: B, studentId: S, tutorId: T };
const names = (id: string) => ({ [S]: 'Abel', [T]: 'Tigist' })[id];
const unknown = () => undefined;
const recipients = (drafts: Array<{ userId: string; kind: string }>) => drafts.map((d) => [d.userId, d.kind]);

describe('event messages', () => {
  it('covers every user-facing event of the catalogue except those deliberately left out', () => {
    const leftOut = [
      'payments.payment.initiated.v1', // the student just opened the checkout
      'sessions.session.missed.v1', // booking.no_show follows and is what people are told
      'payments.escrow.frozen.v1', // dispute.opened already told the tutor the payment is on hold
      'notifications.notification.created.v1', // our own
    ];
    expect(Object.keys(eventMessages).sort()).toEqual(
      EVENT_CATALOGUE.map((d) => d.type)
        .filter((t) => !leftOut.includes(t))
        .sort(),
    );
  });

  it('never tells the person who acted that they acted', () => {
    const cancelled = (by: string, role: 'student' | 'tutor' | 'admin') =>
      eventMessages['bookings.booking.cancelled.v1'](
        { ...p, cancelledBy: by, cancelledByRole: role, reason: null, refundBasisPoints: 0, previousStatus: 'accepted', startsAt: '2026-03-05T14:00:00Z' },
        names,
      );
    expect(recipients(cancelled(S, 'student'))).toEqual([[T, 'booking.cancelled']]);
    expect(recipients(cancelled(T, 'tutor'))).toEqual([[S, 'booking.cancelled']]);
    expect(recipients(cancelled(A, 'admin'))).toEqual([
      [S, 'booking.cancelled'],
      [T, 'booking.cancelled'],
    ]);
    const started = (by: string) =>
      eventMessages['sessions.session.started.v1']({ sessionId: A, ...p, startedBy: by, channelName: 'c', startedAt: '2026-03-05T14:00:00Z' }, names);
    expect(recipients(started(S))).toEqual([[T, 'session.started']]);
    expect(recipients(started(T))).toEqual([[S, 'session.started']]);
  });

  it('tells each side of a no-show what it means for them', () => {
    const noShow = (absentParty: 'student' | 'tutor' | 'both') => eventMessages['bookings.booking.no_show.v1']({ ...p, absentParty }, names);
    expect(noShow('student').map((d) => d.title)).toEqual(['You missed your lesson', 'Student did not attend']);
    expect(noShow('student')[1].body).toBe('Abel did not join the lesson. You will be paid for it.');
    expect(noShow('tutor')[0].body).toBe('Tigist did not join the lesson. Your payment will be refunded in full.');
    expect(noShow('both')[0].body).toContain('refunded in full');
  });

  it('mentions refunds only for paid bookings', () => {
    const cancel = (previousStatus: 'accepted' | 'confirmed') =>
      eventMessages['bookings.booking.cancelled.v1'](
        { ...p, cancelledBy: T, cancelledByRole: 'tutor', reason: null, refundBasisPoints: 10000, previousStatus, startsAt: '2026-03-05T14:00:00Z' },
        names,
      )[0];
    expect(cancel('confirmed').body).toBe('Tigist cancelled your lesson on Thu 5 Mar 2026, 14:00 UTC. 100 % of your payment will be refunded.');
    expect(cancel('accepted').body).toBe('Tigist cancelled your lesson on Thu 5 Mar 2026, 14:00 UTC.');
    expect(cancel('accepted').data.refundBasisPoints).toBeNull();
  });

  it('falls back to a role when the name is not known yet', () => {
    const [n] = eventMessages['bookings.booking.requested.v1'](
      { ...p, subject: 'Maths', startsAt: '2026-03-05T14:00:00Z', endsAt: '2026-03-05T15:30:00Z', price: { amountMinor: 250000, currency: 'USD' } },
      unknown,
    );
    expect(n.body).toBe(
      'A student asks for a Maths lesson on Thu 5 Mar 2026, 14:00 UTC (1 h 30 min) for USD 2,500.00. Accept or decline it soon: unanswered requests expire.',
    );
  });

  it('does not announce the session starter joining, only the other participant', () => {
    const joined = (userId: string, role: 'student' | 'tutor') =>
      eventMessages['sessions.session.participant_joined.v1']({ sessionId: A, ...p, userId, role, joinedAt: '2026-03-05T14:00:00Z' }, names, S);
    expect(joined(S, 'student')).toEqual([]);
    expect(recipients(joined(T, 'tutor'))).toEqual([[S, 'session.participant_joined']]);
  });

  it('keys each fact by its own identity, so that the same fact told twice is one notification', () => {
    const a = eventMessages['bookings.booking.completed.v1'](p, names);
    const b = eventMessages['bookings.booking.completed.v1'](p, unknown);
    expect(a.map((d) => d.dedupeKey)).toEqual(b.map((d) => d.dedupeKey));
    const at = (releaseAt: string) =>
      eventMessages['payments.escrow.release_scheduled.v1']({ escrowId: A, ...p, amount: { amountMinor: 1, currency: 'ETB' }, releaseAt }, names)[0].dedupeKey;
    expect(at('2026-03-06T15:00:00Z')).toBe(at('2026-03-06T18:00:00+03:00'));
    expect(at('2026-03-06T15:00:00Z')).not.toBe(at('2026-03-07T15:00:00Z'));
  });

  it('never shows an internal failure code to people', () => {
    const amount = { amountMinor: 50000, currency: 'ETB' as const };
    const paymentFailed = (reason: string | null) =>
      eventMessages['payments.payment.failed.v1']({ ...p, paymentId: A, txRef: 'TH-abc', amount, reason } as never)[0]?.body ?? '';
    for (const code of ['chapa_failed', 'chapa_cancelled', 'chapa_expired', 'verification_mismatch', 'abandoned', 'initiation_abandoned', 'superseded', 'some_new_code']) {
      expect(paymentFailed(code)).not.toContain(code);
      expect(paymentFailed(code)).toMatch(/^Your payment of .* did not go through\./);
    }
    expect(paymentFailed('chapa_failed')).toContain('The payment provider declined it.');
    const payoutFailed = (reason: string | null) =>
      eventMessages['payments.payout.failed.v1']({ payoutId: A, tutorId: T, amount, reason } as never)[0]?.body ?? '';
    expect(payoutFailed('transfer_failed')).toBe('Your withdrawal of ETB 500.00 failed. The money is back in your wallet.');
    // A provider's own sentence is quoted.
    expect(payoutFailed('Invalid account number')).toContain('“Invalid account number”');
    expect(failureSentence(null)).toBe('');
  });
});

describe('reminderMessage', () => {
  const starts = new Date('2026-03-03T10:00:00.000Z');
  const at = (iso: string) => new Date(iso);
  const facts = {
    id: '7f0e2b5c-8a41-4c9e-9f57-1d2c3b4a5e6f',
    bookingId: 'b1',
    studentId: 's1',
    tutorId: 't1',
    subject: 'Amharic',
    startsAt: starts,
    endsAt: at('2026-03-03T11:00:00Z'),
  };
  const names = (id: string) => ({ s1: 'Liya', t1: 'Kebede' })[id];

  it('names the other participant and is keyed by the reminder', () => {
    const forStudent = reminderMessage({ ...facts, userId: 's1', kind: '24h' }, names);
    expect(forStudent).toMatchObject({
      userId: 's1',
      kind: 'booking.reminder',
      title: 'Lesson tomorrow',
      body: 'Your Amharic lesson with Kebede starts in 24 hours (Tue 3 Mar 2026, 10:00 UTC).',
      dedupeKey: `reminder:${facts.id}`,
      data: { bookingId: 'b1', reminder: '24h', withUserId: 't1', startsAt: '2026-03-03T10:00:00.000Z' },
    });
    const forTutor = reminderMessage({ ...facts, userId: 't1', kind: '15m' }, () => undefined);
    expect(forTutor.body).toBe('Your Amharic lesson with your student starts at Tue 3 Mar 2026, 10:00 UTC. Get ready to join.');
  });
});
