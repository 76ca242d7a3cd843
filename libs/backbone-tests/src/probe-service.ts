import { randomUUID } from 'node:crypto';
import { Body, Controller, HttpCode, Injectable, Logger, Module, Post, type DynamicModule } from '@nestjs/common';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { z } from 'zod';
import type { EventDataOf } from '@tutorhub/contracts';
import { AppError, env, sharedConfigShape } from '@tutorhub/platform';
import { ServiceKitModule, type ServiceKitOptions, type ServiceMain } from '@tutorhub/service';
import {
  OnEvent,
  OnEventBatch,
  OnRpc,
  OutboxService,
  RpcClient,
  messagingTablesSql,
  outboxTraceContextSql,
  parseInput,
  type BatchedEvent,
  type EventBatchContext,
  type EventContext,
  type RpcContext,
} from '@tutorhub/messaging';
import { DataSource } from 'typeorm';

/** A minimal service used to prove the messaging backbone against the real broker and database. */
class ProbeInitial1700000000000 implements MigrationInterface {
  name = 'ProbeInitial1700000000000';
  async up(q: QueryRunner) {
    for (const sql of [...messagingTablesSql('probe'), ...outboxTraceContextSql('probe')]) await q.query(sql);
    await q.query(`CREATE TABLE probe.effects (event_id uuid NOT NULL, booking_id uuid NOT NULL, at timestamptz NOT NULL DEFAULT now())`);
  }
  async down(q: QueryRunner) {
    await q.query('DROP TABLE probe.effects');
  }
}

@Injectable()
export class ProbeHandlers {
  /** Bookings whose handler should fail this many more times (a transient fault). */
  readonly failuresLeft = new Map<string, number>();
  /** Bookings whose handler should fail this many more times as if the database were restarting. */
  readonly databaseDownLeft = new Map<string, number>();
  /**
   * Bookings whose handler, after writing its effect, waits for this promise: it holds the
   * consumer inside its transaction (a batch test lines deliveries up behind it, or cuts the
   * connection under it). `entered` records that it got there.
   */
  readonly gates = new Map<string, Promise<void>>();
  readonly entered = new Set<string>();
  /** Sizes of the calls of the set-based no_show handler, in call order (ADR 0022). */
  readonly setCalls: number[] = [];

  private readonly logger = new Logger('Probe');

  constructor(
    private readonly outbox: OutboxService,
    private readonly dataSource: DataSource,
  ) {}

  @OnEvent('bookings.booking.completed.v1')
  async onCompleted(data: EventDataOf<'bookings.booking.completed.v1'>, { em, envelope }: EventContext) {
    this.logger.log(`event handled for booking ${data.bookingId}`);
    await em.query(`INSERT INTO probe.effects (event_id, booking_id) VALUES ($1, $2)`, [envelope.id, data.bookingId]);
    const gate = this.gates.get(data.bookingId);
    if (gate) {
      this.entered.add(data.bookingId);
      await gate;
    }
    // Fail after writing, so a retry proves the failed attempt's writes were rolled back.
    const left = this.failuresLeft.get(data.bookingId) ?? 0;
    if (left > 0) {
      this.failuresLeft.set(data.bookingId, left - 1);
      throw new Error('simulated handler failure');
    }
    const down = this.databaseDownLeft.get(data.bookingId) ?? 0;
    if (down > 0) {
      this.databaseDownLeft.set(data.bookingId, down - 1);
      throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    }
  }

  /**
   * `no_show` has a set-based handler too (ADR 0022), with the same effect: one effect row per
   * event. A set that holds a failing booking fails as a whole without spending its failures
   * (they count per-event invocations, i.e. deliveries); a gate holds the set's transaction.
   */
  @OnEvent('bookings.booking.no_show.v1')
  async onNoShow(data: EventDataOf<'bookings.booking.no_show.v1'>, { em, envelope }: EventContext) {
    await em.query(`INSERT INTO probe.effects (event_id, booking_id) VALUES ($1, $2)`, [envelope.id, data.bookingId]);
    const left = this.failuresLeft.get(data.bookingId) ?? 0;
    if (left > 0) {
      this.failuresLeft.set(data.bookingId, left - 1);
      throw new Error('simulated handler failure');
    }
  }

  @OnEventBatch('bookings.booking.no_show.v1')
  async onNoShowMany(events: Array<BatchedEvent<EventDataOf<'bookings.booking.no_show.v1'>>>, { em }: EventBatchContext) {
    this.setCalls.push(events.length);
    await em.query(`INSERT INTO probe.effects (event_id, booking_id) SELECT * FROM unnest($1::uuid[], $2::uuid[])`, [
      events.map((e) => e.envelope.id),
      events.map((e) => e.data.bookingId),
    ]);
    for (const { data } of events) {
      const gate = this.gates.get(data.bookingId);
      if (gate) {
        this.entered.add(data.bookingId);
        await gate;
      }
    }
    if (events.some((e) => (this.failuresLeft.get(e.data.bookingId) ?? 0) > 0)) throw new Error('simulated failure of the set');
  }

  /** A no_show event for the booking, in the caller's transaction. */
  async emitNoShow(em: import('typeorm').EntityManager, bookingId: string = randomUUID()) {
    return this.outbox.add(em, 'bookings.booking.no_show.v1', { bookingId, studentId: randomUUID(), tutorId: randomUUID(), absentParty: 'both' });
  }

  @OnRpc('probe.echo')
  async echo({ actor, data }: RpcContext) {
    const input = parseInput(z.strictObject({ text: z.string().max(10) }), data);
    return { text: input.text, actor };
  }

  /** Logs, then emits an event whose handler logs too (correlation across RPC and events). */
  @OnRpc('probe.relay')
  async relay({ data }: RpcContext) {
    const { bookingId } = parseInput(z.object({ bookingId: z.uuid() }), data);
    this.logger.log(`relay called for booking ${bookingId}`);
    await this.dataSource.transaction((em) => this.emitCompleted(em, bookingId));
    return { bookingId };
  }

  @OnRpc('probe.refuse')
  async refuse() {
    throw new AppError(409, 'probe.refused', 'No.', { why: 'because' });
  }

  @OnRpc('probe.crash')
  async crash() {
    throw new Error('secret internal detail');
  }

  @OnRpc('probe.slow')
  async slow({ data }: RpcContext) {
    await new Promise((r) => setTimeout(r, Number((data as { ms: number }).ms)));
    return { ok: true };
  }

  /** Writes a completed event for the booking in one transaction, optionally rolling it back. */
  async emitCompleted(em: import('typeorm').EntityManager, bookingId: string = randomUUID()) {
    return this.outbox.add(em, 'bookings.booking.completed.v1', { bookingId, studentId: randomUUID(), tutorId: randomUUID() });
  }
}

/** HTTP in front of the probe's own RPC, as the gateway is in front of the services. */
@Controller('probe')
export class ProbeHttpController {
  constructor(private readonly rpc: RpcClient) {}

  @Post('relay')
  @HttpCode(200)
  relay(@Body() body: { bookingId: string }) {
    return this.rpc.call('probe', 'probe.relay', { bookingId: body.bookingId });
  }
}

@Module({ providers: [ProbeHandlers], exports: [ProbeHandlers] })
class ProbeModule {}

export const probeConfigSchema = z.object({ ...sharedConfigShape, PORT: env.port(0) });

export const probeMain: ServiceMain<typeof probeConfigSchema> = {
  def: { service: 'probe', schema: 'probe', entities: [], migrations: [ProbeInitial1700000000000] },
  configSchema: probeConfigSchema,
  module: (config) => probeModule(config),
};

export function probeModule(config: z.output<typeof probeConfigSchema>, opts: ServiceKitOptions = {}): DynamicModule {
  return { module: class ProbeApp {}, imports: [ServiceKitModule.forService(probeMain.def, config, opts), ProbeModule] };
}
