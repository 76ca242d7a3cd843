import { DomainError } from './domain-error';
import {
  canTransition,
  ESCROW_ACTIONS,
  ESCROW_STATUSES,
  isEscrowStatus,
  isFinal,
  transition,
  type EscrowAction,
  type EscrowStatus,
} from './escrow-status';

const ALLOWED: ReadonlyArray<[EscrowStatus, EscrowAction, EscrowStatus]> = [
  ['held', 'schedule_release', 'release_scheduled'],
  ['held', 'release', 'released'],
  ['held', 'refund', 'refunded'],
  ['held', 'split', 'refunded'],
  ['held', 'freeze', 'frozen'],
  ['release_scheduled', 'release', 'released'],
  ['release_scheduled', 'refund', 'refunded'],
  ['release_scheduled', 'split', 'refunded'],
  ['release_scheduled', 'freeze', 'frozen'],
  ['frozen', 'release', 'released'],
  ['frozen', 'refund', 'refunded'],
  ['frozen', 'split', 'refunded'],
];

describe('escrow status machine', () => {
  it.each(ALLOWED)('%s --%s--> %s', (from, action, to) => {
    expect(transition(from, action)).toBe(to);
    expect(canTransition(from, action)).toBe(true);
  });

  it('refuses every other pair with escrow.invalid_transition (409)', () => {
    let refused = 0;
    for (const from of ESCROW_STATUSES) {
      for (const action of ESCROW_ACTIONS) {
        if (ALLOWED.some(([f, a]) => f === from && a === action)) continue;
        refused += 1;
        let error: unknown;
        try {
          transition(from, action);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(DomainError);
        expect(error).toMatchObject({ code: 'escrow.invalid_transition', status: 409, details: { from, action } });
      }
    }
    expect(refused).toBe(ESCROW_STATUSES.length * ESCROW_ACTIONS.length - ALLOWED.length);
  });

  it('settles at most once: released and refunded are final, nothing else is', () => {
    expect(ESCROW_STATUSES.filter(isFinal)).toEqual(['released', 'refunded']);
  });

  it('a frozen escrow cannot be scheduled or frozen again', () => {
    expect(canTransition('frozen', 'schedule_release')).toBe(false);
    expect(canTransition('frozen', 'freeze')).toBe(false);
  });

  it('ignores inherited keys and recognises status strings', () => {
    expect(canTransition('held', 'constructor' as EscrowAction)).toBe(false);
    expect(isEscrowStatus('frozen')).toBe(true);
    expect(isEscrowStatus('pending')).toBe(false);
  });
});
