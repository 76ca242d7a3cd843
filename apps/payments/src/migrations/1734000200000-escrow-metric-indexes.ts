import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 17 (dashboards and alerts): the escrow gauges read at scrape time (metrics/payments-
 * metrics.ts) must stay cheap as the table grows. Both indexes are partial and covering, so each
 * gauge is an index-only scan over the rows it is about: open escrows (bounded by the lessons
 * not yet settled) and escrows released recently (a range at the end of the index).
 */
export class EscrowMetricIndexes1734000200000 implements MigrationInterface {
  name = 'EscrowMetricIndexes1734000200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX escrows_open_idx ON payments.escrows (currency) INCLUDE (amount_minor) WHERE status IN ('held', 'release_scheduled', 'frozen')`,
    );
    await q.query(
      `CREATE INDEX escrows_released_at_idx ON payments.escrows (released_at) INCLUDE (currency, tutor_minor, fee_minor) WHERE released_at IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX payments.escrows_released_at_idx`);
    await q.query(`DROP INDEX payments.escrows_open_idx`);
  }
}
