import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CURRENCIES } from '@tutorhub/contracts';
import { Clock, sampledGauge } from '@tutorhub/platform';
import { minor } from '../shared/db';
import { countDueReleases, heldByCurrency, oldestDueRelease, releasedLastHourByCurrency } from '../stores/escrow.store';

// Read at scrape time from the tables (sampledGauge caches each reading ~10 s), so they hold
// even when the job that should move them is the thing that is stuck. Every query is an index
// scan over the rows it is about (the queries are in stores/escrow.store.ts).
const dueOldest = sampledGauge(
  'payments_escrow_due_unreleased_oldest_seconds',
  'How long the oldest escrow due for release has been waiting for the release job (0 when none is due)',
);
const dueCount = sampledGauge('payments_escrow_due_unreleased', 'Escrows due for release but not released yet (counted up to 100000)');
const held = sampledGauge(
  'payments_escrow_held_minor',
  'Money in escrow now (held, release scheduled or frozen), in minor units',
  ['currency'],
);
const releasedLastHour = sampledGauge(
  'payments_escrow_released_last_hour_minor',
  'Money released from escrow (to tutors and platform fee) in the last hour, in minor units',
  ['currency'],
);

const COUNT_CAP = 100_000;

/** Registers the payments gauges while the application runs. */
@Injectable()
export class PaymentsMetrics implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly removers: Array<() => void> = [];

  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.removers.push(
      dueOldest.add(async () => {
        const now = this.clock.now();
        const [row] = await oldestDueRelease(this.ds, now);
        return [{ labels: {}, value: row ? Math.max(0, (now.getTime() - new Date(row.release_at).getTime()) / 1000) : 0 }];
      }),
      dueCount.add(async () => {
        const [row] = await countDueReleases(this.ds, this.clock.now(), COUNT_CAP);
        return [{ labels: {}, value: row.n }];
      }),
      held.add(async () =>
perCurrency(await heldByCurrency(this.ds)),
      ),
      releasedLastHour.add(async () => {
        const now = this.clock.now();
        return perCurrency(await releasedLastHourByCurrency(this.ds, now));
      }),
    );
  }

  onApplicationShutdown(): void {
    this.removers.splice(0).forEach((remove) => remove());
  }
}

/** One series per currency, 0 included, so a panel or alert never sees a gap for "none". */
function perCurrency(found: Array<{ currency: string; total: string }>) {
  return CURRENCIES.map((currency) => ({ labels: { currency }, value: minor(found.find((r) => r.currency === currency)?.total ?? 0) }));
}
