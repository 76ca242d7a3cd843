import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dropOutboxTraceContextSql, outboxTraceContextSql } from '@tutorhub/messaging';

/** Outbox rows keep the trace context of the work that wrote them (distributed tracing, issue 17). */
export class OutboxTraceContext1734000000000 implements MigrationInterface {
  name = 'OutboxTraceContext1734000000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of outboxTraceContextSql('bookings')) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of dropOutboxTraceContextSql('bookings')) await q.query(sql);
  }
}
