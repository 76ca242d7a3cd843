import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { migrate } from '@tutorhub/persistence';
import { createTestDatabase, type TestDatabase } from '@tutorhub/testing';
import { paymentsService } from '../src/app.module';

// The database itself keeps the ledger honest: these statements bypass every line of service
// code, as a buggy migration, a script or a person with psql would.

jest.setTimeout(60_000);

let db: TestDatabase;
let c: Client;
const PLATFORM = '00000000-0000-0000-0000-000000000000';

beforeAll(async () => {
  db = await createTestDatabase();
  await migrate({ url: db.url, schema: 'payments', entities: [], migrations: paymentsService.migrations });
  c = new Client({ connectionString: db.url });
  await c.connect();
});
afterAll(async () => {
  await c?.end();
  await db?.drop();
});

async function account(kind: string, ref: string, currency = 'ETB'): Promise<number> {
  const r = await c.query(
    `INSERT INTO payments.ledger_accounts (kind, ref, currency) VALUES ($1, $2, $3)
     ON CONFLICT (kind, ref, currency) DO UPDATE SET kind = EXCLUDED.kind RETURNING id`,
    [kind, ref, currency],
  );
  return Number(r.rows[0].id);
}

async function balanceOf(id: number): Promise<number> {
  return Number((await c.query(`SELECT balance_minor FROM payments.ledger_accounts WHERE id = $1`, [id])).rows[0].balance_minor);
}

/** One posting in its own transaction: entries are [accountId, signed amount, currency?]. */
async function post(entries: Array<[number, number, string?]>, kind = 'payment_captured'): Promise<string> {
  const tx = randomUUID();
  await c.query('BEGIN');
  try {
    await c.query(`INSERT INTO payments.ledger_transactions (id, kind, idempotency_key, occurred_at) VALUES ($1, $2, $3, now())`, [tx, kind, `test:${tx}`]);
    await c.query(
      `INSERT INTO payments.ledger_entries (transaction_id, account_id, currency, amount_minor)
       SELECT $1, a, cur, amt FROM unnest($2::bigint[], $3::text[], $4::bigint[]) AS x(a, cur, amt)`,
      [tx, entries.map((e) => e[0]), entries.map((e) => e[2] ?? 'ETB'), entries.map((e) => e[1])],
    );
    await c.query('COMMIT');
    return tx;
  } catch (err) {
    await c.query('ROLLBACK');
    throw err;
  }
}

const cashId = () => account('platform_cash', PLATFORM);
const revenueId = () => account('platform_revenue', PLATFORM);

it('accepts a balanced posting and maintains the natural balances', async () => {
  const booking = randomUUID();
  const escrow = await account('escrow', booking);
  const cash = await cashId();
  const before = await balanceOf(cash);
  await post([
    [cash, 5000],
    [escrow, -5000],
  ]);
  expect(await balanceOf(cash)).toBe(before + 5000);
  expect(await balanceOf(escrow)).toBe(5000);
});

it('rejects an unbalanced transaction, a lone entry, and a posting balanced only across currencies', async () => {
  const cash = await cashId();
  const escrow = await account('escrow', randomUUID());
  const escrowUsd = await account('escrow', randomUUID(), 'USD');
  await expect(post([[cash, 5000], [escrow, -4999]])).rejects.toMatchObject({ code: '23514', constraint: 'ledger_transaction_balanced' });
  await expect(post([[cash, 0 + 1]])).rejects.toMatchObject({ constraint: 'ledger_transaction_balanced' });
  await expect(post([[cash, 5000], [escrowUsd, -5000, 'USD']])).rejects.toMatchObject({ constraint: 'ledger_transaction_balanced' });
  expect(await balanceOf(escrow)).toBe(0);
});

it('rejects an entry whose currency is not its account’s', async () => {
  const cash = await cashId();
  const escrow = await account('escrow', randomUUID());
  await expect(post([[cash, 10, 'USD'], [escrow, -10, 'USD']])).rejects.toMatchObject({ code: '23503' });
});

it('rejects a posting that would take a wallet (or any account) below zero', async () => {
  const tutor = randomUUID();
  const wallet = await account('tutor_payable', tutor);
  const inFlight = await account('payouts_in_flight', tutor);
  // Withdrawing 1 santim from an empty wallet: balanced, but the wallet would be −1.
  await expect(post([[wallet, 1], [inFlight, -1]], 'payout_requested')).rejects.toMatchObject({
    code: '23514',
    constraint: 'ledger_accounts_balance_non_negative',
  });
  // Paying out more than the platform holds in cash, likewise.
  const cash = await cashId();
  const revenue = await revenueId();
  const cashNow = await balanceOf(cash);
  await expect(post([[revenue, cashNow + 1], [cash, -(cashNow + 1)]])).rejects.toMatchObject({ constraint: 'ledger_accounts_balance_non_negative' });
  expect(await balanceOf(wallet)).toBe(0);
});

it('never lets anyone rewrite, delete or truncate history, or extend a committed posting', async () => {
  const cash = await cashId();
  const escrow = await account('escrow', randomUUID());
  const tx = await post([[cash, 700], [escrow, -700]]);
  await expect(c.query(`UPDATE payments.ledger_entries SET amount_minor = amount_minor * 2 WHERE transaction_id = $1`, [tx])).rejects.toMatchObject({ code: '42501' });
  await expect(c.query(`DELETE FROM payments.ledger_entries WHERE transaction_id = $1`, [tx])).rejects.toMatchObject({ code: '42501' });
  await expect(c.query(`UPDATE payments.ledger_transactions SET kind = 'refund_settled' WHERE id = $1`, [tx])).rejects.toMatchObject({ code: '42501' });
  await expect(c.query(`DELETE FROM payments.ledger_transactions WHERE id = $1`, [tx])).rejects.toMatchObject({ code: '42501' });
  await expect(c.query(`TRUNCATE payments.ledger_entries`)).rejects.toMatchObject({ code: '42501' });
  // Even a balanced addition to an old transaction is refused.
  const revenue = await revenueId();
  await expect(
    c.query(`INSERT INTO payments.ledger_entries (transaction_id, account_id, currency, amount_minor) VALUES ($1, $2, 'ETB', 5), ($1, $3, 'ETB', -5)`, [
      tx,
      cash,
      revenue,
    ]),
  ).rejects.toMatchObject({ constraint: 'ledger_entries_append_only' });
  expect(await balanceOf(escrow)).toBe(700);
});

it('moves balances only through entries', async () => {
  const wallet = await account('tutor_payable', randomUUID());
  await expect(c.query(`UPDATE payments.ledger_accounts SET balance_minor = 1000000 WHERE id = $1`, [wallet])).rejects.toMatchObject({
    constraint: 'ledger_accounts_balance_from_entries',
  });
  await expect(
    c.query(`INSERT INTO payments.ledger_accounts (kind, ref, currency, balance_minor) VALUES ('tutor_payable', $1, 'ETB', 5)`, [randomUUID()]),
  ).rejects.toMatchObject({ constraint: 'ledger_accounts_balance_from_entries' });
  await expect(c.query(`DELETE FROM payments.ledger_accounts WHERE id = $1`, [wallet])).rejects.toMatchObject({ code: '42501' });
});

it('keeps a settled escrow settled, and at most one live payment per booking', async () => {
  const booking = randomUUID();
  await c.query(`INSERT INTO payments.bookings (booking_id, student_id, tutor_id, price_minor, currency, status) VALUES ($1, $2, $3, 100, 'ETB', 'accepted')`, [
    booking,
    randomUUID(),
    randomUUID(),
  ]);
  const payment = randomUUID();
  const insertPayment = (id: string, status: string) =>
    c.query(
      `INSERT INTO payments.payments (id, booking_id, student_id, tutor_id, tx_ref, amount_minor, currency, status, created_at, updated_at)
       SELECT $1, booking_id, student_id, tutor_id, $2, 100, 'ETB', $3, now(), now() FROM payments.bookings WHERE booking_id = $4`,
      [id, `T-${id}`, status, booking],
    );
  await insertPayment(payment, 'succeeded');
  await expect(insertPayment(randomUUID(), 'initiated')).rejects.toMatchObject({ code: '23505', constraint: 'payments_one_live_per_booking' });
  await insertPayment(randomUUID(), 'failed'); // dead payments do not count
  await c.query(
    `INSERT INTO payments.escrows (id, booking_id, payment_id, student_id, tutor_id, amount_minor, currency, status, held_at, updated_at,
                                   refund_minor, tutor_minor, fee_minor)
     SELECT $1, booking_id, $2, student_id, tutor_id, 100, 'ETB', 'released', now(), now(), 0, 85, 15 FROM payments.bookings WHERE booking_id = $3`,
    [randomUUID(), payment, booking],
  );
  await expect(c.query(`UPDATE payments.escrows SET status = 'refunded' WHERE booking_id = $1`, [booking])).rejects.toMatchObject({
    constraint: 'escrows_final_is_final',
  });
  await expect(c.query(`UPDATE payments.escrows SET tutor_minor = 100, fee_minor = 0 WHERE booking_id = $1`, [booking])).rejects.toMatchObject({
    constraint: 'escrows_final_is_final',
  });
  await expect(c.query(`DELETE FROM payments.escrows WHERE booking_id = $1`, [booking])).rejects.toMatchObject({ code: '42501' });
  // A settled escrow's split must add up to its amount.
  const other = randomUUID();
  await c.query(`UPDATE payments.payments SET status = 'refunded' WHERE id = $1`, [payment]);
  await insertPayment(other, 'succeeded');
  const booking2 = randomUUID();
  await c.query(`INSERT INTO payments.bookings (booking_id, student_id, tutor_id, price_minor, currency, status) VALUES ($1, $2, $3, 100, 'ETB', 'accepted')`, [
    booking2,
    randomUUID(),
    randomUUID(),
  ]);
  await expect(
    c.query(
      `INSERT INTO payments.escrows (id, booking_id, payment_id, student_id, tutor_id, amount_minor, currency, status, held_at, updated_at, refund_minor, tutor_minor, fee_minor)
       SELECT $1, booking_id, $2, student_id, tutor_id, 100, 'ETB', 'released', now(), now(), 0, 90, 15 FROM payments.bookings WHERE booking_id = $3`,
      [randomUUID(), other, booking2],
    ),
  ).rejects.toMatchObject({ code: '23514', constraint: 'escrows_split_sums' });
});
