import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CURRENCIES } from '@tutorhub/contracts';
import { Clock, sampledGauge } from '@tutorhub/platform';
import { minor, rows } from '../shared/db';

// Read at scrape time from the tables (sampledGauge caches each reading ~10 s), so they hold
// even when the job that should move them is the thing that is stuck. Every query is an index
// scan over the rows it is about: escrows_due_idx, escrows_open_idx, escrows_released_at_idx.
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
        const [row] = await rows<{ release_at: Date }>(
          this.ds,
          `SELECT release_at FROM payments.escrows WHERE status = 'release_scheduled' AND release_at <= $1 ORDER BY release_at LIMIT 1`,
          [now],
        );
        return [{ labels: {}, value: row ? Math.max(0, (now.getTime() - new Date(row.release_at).getTime()) / 1000) : 0 }];
      }),
      dueCount.add(async () => {
        const [row] = await rows<{ n: number }>(
          this.ds,
          `SELECT count(*)::int AS n FROM (SELECT 1 FROM payments.escrows WHERE status = 'release_scheduled' AND release_at <= $1 LIMIT ${COUNT_CAP}) x`,
          [this.clock.now()],
        );
        return [{ labels: {}, value: row.n }];
      }),
      held.add(async () =>
        perCurrency(
          await rows<{ currency: string; total: string }>(
            this.ds,
            `SELECT currency, sum(amount_minor)::text AS total FROM payments.escrows
              WHERE status IN ('held', 'release_scheduled', 'frozen') GROUP BY currency`,
          ),
        ),
      ),
      releasedLastHour.add(async () => {
        const now = this.clock.now();
        return perCurrency(
          await rows<{ currency: string; total: string }>(
            this.ds,
            `SELECT currency, sum(tutor_minor + fee_minor)::text AS total FROM payments.escrows
              WHERE released_at IS NOT NULL AND released_at > $1::timestamptz - interval '1 hour' AND released_at <= $1
              GROUP BY currency`,
            [now],
          ),
        );
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
