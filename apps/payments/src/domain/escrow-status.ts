import { stateMachine } from '@tutorhub/platform';
import { DomainError } from './domain-error';

/**
 * An escrow exists from the moment a verified payment is captured, so it starts `held`; the
 * time before that (initiated, failed, …) is the payment's own status, not the escrow's, and a
 * `pending` escrow state would only duplicate it.
 */
export const ESCROW_STATUSES = ['held', 'release_scheduled', 'frozen', 'released', 'refunded'] as const;
export type EscrowStatus = (typeof ESCROW_STATUSES)[number];

/**
 * - `schedule_release`: the session ended with the tutor present; release at end + delay.
 * - `release`: everything to the tutor, less the platform fee (due job, admin, dispute outcome).
 * - `refund`: everything back to the student.
 * - `split`: part back to the student, the rest released to the tutor at once, less the fee
 *   (a late student cancellation or a split dispute outcome).
 * - `freeze`: a dispute was opened; nothing moves until an admin resolves it.
 */
export const ESCROW_ACTIONS = ['schedule_release', 'release', 'refund', 'split', 'freeze'] as const;
export type EscrowAction = (typeof ESCROW_ACTIONS)[number];

/**
 * docs/design.md §5. Choices where it is silent:
 * - `held → released` is allowed for an admin's manual release before anything was scheduled.
 * - `held → frozen` is allowed because `dispute.opened` may be processed before `session.ended`
 *   has scheduled the release (events of different producers are not ordered).
 * - A split ends `refunded`: it is a partial refund, and the refund leg is the one still waiting
 *   on Chapa, so it is the state operators follow up; the escrow's recorded amounts (refund,
 *   tutor amount, fee) say how much went each way.
 * - `released` and `refunded` are final, so an escrow is settled at most once.
 */
const TRANSITIONS: Readonly<Record<EscrowStatus, Readonly<Partial<Record<EscrowAction, EscrowStatus>>>>> = {
  held: { schedule_release: 'release_scheduled', release: 'released', refund: 'refunded', split: 'refunded', freeze: 'frozen' },
  release_scheduled: { release: 'released', refund: 'refunded', split: 'refunded', freeze: 'frozen' },
  frozen: { release: 'released', refund: 'refunded', split: 'refunded' },
  released: {},
  refunded: {},
};

/**
 * `transition` gives the next status, or throws `escrow.invalid_transition` (409). `isFinal`:
 * settled, the money has left escrow for good.
 */
export const { transition, canTransition, isFinal, isStatus: isEscrowStatus } = stateMachine<EscrowStatus, EscrowAction>({
  statuses: ESCROW_STATUSES,
  actions: ESCROW_ACTIONS,
  transitions: TRANSITIONS,
  invalid: (from, action) => new DomainError('escrow.invalid_transition', `cannot ${action} an escrow that is ${from}`, 409, { from, action }),
});
