import { randomUUID } from 'node:crypto';
import type { Actor } from '@tutorhub/contracts';
import { accessTokenFor, startGatewayProcess, startServiceProcess, type AppProcess } from '@tutorhub/testing';
// The real gateway runs as its own process on the same database and broker namespace, so these
// requests go HTTP → gateway → RPC → payments → Chapa sandbox for real.
import { acceptedBooking, admin, checkout, jobs, ledgerInvariants, sandboxStore, sessionEnded, startHarness, student, tutor, type Harness } from './harness';

jest.setTimeout(60_000);

let h: Harness;
let gw: AppProcess | undefined;
let bookings: AppProcess | undefined;
let base: string;

beforeAll(async () => {
  h = await startHarness({ services: ['payments', 'gateway', 'bookings'] });
  // Bookings answers the gateway as the booking's owner when payments' copy lacks a booking
  // (read-your-writes): a stranger's 404 is the owner's word too.
  [gw, bookings] = await Promise.all([
    startGatewayProcess({ databaseUrl: h.svc.db.url, namespace: h.svc.namespace }),
    startServiceProcess('bookings', { databaseUrl: h.svc.db.url, namespace: h.svc.namespace }),
  ]);
  // Chapa's webhook and callback now reach the real gateway routes.
  base = gw.baseUrl;
  h.bridge.proxyTo = base;
});
afterAll(async () => {
  await Promise.all([gw?.stop(), bookings?.stop()]);
  await h?.close();
});

async function call(path: string, actor: Actor | null, init: { method?: string; json?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (actor) headers.authorization = `Bearer ${await accessTokenFor(actor, h.svc.db.url)}`;
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, { method: init.method ?? 'GET', headers, body: init.json === undefined ? undefined : JSON.stringify(init.json) });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: (text ? JSON.parse(text) : undefined) as Record<string, never> };
}

it('pays, holds, releases, shows the wallet and withdraws over the HTTP API', async () => {
  const t = tutor();
  const b = await acceptedBooking(h, { tutor: t });

  const initiated = await call(`/api/bookings/${b.bookingId}/payment`, b.student, { method: 'POST' });
  expect(initiated.status).toBe(201);
  expect(initiated.body).toMatchObject({ status: 'initiated', checkoutUrl: expect.stringContaining('/checkout/') });
  const again = await call(`/api/bookings/${b.bookingId}/payment`, b.student, { method: 'POST' });
  expect(again.body).toEqual(initiated.body);

  // The student pays on the hosted page; Chapa's signed webhook goes through the gateway route.
  expect((await checkout(h, initiated.body.txRef)).status).toBe(303);
  expect(h.bridge.webhookStatuses.at(-1)).toBe(200);
  const status = await call(`/api/bookings/${b.bookingId}/payment`, b.tutor);
  expect(status.status).toBe(200);
  expect(status.body).toMatchObject({ payment: { status: 'succeeded' }, escrow: { status: 'held', amount: { amountMinor: 150000, currency: 'ETB' } } });

  const released = await call(`/api/sessions/${b.bookingId}/release-escrow`, admin(), { method: 'POST' });
  expect(released.status).toBe(200);
  expect(released.body).toMatchObject({ escrow: { status: 'released', tutorAmount: { amountMinor: 127500 }, platformFee: { amountMinor: 22500 } } });
  const twice = await call(`/api/admin/escrows/${b.bookingId}/release`, admin(), { method: 'POST', json: { reason: 'again' } });
  expect(twice.status).toBe(409);
  expect(twice.type).toContain('application/problem+json');
  expect(twice.body).toMatchObject({ code: 'escrow.invalid_transition' });

  const w = await call('/api/wallet', t);
  expect(w.status).toBe(200);
  expect(w.body).toMatchObject({ available: { amountMinor: 127500, currency: 'ETB' }, pendingEscrow: { amountMinor: 0 }, lifetimeEarnings: { amountMinor: 127500 } });

  const key = randomUUID();
  const withdrawal = { amount: { amountMinor: 27500, currency: 'ETB' }, bankCode: 946, accountNumber: '1000123456789', accountName: 'Almaz Tesfaye' };
  const paid = await call('/api/wallet/withdrawals', t, { method: 'POST', json: withdrawal, headers: { 'idempotency-key': key } });
  expect(paid.status).toBe(201);
  expect(paid.body).toMatchObject({ status: 'succeeded', amount: { amountMinor: 27500 } });
  const replay = await call('/api/wallet/withdrawals', t, { method: 'POST', json: withdrawal, headers: { 'idempotency-key': key } });
  expect(replay.body).toMatchObject({ payoutId: paid.body.payoutId });
  expect((await call('/api/wallet?limit=1', t)).body).toMatchObject({ available: { amountMinor: 100000 }, history: [{ type: 'payout_requested' }] });
  const tooMuch = await call('/api/wallet/withdrawals', t, { method: 'POST', json: { ...withdrawal, amount: { amountMinor: 100001, currency: 'ETB' } } });
  expect(tooMuch.status).toBe(422);
  expect(tooMuch.body).toMatchObject({ code: 'wallet.insufficient_funds' });
  await ledgerInvariants(h.ds);
});

it('refunds by hand, reports stats, and keeps each route to its roles', async () => {
  const b = await acceptedBooking(h);
  const p = await call(`/api/bookings/${b.bookingId}/payment`, b.student, { method: 'POST' });
  await checkout(h, p.body.txRef);
  const refunded = await call(`/api/admin/escrows/${b.bookingId}/refund`, admin(), { method: 'POST', json: { refundBasisPoints: 5000, reason: 'half' } });
  expect(refunded.status).toBe(200);
  expect(refunded.body).toMatchObject({ escrow: { status: 'refunded', refundAmount: { amountMinor: 75000 }, tutorAmount: { amountMinor: 63750 } } });
  const stats = await call('/api/admin/escrow/stats', admin());
  expect(stats.status).toBe(200);
  expect(stats.body).toMatchObject({ refunded: { ETB: { count: expect.any(Number) } }, dueNow: { USD: { count: 0, amountMinor: 0 } } });

  expect((await call(`/api/bookings/${b.bookingId}/payment`, tutor())).status).toBe(404);
  expect((await call(`/api/bookings/${b.bookingId}/payment`, b.tutor, { method: 'POST' })).status).toBe(403);
  expect((await call('/api/wallet', b.student)).status).toBe(403);
  expect((await call('/api/admin/escrow/stats', b.tutor)).status).toBe(403);
  expect((await call(`/api/sessions/${b.bookingId}/release-escrow`, b.tutor, { method: 'POST' })).status).toBe(403);
  // The student may release only their own lesson's money, once the lesson took place; this one was refunded.
  expect((await call(`/api/sessions/${b.bookingId}/release-escrow`, b.student, { method: 'POST' })).body).toMatchObject({
    status: 409,
    code: 'escrow.already_settled',
  });
  expect((await call(`/api/sessions/${b.bookingId}/release-escrow`, student(), { method: 'POST' })).status).toBe(404);
  expect((await call('/api/wallet', null)).status).toBe(401);
  const invalid = await call(`/api/admin/escrows/${b.bookingId}/refund`, admin(), { method: 'POST', json: { refundBasisPoints: 20000 } });
  expect(invalid.status).toBe(400);
  expect(invalid.body).toMatchObject({ code: 'validation_failed' });
  await ledgerInvariants(h.ds);
});

// Issue 16: "the lesson was fine, pay the tutor now". Only after the lesson (the escrow's release
// is scheduled), only by its student; it ends the dispute window and nothing moves twice.
it('lets the student release the escrow of a lesson that took place at once, and only that', async () => {
  const t = tutor();
  const b = await acceptedBooking(h, { tutor: t });
  const p = await call(`/api/bookings/${b.bookingId}/payment`, b.student, { method: 'POST' });
  await checkout(h, p.body.txRef);
  const early = await call(`/api/sessions/${b.bookingId}/release-escrow`, b.student, { method: 'POST' });
  expect(early.body).toMatchObject({ status: 409, code: 'escrow.lesson_not_ended' });
  await sessionEnded(h, b, { endedBy: t.userId });
  expect((await call(`/api/sessions/${b.bookingId}/release-escrow`, t, { method: 'POST' })).status).toBe(403);
  expect((await call(`/api/sessions/${b.bookingId}/release-escrow`, b.student, { method: 'POST', json: { reason: 'x' } })).status).toBe(400);
  const released = await call(`/api/sessions/${b.bookingId}/release-escrow`, b.student, { method: 'POST' });
  expect(released.status).toBe(200);
  expect(released.body).toMatchObject({ escrow: { status: 'released', settleReason: 'student_approved', tutorAmount: { amountMinor: 127500 } } });
  expect((await call('/api/wallet', t)).body).toMatchObject({ available: { amountMinor: 127500 } });
  const again = await call(`/api/sessions/${b.bookingId}/release-escrow`, b.student, { method: 'POST' });
  expect(again.body).toMatchObject({ status: 409, code: 'escrow.already_settled' });
  // The release job later finds nothing left to do for it.
  h.clock.advance(48 * 3_600_000);
  await jobs(h).release();
  expect((await call('/api/wallet', t)).body).toMatchObject({ available: { amountMinor: 127500 } });
  await ledgerInvariants(h.ds);
});

it('serves the admin refund routes: suspense refund, attention list and retry, with problem+json errors', async () => {
  // A payment Chapa reports for another amount: flagged, its money in suspense.
  const b = await acceptedBooking(h);
  const p = await call(`/api/bookings/${b.bookingId}/payment`, b.student, { method: 'POST' });
  const tx = sandboxStore(h).findTransaction(p.body.txRef);
  if (!tx) throw new Error('no sandbox transaction');
  tx.amountMinor = 120000;
  await checkout(h, p.body.txRef);
  expect((await call(`/api/bookings/${b.bookingId}/payment`, b.student)).body).toMatchObject({ payment: { status: 'flagged' }, escrow: null });

  const refunded = await call(`/api/admin/payments/${p.body.paymentId}/refund`, admin(), { method: 'POST', json: { reason: 'amount mismatch' } });
  expect(refunded.status).toBe(200);
  expect(refunded.body).toMatchObject({
    payment: { id: p.body.paymentId, status: 'refunded' },
    refund: { source: 'suspense', status: 'pending', amount: { amountMinor: 120000, currency: 'ETB' } },
  });
  const again = await call(`/api/admin/payments/${p.body.paymentId}/refund`, admin(), { method: 'POST' });
  expect(again.status).toBe(409);
  expect(again.type).toContain('application/problem+json');
  expect(again.body).toMatchObject({ code: 'payment.not_refundable' });

  const pending = await call('/api/admin/refunds?status=pending&limit=100', admin());
  expect(pending.status).toBe(200);
  expect((pending.body as unknown as { items: Array<{ id: string }> }).items.map((r) => r.id)).toContain((refunded.body as unknown as { refund: { id: string } }).refund.id);
  const attention = await call('/api/admin/refunds', admin());
  expect(attention.status).toBe(200);
  expect(attention.body).toMatchObject({ items: expect.any(Array), nextCursor: null });

  const notRetryable = await call(`/api/admin/refunds/${(refunded.body as unknown as { refund: { id: string } }).refund.id}/retry`, admin(), { method: 'POST' });
  expect(notRetryable.status).toBe(409);
  expect(notRetryable.body).toMatchObject({ code: 'refund.not_retryable' });
  const unknown = await call(`/api/admin/refunds/${randomUUID()}/retry`, admin(), { method: 'POST', json: { reason: 'x' } });
  expect(unknown.status).toBe(404);
  expect(unknown.body).toMatchObject({ code: 'refund.not_found' });

  for (const bad of ['/api/admin/refunds?status=nope', '/api/admin/refunds?cursor=1']) {
    const r = await call(bad, admin());
    expect(r.status).toBe(400);
    expect(r.type).toContain('application/problem+json');
  }
  expect((await call('/api/admin/refunds/not-a-uuid/retry', admin(), { method: 'POST' })).status).toBe(400);
  expect((await call('/api/admin/payments/not-a-uuid/refund', admin(), { method: 'POST' })).status).toBe(400);
  expect((await call('/api/admin/refunds', b.student)).status).toBe(403);
  expect((await call(`/api/admin/payments/${p.body.paymentId}/refund`, b.tutor, { method: 'POST' })).status).toBe(403);
  await ledgerInvariants(h.ds);
});
