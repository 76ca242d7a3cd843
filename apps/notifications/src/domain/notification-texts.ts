import type { EventDataOf } from '@tutorhub/contracts';
import { formatBasisPoints, formatDateTime, formatDuration, formatMoney } from './format';
import type { NotificationDraft } from './notification-kinds';
import type { ReminderKind } from './reminders';

/*
 * Who hears about what, and in which words. One pure function per event type: the event's
 * data and the names we know in, the notifications to write out. The person who did
 * something is not told that they did it (the requesting student, the cancelling party, the
 * tutor who started the session); the other party is.
 */

/** Display names from the contacts read model; undefined while we have not heard of the user. */
export type Names = (userId: string) => string | undefined;

const FULL_REFUND = 10_000;

function name(names: Names, userId: string, fallback: string): string {
  return names(userId) ?? fallback;
}
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const quoted = (reason: string | null | undefined) => (reason ? ` Reason: “${reason}”.` : '');

/** An internal code (`chapa_failed`, `verification_mismatch`): never shown to people as is. */
const looksLikeCode = (reason: string) => /^[a-z0-9]+([_.:-][a-z0-9]+)+$/i.test(reason.trim()) || /^[a-z0-9_]+$/.test(reason.trim());

/** Why a payment did not go through, in words, for the payments service's failure codes. */
const PAYMENT_FAILURES: Record<string, string> = {
  chapa_failed: 'The payment provider declined it.',
  chapa_cancelled: 'It was cancelled on the checkout page.',
  chapa_initialize_failed: 'The checkout page could not be opened.',
  verification_mismatch: 'The payment provider’s confirmation did not match the lesson’s price; our team is checking it and will refund any money taken.',
  initiation_abandoned: 'The checkout was not finished.',
  abandoned: 'The checkout was not finished in time.',
  superseded: 'A newer checkout replaced it.',
};

/**
 * A payment or payout failure reason as a sentence for the person: a known code in words, an
 * unknown code left out (the app shows the generic text), free text from the provider quoted.
 */
export function failureSentence(reason: string | null | undefined, known: Record<string, string> = PAYMENT_FAILURES): string {
  if (!reason) return '';
  const key = reason.trim();
  if (known[key]) return ` ${known[key]}`;
  if (/^chapa_/.test(key)) return ' The payment provider did not complete it.';
  return looksLikeCode(key) ? '' : quoted(key);
}

export const eventMessages = {
  'identity.user.registered.v1'(d: EventDataOf<'identity.user.registered.v1'>): NotificationDraft[] {
    const body =
      d.role === 'tutor'
        ? `Hi ${d.fullName}, complete your tutor profile (subjects, hourly rate, timezone) so that students can find and book you.`
        : d.role === 'student'
          ? `Hi ${d.fullName}, find a tutor for the subject you want to learn and book your first lesson.`
          : `Hi ${d.fullName}, your administrator account is ready.`;
    return [
      {
        userId: d.userId,
        kind: 'user.welcome',
        title: 'Welcome to tutorhub',
        body,
        data: { role: d.role },
        dedupeKey: `user.registered:${d.userId}`,
      },
    ];
  },

  'bookings.booking.requested.v1'(d: EventDataOf<'bookings.booking.requested.v1'>, names: Names): NotificationDraft[] {
    const student = name(names, d.studentId, 'a student');
    return [
      {
        userId: d.tutorId,
        kind: 'booking.requested',
        title: 'New booking request',
        body:
          `${cap(student)} asks for a ${d.subject} lesson on ${formatDateTime(d.startsAt)} ` +
          `(${formatDuration(secondsBetween(d.startsAt, d.endsAt))}) for ${formatMoney(d.price)}. ` +
          'Accept or decline it soon: unanswered requests expire.',
        data: {
          bookingId: d.bookingId,
          studentId: d.studentId,
          subject: d.subject,
          startsAt: d.startsAt,
          endsAt: d.endsAt,
          price: d.price,
          note: d.note ?? null,
        },
        dedupeKey: `booking.requested:${d.bookingId}`,
      },
    ];
  },

  'bookings.booking.accepted.v1'(d: EventDataOf<'bookings.booking.accepted.v1'>, names: Names): NotificationDraft[] {
    const tutor = name(names, d.tutorId, 'your tutor');
    return [
      {
        userId: d.studentId,
        kind: 'booking.accepted',
        title: 'Booking accepted',
        body:
          `${cap(tutor)} accepted your ${d.subject} lesson on ${formatDateTime(d.startsAt)}. ` +
          `Pay ${formatMoney(d.price)} before the lesson starts to confirm it.`,
        data: {
          bookingId: d.bookingId,
          tutorId: d.tutorId,
          subject: d.subject,
          startsAt: d.startsAt,
          endsAt: d.endsAt,
          price: d.price,
        },
        dedupeKey: `booking.accepted:${d.bookingId}`,
      },
    ];
  },

  'bookings.booking.declined.v1'(d: EventDataOf<'bookings.booking.declined.v1'>, names: Names): NotificationDraft[] {
    const tutor = name(names, d.tutorId, 'the tutor');
    return [
      {
        userId: d.studentId,
        kind: 'booking.declined',
        title: 'Booking request declined',
        body: `${cap(tutor)} declined your booking request.${quoted(d.reason)} You have not been charged.`,
        data: { bookingId: d.bookingId, tutorId: d.tutorId, reason: d.reason },
        dedupeKey: `booking.declined:${d.bookingId}`,
      },
    ];
  },

  'bookings.booking.expired.v1'(d: EventDataOf<'bookings.booking.expired.v1'>, names: Names): NotificationDraft[] {
    const tutor = name(names, d.tutorId, 'the tutor');
    const student = name(names, d.studentId, 'the student');
    const data = { bookingId: d.bookingId, studentId: d.studentId, tutorId: d.tutorId, reason: d.reason };
    const dedupeKey = `booking.expired:${d.bookingId}`;
    if (d.reason === 'not_accepted') {
      return [
        {
          userId: d.studentId,
          kind: 'booking.expired',
          title: 'Booking request expired',
          body: `${cap(tutor)} did not answer your request in time, so it expired. You have not been charged.`,
          data,
          dedupeKey,
        },
        {
          userId: d.tutorId,
          kind: 'booking.expired',
          title: 'Booking request expired',
          body: `You did not answer ${student}'s request in time, so it expired.`,
          data,
          dedupeKey,
        },
      ];
    }
    return [
      {
        userId: d.studentId,
        kind: 'booking.expired',
        title: 'Booking expired',
        body: `Your booking with ${tutor} expired because it was not paid before the lesson was due to start.`,
        data,
        dedupeKey,
      },
      {
        userId: d.tutorId,
        kind: 'booking.expired',
        title: 'Booking expired',
        body: `${cap(student)} did not pay for the booking in time, so it expired and the time is free again.`,
        data,
        dedupeKey,
      },
    ];
  },

  'bookings.booking.cancelled.v1'(d: EventDataOf<'bookings.booking.cancelled.v1'>, names: Names): NotificationDraft[] {
    const paid = ['confirmed', 'in_progress'].includes(d.previousStatus);
    const byAdmin = d.cancelledByRole === 'admin';
    const when = formatDateTime(d.startsAt);
    const data = {
      bookingId: d.bookingId,
      studentId: d.studentId,
      tutorId: d.tutorId,
      cancelledBy: d.cancelledBy,
      cancelledByRole: d.cancelledByRole,
      reason: d.reason,
      refundBasisPoints: paid ? d.refundBasisPoints : null,
      startsAt: d.startsAt,
    };
    const dedupeKey = `booking.cancelled:${d.bookingId}`;
    const drafts: NotificationDraft[] = [];
    if (d.cancelledBy !== d.studentId) {
      const who = byAdmin ? 'an administrator' : name(names, d.tutorId, 'your tutor');
      const money = paid ? ` ${formatBasisPoints(d.refundBasisPoints)} of your payment will be refunded.` : '';
      drafts.push({
        userId: d.studentId,
        kind: 'booking.cancelled',
        title: 'Booking cancelled',
        body: `${cap(who)} cancelled your lesson on ${when}.${quoted(d.reason)}${money}`,
        data,
        dedupeKey,
      });
    }
    if (d.cancelledBy !== d.tutorId) {
      const who = byAdmin ? 'an administrator' : name(names, d.studentId, 'the student');
      const money =
        paid && d.refundBasisPoints < FULL_REFUND
          ? ' The part of the payment that is not refunded is paid to you, less the platform fee.'
          : '';
      drafts.push({
        userId: d.tutorId,
        kind: 'booking.cancelled',
        title: 'Booking cancelled',
        body: `${cap(who)} cancelled the lesson on ${when}.${quoted(d.reason)}${money}`,
        data,
        dedupeKey,
      });
    }
    return drafts;
  },

  'bookings.booking.confirmed.v1'(d: EventDataOf<'bookings.booking.confirmed.v1'>, names: Names): NotificationDraft[] {
    const when = formatDateTime(d.startsAt);
    const data = {
      bookingId: d.bookingId,
      studentId: d.studentId,
      tutorId: d.tutorId,
      subject: d.subject,
      startsAt: d.startsAt,
      endsAt: d.endsAt,
    };
    const dedupeKey = `booking.confirmed:${d.bookingId}`;
    return [
      {
        userId: d.studentId,
        kind: 'booking.confirmed',
        title: 'Booking confirmed',
        body:
          `Your ${d.subject} lesson with ${name(names, d.tutorId, 'your tutor')} on ${when} is confirmed. ` +
          'Your payment is held safely until the lesson is over.',
        data,
        dedupeKey,
      },
      {
        userId: d.tutorId,
        kind: 'booking.confirmed',
        title: 'Booking confirmed',
        body: `${cap(name(names, d.studentId, 'the student'))} paid for the ${d.subject} lesson on ${when}. It is confirmed.`,
        data,
        dedupeKey,
      },
    ];
  },

  'bookings.booking.rescheduled.v1'(d: EventDataOf<'bookings.booking.rescheduled.v1'>, names: Names): NotificationDraft[] {
    const from = formatDateTime(d.previousStartsAt);
    const to = formatDateTime(d.startsAt);
    const data = { bookingId: d.bookingId, previousStartsAt: d.previousStartsAt, startsAt: d.startsAt, endsAt: d.endsAt, rescheduledBy: d.rescheduledBy };
    // One per move: a later move of the same lesson is news again.
    const dedupeKey = `booking.rescheduled:${d.bookingId}:${d.slotSequence}`;
    const other = (userId: string) => (userId === d.studentId ? name(names, d.tutorId, 'your tutor') : name(names, d.studentId, 'the student'));
    return [d.studentId, d.tutorId].map((userId) => ({
      userId,
      kind: 'booking.rescheduled' as const,
      title: 'Lesson moved',
      body:
        userId === d.rescheduledBy
          ? `${cap(other(userId))} accepted your new time: the ${d.subject} lesson moves from ${from} to ${to}.`
          : `Your ${d.subject} lesson with ${other(userId)} moves from ${from} to ${to}, as you agreed.`,
      data,
      dedupeKey,
    }));
  },

  'bookings.reschedule.proposed.v1'(d: EventDataOf<'bookings.reschedule.proposed.v1'>, names: Names): NotificationDraft[] {
    const to = d.proposedBy === d.studentId ? d.tutorId : d.studentId;
    const who = d.proposedBy === d.studentId ? name(names, d.studentId, 'your student') : name(names, d.tutorId, 'your tutor');
    return [
      {
        userId: to,
        kind: 'booking.reschedule_proposed',
        title: 'New time proposed',
        body:
          `${cap(who)} would like to move your lesson on ${formatDateTime(d.currentStartsAt)} to ${formatDateTime(d.startsAt)}. ` +
          `Accept or decline before ${formatDateTime(d.expiresAt)}; until then the lesson stays as it is.`,
        data: { bookingId: d.bookingId, proposalId: d.proposalId, startsAt: d.startsAt, expiresAt: d.expiresAt },
        dedupeKey: `reschedule.proposed:${d.proposalId}`,
      },
    ];
  },

  'bookings.reschedule.declined.v1'(d: EventDataOf<'bookings.reschedule.declined.v1'>, names: Names): NotificationDraft[] {
    const other = d.proposedBy === d.studentId ? name(names, d.tutorId, 'your tutor') : name(names, d.studentId, 'your student');
    return [
      {
        userId: d.proposedBy,
        kind: 'booking.reschedule_declined',
        title: 'New time declined',
        body: `${cap(other)} declined moving the lesson to ${formatDateTime(d.startsAt)}. The lesson stays as it was.`,
        data: { bookingId: d.bookingId, proposalId: d.proposalId, startsAt: d.startsAt },
        dedupeKey: `reschedule.declined:${d.proposalId}`,
      },
    ];
  },

  'bookings.reschedule.expired.v1'(d: EventDataOf<'bookings.reschedule.expired.v1'>): NotificationDraft[] {
    return [
      {
        userId: d.proposedBy,
        kind: 'booking.reschedule_expired',
        title: 'New time not answered',
        body: `Your proposal to move the lesson to ${formatDateTime(d.startsAt)} was not answered in time. The lesson stays as it was.`,
        data: { bookingId: d.bookingId, proposalId: d.proposalId, startsAt: d.startsAt },
        dedupeKey: `reschedule.expired:${d.proposalId}`,
      },
    ];
  },

  'bookings.booking.completed.v1'(d: EventDataOf<'bookings.booking.completed.v1'>, names: Names): NotificationDraft[] {
    const dedupeKey = `booking.completed:${d.bookingId}`;
    return [
      {
        userId: d.studentId,
        kind: 'session.rating_requested',
        title: 'How was your lesson?',
        body: `Rate your lesson with ${name(names, d.tutorId, 'your tutor')} to help other students choose.`,
        data: { bookingId: d.bookingId, revieweeId: d.tutorId },
        dedupeKey,
      },
      {
        userId: d.tutorId,
        kind: 'session.rating_requested',
        title: 'How was your lesson?',
        body: `Rate your lesson with ${name(names, d.studentId, 'your student')}.`,
        data: { bookingId: d.bookingId, revieweeId: d.studentId },
        dedupeKey,
      },
    ];
  },

  'bookings.booking.no_show.v1'(d: EventDataOf<'bookings.booking.no_show.v1'>, names: Names): NotificationDraft[] {
    const tutor = name(names, d.tutorId, 'your tutor');
    const student = name(names, d.studentId, 'the student');
    const data = { bookingId: d.bookingId, studentId: d.studentId, tutorId: d.tutorId, absentParty: d.absentParty };
    const dedupeKey = `booking.no_show:${d.bookingId}`;
    const texts: Record<typeof d.absentParty, { student: [string, string]; tutor: [string, string] }> = {
      both: {
        student: ['Lesson missed', `Neither you nor ${tutor} joined the lesson. Your payment will be refunded in full.`],
        tutor: ['Lesson missed', `Neither you nor ${student} joined the lesson, so the student is refunded.`],
      },
      student: {
        student: ['You missed your lesson', `You did not join the lesson with ${tutor}, so the tutor is paid for it.`],
        tutor: ['Student did not attend', `${cap(student)} did not join the lesson. You will be paid for it.`],
      },
      tutor: {
        student: ['Your tutor did not attend', `${cap(tutor)} did not join the lesson. Your payment will be refunded in full.`],
        tutor: ['You missed a lesson', `You did not join the lesson with ${student}, so the student is refunded.`],
      },
    };
    const t = texts[d.absentParty];
    return [
      { userId: d.studentId, kind: 'booking.no_show', title: t.student[0], body: t.student[1], data, dedupeKey },
      { userId: d.tutorId, kind: 'booking.no_show', title: t.tutor[0], body: t.tutor[1], data, dedupeKey },
    ];
  },

  'bookings.dispute.opened.v1'(d: EventDataOf<'bookings.dispute.opened.v1'>, names: Names): NotificationDraft[] {
    return [
      {
        userId: d.tutorId,
        kind: 'dispute.opened',
        title: 'Lesson disputed',
        body:
          `${cap(name(names, d.studentId, 'the student'))} opened a dispute about your lesson.${quoted(d.reason)} ` +
          'The payment is on hold until an administrator resolves it.',
        data: { bookingId: d.bookingId, disputeId: d.disputeId, studentId: d.studentId, reason: d.reason },
        dedupeKey: `dispute.opened:${d.disputeId}`,
      },
    ];
  },

  'bookings.dispute.resolved.v1'(d: EventDataOf<'bookings.dispute.resolved.v1'>): NotificationDraft[] {
    const refunded = formatBasisPoints(d.refundBasisPoints);
    const kept = formatBasisPoints(FULL_REFUND - d.refundBasisPoints);
    const student = {
      release: "The dispute was resolved in the tutor's favour: the payment goes to the tutor.",
      refund: 'The dispute was resolved in your favour: your payment will be refunded in full.',
      split: `The dispute was resolved with a split: ${refunded} of your payment will be refunded.`,
    }[d.outcome];
    const tutor = {
      release: 'The dispute was resolved in your favour: the payment will be released to your wallet.',
      refund: "The dispute was resolved in the student's favour: the payment is refunded to the student.",
      split: `The dispute was resolved with a split: ${kept} of the payment goes to you, less the platform fee.`,
    }[d.outcome];
    const data = {
      bookingId: d.bookingId,
      disputeId: d.disputeId,
      outcome: d.outcome,
      refundBasisPoints: d.refundBasisPoints,
    };
    const dedupeKey = `dispute.resolved:${d.disputeId}`;
    return [
      { userId: d.studentId, kind: 'dispute.resolved', title: 'Dispute resolved', body: student, data, dedupeKey },
      { userId: d.tutorId, kind: 'dispute.resolved', title: 'Dispute resolved', body: tutor, data, dedupeKey },
    ];
  },

  /** The dispute reached the escrow after its money had left it: closed, and the student is told why. */
  'payments.escrow.freeze_rejected.v1'(d: EventDataOf<'payments.escrow.freeze_rejected.v1'>): NotificationDraft[] {
    const body = {
      already_released:
        'Your dispute arrived just after the payment was released to the tutor, so it could not be put on hold and the dispute is closed. ' +
        'Contact support if you still need help with this lesson.',
      already_refunded: 'Your payment for this lesson had already been refunded, so there was nothing left to dispute. The dispute is closed.',
      no_escrow: 'There was no payment held for this lesson, so there was nothing to dispute. The dispute is closed.',
    }[d.reason];
    return [
      {
        userId: d.studentId,
        kind: 'dispute.closed',
        title: 'Dispute closed',
        body,
        data: { bookingId: d.bookingId, disputeId: d.disputeId, reason: d.reason },
        dedupeKey: `dispute.closed:${d.disputeId}`,
      },
    ];
  },

  'bookings.review.submitted.v1'(d: EventDataOf<'bookings.review.submitted.v1'>, names: Names): NotificationDraft[] {
    const fallback = d.authorId === d.studentId ? 'your student' : 'your tutor';
    return [
      {
        userId: d.revieweeId,
        kind: 'review.received',
        title: 'New review',
        body: `${cap(name(names, d.authorId, fallback))} rated your lesson ${d.rating} out of 5.`,
        data: { bookingId: d.bookingId, reviewId: d.reviewId, authorId: d.authorId, rating: d.rating },
        dedupeKey: `review.submitted:${d.reviewId}`,
      },
    ];
  },

  'payments.payment.succeeded.v1'(d: EventDataOf<'payments.payment.succeeded.v1'>): NotificationDraft[] {
    return [
      {
        userId: d.studentId,
        kind: 'payment.succeeded',
        title: 'Payment received',
        body: `We received your payment of ${formatMoney(d.amount)}. It is held in escrow until the lesson is over.`,
        data: { bookingId: d.bookingId, paymentId: d.paymentId, txRef: d.txRef, amount: d.amount },
        dedupeKey: `payment.succeeded:${d.paymentId}`,
      },
    ];
  },

  'payments.payment.failed.v1'(d: EventDataOf<'payments.payment.failed.v1'>): NotificationDraft[] {
    return [
      {
        userId: d.studentId,
        kind: 'payment.failed',
        title: 'Payment failed',
        body:
          `Your payment of ${formatMoney(d.amount)} did not go through.${failureSentence(d.reason)} ` +
          'You can try again before the lesson starts.',
        data: { bookingId: d.bookingId, paymentId: d.paymentId, txRef: d.txRef, amount: d.amount, reason: d.reason },
        dedupeKey: `payment.failed:${d.paymentId}`,
      },
    ];
  },

  'payments.escrow.held.v1'(d: EventDataOf<'payments.escrow.held.v1'>, names: Names): NotificationDraft[] {
    return [
      {
        userId: d.tutorId,
        kind: 'escrow.held',
        title: 'Payment secured',
        body:
          `${cap(name(names, d.studentId, 'the student'))}'s payment of ${formatMoney(d.amount)} is held in escrow. ` +
          'It is released to you after the lesson.',
        data: { bookingId: d.bookingId, escrowId: d.escrowId, amount: d.amount },
        dedupeKey: `escrow.held:${d.escrowId}`,
      },
    ];
  },

  'payments.escrow.release_scheduled.v1'(
    d: EventDataOf<'payments.escrow.release_scheduled.v1'>,
    names: Names,
  ): NotificationDraft[] {
    const at = formatDateTime(d.releaseAt);
    const amount = formatMoney(d.amount);
    const data = { bookingId: d.bookingId, escrowId: d.escrowId, amount: d.amount, releaseAt: d.releaseAt };
    // A release rescheduled to another time is news again.
    const dedupeKey = `escrow.release_scheduled:${d.escrowId}:${new Date(d.releaseAt).toISOString()}`;
    return [
      {
        userId: d.tutorId,
        kind: 'escrow.release_scheduled',
        title: 'Payment release scheduled',
        body: `${amount} for your lesson will be released to your wallet on ${at}, less the platform fee, unless the student opens a dispute before then.`,
        data,
        dedupeKey,
      },
      {
        userId: d.studentId,
        kind: 'escrow.release_scheduled',
        title: 'Lesson payment to be released',
        body: `Your payment of ${amount} will be released to ${name(names, d.tutorId, 'your tutor')} on ${at}. If something went wrong with the lesson, you can open a dispute until then.`,
        data,
        dedupeKey,
      },
    ];
  },

  'payments.escrow.released.v1'(d: EventDataOf<'payments.escrow.released.v1'>): NotificationDraft[] {
    return [
      {
        userId: d.tutorId,
        kind: 'escrow.released',
        title: 'Payment released',
        body: `${formatMoney(d.tutorAmount)} was added to your wallet (platform fee ${formatMoney(d.platformFee)}).`,
        data: { bookingId: d.bookingId, escrowId: d.escrowId, tutorAmount: d.tutorAmount, platformFee: d.platformFee },
        dedupeKey: `escrow.released:${d.escrowId}`,
      },
    ];
  },

  'payments.escrow.refunded.v1'(d: EventDataOf<'payments.escrow.refunded.v1'>): NotificationDraft[] {
    return [
      {
        userId: d.studentId,
        kind: 'escrow.refunded',
        title: 'Refund on its way',
        body: `${formatMoney(d.refundAmount)} is being refunded to you through Chapa.`,
        data: { bookingId: d.bookingId, escrowId: d.escrowId, refundAmount: d.refundAmount, reason: d.reason },
        dedupeKey: `escrow.refunded:${d.escrowId}`,
      },
    ];
  },

  'payments.payout.requested.v1'(d: EventDataOf<'payments.payout.requested.v1'>): NotificationDraft[] {
    return [
      {
        userId: d.tutorId,
        kind: 'payout.requested',
        title: 'Withdrawal requested',
        body: `Your withdrawal of ${formatMoney(d.amount)} is being processed.`,
        data: { payoutId: d.payoutId, amount: d.amount },
        dedupeKey: `payout.requested:${d.payoutId}`,
      },
    ];
  },

  'payments.payout.succeeded.v1'(d: EventDataOf<'payments.payout.succeeded.v1'>): NotificationDraft[] {
    return [
      {
        userId: d.tutorId,
        kind: 'payout.succeeded',
        title: 'Withdrawal sent',
        body: `${formatMoney(d.amount)} was sent to your bank account.`,
        data: { payoutId: d.payoutId, amount: d.amount },
        dedupeKey: `payout.succeeded:${d.payoutId}`,
      },
    ];
  },

  'payments.payout.failed.v1'(d: EventDataOf<'payments.payout.failed.v1'>): NotificationDraft[] {
    return [
      {
        userId: d.tutorId,
        kind: 'payout.failed',
        title: 'Withdrawal failed',
        body: `Your withdrawal of ${formatMoney(d.amount)} failed.${failureSentence(d.reason, {})} The money is back in your wallet.`,
        data: { payoutId: d.payoutId, amount: d.amount, reason: d.reason },
        dedupeKey: `payout.failed:${d.payoutId}`,
      },
    ];
  },

  'payments.payout.reversed.v1'(d: EventDataOf<'payments.payout.reversed.v1'>): NotificationDraft[] {
    return [
      {
        userId: d.tutorId,
        kind: 'payout.reversed',
        title: 'Withdrawal returned by your bank',
        body: `Your bank returned the withdrawal of ${formatMoney(d.amount)}. The money is back in your wallet; check your bank details before withdrawing again.`,
        data: { payoutId: d.payoutId, amount: d.amount, reason: d.reason },
        dedupeKey: `payout.reversed:${d.payoutId}`,
      },
    ];
  },

  'sessions.session.started.v1'(d: EventDataOf<'sessions.session.started.v1'>, names: Names): NotificationDraft[] {
    const data = { bookingId: d.bookingId, sessionId: d.sessionId, startedBy: d.startedBy, startedAt: d.startedAt };
    const dedupeKey = `session.started:${d.sessionId}`;
    const drafts: NotificationDraft[] = [];
    if (d.startedBy !== d.studentId) {
      drafts.push({
        userId: d.studentId,
        kind: 'session.started',
        title: 'Your lesson has started',
        body: `${cap(name(names, d.tutorId, 'your tutor'))} started the session. Join now.`,
        data,
        dedupeKey,
      });
    }
    if (d.startedBy !== d.tutorId) {
      drafts.push({
        userId: d.tutorId,
        kind: 'session.started',
        title: 'Your lesson has started',
        body: `${cap(name(names, d.studentId, 'your student'))} started the session. Join now.`,
        data,
        dedupeKey,
      });
    }
    return drafts;
  },

  /**
   * `startedBy`: who started the session, if we know it. Starting counts as joining, and the
   * other party has already been told the session started, so the starter's join is not news.
   */
  'sessions.session.participant_joined.v1'(
    d: EventDataOf<'sessions.session.participant_joined.v1'>,
    names: Names,
    startedBy?: string,
  ): NotificationDraft[] {
    if (d.userId === startedBy) return [];
    const other = d.userId === d.studentId ? d.tutorId : d.studentId;
    const who = name(names, d.userId, d.role === 'tutor' ? 'your tutor' : 'your student');
    return [
      {
        userId: other,
        kind: 'session.participant_joined',
        title: `${cap(who)} joined`,
        body: `${cap(who)} joined the lesson.`,
        data: { bookingId: d.bookingId, sessionId: d.sessionId, userId: d.userId, role: d.role, joinedAt: d.joinedAt },
        dedupeKey: `session.participant_joined:${d.sessionId}:${d.userId}`,
      },
    ];
  },

  'sessions.session.ended.v1'(d: EventDataOf<'sessions.session.ended.v1'>): NotificationDraft[] {
    const data = {
      bookingId: d.bookingId,
      sessionId: d.sessionId,
      endedBy: d.endedBy,
      startedAt: d.startedAt,
      endedAt: d.endedAt,
      durationSeconds: d.durationSeconds,
    };
    const body = `The session ended after ${formatDuration(d.durationSeconds)}.`;
    const dedupeKey = `session.ended:${d.sessionId}`;
    return [
      { userId: d.studentId, kind: 'session.ended', title: 'Session ended', body, data, dedupeKey },
      { userId: d.tutorId, kind: 'session.ended', title: 'Session ended', body, data, dedupeKey },
    ];
  },
};

export type MessageEventType = keyof typeof eventMessages;

function secondsBetween(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / 1000);
}

// ---- lesson reminders (written by the send-due-reminders job, not by an event) ----

export interface ReminderFacts {
  id: string;
  bookingId: string;
  userId: string;
  kind: ReminderKind;
  studentId: string;
  tutorId: string;
  subject: string;
  startsAt: Date;
  endsAt: Date;
}

export function reminderMessage(r: ReminderFacts, names: Names): NotificationDraft {
  const isStudent = r.userId === r.studentId;
  const other = isStudent ? (names(r.tutorId) ?? 'your tutor') : (names(r.studentId) ?? 'your student');
  const when = formatDateTime(r.startsAt);
  const [title, body] =
    r.kind === '24h'
      ? ['Lesson tomorrow', `Your ${r.subject} lesson with ${other} starts in 24 hours (${when}).`]
      : ['Lesson starts in 15 minutes', `Your ${r.subject} lesson with ${other} starts at ${when}. Get ready to join.`];
  return {
    userId: r.userId,
    kind: 'booking.reminder',
    title,
    body,
    data: {
      bookingId: r.bookingId,
      reminder: r.kind,
      subject: r.subject,
      startsAt: r.startsAt.toISOString(),
      endsAt: r.endsAt.toISOString(),
      withUserId: isStudent ? r.tutorId : r.studentId,
    },
    dedupeKey: `reminder:${r.id}`,
  };
}
