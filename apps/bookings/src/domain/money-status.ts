import type { MoneyStatus } from '@tutorhub/contracts';
import { assertMinorUnits } from './money';

export type { MoneyStatus };

/**
 * Bookings' view of the booking's money, kept from payments' escrow events (payments owns the
 * escrow machine). Events from payments may arrive late, twice under different ids, or out of
 * order with respect to our own dispute; the rules below make the result independent of that:
 * - `held`, `release_scheduled` and `frozen` only ever move the status forward (never back from
 *   a later stage), so a late `held` or `release_scheduled` changes nothing;
 * - `released` and `refunded` are the final word: both together (a partial refund, a split) give
 *   `partially_refunded`, whichever arrives first. Payments settles an escrow once, so each of
 *   the two comes with one amount; the same event again (a redelivery under a new id) must not
 *   count twice, so an amount is kept as the largest seen, not added up.
 */
export interface MoneyState {
  readonly status: MoneyStatus;
  /** Refunded to the student so far (minor units). */
  readonly refundedMinor: number;
  /** Released from escrow so far: tutor's share plus the platform fee (minor units). */
  readonly releasedMinor: number;
}

export type MoneyEvent =
  | { readonly kind: 'held' }
  | { readonly kind: 'release_scheduled' }
  /** Our own dispute was opened: payments freezes the release. */
  | { readonly kind: 'frozen' }
  | { readonly kind: 'released'; readonly amountMinor: number }
  | { readonly kind: 'refunded'; readonly amountMinor: number };

const STAGE: Readonly<Record<MoneyStatus, number>> = {
  unpaid: 0,
  held: 1,
  release_scheduled: 2,
  frozen: 3,
  released: 4,
  refunded: 4,
  partially_refunded: 4,
};

/** Status once money has left the escrow; a zero-amount event names its own kind unless already settled. */
function settled(current: MoneyStatus, kind: 'released' | 'refunded', refundedMinor: number, releasedMinor: number): MoneyStatus {
  if (refundedMinor > 0 && releasedMinor > 0) return 'partially_refunded';
  if (releasedMinor > 0) return 'released';
  if (refundedMinor > 0) return 'refunded';
  return STAGE[current] === STAGE.released ? current : kind;
}

export function applyMoneyEvent(state: MoneyState, event: MoneyEvent): MoneyState {
  switch (event.kind) {
    case 'held':
    case 'release_scheduled':
    case 'frozen':
      return STAGE[state.status] < STAGE[event.kind] ? { ...state, status: event.kind } : state;
    case 'released': {
      assertMinorUnits(event.amountMinor, 'amountMinor');
      const releasedMinor = Math.max(state.releasedMinor, event.amountMinor);
      return { ...state, releasedMinor, status: settled(state.status, 'released', state.refundedMinor, releasedMinor) };
    }
    case 'refunded': {
      assertMinorUnits(event.amountMinor, 'amountMinor');
      const refundedMinor = Math.max(state.refundedMinor, event.amountMinor);
      return { ...state, refundedMinor, status: settled(state.status, 'refunded', refundedMinor, state.releasedMinor) };
    }
  }
}

/** The escrow can still be frozen by a dispute: it is held and not yet paid out either way. */
export function isInEscrow(status: MoneyStatus): boolean {
  return status === 'held' || status === 'release_scheduled';
}
