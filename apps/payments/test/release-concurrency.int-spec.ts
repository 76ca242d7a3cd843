import { randomUUID } from 'node:crypto';
import { splitRelease } from '../src/domain/fee';
import { ReleaseDueEscrowsJob } from '../src/release-due-escrows/release-due-escrows.job';
import { LedgerStore } from '../src/stores/ledger.store';
import { admin, balance, ledgerInvariants, startHarness, type Harness } from './harness';
import { seedDueEscrows } from './seed';

jest.setTimeout(120_000);

// Three service replicas on one database, each running the release job at the same moment.
let replicas: Harness[];
const BATCH = '25';

beforeAll(async () => {
  const first = await startHarness({ env: { ESCROW_RELEASE_BATCH_SIZE: BATCH } });
  const others = await Promise.all(
    [1, 2].map(() => startHarness({ db: first.svc.db, namespace: first.svc.namespace, env: { ESCROW_RELEASE_BATCH_SIZE: BATCH } })),
  );
  replicas = [first, ...others];
});
afterAll(async () => {
  for (const r of [...(replicas ?? [])].reverse()) await r.close();
});

const h = () => replicas[0];

async function settlePostings(escrowIds: string[]) {
  return (await h().ds.query(
    `SELECT escrow_id, count(*)::int AS n FROM payments.ledger_transactions
      WHERE kind IN ('escrow_released', 'escrow_refunded', 'escrow_split') AND escrow_id = ANY($1::uuid[])
      GROUP BY escrow_id`,
    [escrowIds],
  )) as Array<{ escrow_id: string; n: number }>;
}

async function eventsFor(type: string, escrowIds: string[]) {
  return (await h().ds.query(
    `SELECT envelope->'data'->>'escrowId' AS escrow_id, count(*)::int AS n FROM payments.outbox
      WHERE type = $1 AND envelope->'data'->>'escrowId' = ANY($2::text[]) GROUP BY 1`,
    [type, escrowIds],
  )) as Array<{ escrow_id: string; n: number }>;
}

it('three replicas releasing the same due escrows at once release each exactly once', async () => {
  const tutors = Array.from({ length: 7 }, () => randomUUID());
  const releaseAt = h().clock.now();
  const seeded = await seedDueEscrows(h().ds, h().svc.app.get(LedgerStore), { n: 600, tutors, releaseAt });
  for (const r of replicas) r.clock.set(releaseAt);

  const counts = await Promise.all(
    replicas.flatMap((r) => [r.svc.app.get(ReleaseDueEscrowsJob).runOnce(), r.svc.app.get(ReleaseDueEscrowsJob).runOnce()]),
  );
  // Every escrow went to exactly one run (and the runs really shared the work).
  expect(counts.reduce((a, b) => a + b, 0)).toBe(600);
  expect(counts.filter((c) => c > 0).length).toBeGreaterThan(1);

  const ids = seeded.map((s) => s.escrowId);
  const postings = await settlePostings(ids);
  expect(postings).toHaveLength(600);
  expect(postings.every((p) => p.n === 1)).toBe(true);
  const released = await eventsFor('payments.escrow.released.v1', ids);
  expect(released).toHaveLength(600);
  expect(released.every((e) => e.n === 1)).toBe(true);
  const [statuses] = (await h().ds.query(
    `SELECT count(*) FILTER (WHERE status = 'released')::int AS released, count(*)::int AS total FROM payments.escrows WHERE id = ANY($1::uuid[])`,
    [ids],
  )) as Array<{ released: number; total: number }>;
  expect(statuses).toEqual({ released: 600, total: 600 });

  // Exact wallet amounts: each tutor got the sum of their escrows less the rounded-down fee.
  for (const t of tutors) {
    const expected = seeded.filter((s) => s.tutorId === t).reduce((sum, s) => sum + splitRelease(s.amountMinor, 1500).tutorAmount, 0);
    expect(await balance(h(), 'tutor_payable', t)).toBe(expected);
  }
  // Nothing is left for a further run.
  expect(await replicas[1].svc.app.get(ReleaseDueEscrowsJob).runOnce()).toBe(0);
  await ledgerInvariants(h().ds);
});

it('a refund racing the release ends every escrow in exactly one final state', async () => {
  const tutors = [randomUUID(), randomUUID()];
  const releaseAt = h().clock.now();
  const seeded = await seedDueEscrows(h().ds, h().svc.app.get(LedgerStore), { n: 120, tutors, releaseAt });
  const a = admin();
  const refundOutcomes = await Promise.all([
    ...seeded.map((s, i) =>
      replicas[i % 3].rpc
        .call('payments', 'payments.admin.refund', { bookingId: s.bookingId, reason: 'race' }, { actor: a, timeoutMs: 30000 })
        .then(
          () => 'refunded' as const,
          (err: { status?: number; code?: string }) => {
            if (err.status === 409 && err.code === 'escrow.invalid_transition') return 'lost' as const;
            throw err;
          },
        ),
    ),
    ...replicas.map((r) => r.svc.app.get(ReleaseDueEscrowsJob).runOnce().then(() => 'job' as const)),
  ]);
  const ids = seeded.map((s) => s.escrowId);
  const final = (await h().ds.query(`SELECT id, status FROM payments.escrows WHERE id = ANY($1::uuid[])`, [ids])) as Array<{ id: string; status: string }>;
  const refundedIds = new Set(final.filter((f) => f.status === 'refunded').map((f) => f.id));
  expect(final.every((f) => f.status === 'refunded' || f.status === 'released')).toBe(true);
  // The refund call says 'refunded' exactly for the escrows that ended refunded.
  seeded.forEach((s, i) => expect(refundOutcomes[i] === 'refunded').toBe(refundedIds.has(s.escrowId)));

  const postings = await settlePostings(ids);
  expect(postings).toHaveLength(120);
  expect(postings.every((p) => p.n === 1)).toBe(true);
  const released = new Set((await eventsFor('payments.escrow.released.v1', ids)).map((e) => e.escrow_id));
  const refunded = new Set((await eventsFor('payments.escrow.refunded.v1', ids)).map((e) => e.escrow_id));
  for (const id of ids) expect(released.has(id) !== refunded.has(id)).toBe(true);
  const refundRows = (await h().ds.query(`SELECT escrow_id FROM payments.refunds WHERE escrow_id = ANY($1::uuid[])`, [ids])) as unknown[];
  expect(refundRows).toHaveLength(refundedIds.size);
  await ledgerInvariants(h().ds);
});
