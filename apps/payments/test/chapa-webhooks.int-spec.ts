import { createHmac } from 'node:crypto';
import { register } from 'prom-client';
import {
  acceptedBooking,
  checkout,
  harnessPerFile,
  initiate,
  jobs,
  paymentView,
  sandboxStore,
  WEBHOOK_SECRET,
  type Harness,
  type TestBooking,
} from './harness';

jest.setTimeout(60_000);

let h: Harness;

harnessPerFile((started) => (h = started));

const sign = (body: string, secret = WEBHOOK_SECRET) => createHmac('sha256', secret).update(body).digest('hex');

/** POSTs a webhook through the gateway stand-in exactly as Chapa would. */
async function deliver(body: string, headers: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${h.bridge.base}/api/webhooks/chapa`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

function chargeSuccess(txRef: string, amount = '1500.00', currency = 'ETB'): string {
  return JSON.stringify({ event: 'charge.success', tx_ref: txRef, amount, currency, status: 'success', reference: 'APfake', mode: 'test' });
}

/** Effects a payment had on money: postings, escrow rows, held events. */
async function effects(b: TestBooking) {
  const [r] = (await h.ds.query(
    `SELECT (SELECT count(*)::int FROM payments.ledger_transactions WHERE booking_id = $1) AS postings,
            (SELECT count(*)::int FROM payments.escrows WHERE booking_id = $1) AS escrows,
            (SELECT count(*)::int FROM payments.outbox WHERE type = 'payments.escrow.held.v1' AND envelope->'data'->>'bookingId' = $1::text) AS held_events,
            (SELECT count(*)::int FROM payments.outbox WHERE type = 'payments.payment.succeeded.v1' AND envelope->'data'->>'bookingId' = $1::text) AS succeeded_events`,
    [b.bookingId],
  )) as Array<{ postings: number; escrows: number; held_events: number; succeeded_events: number }>;
  return r;
}

/** Chapa settles the payment without telling us (a lost webhook). */
function settleSilently(txRef: string) {
  sandboxStore(h).settle(txRef, 'success');
}

describe('webhook authenticity', () => {
  it('refuses a webhook without a signature, with a forged one, or with only the constant Chapa-Signature', async () => {
    const b = await acceptedBooking(h);
    const p = await initiate(h, b);
    settleSilently(p.txRef); // the money is really there: only the signature stands in the way
    const body = chargeSuccess(p.txRef);
    const constant = createHmac('sha256', WEBHOOK_SECRET).update(WEBHOOK_SECRET).digest('hex');
    const attempts: Array<Record<string, string>> = [{}, { 'x-chapa-signature': sign(body, 'not-the-secret') }, { 'chapa-signature': constant }, { 'x-chapa-signature': 'zz' }];
    const before = await badSignatures();
    for (const headers of attempts) {
      const res = await deliver(body, headers);
      expect(res.status).toBe(401);
      expect(res.json).toMatchObject({ status: 401, code: 'chapa.bad_signature' });
    }
    // What the ChapaWebhookSignatureFailures alert counts (docs/operations.md).
    expect((await badSignatures()) - before).toBe(attempts.length);
    expect(await effects(b)).toMatchObject({ postings: 0, escrows: 0 });
  });

  it('refuses a tampered body (signature of the original bytes)', async () => {
    const b = await acceptedBooking(h);
    const p = await initiate(h, b);
    settleSilently(p.txRef);
    const original = chargeSuccess(p.txRef);
    const tampered = original.replace('"1500.00"', '"1.00"');
    expect(tampered).not.toBe(original);
    expect((await deliver(tampered, { 'x-chapa-signature': sign(original) })).status).toBe(401);
    // Even whitespace changes the bytes.
    expect((await deliver(` ${original}`, { 'x-chapa-signature': sign(original) })).status).toBe(401);
    expect(await effects(b)).toMatchObject({ postings: 0, escrows: 0 });
  });

  it('believes nothing a correctly signed webhook says: an unpaid transaction holds nothing', async () => {
    const b = await acceptedBooking(h);
    const p = await initiate(h, b);
    const body = chargeSuccess(p.txRef);
    const res = await deliver(body, { 'x-chapa-signature': sign(body) });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ handled: true, outcome: 'not_paid' });
    expect(await effects(b)).toMatchObject({ postings: 0, escrows: 0 });
    expect((await paymentView(h, b.bookingId, b.student)).payment?.status).toBe('initiated');
  });
});

describe('replays and duplicates', () => {
  it('applies a replayed webhook once', async () => {
    const b = await acceptedBooking(h);
    const p = await initiate(h, b);
    expect((await checkout(h, p.txRef)).status).toBe(303); // the sandbox's own signed webhook holds it
    expect(await effects(b)).toEqual({ postings: 1, escrows: 1, held_events: 1, succeeded_events: 1 });
    const body = chargeSuccess(p.txRef);
    for (let i = 0; i < 3; i++) {
      const res = await deliver(body, { 'x-chapa-signature': sign(body) });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ outcome: 'already_final' });
    }
    expect(await effects(b)).toEqual({ postings: 1, escrows: 1, held_events: 1, succeeded_events: 1 });
  });

  it('applies concurrent webhooks, callbacks and a reconciliation pass once', async () => {
    const b = await acceptedBooking(h);
    const p = await initiate(h, b);
    settleSilently(p.txRef);
    const body = chargeSuccess(p.txRef);
    h.clock.advance(10 * 60_000);
    const results = await Promise.all([
      ...Array.from({ length: 8 }, () => deliver(body, { 'x-chapa-signature': sign(body) })),
      ...Array.from({ length: 4 }, () => fetch(`${h.bridge.base}/api/payments/chapa/callback?trx_ref=${p.txRef}&status=success`).then((r) => ({ status: r.status, json: {} }))),
      jobs(h).reconcilePayments().then(() => ({ status: 200, json: {} })),
    ]);
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    expect(await effects(b)).toEqual({ postings: 1, escrows: 1, held_events: 1, succeeded_events: 1 });
    expect((await paymentView(h, b.bookingId, b.student)).escrow?.status).toBe('held');
  });
});

describe('event names and paths that lead to the verify call', () => {
  it("accepts Chapa's v2 payload (webhook_type + payment.success)", async () => {
    const b = await acceptedBooking(h);
    const p = await initiate(h, b);
    settleSilently(p.txRef);
    const body = JSON.stringify({ webhook_type: 'payment', event: 'payment.success', data: { tx_ref: p.txRef, amount: '1500.00', currency: 'ETB', status: 'success' } });
    const res = await deliver(body, { 'x-chapa-signature': sign(body) });
    expect(res.json).toMatchObject({ handled: true, outcome: 'held' });
    expect((await paymentView(h, b.bookingId, b.student)).escrow?.status).toBe('held');
  });

  it('holds through the callback alone (no webhook), reading trx_ref or tx_ref', async () => {
    const b = await acceptedBooking(h);
    const p = await initiate(h, b);
    settleSilently(p.txRef);
    const res = await fetch(`${h.bridge.base}/api/payments/chapa/callback?tx_ref=${p.txRef}`);
    expect(await res.json()).toMatchObject({ outcome: 'held', paymentStatus: 'succeeded', bookingId: b.bookingId });
  });

  it('finds a payment whose webhook and callback were both lost, with the reconciliation job', async () => {
    const b = await acceptedBooking(h);
    const p = await initiate(h, b);
    settleSilently(p.txRef);
    await jobs(h).reconcilePayments(); // too young to be looked at
    expect((await paymentView(h, b.bookingId, b.student)).payment?.status).toBe('initiated');
    h.clock.advance(5 * 60_000);
    await jobs(h).reconcilePayments();
    expect((await paymentView(h, b.bookingId, b.student)).escrow?.status).toBe('held');
  });

  it('marks a payment failed when the student cancels on the checkout page, and lets them start again', async () => {
    const b = await acceptedBooking(h);
    const p = await initiate(h, b);
    expect((await checkout(h, p.txRef, 'fail')).status).toBe(303);
    expect((await paymentView(h, b.bookingId, b.student)).payment).toMatchObject({ id: p.paymentId, status: 'failed' });
    const again = await initiate(h, b);
    expect(again.paymentId).not.toBe(p.paymentId);
    expect(again.txRef).not.toBe(p.txRef);
    expect((await checkout(h, again.txRef)).status).toBe(303);
    expect((await paymentView(h, b.bookingId, b.student)).escrow?.status).toBe('held');
  });
});

describe('verify mismatch holds nothing', () => {
  it.each([
    ['amount', (tx: { amountMinor: number }) => (tx.amountMinor = 100)],
    ['currency', (tx: { currency: 'ETB' | 'USD' }) => (tx.currency = 'USD')],
  ] as const)('flags the payment when Chapa reports another %s', async (_what, tamper) => {
    const b = await acceptedBooking(h);
    const p = await initiate(h, b);
    const tx = sandboxStore(h).findTransaction(p.txRef);
    if (!tx) throw new Error('no sandbox transaction');
    tamper(tx as never);
    expect((await checkout(h, p.txRef)).status).toBe(303);
    const view = await paymentView(h, b.bookingId, b.student);
    expect(view.payment?.status).toBe('flagged');
    expect(view.escrow).toBeNull();
    // Nothing held; what Chapa received is only parked in suspense (chapa-trust.int-spec.ts).
    expect(await effects(b)).toMatchObject({ postings: 1, escrows: 0, held_events: 0 });
    const kinds = (await h.ds.query(`SELECT kind FROM payments.ledger_transactions WHERE booking_id = $1`, [b.bookingId])) as Array<{ kind: string }>;
    expect(kinds).toEqual([{ kind: 'payment_suspended' }]);
    const [row] = (await h.ds.query(`SELECT failure_reason FROM payments.payments WHERE id = $1`, [p.paymentId])) as Array<{ failure_reason: string }>;
    expect(row.failure_reason).toMatch(/verify mismatch/);
    // A replay of the webhook changes nothing either.
    const body = chargeSuccess(p.txRef);
    await deliver(body, { 'x-chapa-signature': sign(body) });
    expect(await effects(b)).toMatchObject({ postings: 1, escrows: 0 });
  });
});

async function badSignatures(): Promise<number> {
  const metric = await register.getSingleMetric('payments_chapa_webhooks_total')?.get();
  return metric?.values.find((v) => v.labels.outcome === 'bad_signature')?.value ?? 0;
}
