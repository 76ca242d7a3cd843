import fc from 'fast-check';
import { applyMoneyEvent, isInEscrow, type MoneyEvent, type MoneyState } from './money-status';

const unpaid: MoneyState = { status: 'unpaid', refundedMinor: 0, releasedMinor: 0 };
const run = (events: MoneyEvent[], from: MoneyState = unpaid) => events.reduce(applyMoneyEvent, from);

describe('applyMoneyEvent', () => {
  it('follows the escrow forward: held, release scheduled, released', () => {
    expect(run([{ kind: 'held' }]).status).toBe('held');
    expect(run([{ kind: 'held' }, { kind: 'release_scheduled' }]).status).toBe('release_scheduled');
    expect(run([{ kind: 'held' }, { kind: 'release_scheduled' }, { kind: 'released', amountMinor: 1000 }])).toEqual({
      status: 'released',
      refundedMinor: 0,
      releasedMinor: 1000,
    });
  });

  it('never moves back: a late held or release_scheduled changes nothing', () => {
    const frozen = run([{ kind: 'held' }, { kind: 'frozen' }]);
    expect(applyMoneyEvent(frozen, { kind: 'release_scheduled' })).toBe(frozen);
    expect(applyMoneyEvent(frozen, { kind: 'held' })).toBe(frozen);
    const released = run([{ kind: 'released', amountMinor: 5 }]);
    expect(applyMoneyEvent(released, { kind: 'held' })).toBe(released);
    expect(applyMoneyEvent(released, { kind: 'frozen' })).toBe(released);
  });

  it('a refund plus a release is a partial refund, in either order', () => {
    const a = run([{ kind: 'held' }, { kind: 'refunded', amountMinor: 500 }, { kind: 'released', amountMinor: 500 }]);
    const b = run([{ kind: 'held' }, { kind: 'released', amountMinor: 500 }, { kind: 'refunded', amountMinor: 500 }]);
    expect(a).toEqual({ status: 'partially_refunded', refundedMinor: 500, releasedMinor: 500 });
    expect(b).toEqual(a);
  });

  it('counts the same settlement once, however often it is delivered (a new id each time)', () => {
    const once = run([{ kind: 'held' }, { kind: 'released', amountMinor: 850 }, { kind: 'refunded', amountMinor: 150 }]);
    const twice = run([{ kind: 'held' }, { kind: 'released', amountMinor: 850 }, { kind: 'refunded', amountMinor: 150 }, { kind: 'released', amountMinor: 850 }, { kind: 'refunded', amountMinor: 150 }]);
    expect(twice).toEqual(once);
    expect(once).toEqual({ status: 'partially_refunded', refundedMinor: 150, releasedMinor: 850 });
  });

  it('a zero-amount event names its kind but does not undo a settled state', () => {
    expect(run([{ kind: 'held' }, { kind: 'refunded', amountMinor: 0 }]).status).toBe('refunded');
    expect(run([{ kind: 'released', amountMinor: 10 }, { kind: 'refunded', amountMinor: 0 }]).status).toBe('released');
  });

  it('refuses amounts that are not minor units', () => {
    expect(() => applyMoneyEvent(unpaid, { kind: 'released', amountMinor: 1.5 })).toThrow(
      expect.objectContaining({ code: 'money.invalid_amount' }),
    );
  });

  it('ends in the same state whatever order the settling events arrive in', () => {
    const settling = fc.array(
      fc.oneof(
        fc.constant<MoneyEvent>({ kind: 'held' }),
        fc.constant<MoneyEvent>({ kind: 'release_scheduled' }),
        fc.integer({ min: 1, max: 1_000_000 }).map((amountMinor): MoneyEvent => ({ kind: 'released', amountMinor })),
        fc.integer({ min: 1, max: 1_000_000 }).map((amountMinor): MoneyEvent => ({ kind: 'refunded', amountMinor })),
      ),
      { minLength: 1, maxLength: 6 },
    );
    fc.assert(
      fc.property(settling, (events) => {
        const forward = run(events);
        const backward = run([...events].reverse());
        expect(backward).toEqual(forward);
      }),
    );
  });

  it('only held and release_scheduled money can still be frozen by a dispute', () => {
    expect(['unpaid', 'held', 'release_scheduled', 'frozen', 'released', 'refunded', 'partially_refunded'].filter((s) => isInEscrow(s as MoneyState['status']))).toEqual([
      'held',
      'release_scheduled',
    ]);
  });
});
