import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

/**
 * Puts `n` due escrows into the payments schema in ONE database transaction (so they all become
 * due at the same instant, its commit), set-based, producing what the payment path produces for
 * each paid lesson whose session ended (ConfirmPayment.confirm → EscrowTransitions.hold →
 * EscrowEventsHandler.onSessionEnded → EscrowTransitions.scheduleRelease):
 * - the payments read model of the booking (`accepted`, price, start/end);
 * - a `succeeded` payment with its checkout URL and Chapa reference;
 * - the escrow, `release_scheduled` (version 2: held, then scheduled) with release_at = now;
 * - the booking's escrow account and the tutor's wallet account (created at capture);
 * - the `payment_captured` ledger transaction (`capture:<paymentId>`) with its two entries,
 *   platform cash +amount / escrow −amount — through the real ledger trigger, which checks the
 *   balance and moves the account balances;
 * - the two escrow_audit rows (hold, schedule_release);
 * - in bookings' schema: the booking, `completed` with its money `release_scheduled`, its
 *   student and tutor (and a tutor profile), so that bookings' handler finds it.
 * Not reproduced: the outbox rows of the events those steps emitted (long published by then) and
 * the inbox rows of the events they consumed — neither is read by the release job.
 *
 * The ids are kept in public.bench_seed (the bench database is dropped at the end) to verify.
 */
export async function seedDueEscrows(databaseUrl: string, o: { n: number; tutorIds: string[]; sandboxUrl: string }): Promise<{ seconds: number; dueAt: Date }> {
  const c = new Client({ connectionString: databaseUrl, application_name: 'bench-seed' });
  await c.connect();
  const t0 = performance.now();
  try {
    await c.query('BEGIN');
    const dueAt = new Date();
    await c.query(
      `CREATE TABLE public.bench_seed AS
       SELECT i, gen_random_uuid() AS booking_id, gen_random_uuid() AS payment_id, gen_random_uuid() AS escrow_id,
              gen_random_uuid() AS student_id, ($2::uuid[])[1 + i % cardinality($2::uuid[])] AS tutor_id,
              (50000 + (i % 997) * 50)::bigint AS amount, gen_random_uuid() AS capture_tx,
              $3::timestamptz - interval '26 hours' AS held_at,
              $3::timestamptz - interval '25 hours' AS starts_at,
              $3::timestamptz - interval '24 hours' AS ends_at,
              $3::timestamptz AS release_at
         FROM generate_series(0, $1::int - 1) AS i`,
      [o.n, o.tutorIds, dueAt],
    );
    await c.query(`ALTER TABLE public.bench_seed ADD PRIMARY KEY (escrow_id)`);
    await c.query(`CREATE UNIQUE INDEX ON public.bench_seed (booking_id)`);
    await c.query(
      `INSERT INTO payments.bookings (booking_id, student_id, tutor_id, price_minor, currency, starts_at, ends_at, status, updated_at)
       SELECT booking_id, student_id, tutor_id, amount, 'ETB', starts_at, ends_at, 'accepted', held_at - interval '10 minutes' FROM public.bench_seed ORDER BY i`,
    );
    await c.query(
      `INSERT INTO payments.payments (id, booking_id, student_id, tutor_id, tx_ref, amount_minor, currency, status, checkout_url,
                                     chapa_reference, verified_at, last_checked_at, created_at, updated_at)
       SELECT payment_id, booking_id, student_id, tutor_id, 'TH-' || tx, amount, 'ETB', 'succeeded', $1 || '/checkout/TH-' || tx,
              'AP' || upper(substr(tx, 1, 10)), held_at, held_at, held_at - interval '1 minute', held_at
         FROM (SELECT *, substr(md5(payment_id::text), 1, 24) AS tx FROM public.bench_seed) s ORDER BY i`,
      [o.sandboxUrl],
    );
    await c.query(
      `INSERT INTO payments.escrows (id, booking_id, payment_id, student_id, tutor_id, amount_minor, currency, status, held_at, release_at, version, updated_at)
       SELECT escrow_id, booking_id, payment_id, student_id, tutor_id, amount, 'ETB', 'release_scheduled', held_at, release_at, 2, ends_at
         FROM public.bench_seed ORDER BY i`,
    );
    // Accounts as LedgerStore.ensureAccounts creates them (sorted, idempotent).
    await c.query(
      `INSERT INTO payments.ledger_accounts (kind, ref, currency)
       SELECT 'tutor_payable', t, 'ETB' FROM (SELECT DISTINCT tutor_id AS t FROM public.bench_seed) x ORDER BY t
       ON CONFLICT (kind, ref, currency) DO NOTHING`,
    );
    await c.query(
      `INSERT INTO payments.ledger_accounts (kind, ref, currency)
       SELECT 'escrow', booking_id, 'ETB' FROM public.bench_seed ORDER BY booking_id
       ON CONFLICT (kind, ref, currency) DO NOTHING`,
    );
    await c.query(
      `INSERT INTO payments.ledger_transactions (id, kind, idempotency_key, booking_id, escrow_id, payment_id, occurred_at)
       SELECT capture_tx, 'payment_captured', 'capture:' || payment_id, booking_id, escrow_id, payment_id, held_at FROM public.bench_seed ORDER BY i`,
    );
    // paymentCapturedPosting: platform cash +amount (debit), escrow −amount (credit). One statement,
    // so the ledger trigger checks every posting's balance and applies it to the account balances.
    await c.query(
      `INSERT INTO payments.ledger_entries (transaction_id, account_id, currency, amount_minor)
       SELECT s.capture_tx, leg.account_id, 'ETB', leg.amount
         FROM public.bench_seed s
         JOIN payments.ledger_accounts ea ON ea.kind = 'escrow' AND ea.ref = s.booking_id AND ea.currency = 'ETB'
         CROSS JOIN (SELECT id FROM payments.ledger_accounts WHERE kind = 'platform_cash' AND currency = 'ETB') cash
         CROSS JOIN LATERAL (VALUES (1, cash.id, s.amount), (2, ea.id, -s.amount)) AS leg(o, account_id, amount)
        ORDER BY s.i, leg.o`,
    );
    await c.query(
      `INSERT INTO payments.escrow_audit (booking_id, escrow_id, action, outcome, from_status, to_status, source, detail, created_at)
       SELECT booking_id, escrow_id, 'hold', 'applied', NULL, 'held', 'payment', jsonb_build_object('paymentId', payment_id), held_at FROM public.bench_seed
       UNION ALL
       SELECT booking_id, escrow_id, 'schedule_release', 'applied', 'held', 'release_scheduled', 'sessions.session.ended',
              jsonb_build_object('releaseAt', to_char(release_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')), ends_at FROM public.bench_seed`,
    );
    // Bookings' side of the same lessons (issue 15, second round): completed, money release
    // scheduled, as bookings' own events would have left them, so that consuming
    // `escrow.released` does the real work (lock, money update) and not an "unknown booking".
    // Completed bookings are outside the overlap constraints, so the slots may repeat.
    await c.query(
      `INSERT INTO bookings.users (id, role, created_at, updated_at)
       SELECT DISTINCT tutor_id, 'tutor', held_at, held_at FROM public.bench_seed
       UNION ALL
       SELECT student_id, 'student', held_at, held_at FROM public.bench_seed
       ON CONFLICT (id) DO NOTHING`,
    );
    await c.query(
      `INSERT INTO bookings.tutor_profiles (id, headline, bio, subjects, hourly_rate_minor, currency, timezone, created_at, updated_at)
       SELECT DISTINCT ON (tutor_id) tutor_id, 'Bench tutor', '', ARRAY['bench'], 50000, 'ETB', 'UTC', held_at, held_at
         FROM public.bench_seed ORDER BY tutor_id
       ON CONFLICT (id) DO NOTHING`,
    );
    await c.query(
      `INSERT INTO bookings.bookings (id, student_id, tutor_id, subject, status, price_minor, currency, starts_at, ends_at, duration_minutes,
                                      accept_deadline, payment_deadline, money_status, escrow_id, accepted_at, confirmed_at,
                                      session_started_at, session_ended_at, completed_at, created_at, updated_at, version)
       SELECT booking_id, student_id, tutor_id, 'bench', 'completed', amount, 'ETB', starts_at, ends_at, 60,
              held_at - interval '1 hour', starts_at, 'release_scheduled', escrow_id, held_at - interval '20 minutes', held_at,
              starts_at, ends_at, ends_at, held_at - interval '2 hours', ends_at, 6
         FROM public.bench_seed ORDER BY i`,
    );
    await c.query('COMMIT');
    return { seconds: (performance.now() - t0) / 1000, dueAt };
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await c.end();
  }
}

export interface BacklogVerification {
  ok: boolean;
  seeded: number;
  released: number;
  releasePostings: number;
  escrowsWithoutExactlyOnePosting: number;
  releaseAudits: number;
  releasedEvents: number;
  distinctReleasedEvents: number;
  unbalancedTransactions: number;
  ledgerSumByCurrency: Record<string, string>;
  accountsNotMatchingEntries: number;
  seededEscrowAccountsNotZero: number;
  splitsNotSummingToAmount: number;
  tutorPayableMatchesReleases: boolean;
  platformRevenueMatchesFees: boolean;
  platformCashMatchesLiabilities: boolean;
  /** Seeded bookings that bookings' consumer marked released, with the amount, in exactly one change. */
  bookingsReleasedOnce: number;
  seconds: number;
}

/** After the drain: every seeded escrow released exactly once, and the whole ledger exact. */
export async function verifyBacklog(databaseUrl: string, feeBps: number): Promise<BacklogVerification> {
  const c = new Client({ connectionString: databaseUrl, application_name: 'bench-verify' });
  await c.connect();
  const t0 = performance.now();
  try {
    const one = async <T>(sql: string): Promise<T> => (await c.query(sql)).rows[0] as T;
    const a = await one<{ seeded: number; released: number; bad_split: number }>(
      `SELECT count(*)::int AS seeded,
              count(*) FILTER (WHERE e.status = 'released' AND e.settle_reason = 'release_due')::int AS released,
              count(*) FILTER (WHERE e.refund_minor <> 0 OR e.tutor_minor + e.fee_minor <> e.amount_minor
                                  OR e.fee_minor <> (e.amount_minor * ${Number(feeBps)}) / 10000)::int AS bad_split
         FROM public.bench_seed s JOIN payments.escrows e ON e.id = s.escrow_id`,
    );
    const p = await one<{ postings: number; not_one: number }>(
      `SELECT coalesce(sum(n), 0)::int AS postings, count(*) FILTER (WHERE n <> 1)::int AS not_one
         FROM (SELECT s.escrow_id, count(t.id) AS n
                 FROM public.bench_seed s
                 LEFT JOIN payments.ledger_transactions t ON t.booking_id = s.booking_id AND t.kind IN ('escrow_released', 'escrow_refunded', 'escrow_split')
                GROUP BY s.escrow_id) x`,
    );
    const au = await one<{ n: number }>(
      `SELECT count(*)::int AS n FROM payments.escrow_audit a JOIN public.bench_seed s ON s.booking_id = a.booking_id
        WHERE a.action = 'release' AND a.outcome = 'applied'`,
    );
    const ev = await one<{ n: number; d: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT s.escrow_id)::int AS d
         FROM payments.outbox o JOIN public.bench_seed s ON s.escrow_id = (o.envelope->'data'->>'escrowId')::uuid
        WHERE o.type = 'payments.escrow.released.v1'`,
    );
    const unbalanced = await one<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT transaction_id FROM payments.ledger_entries GROUP BY transaction_id, currency HAVING sum(amount_minor) <> 0) x`,
    );
    const sums = (await c.query(`SELECT currency, sum(amount_minor)::text AS s FROM payments.ledger_entries GROUP BY currency`)).rows as Array<{ currency: string; s: string }>;
    const accounts = await one<{ n: number }>(
      `SELECT count(*)::int AS n
         FROM payments.ledger_accounts a
         LEFT JOIN (SELECT account_id, sum(amount_minor) AS s FROM payments.ledger_entries GROUP BY account_id) e ON e.account_id = a.id
        WHERE a.balance_minor <> a.normal_sign * coalesce(e.s, 0)`,
    );
    const escrowAccounts = await one<{ n: number }>(
      `SELECT count(*)::int AS n FROM payments.ledger_accounts a JOIN public.bench_seed s ON a.kind = 'escrow' AND a.ref = s.booking_id WHERE a.balance_minor <> 0`,
    );
    // No refunds or payouts happen in the bench, so every wallet holds exactly its tutor's releases
    // and platform revenue exactly the fees; platform cash equals everything owed or earned.
    const totals = await one<{ tutor_ok: boolean; fee_ok: boolean; cash_ok: boolean }>(
      `WITH r AS (SELECT coalesce(sum(tutor_minor), 0) AS tutor, coalesce(sum(fee_minor), 0) AS fee FROM payments.escrows WHERE status = 'released'),
            b AS (SELECT kind, sum(balance_minor) AS bal FROM payments.ledger_accounts WHERE currency = 'ETB' GROUP BY kind)
       SELECT (SELECT coalesce(sum(bal), 0) FROM b WHERE kind = 'tutor_payable') = (SELECT tutor FROM r) AS tutor_ok,
              (SELECT coalesce(sum(bal), 0) FROM b WHERE kind = 'platform_revenue') = (SELECT fee FROM r) AS fee_ok,
              (SELECT coalesce(sum(bal), 0) FROM b WHERE kind = 'platform_cash') = (SELECT coalesce(sum(bal), 0) FROM b WHERE kind <> 'platform_cash') AS cash_ok`,
    );
    // Downstream, after the drain: bookings applied each release once (version 6 → 7).
    const bk = await one<{ n: number }>(
      `SELECT count(*)::int AS n FROM bookings.bookings b JOIN public.bench_seed s ON s.booking_id = b.id
        WHERE b.money_status = 'released' AND b.released_minor = s.amount AND b.version = 7`,
    );
    const v: BacklogVerification = {
      ok: false,
      seeded: a.seeded,
      released: a.released,
      releasePostings: p.postings,
      escrowsWithoutExactlyOnePosting: p.not_one,
      releaseAudits: au.n,
      releasedEvents: ev.n,
      distinctReleasedEvents: ev.d,
      unbalancedTransactions: unbalanced.n,
      ledgerSumByCurrency: Object.fromEntries(sums.map((r) => [r.currency, r.s])),
      accountsNotMatchingEntries: accounts.n,
      seededEscrowAccountsNotZero: escrowAccounts.n,
      splitsNotSummingToAmount: a.bad_split,
      tutorPayableMatchesReleases: totals.tutor_ok,
      platformRevenueMatchesFees: totals.fee_ok,
      platformCashMatchesLiabilities: totals.cash_ok,
      bookingsReleasedOnce: bk.n,
      seconds: Math.round((performance.now() - t0) / 100) / 10,
    };
    v.ok =
      v.released === v.seeded &&
      v.releasePostings === v.seeded &&
      v.escrowsWithoutExactlyOnePosting === 0 &&
      v.releaseAudits === v.seeded &&
      v.releasedEvents === v.seeded &&
      v.distinctReleasedEvents === v.seeded &&
      v.unbalancedTransactions === 0 &&
      Object.values(v.ledgerSumByCurrency).every((s) => s === '0') &&
      v.accountsNotMatchingEntries === 0 &&
      v.seededEscrowAccountsNotZero === 0 &&
      v.splitsNotSummingToAmount === 0 &&
      v.tutorPayableMatchesReleases &&
      v.platformRevenueMatchesFees &&
      v.platformCashMatchesLiabilities &&
      v.bookingsReleasedOnce === v.seeded;
    return v;
  } finally {
    await c.end();
  }
}

/** Synthetic tutor ids for the backlog (wallet accounts are created by the seed, as at capture). */
export function syntheticTutors(n: number): string[] {
  return Array.from({ length: n }, () => randomUUID());
}
