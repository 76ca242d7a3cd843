import { findBank } from './banks';
import { type NewTransaction, SandboxRefusal, SandboxStore } from './sandbox-store';

const tx = (txRef: string, amountMinor = 10000): NewTransaction => ({
  txRef,
  amountMinor,
  currency: 'ETB',
  email: null,
  firstName: null,
  lastName: null,
  phoneNumber: null,
  callbackUrl: null,
  returnUrl: null,
  customization: { title: null, description: null, logo: null },
  meta: null,
});

function refusal(fn: () => unknown): SandboxRefusal {
  try {
    fn();
  } catch (err) {
    if (err instanceof SandboxRefusal) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

const cbe = findBank(946)!;

describe('SandboxStore', () => {
  let store: SandboxStore;
  beforeEach(() => {
    store = new SandboxStore(() => new Date('2026-01-01T00:00:00Z'));
  });

  it('refuses a tx_ref used before, whatever happened to the first one', () => {
    store.initialize(tx('a'));
    expect(refusal(() => store.initialize(tx('a')))).toMatchObject({
      httpStatus: 400,
      message: 'Transaction reference has been used before',
    });
  });

  it('finds a transaction by tx_ref or by Chapa reference', () => {
    const created = store.initialize(tx('a'));
    expect(created.reference).toMatch(/^AP[A-Za-z0-9]{10}$/);
    expect(store.findTransaction('a')).toBe(created);
    expect(store.findTransaction(created.reference)).toBe(created);
  });

  it('settles once; repeating is a no-op, the opposite is a conflict', () => {
    store.initialize(tx('a'));
    expect(store.settle('a', 'success').changed).toBe(true);
    expect(store.settle('a', 'success').changed).toBe(false);
    expect(refusal(() => store.settle('a', 'failed')).httpStatus).toBe(409);
    store.initialize(tx('b'));
    expect(store.settle('b', 'failed').tx.status).toBe('failed');
    expect(refusal(() => store.settle('b', 'success')).httpStatus).toBe(409);
    expect(refusal(() => store.settle('nope', 'success')).httpStatus).toBe(404);
  });

  it('refunds only paid transactions, partially up to the remainder, then in full', () => {
    store.initialize(tx('a', 10000));
    expect(refusal(() => store.refund('a', { amountMinor: null, reason: null, reference: null, meta: null })).message).toMatch(
      /Only a successful transaction/,
    );
    store.settle('a', 'success');
    const first = store.refund('a', { amountMinor: 2500, reason: 'late', reference: 'r1', meta: null });
    expect(first.refund).toMatchObject({ amountMinor: 2500, reference: 'r1', txRef: 'a', status: 'refunded' });
    expect(first.tx).toMatchObject({ status: 'success', refundedMinor: 2500 });
    expect(refusal(() => store.refund('a', { amountMinor: 7501, reason: null, reference: 'r2', meta: null })).message).toMatch(
      /greater than the refundable amount/,
    );
    expect(refusal(() => store.refund('a', { amountMinor: 1, reason: null, reference: 'r1', meta: null })).message).toBe(
      'Refund reference has been used before',
    );
    const rest = store.refund('a', { amountMinor: null, reason: null, reference: null, meta: null });
    expect(rest.refund.amountMinor).toBe(7500);
    expect(rest.refund.reference).toBe(rest.refund.refId);
    expect(rest.tx.status).toBe('refunded');
    expect(refusal(() => store.refund('a', { amountMinor: null, reason: null, reference: null, meta: null })).message).toBe(
      'Transaction has already been fully refunded',
    );
    expect(store.findRefund('r1')).toBe(first.refund);
    expect(store.findRefund(first.refund.refId)).toBe(first.refund);
  });

  it('settles transfers at once: "0000…" accounts fail, others succeed; references are unique', () => {
    const ok = store.transfer({ reference: 'p1', accountName: 'A', accountNumber: '1000', amountMinor: 500, bank: cbe });
    expect(ok).toMatchObject({ status: 'success', failureReason: null });
    const ko = store.transfer({ reference: 'p2', accountName: 'A', accountNumber: '00001234', amountMinor: 500, bank: cbe });
    expect(ko.status).toBe('failed');
    expect(refusal(() => store.transfer({ reference: 'p1', accountName: 'A', accountNumber: '1', amountMinor: 1, bank: cbe }))).toMatchObject({
      httpStatus: 400,
      message: 'The reference number has been used before',
    });
    const generated = store.transfer({ reference: null, accountName: 'A', accountNumber: '1', amountMinor: 1, bank: cbe });
    expect(store.findTransfer(generated.reference)).toBe(generated);
  });

  it('finds banks by numeric or numeric-text code only', () => {
    expect(findBank(946)?.name).toMatch(/Commercial Bank/);
    expect(findBank('855')?.name).toBe('telebirr');
    expect(findBank('8 55')).toBeUndefined();
    expect(findBank(undefined)).toBeUndefined();
  });
});
