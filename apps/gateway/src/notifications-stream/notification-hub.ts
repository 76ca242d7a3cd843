import { Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import {
  NOTIFICATIONS_LIVE,
  NOTIFICATIONS_RESYNC,
  NotificationCreatedV1,
  envelopeSchema,
  liveExchange,
  notificationsLiveSchema,
  notificationsResyncSchema,
} from '@tutorhub/contracts';
import { AmqpConnection, Topology } from '@tutorhub/messaging';
import { counter, gauge } from '@tutorhub/platform';
import type { StreamedNotification } from './live-stream';

/** The deprecated durable event (ADR 0018): still streamed if an older notifications replica publishes it. */
export const NOTIFICATION_CREATED = NotificationCreatedV1.type;

export interface StreamSubscriber {
  /** The session whose access token opened the stream: revoking it ends the stream. */
  sessionId: string;
  send(notification: StreamedNotification): void;
  /** The feed may have lost messages (its publisher restarted, or this hub's queue was re-created). */
  resync(): void;
  /** Ends the stream (shutdown). */
  close(): void;
  /** Ends the stream because its session was revoked. */
  revoked(): void;
}

const connections = gauge('gateway_sse_connections', 'Open notification streams on this gateway');
const delivered = counter('gateway_sse_notifications_total', 'Notifications received from the broker for live streams', ['outcome']);

/**
 * Fan-out of the live notification feed (`tutorhub.live`, ADR 0018) to the users connected to
 * THIS process. Each gateway replica declares its own server-named, exclusive, auto-delete queue
 * bound to the feed, so every replica sees every notification and keeps only those of its own
 * subscribers. The queue dies with the connection; on reconnect the setup runs again, a new one
 * is bound, and every stream is told to resync (what was published while no queue existed is
 * caught up from the inbox over RPC, by the streams that can resume).
 */
@Injectable()
export class NotificationHub implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('NotificationStream');
  private readonly subscribers = new Map<string, Set<StreamSubscriber>>();
  private channel?: Channel;
  private queue?: string;

  constructor(
    private readonly amqp: AmqpConnection,
    private readonly topology: Topology,
  ) {}

  onModuleInit(): void {
    this.amqp.onConnect('notification-stream', (model) => this.setup(model));
  }

  /** The queue currently bound (tests and diagnostics). */
  get currentQueue(): string | undefined {
    return this.queue;
  }

  private async setup(model: ChannelModel): Promise<void> {
    const ch = await model.createChannel();
    this.amqp.watch(model, ch, 'notification-stream');
    await this.topology.assertExchanges(ch);
    const live = liveExchange(this.topology.namespace);
    await ch.assertExchange(live, 'topic', { durable: true });
    const { queue } = await ch.assertQueue('', {
      exclusive: true,
      autoDelete: true,
      durable: false,
      // A live stream is worthless late, and a stuck consumer must not grow the queue forever.
      arguments: { 'x-message-ttl': 60_000, 'x-max-length': 10_000 },
    });
    await ch.bindQueue(queue, live, NOTIFICATIONS_LIVE);
    await ch.bindQueue(queue, live, NOTIFICATIONS_RESYNC);
    await ch.bindQueue(queue, this.topology.eventsExchange, NOTIFICATION_CREATED);
    await ch.consume(queue, (msg) => msg && this.dispatch(msg), { noAck: true });
    this.channel = ch;
    this.queue = queue;
    // Anything published while no queue was bound is missed: every stream catches up.
    this.resyncAll();
  }

  private dispatch(msg: ConsumeMessage): void {
    let notifications: StreamedNotification[];
    try {
      const body: unknown = JSON.parse(msg.content.toString('utf8'));
      const key = msg.fields.routingKey;
      if (key === NOTIFICATIONS_RESYNC) {
        notificationsResyncSchema.parse(body);
        delivered.inc({ outcome: 'resync' });
        return this.resyncAll();
      }
      if (key === NOTIFICATIONS_LIVE) {
        notifications = notificationsLiveSchema.parse(body).notifications;
      } else {
        const envelope = envelopeSchema.parse(body);
        if (envelope.type !== NOTIFICATION_CREATED) throw new Error(`unexpected type ${envelope.type}`);
        notifications = [NotificationCreatedV1.schema.parse(envelope.data)];
      }
    } catch (err) {
      delivered.inc({ outcome: 'malformed' });
      this.logger.warn(`ignoring a malformed notification message: ${(err as Error).message}`);
      return;
    }
    for (const notification of notifications) {
      const subs = this.subscribers.get(notification.userId);
      delivered.inc({ outcome: subs ? 'streamed' : 'no_subscriber' });
      for (const s of subs ?? []) {
        try {
          s.send(notification);
        } catch (err) {
          this.logger.warn(`could not write to a stream: ${(err as Error).message}`);
        }
      }
    }
  }

  private resyncAll(): void {
    for (const set of this.subscribers.values()) for (const s of set) s.resync();
  }

  subscriberCount(userId: string): number {
    return this.subscribers.get(userId)?.size ?? 0;
  }

  /** Returns the unsubscribe function; call it when the client goes away. */
  subscribe(userId: string, subscriber: StreamSubscriber): () => void {
    let set = this.subscribers.get(userId);
    if (!set) this.subscribers.set(userId, (set = new Set()));
    set.add(subscriber);
    connections.inc();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      connections.dec();
      set.delete(subscriber);
      if (set.size === 0 && this.subscribers.get(userId) === set) this.subscribers.delete(userId);
    };
  }

  /** Ends this process's streams of a revoked session (see SessionRevocations). */
  closeSession(sessionId: string): void {
    for (const set of [...this.subscribers.values()]) for (const s of [...set]) if (s.sessionId === sessionId) s.revoked();
  }

  /** Open streams would keep the HTTP server from closing: end them first. */
  beforeApplicationShutdown(): void {
    for (const set of [...this.subscribers.values()]) for (const s of [...set]) s.close();
    void this.channel?.close().catch(() => undefined);
  }
}
