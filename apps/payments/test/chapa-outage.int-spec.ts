import { createHmac } from 'node:crypto';
import {
  acceptedBooking,
  admin,
  initiate,
  jobs,
  ledgerInvariants,
  payFor,
  paymentView,
  restartSandbox,
  startHarness,
  stopSandbox,
  tutor,
  wallet,
  WEBHOOK_SECRET,
  type Harness,
} from './harness';

// Chapa unreachable: nothing is lost, nothing is believed, and everything resumes when it is back.

jest.setTimeout(60_000);

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ env: { CHAPA_RETRIES: '0', CHAPA_TIMEOUT_MS: '2000' } });
});
afterAll(async () => {
  await h?.close();
});

it('refuses a checkout, asks Chapa to retry the webhook, and parks a withdrawal until Chapa is back', async () => {
  const t = tutor();
  const funded = await acceptedBooking(h, { tutor: t });
  await payFor(h, funded);
  await h.rpc.call('payments', 'payments.admin.release', { bookingId: funded.bookingId }, { actor: admin() });
  const open = await acceptedBooking(h);
  const pending = await initiate(h, open);

  await stopSandbox(h);

  const unpaid = await acceptedBooking(h);
  await expect(initiate(h, unpaid)).rejects.toMatchObject({ status: 503, code: 'chapa.unavailable' });
  expect((await paymentView(h, unpaid.bookingId, unpaid.student)).payment).toMatchObject({ status: 'failed', failureReason: 'chapa_initialize_failed' });

  // A signed webhook cannot be verified now: 503, so that Chapa delivers it again later.
  const body = JSON.stringify({ event: 'charge.success', tx_ref: pending.txRef, status: 'success' });
  const res = await fetch(`${h.bridge.base}/api/webhooks/chapa`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-chapa-signature': createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex') },
    body,
  });
  expect(res.status).toBe(503);
  expect(await res.json()).toMatchObject({ code: 'chapa.unavailable' });
  expect((await paymentView(h, open.bookingId, open.student)).payment?.status).toBe('initiated');

  // The withdrawal is accepted and the money set aside; the transfer waits for Chapa.
  const payout = await h.rpc.call<{ payoutId: string; status: string }>(
    'payments',
    'payments.wallet.withdraw',
    { amount: { amountMinor: 100000, currency: 'ETB' }, bankCode: 946, accountNumber: '1000123456789', accountName: 'Almaz Tesfaye' },
    { actor: t, timeoutMs: 20000 },
  );
  expect(payout.status).toBe('pending');
  expect(await wallet(h, t)).toMatchObject({ available: { amountMinor: 27500 }, payoutsInFlight: { amountMinor: 100000 } });
  await jobs(h).reconcilePayouts(); // still down, and not due yet anyway
  await ledgerInvariants(h.ds);

  await restartSandbox(h);
  h.clock.advance(10 * 60_000);
  expect(await jobs(h).reconcilePayouts()).toBe(1);
  expect(await wallet(h, t)).toMatchObject({ available: { amountMinor: 27500 }, payoutsInFlight: { amountMinor: 0 } });
  const [row] = (await h.ds.query(`SELECT status FROM payments.payouts WHERE id = $1`, [payout.payoutId])) as Array<{ status: string }>;
  expect(row.status).toBe('succeeded');

  // And a new checkout works again.
  const retry = await initiate(h, unpaid);
  expect(retry.status).toBe('initiated');
  await ledgerInvariants(h.ds);
});
