import { BOOKING_STATUSES } from './booking-status';
import { openDispute, resolveDispute, validateDisputeResolution, type EscrowMoneyStatus } from './dispute-rules';

describe('openDispute', () => {
  it.each<EscrowMoneyStatus>(['held', 'release_scheduled'])(
    'lets the student dispute a completed booking while the money is %s',
    (escrowStatus) => {
      expect(openDispute({ bookingStatus: 'completed', escrowStatus, actorRole: 'student' })).toBe('disputed');
    },
  );

  it.each<EscrowMoneyStatus>(['released', 'refunded', 'partially_refunded'])('closes the window once the money is %s', (escrowStatus) => {
    expect(() => openDispute({ bookingStatus: 'completed', escrowStatus, actorRole: 'student' })).toThrow(
      expect.objectContaining({ code: 'dispute.window_closed', status: 409 }),
    );
  });

  it('refuses a completed booking with no payment on record', () => {
    expect(() => openDispute({ bookingStatus: 'completed', escrowStatus: 'unpaid', actorRole: 'student' })).toThrow(
      expect.objectContaining({ code: 'dispute.not_allowed', status: 409 }),
    );
  });

  it('refuses a second dispute', () => {
    expect(() => openDispute({ bookingStatus: 'disputed', escrowStatus: 'frozen', actorRole: 'student' })).toThrow(
      expect.objectContaining({ code: 'dispute.already_open' }),
    );
    expect(() => openDispute({ bookingStatus: 'completed', escrowStatus: 'frozen', actorRole: 'student' })).toThrow(
      expect.objectContaining({ code: 'dispute.already_open' }),
    );
  });

  it('refuses a booking whose session has not ended', () => {
    for (const bookingStatus of BOOKING_STATUSES.filter((s) => s !== 'completed' && s !== 'disputed')) {
      // (a no_show without an absent student: see the no-show case below)
      expect(() => openDispute({ bookingStatus, escrowStatus: 'held', actorRole: 'student' })).toThrow(
        expect.objectContaining({ code: 'dispute.not_allowed', status: 409 }),
      );
    }
  });

  it('lets the student dispute a no-show that pays the tutor, and only that one', () => {
    expect(openDispute({ bookingStatus: 'no_show', absentParty: 'student', escrowStatus: 'release_scheduled', actorRole: 'student' })).toBe('disputed');
    for (const absentParty of ['tutor', 'both', null] as const) {
      expect(() => openDispute({ bookingStatus: 'no_show', absentParty, escrowStatus: 'held', actorRole: 'student' })).toThrow(
        expect.objectContaining({ code: 'dispute.not_allowed', status: 409 }),
      );
    }
    expect(() => openDispute({ bookingStatus: 'no_show', absentParty: 'student', escrowStatus: 'released', actorRole: 'student' })).toThrow(
      expect.objectContaining({ code: 'dispute.window_closed' }),
    );
  });

  it.each(['tutor', 'admin'] as const)('refuses the %s', (actorRole) => {
    expect(() => openDispute({ bookingStatus: 'completed', escrowStatus: 'held', actorRole })).toThrow(
      expect.objectContaining({ code: 'dispute.forbidden', status: 403 }),
    );
  });
});

describe('validateDisputeResolution', () => {
  it('maps release and refund to 0 and 10000 basis points', () => {
    expect(validateDisputeResolution({ outcome: 'release' })).toEqual({ outcome: 'release', refundBps: 0 });
    expect(validateDisputeResolution({ outcome: 'refund' })).toEqual({ outcome: 'refund', refundBps: 10000 });
  });

  it.each([1, 5000, 9999])('accepts a split refunding %p bps', (refundBps) => {
    expect(validateDisputeResolution({ outcome: 'split', refundBps })).toEqual({ outcome: 'split', refundBps });
  });

  it.each([
    { outcome: 'split' },
    { outcome: 'split', refundBps: 0 },
    { outcome: 'split', refundBps: 10000 },
    { outcome: 'split', refundBps: 12.5 },
    { outcome: 'release', refundBps: 100 },
    { outcome: 'refund', refundBps: 10000 },
    { outcome: 'halve' },
  ])('refuses %p', (input) => {
    expect(() => validateDisputeResolution(input)).toThrow(
      expect.objectContaining({ code: 'dispute.invalid_resolution', status: 422 }),
    );
  });
});

describe('resolveDispute', () => {
  const frozen = { status: 'open', frozen: true, statusBefore: 'completed' } as const;

  it('returns a disputed booking to what it was when an admin resolves it', () => {
    expect(resolveDispute({ bookingStatus: 'disputed', actorRole: 'admin', dispute: frozen })).toBe('completed');
    expect(resolveDispute({ bookingStatus: 'disputed', actorRole: 'admin', dispute: { ...frozen, statusBefore: 'no_show' } })).toBe('no_show');
  });

  it('refuses anyone but an admin, and a booking without an open dispute', () => {
    expect(() => resolveDispute({ bookingStatus: 'disputed', actorRole: 'student', dispute: frozen })).toThrow(
      expect.objectContaining({ code: 'dispute.forbidden' }),
    );
    expect(() => resolveDispute({ bookingStatus: 'completed', actorRole: 'admin', dispute: frozen })).toThrow(
      expect.objectContaining({ code: 'booking.invalid_transition' }),
    );
  });

  it('refuses a dispute whose freeze payments has not confirmed, a closed one and a resolved one', () => {
    expect(() => resolveDispute({ bookingStatus: 'disputed', actorRole: 'admin', dispute: { ...frozen, frozen: false } })).toThrow(
      expect.objectContaining({ code: 'dispute.not_ready', status: 409 }),
    );
    expect(() => resolveDispute({ bookingStatus: 'completed', actorRole: 'admin', dispute: { ...frozen, status: 'closed' } })).toThrow(
      expect.objectContaining({ code: 'dispute.closed', status: 409 }),
    );
    expect(() => resolveDispute({ bookingStatus: 'completed', actorRole: 'admin', dispute: { ...frozen, status: 'resolved' } })).toThrow(
      expect.objectContaining({ code: 'dispute.already_resolved', status: 409 }),
    );
  });
});
