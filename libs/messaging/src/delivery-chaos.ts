import type { Channel, ConsumeMessage, Options } from 'amqplib';
import { counter, deliveryChaosRequested, type SharedConfig } from '@tutorhub/platform';

/**
 * TEST-ONLY delivery fault injector for the event consumer (docs/reliability.md, "Chaos run").
 *
 * Each service decides on its own copy of other services' state, built from events; so every
 * event must be allowed to arrive late, out of order (also among events of the same booking),
 * twice with the same id (a redelivery: the inbox absorbs it) and again under a new id (a
 * producer's republish: only handlers idempotent on facts absorb that). This module makes all of
 * that happen on purpose, for every consumer of a service:
 * - each delivery is held, unacked, for a random 0..maxDelayMs before it enters the consumer's
 *   per-key chain, while the prefetch is raised so that later messages overtake it;
 * - at `duplicateRate` a copy with the same envelope (same id) is put on the service's own queue,
 *   and at `republishRate` a copy under a new envelope id; copies are delayed too but never copied
 *   again, and they go through the broker like any message (another replica may take them).
 * Decisions come from a seeded PRNG (one stream per service, drawn in arrival order), so a seed
 * replays the same schedule of decisions. Nothing is logged per message; `event_chaos_total`
 * counts what was done.
 *
 * It cannot run in production: config validation refuses EVENT_CHAOS_* there
 * (libs/platform deliveryChaosIssues), and the constructor refuses again at run time.
 */

export interface DeliveryChaosSettings {
  maxDelayMs: number;
  duplicateRate: number;
  republishRate: number;
  seed: string;
  /** Effective prefetch while chaos is on: room for later messages to overtake held ones. */
  prefetch: number;
}

export interface DeliveryPlan {
  delayMs: number;
  /** Put a copy with the same envelope id on the queue (a redelivery). */
  sameIdCopy: boolean;
  /** Put a copy under a new envelope id on the queue (a producer's republish). */
  newIdCopy: boolean;
}

/** Header marking a message this module put on the queue (never copied again). */
export const CHAOS_COPY_HEADER = 'x-tutorhub-chaos-copy';
const CHAOS_PREFETCH = 250;

const chaosActions = counter('event_chaos_total', 'TEST ONLY: event deliveries delayed or duplicated by the delivery chaos', ['service', 'action']);

type ChaosConfig = Pick<SharedConfig, 'NODE_ENV' | 'EVENT_CHAOS_MAX_DELAY_MS' | 'EVENT_CHAOS_DUPLICATE_RATE' | 'EVENT_CHAOS_REPUBLISH_RATE' | 'EVENT_CHAOS_SEED'>;

/** The settings the configuration asks for, or undefined when chaos is off (the default). */
export function deliveryChaosSettings(config: ChaosConfig, prefetch: number): DeliveryChaosSettings | undefined {
  if (!deliveryChaosRequested(config)) return undefined;
  refuseInProduction(config.NODE_ENV);
  return {
    maxDelayMs: config.EVENT_CHAOS_MAX_DELAY_MS,
    duplicateRate: config.EVENT_CHAOS_DUPLICATE_RATE,
    republishRate: config.EVENT_CHAOS_REPUBLISH_RATE,
    seed: config.EVENT_CHAOS_SEED ?? String(Math.floor(Math.random() * 2 ** 31)),
    prefetch: Math.max(prefetch, CHAOS_PREFETCH),
  };
}

function refuseInProduction(...nodeEnvs: Array<string | undefined>): void {
  if (nodeEnvs.includes('production')) {
    throw new Error('delivery chaos (EVENT_CHAOS_*) is for tests only and refuses to run with NODE_ENV=production');
  }
}

/** FNV-1a of a string: a 32-bit seed for the PRNG. */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: small, fast, and the same numbers for the same seed on every platform. */
export function seededRandom(seed: string): () => number {
  let a = hash32(seed);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class DeliveryChaos {
  private readonly random: () => number;

  constructor(
    readonly service: string,
    readonly settings: DeliveryChaosSettings,
    nodeEnv: string | undefined = process.env.NODE_ENV,
  ) {
    // Config validation already refuses production; this is the second lock, at run time.
    refuseInProduction(nodeEnv, process.env.NODE_ENV);
    for (const [k, v] of Object.entries({ duplicateRate: settings.duplicateRate, republishRate: settings.republishRate })) {
      if (!(v >= 0 && v <= 1)) throw new RangeError(`delivery chaos: ${k} must be within 0..1, got ${v}`);
    }
    if (!(Number.isInteger(settings.maxDelayMs) && settings.maxDelayMs >= 0)) throw new RangeError(`delivery chaos: maxDelayMs must be an integer ≥ 0`);
    this.random = seededRandom(`${settings.seed}:${service}`);
  }

  /** The next decision. Always draws three numbers, so the stream stays aligned whatever is decided. */
  plan(isCopy: boolean): DeliveryPlan {
    const delay = this.random();
    const dup = this.random();
    const rep = this.random();
    return {
      delayMs: Math.floor(delay * (this.settings.maxDelayMs + 1)),
      sameIdCopy: !isCopy && dup < this.settings.duplicateRate,
      newIdCopy: !isCopy && rep < this.settings.republishRate,
    };
  }

  /** A v4-shaped uuid from the seeded stream (a republished envelope's new id). */
  newId(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.random() * 16).toString(16));
    hex[12] = '4';
    hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
    const s = hex.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }

  /**
   * Applies the next decision to one delivery of `queue`: copies first (so the original is not
   * acked before they exist), then the delay, then `deliver` (the consumer's ordinary path:
   * per-key chain, inbox, handler, ack). The message stays unacked throughout.
   */
  async deliver(ch: Channel, queue: string, msg: ConsumeMessage, deliver: () => Promise<void>): Promise<void> {
    const plan = this.plan(isChaosCopy(msg));
    if (plan.sameIdCopy) this.putCopy(ch, queue, msg, msg.content, msg.properties.messageId, 'same_id');
    if (plan.newIdCopy) {
      const id = this.newId();
      const republished = withEnvelopeId(msg.content, id);
      if (republished) this.putCopy(ch, queue, msg, republished, id, 'new_id');
    }
    if (plan.delayMs > 0) {
      chaosActions.inc({ service: this.service, action: 'delayed' });
      await new Promise((r) => setTimeout(r, plan.delayMs));
    }
    return deliver();
  }

  private putCopy(ch: Channel, queue: string, msg: ConsumeMessage, content: Buffer, messageId: string | undefined, kind: 'same_id' | 'new_id'): void {
    const p = msg.properties;
    const headers: Record<string, unknown> = { ...(p.headers ?? {}), [CHAOS_COPY_HEADER]: kind };
    // Broker bookkeeping of the original delivery must not follow the copy.
    for (const h of ['x-delivery-count', 'x-death', 'x-first-death-exchange', 'x-first-death-queue', 'x-first-death-reason']) delete headers[h];
    const options: Options.Publish = { persistent: true, headers };
    if (p.contentType) options.contentType = p.contentType;
    if (messageId) options.messageId = messageId;
    if (p.type) options.type = p.type;
    if (p.correlationId) options.correlationId = p.correlationId;
    if (p.timestamp) options.timestamp = p.timestamp;
    try {
      ch.sendToQueue(queue, content, options);
      chaosActions.inc({ service: this.service, action: kind === 'same_id' ? 'duplicated' : 'republished' });
    } catch {
      // A closed channel: the copy is lost, which is only less chaos.
    }
  }
}

export function isChaosCopy(msg: Pick<ConsumeMessage, 'properties'>): boolean {
  return msg.properties.headers?.[CHAOS_COPY_HEADER] !== undefined;
}

/** The same envelope under a new id (null when the body is not a JSON envelope). */
export function withEnvelopeId(content: Buffer, id: string): Buffer | null {
  try {
    const envelope = JSON.parse(content.toString('utf8')) as Record<string, unknown>;
    if (!envelope || typeof envelope !== 'object' || Array.isArray(envelope)) return null;
    return Buffer.from(JSON.stringify({ ...envelope, id }));
  } catch {
    return null;
  }
}
