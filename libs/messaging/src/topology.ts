import type { Channel } from 'amqplib';

/** Names of everything we declare on the broker; `namespace` isolates test runs on one broker. */
export class Topology {
  constructor(readonly namespace: string) {}
  private n(name: string) {
    return this.namespace ? `${this.namespace}.${name}` : name;
  }
  get eventsExchange() {
    return this.n('tutorhub.events');
  }
  get deadLetterExchange() {
    return this.n('tutorhub.dlx');
  }
  eventsQueue(service: string) {
    return this.n(`${service}.events`);
  }
  deadLetterQueue(service: string) {
    return this.n(`${service}.events.dlq`);
  }
  /**
   * `<service>.rpc.quorum`: the request queue is a quorum queue (replicated like the events
   * queues). It used to be a classic queue `<service>.rpc`, which lives on one node only: when
   * that node of a cluster died, no replica of the service could declare it any more, and as
   * every setup runs on one connection, the service stopped consuming its events too (found by
   * the HA fault lab, docs/reliability.md). A queue cannot change type in place, hence the new
   * name; the old `<service>.rpc` is left unused (delete it once every old pod is gone).
   */
  rpcQueue(service: string) {
    return this.n(`${service}.rpc.quorum`);
  }

  async assertExchanges(ch: Channel): Promise<void> {
    await ch.assertExchange(this.eventsExchange, 'topic', { durable: true });
    await ch.assertExchange(this.deadLetterExchange, 'direct', { durable: true });
  }

  /**
   * The service's durable quorum queue, bound to the event types it handles, dead-lettering to
   * its DLQ. `x-delivery-limit` is the broker-side backstop against a message that crashes the
   * process on every delivery; the consumer's own bounded retry normally dead-letters first.
   * at-least-once dead-lettering needs overflow=reject-publish (RabbitMQ docs).
   */
  async assertEventsQueue(ch: Channel, service: string, routingKeys: string[], deliveryLimit: number): Promise<string> {
    await this.assertExchanges(ch);
    const queue = this.eventsQueue(service);
    const dlq = this.deadLetterQueue(service);
    await ch.assertQueue(dlq, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await ch.bindQueue(dlq, this.deadLetterExchange, queue);
    await ch.assertQueue(queue, {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-dead-letter-exchange': this.deadLetterExchange,
        'x-dead-letter-routing-key': queue,
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
        'x-delivery-limit': deliveryLimit,
      },
    });
    for (const key of routingKeys) await ch.bindQueue(queue, this.eventsExchange, key);
    return queue;
  }

  /**
   * RPC requests are worthless once the caller has timed out, so every request carries a
   * per-message TTL equal to the caller's timeout (quorum queues honour it since RabbitMQ 3.10).
   * A quorum queue, so that the service keeps being reachable when one node of the cluster is lost.
   */
  async assertRpcQueue(ch: Channel, service: string): Promise<string> {
    const queue = this.rpcQueue(service);
    await ch.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    return queue;
  }
}
