import { createHmac } from 'node:crypto';
import { register } from 'prom-client';
import type { Actor } from '@tutorhub/contracts';
// The suite-wide money invariants (platform cash = everything owed, suspense, reversals…),
// run here against the service's real schema after every scenario.
import { assertMoneyInvariants } from '@tutorhub/testing';
import {
  acceptedBooking,
  admin,
  balance,
  checkout,
  eventually,
  harnessPerFile,
  initiate,
  jobs,
  payFor,
  paymentView,
  sandboxStore,
  tutor,
  wallet,
  WEBHOOK_SECRET,
  type Harness,
  type TestBooking,
} from './harness';

// Issue 13, defects 5 and 6: what Chapa says is checked before money is booked, and money that
// reached Chapa with a mismatch has a way back. Chapa is the sandbox, driven over its HTTP API
// (its /sandbox scripts stand for what the bank or Chapa do on their own).

jest.setTimeout(90_000);

let h: Harness;
const CBE = 946;
const HOUR = 3_600_000;

harnessPerFile((started) => (h = started));
afterEach(async () => {
  await assertMoneyInvariants(h.svc.db.url);
});

type Money = { amountMinor: number; currency: string };
type AdminRefund = {
  id: string;
  paymentId: string;
  bookingId: string;
  source: string;
  status: string;
  amount: Money;
  attempts: number;
  lastError: string | null;
  chapaRefId: string | null;
  chapaAmount: Money | null;
};
type Payout = { payoutId: string; status: string; amount: Money; failureReason: string | null };

const adminCall = <T>(pattern: string, data: unknown, actor: Actor = admin()) => h.rpc.call<T>('payments', pattern, data, { actor, timeoutMs: 20000 });

async function sandboxPost(path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${h.sandboxUrl}${path}`, {
    method: 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** A webhook exactly as Chapa signs it, through the gateway stand-in. */
async function deliver(payload: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> {
  const body = JSON.stringify(payload);
  const res = await fetch(`${h.bridge.base}/api/webhooks/chapa`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-chapa-signature': createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex') },
    body,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function refundRows(bookingId: string) {
  return (await h.ds.query(`SELECT id, status, amount_minor::int AS amount, chapa_amount_minor::int AS chapa_amount, attempts FROM payments.refunds WHERE booking_id = $1 ORDER BY created_at`, [
    bookingId,
  ])) as Array<{ id: string; status: string; amount: number; chapa_amount: number | null; attempts: number }>;
}

async function ledgerKinds(column: 'booking_id' | 'payout_id' | 'payment_id', id: string): Promise<string[]> {
  const r = (await h.ds.query(`SELECT kind FROM payments.ledger_transactions WHERE ${column} = $1 ORDER BY created_at, kind`, [id])) as Array<{ kind: string }>;
  return r.map((x) => x.kind);
}

async function outboxTypes(key: 'payoutId' | 'paymentId', id: string): Promise<string[]> {
  const r = (await h.ds.query(`SELECT type FROM payments.outbox WHERE envelope->'data'->>'${key}' = $1 ORDER BY seq`, [id])) as Array<{ type: string }>;
  return r.map((x) => x.type);
}

describe('refunds: only what Chapa verifiably refunded is booked (defect 5)', () => {
  it('leaves a refund Chapa made for another amount as needs_review, books nothing, and shows it to admins', async () => {
    const b = await acceptedBooking(h);
    const p = await payFor(h, b);
    // Chapa will keep 15 ETB of every refund of this charge (and say so).
    expect((await sandboxPost(`/sandbox/transactions/${p.txRef}/refund-keep`, { keep: '15.00' })).status).toBe(200);
    const cashBefore = await balance(h, 'platform_cash', null);
    await adminCall('payments.admin.refund', { bookingId: b.bookingId });
    await jobs(h).refunds();

    const [row] = await refundRows(b.bookingId);
    expect(row).toMatchObject({ status: 'needs_review', amount: 150000, chapa_amount: 148500 });
    // Nothing booked: the student is still owed all of it, and cash was not reduced by what we asked.
    expect(await balance(h, 'refunds_payable', b.bookingId)).toBe(150000);
    expect(await balance(h, 'platform_cash', null)).toBe(cashBefore);
    expect(await ledgerKinds('booking_id', b.bookingId)).not.toContain('refund_settled');
    expect((await paymentView(h, b.bookingId, b.student)).escrow?.refunds).toEqual([expect.objectContaining({ status: 'needs_review' })]);

    const list = await adminCall<{ items: AdminRefund[] }>('payments.admin.refunds.list', {});
    expect(list.items.find((r) => r.id === row.id)).toMatchObject({
      status: 'needs_review',
      source: 'escrow',
      amount: { amountMinor: 150000, currency: 'ETB' },
      chapaAmount: { amountMinor: 148500, currency: 'ETB' },
      lastError: expect.stringMatching(/148500 instead of 150000/),
    });
    const gauge = await register.getSingleMetric('payments_refunds_needing_attention')?.get();
    expect(gauge?.values.find((v) => v.labels['status'] === 'needs_review')?.value).toBe(1);
    const needsReview = await adminCall<{ items: AdminRefund[] }>('payments.admin.refunds.list', { status: 'needs_review', limit: 100 });
    expect(needsReview.items.map((r) => r.id)).toContain(row.id);
    expect(needsReview.items.every((r) => r.status === 'needs_review')).toBe(true);

    // Later passes do not touch it; an admin re-check finds the same answer and books nothing.
    h.clock.advance(2 * HOUR);
    await jobs(h).refunds();
    const rechecked = await adminCall<AdminRefund>('payments.admin.refund.retry', { refundId: row.id, reason: 'asked Chapa support' });
    expect(rechecked).toMatchObject({ status: 'submitted', attempts: 0 });
    await jobs(h).refunds();
    expect((await refundRows(b.bookingId))[0]).toMatchObject({ status: 'needs_review', chapa_amount: 148500 });
    expect(sandboxStore(h).findTransaction(p.txRef)).toMatchObject({ refundedMinor: 148500 }); // re-checked, never sent twice
    expect(await balance(h, 'refunds_payable', b.bookingId)).toBe(150000);
  });

  it('books a refund Chapa confirms for exactly the amount asked, and records Chapa’s ref_id', async () => {
    const b = await acceptedBooking(h);
    const p = await payFor(h, b);
    await adminCall('payments.admin.refund', { bookingId: b.bookingId, refundBasisPoints: 4000 });
    await jobs(h).refunds();
    const [row] = await refundRows(b.bookingId);
    expect(row).toMatchObject({ status: 'succeeded', amount: 60000, chapa_amount: 60000 });
    const list = await adminCall<{ items: AdminRefund[] }>('payments.admin.refunds.list', { status: 'succeeded', limit: 100 });
    const seen = list.items.find((r) => r.id === row.id);
    expect(seen?.chapaRefId).toMatch(/^RF/);
    expect(sandboxStore(h).findRefund(seen?.chapaRefId ?? '')).toMatchObject({ txRef: p.txRef, amountMinor: 60000 });
    expect(await balance(h, 'refunds_payable', b.bookingId)).toBe(0);
  });

  it('does not book a refund whose Chapa ref_id turns out to be another refund', async () => {
    const a = await acceptedBooking(h);
    await payFor(h, a);
    await adminCall('payments.admin.refund', { bookingId: a.bookingId });
    await jobs(h).refunds();
    const [refundA] = (await h.ds.query(`SELECT chapa_ref_id FROM payments.refunds WHERE booking_id = $1`, [a.bookingId])) as Array<{ chapa_ref_id: string }>;
    expect(refundA.chapa_ref_id).toMatch(/^RF/);
    const b = await acceptedBooking(h);
    await payFor(h, b);
    await adminCall('payments.admin.refund', { bookingId: b.bookingId });
    // As if Chapa's answer to our submission had named the other refund's ref_id.
    await h.ds.query(`UPDATE payments.refunds SET status = 'submitted', chapa_ref_id = $2 WHERE booking_id = $1`, [b.bookingId, refundA.chapa_ref_id]);
    await jobs(h).refunds();
    const [row] = await refundRows(b.bookingId);
    expect(row.status).toBe('needs_review');
    const list = await adminCall<{ items: AdminRefund[] }>('payments.admin.refunds.list', { status: 'needs_review', limit: 100 });
    expect(list.items.find((r) => r.id === row.id)?.lastError).toMatch(/not ours/);
    expect(await balance(h, 'refunds_payable', b.bookingId)).toBe(150000);
    expect(await ledgerKinds('booking_id', b.bookingId)).not.toContain('refund_settled');
  });
});

describe('payouts: a refusal after a lost answer is verified before any money goes back (defect 5)', () => {
  async function fundedTutor(): Promise<Actor> {
    const t = tutor();
    const b = await acceptedBooking(h, { tutor: t });
    await payFor(h, b);
    await adminCall('payments.admin.release', { bookingId: b.bookingId });
    expect((await wallet(h, t)).available.amountMinor).toBe(127500);
    return t;
  }

  const withdraw = (t: Actor, amountMinor: number, accountNumber: string) =>
    h.rpc.call<Payout>(
      'payments',
      'payments.wallet.withdraw',
      { amount: { amountMinor, currency: 'ETB' }, bankCode: CBE, accountNumber, accountName: 'Almaz Tesfaye' },
      { actor: t, timeoutMs: 30000 },
    );

  async function reference(payoutId: string): Promise<string> {
    const [r] = (await h.ds.query(`SELECT reference FROM payments.payouts WHERE id = $1`, [payoutId])) as Array<{ reference: string }>;
    return r.reference;
  }

  it('pays out (and never credits back) a transfer whose first answer was lost and whose retry Chapa refused', async () => {
    const t = await fundedTutor();
    const cashBefore = await balance(h, 'platform_cash', null);
    // 0001…: Chapa makes the transfer but its answer is lost (504); the retry is refused (400 insufficient balance).
    const p = await withdraw(t, 100000, '0001234567');
    expect(sandboxStore(h).findTransfer(await reference(p.payoutId))).toMatchObject({ status: 'success', amountMinor: 100000 });
    expect(p).toMatchObject({ status: 'succeeded', failureReason: null });
    const w = await wallet(h, t);
    expect(w).toMatchObject({ available: { amountMinor: 27500 }, payoutsInFlight: { amountMinor: 0 } });
    expect(w.history.map((x) => x.type)).not.toContain('payout_returned');
    expect(await balance(h, 'platform_cash', null)).toBe(cashBefore - 100000);
    expect(await ledgerKinds('payout_id', p.payoutId)).toEqual(['payout_requested', 'payout_succeeded']);
    expect(await outboxTypes('payoutId', p.payoutId)).toEqual(['payments.payout.requested.v1', 'payments.payout.succeeded.v1']);
  });

  it('fails and credits back a transfer Chapa refused and confirms it never made', async () => {
    const t = await fundedTutor();
    // 0002…: the first request never reached Chapa (504), the retry is refused, verify finds nothing.
    const p = await withdraw(t, 50000, '0002345678');
    expect(p).toMatchObject({ status: 'failed', failureReason: expect.stringMatching(/Insufficient balance/) });
    expect(sandboxStore(h).findTransfer(await reference(p.payoutId))).toBeUndefined();
    expect((await wallet(h, t)).available.amountMinor).toBe(127500);
    expect(await ledgerKinds('payout_id', p.payoutId)).toEqual(['payout_requested', 'payout_failed']);
  });

  it('keeps the payout open, money in flight, while Chapa cannot say whether the refused transfer exists', async () => {
    const t = await fundedTutor();
    // 0003…: like 0002, and verifying the reference fails (503).
    const p = await withdraw(t, 40000, '0003456789');
    expect(p.status).toBe('pending');
    expect(await wallet(h, t)).toMatchObject({ available: { amountMinor: 87500 }, payoutsInFlight: { amountMinor: 40000 } });
    // The reconciliation job asks again later; still unknown, still open.
    h.clock.advance(2 * HOUR);
    await jobs(h).reconcilePayouts();
    const [row] = (await h.ds.query(`SELECT status, last_error FROM payments.payouts WHERE id = $1`, [p.payoutId])) as Array<{ status: string; last_error: string }>;
    expect(row.status).toBe('pending');
    expect(row.last_error).toMatch(/verifyTransfer failed \(503\)/);
    expect(await ledgerKinds('payout_id', p.payoutId)).toEqual(['payout_requested']);
    expect((await wallet(h, t)).payoutsInFlight.amountMinor).toBe(40000);
  });

  it('puts a reversed transfer back in the wallet once, on a verified transfer.reversed, and ignores replays and unverified claims', async () => {
    const t = await fundedTutor();
    const p = await withdraw(t, 100000, '1000123456789');
    expect(p.status).toBe('succeeded');
    const ref = await reference(p.payoutId);
    const cashAfterPayout = await balance(h, 'platform_cash', null);

    // A correctly signed transfer.reversed that Chapa's verify does not back changes nothing.
    const forged = await deliver({ event: 'transfer.reversed', type: 'Payout', reference: ref, status: 'reversed', amount: '1000.00', currency: 'ETB' });
    expect(forged).toMatchObject({ status: 200, json: { outcome: 'not_reversed' } });
    expect((await wallet(h, t)).available.amountMinor).toBe(27500);

    // The bank returns the transfer: Chapa marks it reversed and sends transfer.reversed.
    expect((await sandboxPost(`/sandbox/transfers/${ref}/reverse`)).json).toMatchObject({ data: { status: 'reversed' } });
    await eventually(async () => {
      const [r] = (await h.ds.query(`SELECT status FROM payments.payouts WHERE id = $1`, [p.payoutId])) as Array<{ status: string }>;
      return r.status === 'reversed';
    });
    const w = await wallet(h, t);
    expect(w).toMatchObject({ available: { amountMinor: 127500 }, payoutsInFlight: { amountMinor: 0 }, lifetimeEarnings: { amountMinor: 127500 } });
    expect(w.history.map((x) => [x.type, x.direction, x.amount.amountMinor])[0]).toEqual(['payout_returned', 'credit', 100000]);
    expect(await balance(h, 'platform_cash', null)).toBe(cashAfterPayout + 100000);

    // Replays (Chapa re-sends until it gets a 200) have no second effect.
    for (let i = 0; i < 2; i++) {
      const replay = await deliver({ event: 'transfer.reversed', type: 'Payout', reference: ref, status: 'reversed', amount: '1000.00', currency: 'ETB' });
      expect(replay).toMatchObject({ status: 200, json: { outcome: 'already_final' } });
    }
    expect(await ledgerKinds('payout_id', p.payoutId)).toEqual(['payout_requested', 'payout_succeeded', 'payout_reversed']);
    expect(await outboxTypes('payoutId', p.payoutId)).toEqual([
      'payments.payout.requested.v1',
      'payments.payout.succeeded.v1',
      'payments.payout.reversed.v1',
    ]);
    expect((await wallet(h, t)).available.amountMinor).toBe(127500);
  });
});

describe('money with no way back (defect 6)', () => {
  async function flaggedPayment(tamper: (tx: { amountMinor: number; currency: 'ETB' | 'USD' }) => void): Promise<{ b: TestBooking; paymentId: string; txRef: string }> {
    const b = await acceptedBooking(h);
    const p = await initiate(h, b);
    const tx = sandboxStore(h).findTransaction(p.txRef);
    if (!tx) throw new Error('no sandbox transaction');
    tamper(tx);
    expect((await checkout(h, p.txRef)).status).toBe(303);
    expect((await paymentView(h, b.bookingId, b.student)).payment?.status).toBe('flagged');
    return { b, paymentId: p.paymentId, txRef: p.txRef };
  }

  it.each([
    ['another amount', (tx: { amountMinor: number }) => (tx.amountMinor = 200000), { amountMinor: 200000, currency: 'ETB' as const }],
    ['another currency', (tx: { currency: 'ETB' | 'USD' }) => (tx.currency = 'USD'), { amountMinor: 150000, currency: 'USD' as const }],
  ])('holds a payment flagged for %s in suspense, and an admin refunds it through Chapa', async (_what, tamper, received) => {
    const cashBefore = await balance(h, 'platform_cash', null, received.currency);
    const { b, paymentId, txRef } = await flaggedPayment(tamper as never);
    // What Chapa received is booked: platform cash ↔ suspense, nothing held in escrow.
    expect(await balance(h, 'suspense', paymentId, received.currency)).toBe(received.amountMinor);
    expect(await balance(h, 'platform_cash', null, received.currency)).toBe(cashBefore + received.amountMinor);
    expect(await ledgerKinds('payment_id', paymentId)).toEqual(['payment_suspended']);
    expect((await paymentView(h, b.bookingId, b.student)).escrow).toBeNull();

    const a = admin();
    const result = await adminCall<{ payment: { status: string }; refund: AdminRefund }>('payments.admin.payment.refund', { paymentId, reason: 'amount mismatch' }, a);
    expect(result.payment.status).toBe('refunded');
    expect(result.refund).toMatchObject({ source: 'suspense', status: 'pending', amount: received, paymentId });
    expect(await balance(h, 'suspense', paymentId, received.currency)).toBe(0);
    expect(await balance(h, 'refunds_payable', b.bookingId, received.currency)).toBe(received.amountMinor);
    const [audit] = (await h.ds.query(`SELECT admin_id, action FROM payments.admin_actions WHERE subject_id = $1`, [paymentId])) as Array<{ admin_id: string; action: string }>;
    expect(audit).toEqual({ admin_id: a.userId, action: 'suspense_refund' });

    // The normal refund processor sends it to Chapa and books it out once Chapa confirms.
    await jobs(h).refunds();
    expect((await refundRows(b.bookingId))[0]).toMatchObject({ status: 'succeeded', amount: received.amountMinor });
    expect(sandboxStore(h).findTransaction(txRef)).toMatchObject({ refundedMinor: received.amountMinor, status: 'refunded' });
    expect(await balance(h, 'refunds_payable', b.bookingId, received.currency)).toBe(0);
    expect(await balance(h, 'platform_cash', null, received.currency)).toBe(cashBefore);
    expect(await ledgerKinds('payment_id', paymentId)).toEqual(['payment_suspended', 'suspense_refunded', 'refund_settled']);

    // Once only.
    await expect(adminCall('payments.admin.payment.refund', { paymentId })).rejects.toMatchObject({ status: 409, code: 'payment.not_refundable' });
  });

  it('refuses to refund from suspense a payment that is not flagged, an unknown one, or for a non-admin', async () => {
    const b = await acceptedBooking(h);
    const p = await payFor(h, b);
    await expect(adminCall('payments.admin.payment.refund', { paymentId: p.paymentId })).rejects.toMatchObject({ status: 409, code: 'payment.not_refundable' });
    await expect(adminCall('payments.admin.payment.refund', { paymentId: '6c1f7f9e-0a7e-4c9e-9a55-5d2b0c1e4f00' })).rejects.toMatchObject({
      status: 404,
      code: 'payment.not_found',
    });
    await expect(adminCall('payments.admin.payment.refund', { paymentId: 'nope' })).rejects.toMatchObject({ status: 400 });
    await expect(adminCall('payments.admin.payment.refund', { paymentId: p.paymentId }, b.student)).rejects.toMatchObject({ status: 403 });
  });

  it('lets an admin retry a refund that failed 12 times, audited, and it settles once Chapa accepts', async () => {
    const b = await acceptedBooking(h);
    const p = await payFor(h, b);
    const tx = sandboxStore(h).findTransaction(p.txRef);
    if (!tx) throw new Error('sandbox lost the transaction');
    tx.status = 'pending'; // Chapa refuses to refund it ("Only a successful transaction can be refunded")
    await adminCall('payments.admin.refund', { bookingId: b.bookingId });
    for (let i = 0; i < 12; i++) {
      await jobs(h).refunds();
      h.clock.advance(2 * HOUR);
    }
    const [gaveUp] = await refundRows(b.bookingId);
    expect(gaveUp).toMatchObject({ status: 'failed', attempts: 12 });
    // Given up: no pass touches it any more.
    await jobs(h).refunds();
    expect((await refundRows(b.bookingId))[0]).toMatchObject({ status: 'failed', attempts: 12 });
    const attention = await adminCall<{ items: AdminRefund[] }>('payments.admin.refunds.list', { status: 'failed', limit: 100 });
    expect(attention.items.find((r) => r.id === gaveUp.id)).toMatchObject({ status: 'failed', lastError: expect.stringMatching(/successful transaction/) });

    // Retrying a refund that is not failed / needs_review is refused; so is a non-admin.
    const other = await acceptedBooking(h);
    await payFor(h, other);
    await adminCall('payments.admin.refund', { bookingId: other.bookingId });
    const [pending] = await refundRows(other.bookingId);
    await expect(adminCall('payments.admin.refund.retry', { refundId: pending.id })).rejects.toMatchObject({ status: 409, code: 'refund.not_retryable' });
    await expect(adminCall('payments.admin.refund.retry', { refundId: gaveUp.id }, b.student)).rejects.toMatchObject({ status: 403 });
    await expect(adminCall('payments.admin.refund.retry', { refundId: '6c1f7f9e-0a7e-4c9e-9a55-5d2b0c1e4f00' })).rejects.toMatchObject({
      status: 404,
      code: 'refund.not_found',
    });

    tx.status = 'success'; // the operator sorted it out with Chapa
    const a = admin();
    const retried = await adminCall<AdminRefund>('payments.admin.refund.retry', { refundId: gaveUp.id, reason: 'Chapa fixed the charge' }, a);
    expect(retried).toMatchObject({ id: gaveUp.id, status: 'pending', attempts: 0 });
    const audit = (await h.ds.query(`SELECT admin_id, action, detail FROM payments.admin_actions WHERE subject_id = $1`, [gaveUp.id])) as Array<{
      admin_id: string;
      action: string;
      detail: Record<string, unknown>;
    }>;
    expect(audit).toEqual([{ admin_id: a.userId, action: 'refund_retry', detail: expect.objectContaining({ from: 'failed', to: 'pending', attempts: 12, note: 'Chapa fixed the charge' }) }]);
    await jobs(h).refunds();
    expect((await refundRows(b.bookingId))[0]).toMatchObject({ status: 'succeeded' });
    expect(tx.refundedMinor).toBe(150000);
    expect(await balance(h, 'refunds_payable', b.bookingId)).toBe(0);
    await expect(adminCall('payments.admin.refund.retry', { refundId: gaveUp.id })).rejects.toMatchObject({ status: 409, code: 'refund.not_retryable' });
    await jobs(h).refunds(); // leaves the other booking's refund settled too

    // The admin list pages newest first with a cursor, without gaps or repeats.
    const all = await adminCall<{ items: AdminRefund[]; nextCursor: string | null }>('payments.admin.refunds.list', { status: 'succeeded', limit: 100 });
    expect(all.items.length).toBeGreaterThanOrEqual(3);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: AdminRefund[]; nextCursor: string | null } = await adminCall('payments.admin.refunds.list', {
        status: 'succeeded',
        limit: 2,
        ...(cursor ? { cursor } : {}),
      });
      expect(page.items.length).toBeLessThanOrEqual(2);
      paged.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(all.items.map((r) => r.id));
    await expect(adminCall('payments.admin.refunds.list', { status: 'lost' })).rejects.toMatchObject({ status: 400 });
  });
});
