import { Logger } from '@nestjs/common';
import { ROOT_CONTEXT, type Span } from '@opentelemetry/api';
import { Client, type Pool, type PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { counter, gauge, isTransientInfrastructureError } from '@tutorhub/platform';
import type { AmqpConnection } from './amqp-connection';
import type { Topology } from './topology';
import { SpanKind, extractTraceContext, failSpan, injectTraceContext, messagingAttributes, startSpan, type TraceCarrier } from './tracing';

const published = counter('outbox_published_total', 'Events published from the outbox', ['service']);
const publishFailures = counter('outbox_publish_failures_total', 'Outbox batches that failed to publish', ['service']);
const backlog = gauge('outbox_backlog', 'Unpublished outbox rows seen by the last relay pass', ['service']);

export interface RelayOptions {
  schema: string;
  service: string;
  databaseUrl: string;
  batchSize?: number;
  /** Fallback poll; LISTEN/NOTIFY normally wakes the relay at commit time. */
  pollIntervalMs?: number;
  /** After a NOTIFY, wait this long so that one pass publishes what commits meanwhile (0 = at once). */
  coalesceMs?: number;
}

type OutboxRow = { seq: string; id: string; type: string; envelope: unknown; trace_context: TraceCarrier | null };

/**
 * Publishes committed outbox rows with publisher confirms, oldest first.
 *
 * Replica safety: each pass runs in one transaction that first takes a transaction-scoped
 * advisory lock for this schema (so one relay publishes at a time and per-service order is
 * kept) and claims rows with FOR UPDATE SKIP LOCKED. Rows are marked published only after the
 * broker confirmed them; if the process dies between confirm and commit, the rows go out
 * again, which the consumers' inbox absorbs (at-least-once by design).
 */
export class OutboxRelay {
  private readonly logger: Logger;
  private running = false;
  private wake?: () => void;
  private wakeRequested = false;
  private loop?: Promise<void>;
  private listener?: Client;
  private readonly lockKey: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly amqp: AmqpConnection,
    private readonly topology: Topology,
    private readonly options: RelayOptions,
  ) {
    this.logger = new Logger(`OutboxRelay:${options.schema}`);
    this.lockKey = `outbox:${options.schema}`;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.listen();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.notify();
    await this.loop;
    await this.listener?.end().catch(() => undefined);
  }

  /** Publishes everything pending now; used by the loop and by tests that want determinism. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.publishBatch();
      total += n;
      if (n < (this.options.batchSize ?? 200)) return total;
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        this.wakeRequested = false;
        await this.drain();
        failures = 0;
        // A notification that arrived while draining means there may be rows we have not seen.
        if (!this.wakeRequested) {
          const woken = await this.sleep(this.options.pollIntervalMs ?? 1000);
          // Woken by a commit: give the transactions committing right behind it a moment, so
          // that one pass (two round trips) carries all their events.
          const coalesce = this.options.coalesceMs ?? 0;
          if (woken && coalesce > 0 && this.running) await new Promise((r) => setTimeout(r, coalesce));
        }
      } catch (err) {
        failures++;
        publishFailures.inc({ service: this.options.service });
        if (failures === 1 || failures % 20 === 0) {
          this.logger.warn(`publishing failed (${failures}x): ${(err as Error).message}`);
        }
        await this.sleep(Math.min(5000, 100 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  private async publishBatch(): Promise<number> {
    const channel = this.amqp.publishChannel;
    if (!channel) {
      if (!(await this.amqp.waitUntilConnected(1000))) throw new Error('broker unavailable');
      return 0;
    }
    const limit = this.options.batchSize ?? 200;
    // Straight on a pooled node-postgres client in pipeline mode (ADR 0019): BEGIN travels with
    // the claim, and the mark travels with COMMIT, so a pass is two round trips, not five.
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool;
    const client: PoolClient = await pool.connect();
    let broken: Error | undefined;
    // The pool stops listening for a client's 'error' while it is checked out (TypeORM's query
    // runners add their own listener; this client is ours). Without one, a connection cut while
    // the batch is being published to the broker (no query pending) is an uncaught exception that
    // ends the process: the HA fault lab's database failover found it.
    const onError = (err: Error) => {
      broken = err;
    };
    client.on('error', onError);
    try {
      const begin = client.query('BEGIN');
      begin.catch(() => undefined);
      let rows: OutboxRow[];
      try {
        // The advisory lock is an InitPlan, taken once before the scan; without it the scan is skipped.
        rows = (
          await client.query<OutboxRow>({
            name: `outbox_claim_${this.options.schema}`,
            text: `SELECT seq, id, type, envelope, trace_context FROM "${this.options.schema}".outbox
                    WHERE published_at IS NULL AND (SELECT pg_try_advisory_xact_lock(hashtext($1)))
                    ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED`,
            values: [this.lockKey, limit],
          })
        ).rows;
        await begin;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
      backlog.set({ service: this.options.service }, rows.length);
      if (rows.length === 0) {
        await client.query('COMMIT');
        return 0;
      }
      try {
        await this.publish(channel, rows);
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
      // COMMIT is written right behind the UPDATE. Should the UPDATE fail, Postgres answers the
      // COMMIT of the aborted transaction with a rollback: the rows stay unpublished and go out
      // again (the consumers' inbox absorbs the repeat), exactly as before.
      const mark = client.query({
        name: `outbox_mark_${this.options.schema}`,
        text: `UPDATE "${this.options.schema}".outbox SET published_at = now(), attempts = attempts + 1 WHERE seq = ANY($1::bigint[])`,
        values: [rows.map((r) => r.seq)],
      });
      const commit = client.query('COMMIT');
      commit.catch(() => undefined);
      await mark;
      await commit;
      published.inc({ service: this.options.service }, rows.length);
      return rows.length;
    } catch (err) {
      // A client whose connection failed must not go back to the pool.
      if (isTransientInfrastructureError(err)) broken = err as Error;
      throw err;
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  }

  private async publish(channel: NonNullable<AmqpConnection['publishChannel']>, rows: OutboxRow[]): Promise<void> {
    const spans: Span[] = [];
    for (const row of rows) {
      const body = Buffer.from(typeof row.envelope === 'string' ? row.envelope : JSON.stringify(row.envelope));
      const envelope = (typeof row.envelope === 'string' ? JSON.parse(row.envelope) : row.envelope) as {
        correlationId?: string;
      };
      // The send span continues the trace of the work that wrote the row (stored context), and
      // its own context goes out in the headers for the consumers.
      const headers: Record<string, string> = {};
      if (row.trace_context) {
        const span = startSpan(`${row.type} send`, SpanKind.PRODUCER, messagingAttributes(this.options.service, this.topology.eventsExchange, 'send', { 'messaging.rabbitmq.destination.routing_key': row.type, 'messaging.message.id': row.id }), extractTraceContext(row.trace_context));
        spans.push(span);
        Object.assign(headers, injectTraceContext(span, ROOT_CONTEXT));
      }
      channel.publish(this.topology.eventsExchange, row.type, body, {
        persistent: true,
        contentType: 'application/json',
        messageId: row.id,
        type: row.type,
        correlationId: envelope.correlationId,
        appId: this.options.service,
        headers,
      });
    }
    try {
      await channel.waitForConfirms();
    } catch (err) {
      spans.forEach((s) => failSpan(s, err));
      throw err;
    } finally {
      spans.forEach((s) => s.end());
    }
  }

  private async listen(): Promise<void> {
    while (this.running) {
      const client = new Client({ connectionString: this.options.databaseUrl, application_name: `${this.options.service}-outbox-listen` });
      // Listening from the start: a connection cut before LISTEN has answered would otherwise
      // be an 'error' event nobody handles, which kills the process (found by the HA fault lab).
      const lost = new Promise<void>((resolve) => {
        client.on('error', () => resolve());
        client.on('end', () => resolve());
      });
      try {
        await client.connect();
        this.listener = client;
        client.on('notification', () => this.notify());
        await client.query(`LISTEN "${this.options.schema}_outbox"`);
        await lost;
      } catch {
        // The poll keeps events flowing while LISTEN is down; retry shortly.
      }
      await client.end().catch(() => undefined);
      if (this.running) await this.sleep(1000);
    }
  }

  private notify(): void {
    this.wakeRequested = true;
    this.wake?.();
  }

  /** Resolves true when woken (NOTIFY or stop), false when the time ran out. */
  private sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), ms);
      function done(woken = true) {
        clearTimeout(timer);
        resolve(woken);
      }
      this.wake = done;
    });
  }
}

