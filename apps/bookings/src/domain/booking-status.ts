import { BOOKING_STATUSES } from '@tutorhub/contracts';
import { stateMachine } from '@tutorhub/platform';
import { DomainError } from './domain-error';

// The statuses are part of the event contract (bookingStatusSchema), so they are defined there
// once and the state machine below must cover every one of them.
export { BOOKING_STATUSES };

export type BookingStatus = (typeof BOOKING_STATUSES)[number];

/**
 * What happens to a booking. Each action names the trigger of docs/design.md §3:
 * - `accept` / `decline`: the tutor answers a request;
 * - `confirm`: payments reports the escrow held;
 * - `expire`: not accepted by the accept deadline, or not paid by `startsAt`;
 * - `cancel`: a participant, an admin or the system cancels (refund by the cancellation policy);
 * - `abandon`: a participant ended the session before the other joined, while the start window
 *   was open (docs/design.md §4): that participant has cancelled; nobody is absent;
 * - `start` / `complete`: the session starts / ends;
 * - `mark_no_show`: nobody started in the window (from `confirmed`), or the session ended with a
 *   party that never joined, if the caller chooses to record that as a no-show (from `in_progress`);
 * - `open_dispute` / `resolve_dispute`: the student disputes a completed lesson (or a no-show that
 *   paid the tutor); an admin resolves it, or payments reports that the money had already left
 *   escrow (`close_dispute`). Either way the booking returns to what it was before the dispute:
 *   `resolve_dispute`/`close_dispute` lead back to `completed`, `restore_no_show` to `no_show`.
 */
export const BOOKING_ACTIONS = [
  'accept',
  'decline',
  'confirm',
  'expire',
  'cancel',
  'abandon',
  'start',
  'complete',
  'mark_no_show',
  'open_dispute',
  'resolve_dispute',
  'close_dispute',
  'restore_no_show',
] as const;
export type BookingAction = (typeof BOOKING_ACTIONS)[number];

/**
 * The whole state machine. A resolved dispute goes back to `completed`: the lesson did take
 * place, and the outcome (release, refund, split) belongs to the dispute record and the escrow,
 * not to the booking. A second dispute is then impossible because the escrow has been released
 * or refunded (see dispute-rules.ts), not because of the booking status.
 */
const TRANSITIONS: Readonly<Record<BookingStatus, Readonly<Partial<Record<BookingAction, BookingStatus>>>>> = {
  requested: { accept: 'accepted', decline: 'declined', expire: 'expired', cancel: 'cancelled' },
  accepted: { confirm: 'confirmed', expire: 'expired', cancel: 'cancelled' },
  confirmed: { start: 'in_progress', mark_no_show: 'no_show', cancel: 'cancelled', abandon: 'cancelled' },
  in_progress: { complete: 'completed', mark_no_show: 'no_show', abandon: 'cancelled' },
  completed: { open_dispute: 'disputed' },
  disputed: { resolve_dispute: 'completed', close_dispute: 'completed', restore_no_show: 'no_show' },
  declined: {},
  expired: {},
  cancelled: {},
  no_show: { open_dispute: 'disputed' },
};

/**
 * `transition` gives the next status, or throws `booking.invalid_transition` (409) when `action`
 * is not allowed from `from`. `isFinal`: no action leads anywhere from here; `completed` is not
 * final (it may still be disputed), it becomes settled in practice once the escrow is released
 * or refunded.
 */
export const { transition, canTransition, allowedActions, isFinal, isStatus: isBookingStatus } = stateMachine<BookingStatus, BookingAction>({
  statuses: BOOKING_STATUSES,
  actions: BOOKING_ACTIONS,
  transitions: TRANSITIONS,
  invalid: (from, action) => new DomainError('booking.invalid_transition', `cannot ${action} a booking that is ${from}`, 409, { from, action }),
});

/**
 * Statuses that hold a slot of the tutor's time. The database's no-overlap exclusion
 * constraint must use exactly this list, so it is exported rather than re-typed.
 */
export const LIVE_STATUSES = ['requested', 'accepted', 'confirmed', 'in_progress'] as const satisfies readonly BookingStatus[];

export function isLive(status: BookingStatus): boolean {
  return (LIVE_STATUSES as readonly BookingStatus[]).includes(status);
}
