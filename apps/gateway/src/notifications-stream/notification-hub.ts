import { Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { NotificationCreatedV1, envelopeSchema } from '@tutorhub/contracts';
import { AmqpConnection, Topology } from '@tutorhub/messaging';
import { counter, gauge } from '@tutorhub/platform';
import type { z } from 'zod';

export const NOTIFICATION_CREATED = NotificationCreatedV1.type;
export type LiveNotification = z.output<typeof NotificationCreatedV1.schema>;

export interface StreamSubscriber {
  /** The session whose access token opened the stream: revoking it ends the stream. */
  sessionId: string;
  send(notification: LiveNotification, eventId: string): void;
  /** Ends the stream (shutdown). */
  close(): void;
  /** Ends the stream because its session was revoked. */
  revoked(): void;
}

const connections = gauge('gateway_sse_connections', 'Open notification streams on this gateway');
const delivered = counter('gateway_sse_notifications_total', 'Notifications received from the broker for live streams', ['outcome']);

/**
 * Fan-out of `notifications.notification.created.v1` to the users connected to THIS process.
 * Each gateway replica declares its own server-named, exclusive, auto-delete queue bound to
 * that routing key, so every replica sees every notification and keeps only those of its own
 * subscribers. The queue dies with the connection; on reconnect the setup runs again and a new
 * one is bound. What is published while no queue exists is not streamed: the stream is a
 * live hint, the inbox (`GET /api/notifications`) is the record.
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
    const { queue } = await ch.assertQueue('', {
      exclusive: true,
      autoDelete: true,
      durable: false,
      // A live stream is worthless late, and a stuck consumer must not grow the queue forever.
      arguments: { 'x-message-ttl': 60_000, 'x-max-length': 10_000 },
    });
    await ch.bindQueue(queue, this.topology.eventsExchange, NOTIFICATION_CREATED);
    await ch.consume(queue, (msg) => msg && this.dispatch(msg), { noAck: true });
    this.channel = ch;
    this.queue = queue;
  }

  private dispatch(msg: ConsumeMessage): void {
    let notification: LiveNotification;
    let id: string;
    try {
      const envelope = envelopeSchema.parse(JSON.parse(msg.content.toString('utf8')));
      if (envelope.type !== NOTIFICATION_CREATED) throw new Error(`unexpected type ${envelope.type}`);
      notification = NotificationCreatedV1.schema.parse(envelope.data);
      id = envelope.id;
    } catch (err) {
      delivered.inc({ outcome: 'malformed' });
      this.logger.warn(`ignoring a malformed notification event: ${(err as Error).message}`);
      return;
    }
    const subs = this.subscribers.get(notification.userId);
    delivered.inc({ outcome: subs ? 'streamed' : 'no_subscriber' });
    for (const s of subs ?? []) {
      try {
        s.send(notification, id);
      } catch (err) {
        this.logger.warn(`could not write to a stream: ${(err as Error).message}`);
      }
    }
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
