import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChapaClient } from '../src/chapa/chapa.client';
import { ProcessRefunds } from '../src/process-refunds/process-refunds';
import { Payouts } from '../src/withdraw/payouts';
import {
  acceptedBooking,
  admin,
  eventually,
  jobs,
  ledgerInvariants,
  payFor,
  restartSandbox,
  startHarness,
  stopSandbox,
  tutor,
  wallet,
  type Harness,
} from './harness';

// Issue 13, defect 7: the refund processor claimed 20 rows under one 2-minute lease, but one row
// may spend (retries + 1) × CHAPA_TIMEOUT_MS on each of its two Chapa calls. Here Chapa accepts
// connections and never answers, so a claimed refund stays in flight for as long as the test
// wants; the clock then moves past the old lease, and another replica's pass must not take it.
// The payout reconciliation job had the same shape (100 payouts, 2 minutes) and is checked too.

jest.setTimeout(90_000);

let h: Harness;
let hung: Server | undefined;
const sockets: Socket[] = [];

beforeAll(async () => {
  // Chapa's worst case per call: 3 attempts × 60 s, plus two backoffs of at most 10 s.
  h = await startHarness({ env: { CHAPA_TIMEOUT_MS: '60000', CHAPA_RETRIES: '2' } });
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => (hung ? hung.close(() => resolve()) : resolve()));
  await h?.close();
});

it('never lets another replica claim a refund whose Chapa call may still be running', async () => {
  const b = await acceptedBooking(h);
  await payFor(h, b);
  await h.rpc.call('payments', 'payments.admin.refund', { bookingId: b.bookingId }, { actor: admin() });
  await ledgerInvariants(h.ds);

  // Chapa hangs: same address, connections accepted, no answer ever.
  const port = Number(new URL(h.sandboxUrl).port);
  await stopSandbox(h);
  hung = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => hung?.listen(port, '127.0.0.1', resolve));

  const claimedAt = h.clock.now().getTime();
  const first = jobs(h).refunds(); // replica A: claims the refund, then waits on Chapa
  await eventually(async () => sockets.length === 1, 15000);
  const [row] = (await h.ds.query(`SELECT attempts, next_attempt_at FROM payments.refunds WHERE booking_id = $1`, [b.bookingId])) as Array<{
    attempts: number;
    next_attempt_at: Date;
  }>;
  expect(row.attempts).toBe(1);
  // The lease covers both Chapa calls of the row at their worst.
  const worstCall = h.svc.app.get(ChapaClient).worstCaseCallMs();
  expect(worstCall).toBe(3 * 60_000 + 2 * 10_000);
  expect(new Date(row.next_attempt_at).getTime() - claimedAt).toBeGreaterThanOrEqual(2 * worstCall);
  expect(h.svc.app.get(ProcessRefunds).leaseMs()).toBeGreaterThanOrEqual(2 * worstCall);

  // Well past the old 2-minute lease, yet within one call's worst case: replica B runs a pass.
  h.clock.advance(2 * 60_000 + 1000);
  let watching = true;
  const reclaimed = (async () => {
    while (watching) {
      if (sockets.length > 1) return 'claimed again by another pass';
      await sleep(20);
    }
    return 'not claimed again';
  })();
  const second = jobs(h)
    .refunds()
    .then((n) => `pass looked at ${n}`);
  const winner = await Promise.race([second, reclaimed]);
  watching = false;
  expect(winner).toBe('pass looked at 0');
  expect(sockets).toHaveLength(1);
  const [still] = (await h.ds.query(`SELECT attempts, status FROM payments.refunds WHERE booking_id = $1`, [b.bookingId])) as Array<{ attempts: number; status: string }>;
  expect(still).toEqual({ attempts: 1, status: 'pending' });

  // A pass that outlives its lease (a paused process) is taken over, and then cannot write over
  // the replica that took the row: every write of the processor carries the claim's lease token.
  const leaseEnd = new Date(row.next_attempt_at).getTime();
  h.clock.advance(leaseEnd - h.clock.now().getTime() + 1000);
  const third = jobs(h).refunds(); // replica C: takes the expired lease over, and hangs on Chapa too
  await eventually(async () => sockets.length === 2, 15000);
  const [taken] = (await h.ds.query(`SELECT attempts, next_attempt_at, last_error FROM payments.refunds WHERE booking_id = $1`, [b.bookingId])) as Array<{
    attempts: number;
    next_attempt_at: Date;
    last_error: string | null;
  }>;
  expect(taken).toMatchObject({ attempts: 2, last_error: null });

  // Chapa stops accepting connections; A's call fails first (its retries are refused at once).
  hung.close();
  hung = undefined;
  sockets[0].destroy();
  await first;
  const [afterA] = (await h.ds.query(`SELECT attempts, status, next_attempt_at, last_error FROM payments.refunds WHERE booking_id = $1`, [b.bookingId])) as Array<{
    attempts: number;
    status: string;
    next_attempt_at: Date;
    last_error: string | null;
  }>;
  expect(afterA).toEqual({ attempts: 2, status: 'pending', next_attempt_at: taken.next_attempt_at, last_error: null });

  // C's call fails too: its result is recorded (backoff after a second attempt), money unchanged.
  sockets[1].destroy();
  await third;
  await reclaimed;
  const [afterC] = (await h.ds.query(`SELECT attempts, status, next_attempt_at, last_error FROM payments.refunds WHERE booking_id = $1`, [b.bookingId])) as Array<{
    attempts: number;
    status: string;
    next_attempt_at: Date;
    last_error: string;
  }>;
  expect(afterC).toMatchObject({ attempts: 2, status: 'pending' });
  expect(afterC.last_error).toMatch(/Chapa refund/);
  expect(new Date(afterC.next_attempt_at).getTime()).toBe(h.clock.now().getTime() + 60_000);
  await ledgerInvariants(h.ds);
});

it('never lets another replica take over a payout whose Chapa calls may still be running', async () => {
  // Chapa is back (a fresh sandbox), a tutor earns 1 275 ETB.
  await restartSandbox(h);
  const t = tutor();
  const b = await acceptedBooking(h, { tutor: t });
  await payFor(h, b);
  await h.rpc.call('payments', 'payments.admin.release', { bookingId: b.bookingId }, { actor: admin() });
  // Chapa goes down while the tutor withdraws: the payout stays open, its money in flight.
  const port = Number(new URL(h.sandboxUrl).port);
  await stopSandbox(h);
  const payout = await h.rpc.call<{ payoutId: string; status: string }>(
    'payments',
    'payments.wallet.withdraw',
    { amount: { amountMinor: 50000, currency: 'ETB' }, bankCode: 946, accountNumber: '1000123456789', accountName: 'Almaz Tesfaye' },
    { actor: t, timeoutMs: 30000 },
  );
  expect(payout.status).toBe('pending');

  // Chapa hangs; the reconciliation job of replica A claims the payout and waits on its verify.
  const conns: Socket[] = [];
  const server = createServer((socket) => {
    conns.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  h.clock.advance(10 * 60_000); // the payout's backoff has passed
  const claimedAt = h.clock.now().getTime();
  const first = jobs(h).reconcilePayouts();
  await eventually(async () => conns.length === 1, 15000);
  const [row] = (await h.ds.query(`SELECT attempts, next_attempt_at FROM payments.payouts WHERE id = $1`, [payout.payoutId])) as Array<{
    attempts: number;
    next_attempt_at: Date;
  }>;
  expect(row.attempts).toBe(1);
  expect(new Date(row.next_attempt_at).getTime() - claimedAt).toBe(h.svc.app.get(Payouts).leaseMs());
  expect(h.svc.app.get(Payouts).leaseMs()).toBeGreaterThanOrEqual(3 * h.svc.app.get(ChapaClient).worstCaseCallMs());

  // Past the old 2-minute lease: replica B's pass must leave it alone.
  h.clock.advance(2 * 60_000 + 1000);
  let watching = true;
  const reclaimed = (async () => {
    while (watching) {
      if (conns.length > 1) return 'claimed again by another pass';
      await sleep(20);
    }
    return 'not claimed again';
  })();
  const winner = await Promise.race([jobs(h).reconcilePayouts().then((n) => `pass looked at ${n}`), reclaimed]);
  watching = false;
  expect(winner).toBe('pass looked at 0');
  await reclaimed;

  // Chapa goes away: A's verify fails, the payout stays open with its money in flight.
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    for (const c of conns) c.destroy();
  });
  await first;
  const [after] = (await h.ds.query(`SELECT status, attempts FROM payments.payouts WHERE id = $1`, [payout.payoutId])) as Array<{ status: string; attempts: number }>;
  expect(after).toEqual({ status: 'pending', attempts: 1 });
  expect(await wallet(h, t)).toMatchObject({ available: { amountMinor: 77500 }, payoutsInFlight: { amountMinor: 50000 } });
  await ledgerInvariants(h.ds);
});
