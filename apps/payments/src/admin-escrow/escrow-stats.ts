import type { DataSource } from 'typeorm';
import { CURRENCIES, type EscrowStats } from '@tutorhub/contracts';
import { minor } from '../shared/db';
import { escrowTotalsByStatus } from '../stores/escrow.store';

type Bucket = keyof Omit<EscrowStats, 'asOf'>;
const BUCKET_OF_STATUS: Record<string, Bucket> = {
  held: 'held',
  release_scheduled: 'releaseScheduled',
  frozen: 'frozen',
  released: 'released',
  refunded: 'refunded',
};

/** Counts and amounts (the escrow's full amount) by status and currency, plus what is due now. */
export async function escrowStats(ds: DataSource, now: Date): Promise<EscrowStats> {
  const grouped = await escrowTotalsByStatus(ds, now);
  const empty = () => Object.fromEntries(CURRENCIES.map((c) => [c, { count: 0, amountMinor: 0 }])) as EscrowStats['held'];
  const stats: EscrowStats = {
    asOf: now.toISOString(),
    held: empty(),
    releaseScheduled: empty(),
    frozen: empty(),
    released: empty(),
    refunded: empty(),
    dueNow: empty(),
  };
  for (const g of grouped) {
    const bucket = g.status === 'due_now' ? 'dueNow' : BUCKET_OF_STATUS[g.status];
    if (bucket) stats[bucket][g.currency] = { count: g.n, amountMinor: minor(g.total) };
  }
  return stats;
}
