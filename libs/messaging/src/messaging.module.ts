import { Inject, Injectable, Logger, Module, type DynamicModule, type OnApplicationBootstrap, type OnModuleInit, type BeforeApplicationShutdown, type OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AmqpConnection } from './amqp-connection';
import { EVENT_BATCH_HANDLER, EVENT_HANDLER, RPC_DEFINITION, RPC_HANDLER } from './decorators';
import { DeliveryChaos, type DeliveryChaosSettings } from './delivery-chaos';
import { EventConsumer } from './event-consumer';
import { HandlerDiscovery } from './handler-discovery';
import { MessagingMetrics } from './messaging-metrics';
import { OutboxRelay } from './outbox-relay';
import { OutboxService } from './outbox.service';
import { ReadYourWrites } from './read-your-writes';
import { RpcClient } from './rpc-client';
import { RpcServer } from './rpc-server';
import { Topology } from './topology';

export interface MessagingOptions {
  service: string;
  /** Postgres schema holding this service's outbox and inbox. */
  schema: string;
  /** One URL, or one per node of a RabbitMQ cluster (tried in turn on connection loss). */
  amqpUrl: string | string[];
  databaseUrl: string;
  namespace: string;
  prefetch: number;
  /** Events per consumer transaction when deliveries queue up (EVENT_BATCH_SIZE); 1 = one each. */
  batchSize?: number;
  /** Unacked event deliveries in hand (EVENT_PREFETCH); default: see eventPrefetch. */
  eventPrefetch?: number;
  /** How long the relay waits after a NOTIFY to publish more in one pass (OUTBOX_RELAY_COALESCE_MS). */
  relayCoalesceMs?: number;
  /** Outbox rows the relay publishes per pass (OUTBOX_RELAY_BATCH_SIZE). */
  relayBatchSize?: number;
  maxAttempts?: number;
  retryDelayMs?: number;
  /** Events older than this are dead-lettered unhandled (their inbox id may be pruned). */
  maxEventAgeMs?: number;
  rpcTimeoutMs?: number;
  shutdownTimeoutMs?: number;
  /** Off in tests that drive the relay by hand. */
  relay?: boolean;
  /** TEST ONLY: delivery chaos for the event consumer (delivery-chaos.ts); undefined = off. */
  deliveryChaos?: DeliveryChaosSettings;
}

export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

/**
 * The events channel's prefetch (EVENT_PREFETCH): when not set, `prefetch` (AMQP_PREFETCH, also
 * the RPC server's) but at least four batches' worth, so that under a backlog up to four workers
 * each have a full batch in hand (ADR 0022). The RPC server keeps `prefetch`: it bounds the RPCs
 * a process serves at once.
 */
export function eventPrefetch(o: Pick<MessagingOptions, 'prefetch' | 'batchSize' | 'eventPrefetch'>): number {
  return o.eventPrefetch ?? Math.max(o.prefetch, 4 * (o.batchSize ?? 1));
}

/**
 * Wires the broker into a service: connection, outbox + relay, event consumer, RPC server and
 * client. Handlers are found by decorator (@OnEvent, @OnRpc) on any provider of the app.
 * Start order: handlers are discovered at module init, the connection opens at bootstrap; on
 * shutdown consumers stop taking messages and drain before the relay and connection close.
 */
@Injectable()
export class MessagingLifecycle implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Messaging');
  consumer?: EventConsumer;
  server?: RpcServer;

  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
    private readonly amqp: AmqpConnection,
    private readonly topology: Topology,
    private readonly discovery: HandlerDiscovery,
    private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay,
    private readonly client: RpcClient,
    private readonly readYourWrites: ReadYourWrites,
    private readonly metrics: MessagingMetrics,
  ) {}

  onModuleInit(): void {
    const o = this.options;
    const chaos = o.deliveryChaos ? new DeliveryChaos(o.service, o.deliveryChaos) : undefined;
    if (chaos) {
      this.logger.warn(
        `TEST ONLY delivery chaos on: delay 0..${chaos.settings.maxDelayMs} ms, duplicates ${chaos.settings.duplicateRate}, republish ${chaos.settings.republishRate}, seed ${chaos.settings.seed}`,
      );
    }
    const handlers = this.discovery.find(EVENT_HANDLER);
    const batchHandlers = this.discovery.find(EVENT_BATCH_HANDLER);
    for (const [type, h] of batchHandlers) {
      // The set-based handler is an optimisation; the per-event one is the fallback (ADR 0022).
      if (!handlers.has(type)) throw new Error(`${h.name} handles batches of ${type}, but no @OnEvent handler does`);
    }
    this.consumer = new EventConsumer(this.amqp, this.topology, this.dataSource, handlers, {
      service: o.service,
      batchHandlers,
      schema: o.schema,
      prefetch: eventPrefetch(o),
      batchSize: o.batchSize,
      maxAttempts: o.maxAttempts ?? 5,
      retryDelayMs: o.retryDelayMs ?? 200,
      maxEventAgeMs: o.maxEventAgeMs,
      chaos,
    });
    this.server = new RpcServer(this.amqp, this.topology, this.discovery.find(RPC_HANDLER, RPC_DEFINITION), o.service, o.prefetch);
    this.consumer.register();
    this.server.register();
    this.client.register();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.amqp.start();
    // Start-up waits briefly for the broker so that a healthy start is ready at once, but a
    // broker outage does not stop the process: recovery keeps trying, readiness says not ready.
    if (!(await this.amqp.waitUntilConnected(10000))) this.logger.warn('RabbitMQ not reachable yet; retrying in the background');
    if (this.options.relay !== false) this.relay.start();
    this.readYourWrites.start();
    // Only a service that consumes events has a dead-letter queue.
    this.metrics.start((this.consumer?.routingKeys.length ?? 0) > 0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    const t = this.options.shutdownTimeoutMs ?? 10000;
    await Promise.all([this.consumer?.stop(t), this.server?.stop(t)]);
    await this.relay.stop();
    await this.readYourWrites.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    this.metrics.stop();
    await this.amqp.close();
  }
}

@Module({})
export class MessagingModule {
  static forService(options: MessagingOptions): DynamicModule {
    const topology = new Topology(options.namespace);
    const amqp = new AmqpConnection(options.amqpUrl, options.service);
    return {
      module: MessagingModule,
      global: true,
      imports: [DiscoveryModule],
      providers: [
        { provide: MESSAGING_OPTIONS, useValue: options },
        { provide: Topology, useValue: topology },
        { provide: AmqpConnection, useValue: amqp },
        { provide: OutboxService, useValue: new OutboxService(options.schema, options.service) },
        {
          provide: OutboxRelay,
          inject: [DataSource],
          useFactory: (ds: DataSource) =>
            new OutboxRelay(ds, amqp, topology, { schema: options.schema, service: options.service, databaseUrl: options.databaseUrl, coalesceMs: options.relayCoalesceMs, batchSize: options.relayBatchSize }),
        },
        { provide: RpcClient, useValue: new RpcClient(amqp, topology, options.rpcTimeoutMs ?? 5000, options.service) },
        {
          provide: ReadYourWrites,
          useValue: new ReadYourWrites({ databaseUrl: options.databaseUrl, schema: options.schema, service: options.service }),
        },
        {
          provide: MessagingMetrics,
          inject: [DataSource],
          useFactory: (ds: DataSource) =>
            new MessagingMetrics(ds, amqp, topology, { service: options.service, schema: options.schema }),
        },
        HandlerDiscovery,
        MessagingLifecycle,
      ],
      exports: [AmqpConnection, Topology, OutboxService, OutboxRelay, RpcClient, ReadYourWrites, MessagingLifecycle, MessagingMetrics],
    };
  }
}
