import type { Channel, ConsumeMessage } from 'amqplib';
import { z } from 'zod';
import { ConfigError, loadConfig, sharedConfigShape } from '@tutorhub/platform';
import { CHAOS_COPY_HEADER, DeliveryChaos, deliveryChaosSettings, isChaosCopy, seededRandom, withEnvelopeId, type DeliveryChaosSettings } from './delivery-chaos';

const settings = (o: Partial<DeliveryChaosSettings> = {}): DeliveryChaosSettings => ({
  maxDelayMs: 50,
  duplicateRate: 0.2,
  republishRate: 0.1,
  seed: '42',
  prefetch: 250,
  ...o,
});

function message(envelope: Record<string, unknown>, headers: Record<string, unknown> = {}): ConsumeMessage {
  return {
    content: Buffer.from(JSON.stringify(envelope)),
    fields: { routingKey: String(envelope.type), deliveryTag: 1, redelivered: false, exchange: 'x', consumerTag: 't' },
    properties: { messageId: String(envelope.id), contentType: 'application/json', headers: { 'x-delivery-count': 2, ...headers } },
  } as unknown as ConsumeMessage;
}

function fakeChannel() {
  const sent: Array<{ queue: string; content: Buffer; options: Record<string, unknown> }> = [];
  const ch = { sendToQueue: (queue: string, content: Buffer, options: Record<string, unknown>) => sent.push({ queue, content, options }) };
  return { ch: ch as unknown as Channel, sent };
}

describe('delivery chaos (test-only fault injector)', () => {
  it('makes the same decisions for the same seed and service, and different ones otherwise', () => {
    const plans = (seed: string, service: string) => {
      const c = new DeliveryChaos(service, settings({ seed }), 'test');
      return Array.from({ length: 200 }, () => c.plan(false));
    };
    expect(plans('42', 'payments')).toEqual(plans('42', 'payments'));
    expect(plans('42', 'payments')).not.toEqual(plans('43', 'payments'));
    expect(plans('42', 'payments')).not.toEqual(plans('42', 'bookings'));
    const a = seededRandom('x');
    const b = seededRandom('x');
    expect(Array.from({ length: 5 }, a)).toEqual(Array.from({ length: 5 }, b));
  });

  it('delays within 0..max and duplicates at about the configured rates', () => {
    const c = new DeliveryChaos('bookings', settings({ maxDelayMs: 100, duplicateRate: 0.25, republishRate: 0.05, seed: '7' }), 'test');
    const plans = Array.from({ length: 20000 }, () => c.plan(false));
    expect(Math.min(...plans.map((p) => p.delayMs))).toBe(0);
    expect(Math.max(...plans.map((p) => p.delayMs))).toBe(100);
    const rate = (f: (p: (typeof plans)[number]) => boolean) => plans.filter(f).length / plans.length;
    expect(rate((p) => p.sameIdCopy)).toBeGreaterThan(0.23);
    expect(rate((p) => p.sameIdCopy)).toBeLessThan(0.27);
    expect(rate((p) => p.newIdCopy)).toBeGreaterThan(0.04);
    expect(rate((p) => p.newIdCopy)).toBeLessThan(0.06);
  });

  it('never copies a copy, and keeps the stream aligned when it does not', () => {
    const c1 = new DeliveryChaos('s', settings({ duplicateRate: 1, republishRate: 1 }), 'test');
    const c2 = new DeliveryChaos('s', settings({ duplicateRate: 1, republishRate: 1 }), 'test');
    const copy = c1.plan(true);
    const original = c2.plan(false);
    expect(copy).toEqual({ delayMs: original.delayMs, sameIdCopy: false, newIdCopy: false });
    expect(original.sameIdCopy && original.newIdCopy).toBe(true);
    expect(c1.plan(false)).toEqual(c2.plan(false));
  });

  it('puts a same-id copy and a new-id copy on the queue before delivering the original, without the broker bookkeeping', async () => {
    const c = new DeliveryChaos('payments', settings({ maxDelayMs: 5, duplicateRate: 1, republishRate: 1 }), 'test');
    const { ch, sent } = fakeChannel();
    const envelope = { id: '8c1c1f3e-3f7e-4b8e-9d8e-2b7f0c6a1d11', type: 'bookings.booking.cancelled.v1', data: { bookingId: 'b' } };
    const order: string[] = [];
    await c.deliver(ch, 'ns.payments.events', message(envelope), async () => {
      order.push(`delivered after ${sent.length} copies`);
    });
    expect(order).toEqual(['delivered after 2 copies']);
    expect(sent.map((s) => s.queue)).toEqual(['ns.payments.events', 'ns.payments.events']);
    const [same, republished] = sent.map((s) => ({ body: JSON.parse(s.content.toString()), options: s.options as { messageId: string; headers: Record<string, unknown> } }));
    expect(same.body).toEqual(envelope);
    expect(same.options.messageId).toBe(envelope.id);
    expect(same.options.headers).toEqual({ [CHAOS_COPY_HEADER]: 'same_id' });
    expect(republished.body).toEqual({ ...envelope, id: republished.options.messageId });
    expect(republished.options.messageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(republished.options.messageId).not.toBe(envelope.id);
    expect(isChaosCopy({ properties: { headers: republished.options.headers } } as unknown as ConsumeMessage)).toBe(true);
  });

  it('leaves a body that is not an envelope alone', () => {
    expect(withEnvelopeId(Buffer.from('not json'), 'x')).toBeNull();
    expect(withEnvelopeId(Buffer.from('[1]'), 'x')).toBeNull();
  });

  it('is off by default and refuses production, both in config validation and at run time', () => {
    const schema = z.object(sharedConfigShape);
    const off = loadConfig(schema, { NODE_ENV: 'production' });
    expect(deliveryChaosSettings(off, 32)).toBeUndefined();
    const on = loadConfig(schema, { NODE_ENV: 'test', EVENT_CHAOS_MAX_DELAY_MS: '300', EVENT_CHAOS_DUPLICATE_RATE: '0.1', EVENT_CHAOS_SEED: 's1' });
    expect(deliveryChaosSettings(on, 32)).toEqual({ maxDelayMs: 300, duplicateRate: 0.1, republishRate: 0, seed: 's1', prefetch: 250 });
    for (const v of [{ EVENT_CHAOS_MAX_DELAY_MS: '1' }, { EVENT_CHAOS_DUPLICATE_RATE: '0.01' }, { EVENT_CHAOS_REPUBLISH_RATE: '0.5' }]) {
      expect(() => loadConfig(schema, { NODE_ENV: 'production', ...v })).toThrow(ConfigError);
      expect(() => loadConfig(schema, { NODE_ENV: 'production', ...v })).toThrow(/tests only/);
    }
    expect(() => loadConfig(schema, { EVENT_CHAOS_DUPLICATE_RATE: '1.5' })).toThrow(ConfigError);
    expect(() => deliveryChaosSettings({ ...on, NODE_ENV: 'production' }, 32)).toThrow(/NODE_ENV=production/);
    expect(() => new DeliveryChaos('s', settings(), 'production')).toThrow(/NODE_ENV=production/);
    const saved = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      expect(() => new DeliveryChaos('s', settings(), 'test')).toThrow(/NODE_ENV=production/);
    } finally {
      process.env.NODE_ENV = saved;
    }
  });
});
