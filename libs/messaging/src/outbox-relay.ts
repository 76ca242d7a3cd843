import { Logger } from '@nestjs/common';
import { ROOT_CONTEXT, type Span } from '@opentelemetry/api';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { counter, gauge } from '@tutorhub/platform';
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
}

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
        if (!this.wakeRequested) await this.sleep(this.options.pollIntervalMs ?? 1000);
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
    return this.dataSource.transaction(async (em) => {
      const [{ locked }] = await em.query(`SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`, [this.lockKey]);
      if (!locked) return 0;
      const rows: Array<{ seq: string; id: string; type: string; envelope: unknown; trace_context: TraceCarrier | null }> = await em.query(
        `SELECT seq, id, type, envelope, trace_context FROM "${this.options.schema}".outbox
          WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      backlog.set({ service: this.options.service }, rows.length);
      if (rows.length === 0) return 0;
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
      await em.query(
        `UPDATE "${this.options.schema}".outbox SET published_at = now(), attempts = attempts + 1
          WHERE seq = ANY($1::bigint[])`,
        [rows.map((r) => r.seq)],
      );
      published.inc({ service: this.options.service }, rows.length);
      return rows.length;
    });
  }

  private async listen(): Promise<void> {
    while (this.running) {
      const client = new Client({ connectionString: this.options.databaseUrl, application_name: `${this.options.service}-outbox-listen` });
      try {
        await client.connect();
        this.listener = client;
        client.on('notification', () => this.notify());
        await client.query(`LISTEN "${this.options.schema}_outbox"`);
        await new Promise<void>((resolve) => {
          client.on('error', () => resolve());
          client.on('end', () => resolve());
        });
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

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
