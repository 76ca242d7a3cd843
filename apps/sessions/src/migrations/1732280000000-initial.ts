import type { MigrationInterface, QueryRunner } from 'typeorm';
import { messagingTablesSql, dropMessagingTablesSql } from '@tutorhub/messaging';

/** Outbox and inbox of the sessions service. */
export class Initial1732280000000 implements MigrationInterface {
  name = 'Initial1732280000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of messagingTablesSql('sessions')) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of dropMessagingTablesSql('sessions')) await q.query(sql);
  }
}
