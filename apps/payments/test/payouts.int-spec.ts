import { randomUUID } from 'node:crypto';
import type { Actor } from '@tutorhub/contracts';
import { acceptedBooking, admin, balance, eventually, harnessPerFile, payFor, student, tutor, wallet, type Harness } from './harness';

jest.setTimeout(60_000);

let h: Harness;
const CBE = 946; // a bank id from the sandbox's GET /v1/banks

harnessPerFile((started) => (h = started));

/** A tutor whose wallet holds 127 500 ETB (one 1 500 ETB lesson, released, less 15 %). */
async function fundedTutor(): Promise<Actor> {
  const t = tutor();
  const b = await acceptedBooking(h, { tutor: t });
  await payFor(h, b);
  await h.rpc.call('payments', 'payments.admin.release', { bookingId: b.bookingId }, { actor: admin() });
  expect((await wallet(h, t)).available.amountMinor).toBe(127500);
  return t;
}

type Payout = { payoutId: string; status: string; amount: { amountMinor: number; currency: string }; failureReason: string | null };

function withdraw(t: Actor, amountMinor: number, o: { accountNumber?: string; bankCode?: number; idempotencyKey?: string; currency?: 'ETB' | 'USD' } = {}) {
  return h.rpc.call<Payout>(
    'payments',
    'payments.wallet.withdraw',
    {
      amount: { amountMinor, currency: o.currency ?? 'ETB' },
      bankCode: o.bankCode ?? CBE,
      accountNumber: o.accountNumber ?? '1000123456789',
      accountName: 'Almaz Tesfaye',
      ...(o.idempotencyKey ? { idempotencyKey: o.idempotencyKey } : {}),
    },
    { actor: t, timeoutMs: 20000 },
  );
}

it('pays out through a Chapa transfer: the wallet goes down and the money leaves platform cash', async () => {
  const t = await fundedTutor();
  const cashBefore = await balance(h, 'platform_cash', null);
  const p = await withdraw(t, 100000);
  expect(p).toMatchObject({ status: 'succeeded', amount: { amountMinor: 100000, currency: 'ETB' }, failureReason: null });
  const w = await wallet(h, t);
  expect(w).toMatchObject({ available: { amountMinor: 27500 }, payoutsInFlight: { amountMinor: 0 }, lifetimeEarnings: { amountMinor: 127500 } });
  expect(w.history.map((x) => [x.type, x.direction, x.amount.amountMinor])).toEqual([
    ['payout_requested', 'debit', 100000],
    ['escrow_released', 'credit', 127500],
  ]);
  expect(await balance(h, 'platform_cash', null)).toBe(cashBefore - 100000);
  // The sandbox's transfer.success webhook arrives too and changes nothing.
  await eventually(async () => {
    const r = (await h.ds.query(`SELECT count(*)::int AS n FROM payments.ledger_transactions WHERE payout_id = $1`, [p.payoutId])) as Array<{ n: number }>;
    return h.bridge.webhookStatuses.length > 0 && r[0].n === 2;
  });
  const events = (await h.ds.query(`SELECT type FROM payments.outbox WHERE envelope->'data'->>'payoutId' = $1 ORDER BY seq`, [p.payoutId])) as Array<{ type: string }>;
  expect(events.map((e) => e.type)).toEqual(['payments.payout.requested.v1', 'payments.payout.succeeded.v1']);
});

it('returns the money to the wallet when the transfer fails', async () => {
  const t = await fundedTutor();
  const cashBefore = await balance(h, 'platform_cash', null);
  const p = await withdraw(t, 50000, { accountNumber: '0000999999' }); // the sandbox's failing accounts
  expect(p).toMatchObject({ status: 'failed' });
  const w = await wallet(h, t);
  expect(w).toMatchObject({ available: { amountMinor: 127500 }, payoutsInFlight: { amountMinor: 0 } });
  expect(w.history.map((x) => [x.type, x.direction, x.amount.amountMinor])).toEqual([
    ['payout_returned', 'credit', 50000],
    ['payout_requested', 'debit', 50000],
    ['escrow_released', 'credit', 127500],
  ]);
  expect(await balance(h, 'platform_cash', null)).toBe(cashBefore);
  const events = (await h.ds.query(`SELECT type FROM payments.outbox WHERE envelope->'data'->>'payoutId' = $1 ORDER BY seq`, [p.payoutId])) as Array<{ type: string }>;
  expect(events.map((e) => e.type)).toEqual(['payments.payout.requested.v1', 'payments.payout.failed.v1']);
});

it('returns the money when Chapa refuses the transfer outright', async () => {
  const t = await fundedTutor();
  const p = await withdraw(t, 20000, { bankCode: 1 });
  expect(p.status).toBe('failed');
  expect(p.failureReason).toMatch(/Bank Code/i);
  expect((await wallet(h, t)).available.amountMinor).toBe(127500);
});

it('never pays out more than the wallet holds, even to concurrent requests', async () => {
  const t = await fundedTutor();
  await expect(withdraw(t, 127501)).rejects.toMatchObject({ status: 422, code: 'wallet.insufficient_funds' });
  const results = await Promise.allSettled(Array.from({ length: 6 }, () => withdraw(t, 30000)));
  const ok = results.filter((r) => r.status === 'fulfilled');
  const refused = results.filter((r) => r.status === 'rejected');
  expect(ok).toHaveLength(4);
  for (const r of refused) expect((r as PromiseRejectedResult).reason).toMatchObject({ status: 422, code: 'wallet.insufficient_funds' });
  expect((await wallet(h, t)).available.amountMinor).toBe(7500);
});

it('dedupes a retried withdrawal by its idempotency key', async () => {
  const t = await fundedTutor();
  const key = randomUUID();
  const [a, b] = await Promise.all([withdraw(t, 10000, { idempotencyKey: key }), withdraw(t, 10000, { idempotencyKey: key })]);
  expect(b.payoutId).toBe(a.payoutId);
  expect((await withdraw(t, 10000, { idempotencyKey: key })).payoutId).toBe(a.payoutId);
  expect((await wallet(h, t)).available.amountMinor).toBe(117500);
});

it('is for tutors only, and in ETB only (what Chapa transfers)', async () => {
  await expect(wallet(h, student())).rejects.toMatchObject({ status: 403 });
  await expect(withdraw(student(), 100)).rejects.toMatchObject({ status: 403 });
  await expect(withdraw(tutor(), 100, { currency: 'USD' })).rejects.toMatchObject({ status: 422, code: 'payout.currency_unsupported' });
  await expect(withdraw(tutor(), 0)).rejects.toMatchObject({ status: 400, code: 'validation_failed' });
  expect(await wallet(h, tutor())).toMatchObject({ available: { amountMinor: 0, currency: 'ETB' }, history: [], nextCursor: null });
});

it('pages the wallet history with a cursor', async () => {
  const t = await fundedTutor();
  for (let i = 0; i < 3; i++) await withdraw(t, 1000);
  const first = await wallet(h, t, { limit: 2 });
  expect(first.history).toHaveLength(2);
  expect(first.nextCursor).not.toBeNull();
  const second = await wallet(h, t, { limit: 2, cursor: first.nextCursor });
  expect(second.history).toHaveLength(2);
  expect(second.nextCursor).toBeNull();
  expect(new Set([...first.history, ...second.history].map((x) => x.id)).size).toBe(4);
});
