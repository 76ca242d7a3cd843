import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Channel, ChannelModel } from 'amqplib';
import { DataSource } from 'typeorm';
import { NOTIFICATIONS_LIVE, NOTIFICATIONS_RESYNC, liveExchange } from '@tutorhub/contracts';
import { AmqpConnection, Topology } from '@tutorhub/messaging';
import { DedicatedConnection, type DedicatedSession } from '@tutorhub/persistence';
import { counter } from '@tutorhub/platform';
import { CONFIG } from '@tutorhub/service';
import type { NotificationsConfig } from '../config';
import { LIVE_CHANNEL, NotificationStore, listenLive, tryLeadLiveFeed, type LivePayload, type LiveRow } from '../stores/notification.store';

const published = counter('notifications_live_published_total', 'Live-feed messages, by outcome', ['outcome']);

/** How often a replica that is not the forwarder checks whether it should take over. */
const LEADER_POLL_MS = 2000;

/**
 * Forwards committed notifications to the gateways' live streams (ADR 0018), without an outbox
 * event per notification. The writer's statement announces every new row with `pg_notify`,
 * which Postgres delivers at commit and in commit order; ONE replica at a time (the holder of a
 * session advisory lock) LISTENs and publishes each announcement, transient, to the live
 * exchange. So the gateways receive a user's notifications in `seq` order.
 *
 * Nothing here is durable, on purpose: the inbox rows are the record. Whenever something may
 * have been lost (this replica became the forwarder, its database or broker connection was
 * re-established, a publish failed), a `notifications.resync.v1` goes out before anything
 * else is forwarded, and every gateway has its resumable streams catch up over RPC.
 */
@Injectable()
export class LiveFeed implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('LiveFeed');
  private channel?: Channel;
  private leading = false;
  private resyncPending: string | undefined;
  private readonly connection: DedicatedConnection;
  /** Announcements are forwarded one after another, in the order Postgres delivered them. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    @Inject(CONFIG) config: NotificationsConfig,
    private readonly amqp: AmqpConnection,
    private readonly topology: Topology,
    private readonly dataSource: DataSource,
    private readonly store: NotificationStore,
  ) {
    this.connection = new DedicatedConnection({
      url: config.DATABASE_URL,
      applicationName: 'notifications-live-feed',
      session: ({ client, ended, running }) => this.forward(client, ended, running),
      onError: (err) => this.logger.warn(`live feed: ${err.message}; retrying`),
      onClosed: () => {
        this.leading = false;
      },
    });
  }

  /** Whether this replica is the one forwarding (tests, diagnostics). */
  get isForwarding(): boolean {
    return this.leading && !!this.channel;
  }

  get exchange(): string {
    return liveExchange(this.topology.namespace);
  }

  onModuleInit(): void {
    this.amqp.onConnect('live-feed', (model) => this.setup(model));
    this.connection.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection.stop();
    await this.chain;
  }

  private async setup(model: ChannelModel): Promise<void> {
    const ch = await model.createChannel();
    this.amqp.watch(model, ch, 'live-feed');
    await ch.assertExchange(this.exchange, 'topic', { durable: true });
    ch.on('close', () => {
      if (this.channel === ch) this.channel = undefined;
    });
    this.channel = ch;
    // Whatever was announced while there was no channel is gone.
    this.resyncPending ??= 'broker connection re-established';
    this.enqueue(async () => undefined);
  }

  /** On each fresh connection: wait to be the one forwarder, then LISTEN and forward until it drops. */
  private async forward(client: DedicatedSession['client'], ended: Promise<void>, running: () => boolean): Promise<void> {
    // One forwarder per database: the session lock dies with the connection.
    while (running() && !(await tryLeadLiveFeed(client))) {
      await Promise.race([ended, new Promise((r) => setTimeout(r, LEADER_POLL_MS).unref())]);
    }
    if (!running()) return;
    this.resyncPending = 'forwarder started';
    client.on('notification', (msg) => {
      if (msg.channel === LIVE_CHANNEL && msg.payload) this.announce(msg.payload);
    });
    await listenLive(client);
    this.leading = true;
    this.enqueue(async () => undefined);
    await ended;
  }

  private announce(payload: string): void {
    let parsed: LivePayload;
    try {
      parsed = JSON.parse(payload) as LivePayload;
    } catch {
      published.inc({ outcome: 'malformed' });
      return;
    }
    this.enqueue(async () => {
      const rows = 'n' in parsed ? parsed.n : await this.store.liveBySeqs(this.dataSource.manager, parsed.refs);
      return rows;
    });
  }

  /** Runs `load` in order after everything before it, then publishes (a resync first, if one is due). */
  private enqueue(load: () => Promise<LiveRow[] | undefined>): void {
    this.chain = this.chain.then(async () => {
      let rows: LiveRow[] | undefined;
      try {
        rows = await load();
      } catch (err) {
        this.resyncPending ??= 'could not read announced notifications';
        this.logger.warn(`live feed: ${(err as Error).message}`);
      }
      if (!this.leading) return;
      if (this.resyncPending && this.publish(NOTIFICATIONS_RESYNC, { reason: this.resyncPending })) this.resyncPending = undefined;
      if (!rows?.length) return;
      // Until the resync is out, nothing after the gap may overtake it.
      if (this.resyncPending || !this.publish(NOTIFICATIONS_LIVE, { notifications: rows })) this.resyncPending ??= 'publish failed';
    });
  }

  private publish(type: string, body: unknown): boolean {
    const ch = this.channel;
    if (!ch) {
      published.inc({ outcome: 'no_channel' });
      return false;
    }
    try {
      ch.publish(this.exchange, type, Buffer.from(JSON.stringify(body)), { persistent: false, contentType: 'application/json', type });
      published.inc({ outcome: type === NOTIFICATIONS_RESYNC ? 'resync' : 'published' });
      return true;
    } catch (err) {
      published.inc({ outcome: 'failed' });
      this.logger.warn(`live feed: publish failed: ${(err as Error).message}`);
      return false;
    }
  }
}
