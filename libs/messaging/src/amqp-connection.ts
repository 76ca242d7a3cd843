import { Logger } from '@nestjs/common';
import { connect, type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { RecoveringChannelModel } from 'amqplib';
import { BrokerAddresses } from './broker-addresses';

type Setup = (model: ChannelModel) => Promise<void>;

/**
 * One AMQP connection per process, re-established with backoff whenever it drops (amqplib's
 * own recovery). Everything that needs the broker registers a `setup` that (re)creates its
 * channels and consumers on every new connection, so a broker restart heals by itself.
 * A channel closed by the broker (a protocol error) closes the whole connection, which then
 * recovers with every setup re-run: one recovery path instead of one per channel.
 *
 * With several broker addresses (one per node of a cluster), every lost connection and every
 * failed attempt moves on to the next address, so the process lands on a live node; the setups
 * re-declare the (quorum) queues there and resume consuming, and the publisher confirm channel
 * is re-created, so the outbox relay republishes whatever was not confirmed.
 */
export class AmqpConnection {
  private readonly logger = new Logger('Amqp');
  private readonly setups: Array<{ name: string; fn: Setup }> = [];
  private model?: RecoveringChannelModel;
  private current?: ChannelModel;
  private publisher?: ConfirmChannel;
  private closing = false;
  private readonly waiters: Array<() => void> = [];
  private readonly addresses: BrokerAddresses;

  constructor(
    urls: string | string[],
    private readonly connectionName: string,
  ) {
    this.addresses = new BrokerAddresses(typeof urls === 'string' ? [urls] : urls);
  }

  /** Register before `start()`; runs on every (re)connection in registration order. */
  onConnect(name: string, fn: Setup): void {
    this.setups.push({ name, fn });
  }

  get connected(): boolean {
    return !!this.current;
  }

  async start(): Promise<void> {
    this.model = await connect(
      this.addresses.target,
      {
        clientProperties: { connection_name: this.connectionName },
        // TCP_NODELAY: amqplib leaves Nagle's algorithm on, and a small frame written while the
        // previous one is unacknowledged then waits for the peer's delayed ACK — ~40 ms on every
        // RPC round trip and publisher confirm (docs/performance.md).
        noDelay: true,
        recovery: {
          initialDelay: 200,
          maxDelay: 5000,
          waitForConnect: false,
          setup: async (model: ChannelModel) => {
            this.publisher = await model.createConfirmChannel();
            this.watch(model, this.publisher, 'publisher');
            for (const s of this.setups) await s.fn(model);
          },
        },
      } as never,
    ) as unknown as RecoveringChannelModel;
    this.model.on('connect', (model: ChannelModel) => {
      this.current = model;
      this.logger.log(`connected to RabbitMQ at ${this.addresses.current}`);
      this.waiters.splice(0).forEach((w) => w());
    });
    this.model.on('disconnect', (err: Error) => {
      this.current = undefined;
      this.publisher = undefined;
      if (this.closing) return;
      const lost = this.addresses.current;
      const next = this.addresses.next();
      this.logger.warn(`RabbitMQ connection to ${lost} lost: ${err.message}; reconnecting${this.addresses.size > 1 ? ` (next: ${next})` : ''}`);
    });
    this.model.on('connect-failed', (err: Error) => {
      if (this.closing) return;
      const failed = this.addresses.current;
      const next = this.addresses.next();
      this.logger.warn(`RabbitMQ connection attempt to ${failed} failed: ${err.message}${this.addresses.size > 1 ? `; next: ${next}` : ''}`);
    });
    this.model.on('error', () => undefined);
  }

  /** Resolves once connected (immediately if connected); never rejects. */
  waitUntilConnected(timeoutMs?: number): Promise<boolean> {
    if (this.current) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = timeoutMs !== undefined ? setTimeout(() => resolve(false), timeoutMs) : undefined;
      this.waiters.push(() => {
        if (timer) clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** The live connection, for short-lived channels (metrics, admin tools); undefined while disconnected. */
  get currentModel(): ChannelModel | undefined {
    return this.current;
  }

  /** The confirm channel the outbox relay publishes on; undefined while disconnected. */
  get publishChannel(): ConfirmChannel | undefined {
    return this.publisher;
  }

  /** Channels the broker closes (e.g. 406 on a bad ack) take the connection down so that recovery re-runs every setup. */
  watch(model: ChannelModel, channel: Channel, what: string): void {
    channel.on('error', (err: Error) => this.logger.warn(`${what} channel error: ${err.message}`));
    channel.on('close', () => {
      if (this.closing || this.current !== model) return;
      this.logger.warn(`${what} channel closed; recycling the connection`);
      model.close().catch(() => undefined);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.model?.close().catch(() => undefined);
    this.current = undefined;
    this.publisher = undefined;
  }
}
