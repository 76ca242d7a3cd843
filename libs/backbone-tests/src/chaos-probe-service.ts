import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { z } from 'zod';
import type { EventDataOf } from '@tutorhub/contracts';
import { env, sharedConfigShape } from '@tutorhub/platform';
import { ServiceKitModule, type ServiceMain } from '@tutorhub/service';
import { OnEvent, messagingTablesSql, outboxTraceContextSql, type EventContext } from '@tutorhub/messaging';

/**
 * A minimal service for the delivery-chaos test: it records every delivery it handles (arrival
 * order, envelope id) and applies each fact (a review, by its reviewId) idempotently, as real
 * handlers must, so a republish under a new envelope id has no second effect.
 */
class ChaosProbeInitial1700000000001 implements MigrationInterface {
  name = 'ChaosProbeInitial1700000000001';
  async up(q: QueryRunner) {
    for (const sql of [...messagingTablesSql('chaosprobe'), ...outboxTraceContextSql('chaosprobe')]) await q.query(sql);
    await q.query(`CREATE TABLE chaosprobe.arrivals (seq bigserial PRIMARY KEY, event_id uuid NOT NULL, booking_id uuid NOT NULL, review_id uuid NOT NULL)`);
    await q.query(`CREATE TABLE chaosprobe.facts (review_id uuid PRIMARY KEY, booking_id uuid NOT NULL, event_id uuid NOT NULL)`);
  }
  async down(q: QueryRunner) {
    await q.query('DROP TABLE chaosprobe.facts');
    await q.query('DROP TABLE chaosprobe.arrivals');
  }
}

@Injectable()
export class ChaosProbeHandlers {
  @OnEvent('bookings.review.submitted.v1')
  async onReview(data: EventDataOf<'bookings.review.submitted.v1'>, { em, envelope }: EventContext) {
    await em.query(`INSERT INTO chaosprobe.arrivals (event_id, booking_id, review_id) VALUES ($1, $2, $3)`, [envelope.id, data.bookingId, data.reviewId]);
    await em.query(`INSERT INTO chaosprobe.facts (review_id, booking_id, event_id) VALUES ($1, $2, $3) ON CONFLICT (review_id) DO NOTHING`, [
      data.reviewId,
      data.bookingId,
      envelope.id,
    ]);
  }
}

@Module({ providers: [ChaosProbeHandlers] })
class ChaosProbeModule {}

export const chaosProbeConfigSchema = z.object({ ...sharedConfigShape, PORT: env.port(0) });

export const chaosProbeMain: ServiceMain<typeof chaosProbeConfigSchema> = {
  def: { service: 'chaosprobe', schema: 'chaosprobe', entities: [], migrations: [ChaosProbeInitial1700000000001] },
  configSchema: chaosProbeConfigSchema,
  module: (config): DynamicModule => ({ module: class ChaosProbeApp {}, imports: [ServiceKitModule.forService(chaosProbeMain.def, config), ChaosProbeModule] }),
};
