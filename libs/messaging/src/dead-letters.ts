import { appendFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { connect, type ChannelModel, type GetMessage } from 'amqplib';
import type { Topology } from './topology';

/** One dead-lettered message as an operator sees it. */
export interface DeadLetter {
  /** The event's envelope id (the outbox row id), else the AMQP message id. */
  id: string;
  type: string | null;
  /** The routing key it was first published with (the event type), from `x-death`. */
  originalRoutingKey: string | null;
  /** Why the broker dead-lettered it (`rejected`: the consumer gave up; `delivery_limit`: the broker's backstop). */
  reason: string | null;
  deadLetteredAt: string | null;
  /** How often it was replayed before (our `x-replay-count` header). */
  replays: number;
  body: unknown;
  headers: Record<string, unknown>;
}

export interface AuditLine {
  audit: 'dlq.replay';
  at: string;
  operator: string;
  reason: string | null;
  service: string;
  from: string;
  to: string;
  id: string;
  type: string | null;
  originalRoutingKey: string | null;
  replays: number;
}

/**
 * Headers that belong to a message's previous life in the broker. Dropping them gives a replayed
 * message fresh retries: the consumer counts attempts by `x-delivery-count` (the quorum queue's
 * own counter, which starts again at 0 for a newly published message) and would otherwise see
 * the old count, and `x-death` would keep growing with every replay.
 */
const BROKER_HEADERS = /^x-(death|delivery-count|first-death-|last-death-)/;

/**
 * Inspect and replay one service's dead-letter queue (the `dlq` command of every service, see
 * docs/operations.md "Dead-lettered messages").
 *
 * Reading is non-destructive: messages are fetched with `basic.get` without ack and all handed
 * back when the channel closes. A replay sends the original body and properties (same envelope
 * id) straight to the service's own events queue through the default exchange — not to the
 * events exchange, whose other subscribers already handled the event — and acks the dead
 * letter only after the broker confirmed the copy. The consumer records every event in its
 * inbox in the same transaction as its effect, so replaying an event that was in fact applied
 * (or replaying twice) changes nothing.
 */
export class DeadLetters {
  private constructor(
    private readonly model: ChannelModel,
    private readonly topology: Topology,
    private readonly service: string,
  ) {}

  static async open(url: string, topology: Topology, service: string): Promise<DeadLetters> {
    const model = await connect(url, { clientProperties: { connection_name: `${service}-dlq-admin` } });
    // Failures reach the caller as rejected operations; unhandled 'error' events would crash it instead.
    model.on('error', () => undefined);
    return new DeadLetters(model, topology, service);
  }

  get queue(): string {
    return this.topology.deadLetterQueue(this.service);
  }

  async close(): Promise<void> {
    await this.model.close().catch(() => undefined);
  }

  /** Up to `limit` messages, oldest first; the queue is unchanged afterwards. */
  async list(limit = 100): Promise<DeadLetter[]> {
    return this.withMessages(limit, async (messages) => messages.map(describe));
  }

  /**
   * Replays the messages with these ids (every message in the queue now, for `'all'`) and
   * returns one audit line per replayed message; ids not found are listed in `missing`.
   */
  async replay(
    ids: string[] | 'all',
    who: { operator: string; reason: string | null },
  ): Promise<{ replayed: AuditLine[]; missing: string[] }> {
    const ch = await this.model.createConfirmChannel();
    ch.on('error', () => undefined);
    try {
      const { messageCount } = await ch.checkQueue(this.queue);
      const target = this.topology.eventsQueue(this.service);
      const wanted = ids === 'all' ? undefined : new Set(ids);
      const replayed: AuditLine[] = [];
      const held: GetMessage[] = [];
      // Only the messages there now: a replay that fails again lands behind them and is not retried in a loop.
      for (let i = 0; i < messageCount && (wanted === undefined || wanted.size > 0); i++) {
        const msg = await ch.get(this.queue, { noAck: false });
        if (!msg) break;
        const letter = describe(msg);
        if (wanted !== undefined && !wanted.has(letter.id)) {
          held.push(msg);
          continue;
        }
        wanted?.delete(letter.id);
        const headers = Object.fromEntries(Object.entries(msg.properties.headers ?? {}).filter(([k]) => !BROKER_HEADERS.test(k)));
        ch.sendToQueue(target, msg.content, {
          ...definedProperties(msg),
          persistent: true,
          headers: {
            ...headers,
            'x-replay-count': letter.replays + 1,
            'x-replayed-at': new Date().toISOString(),
            'x-replayed-from': this.queue,
            ...(letter.originalRoutingKey ? { 'x-original-routing-key': letter.originalRoutingKey } : {}),
          },
        });
        await ch.waitForConfirms();
        ch.ack(msg);
        replayed.push({
          audit: 'dlq.replay',
          at: new Date().toISOString(),
          operator: who.operator,
          reason: who.reason,
          service: this.service,
          from: this.queue,
          to: target,
          id: letter.id,
          type: letter.type,
          originalRoutingKey: letter.originalRoutingKey,
          replays: letter.replays + 1,
        });
      }
      for (const msg of held) ch.nack(msg, false, true);
      return { replayed, missing: wanted ? [...wanted] : [] };
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  private async withMessages<T>(limit: number, fn: (messages: GetMessage[]) => Promise<T>): Promise<T> {
    const ch = await this.model.createChannel();
    ch.on('error', () => undefined);
    try {
      const { messageCount } = await ch.checkQueue(this.queue);
      const messages: GetMessage[] = [];
      for (let i = 0; i < Math.min(limit, messageCount); i++) {
        const msg = await ch.get(this.queue, { noAck: false });
        if (!msg) break;
        messages.push(msg);
      }
      const result = await fn(messages);
      // Closing the channel would return them too; nack first so they are back before we answer.
      ch.nackAll(true);
      return result;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }
}

function definedProperties(msg: GetMessage): Record<string, unknown> {
  const p = msg.properties;
  const out: Record<string, unknown> = {};
  for (const key of ['contentType', 'contentEncoding', 'correlationId', 'messageId', 'type', 'appId', 'timestamp'] as const) {
    if (p[key] !== undefined && p[key] !== null) out[key] = p[key];
  }
  return out;
}

function describe(msg: GetMessage): DeadLetter {
  const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
  let body: unknown;
  try {
    body = JSON.parse(msg.content.toString('utf8'));
  } catch {
    body = msg.content.toString('utf8');
  }
  const envelope = typeof body === 'object' && body !== null ? (body as { id?: unknown; type?: unknown }) : {};
  const deaths = Array.isArray(headers['x-death']) ? (headers['x-death'] as Array<Record<string, unknown>>) : [];
  const first = deaths[deaths.length - 1];
  const keys = first?.['routing-keys'];
  const time = first?.time as { value?: number } | Date | undefined;
  return {
    id: typeof envelope.id === 'string' ? envelope.id : String(msg.properties.messageId ?? ''),
    type: typeof envelope.type === 'string' ? envelope.type : ((msg.properties.type as string | undefined) ?? null),
    originalRoutingKey: Array.isArray(keys) && typeof keys[0] === 'string' ? keys[0] : null,
    reason: typeof deaths[0]?.reason === 'string' ? deaths[0].reason : null,
    deadLetteredAt: deathTime(time),
    replays: Number(headers['x-replay-count'] ?? 0),
    body,
    headers,
  };
}

function deathTime(time: { value?: number } | Date | undefined): string | null {
  if (time instanceof Date) return time.toISOString();
  if (time && typeof time.value === 'number') return new Date(time.value * 1000).toISOString();
  return null;
}

/** Who is acting: `--operator`, else the login name of the process (the pod's user under kubectl exec). */
export function operatorName(explicit: string | undefined): string {
  if (explicit) return explicit;
  try {
    return userInfo().username;
  } catch {
    return `uid:${process.getuid?.() ?? 'unknown'}`;
  }
}

/** Writes one JSON line to stdout and, when given, appends it to `file` (e.g. /proc/1/fd/1: the pod's log). */
export function writeAudit(line: AuditLine, file?: string): void {
  const text = `${JSON.stringify(line)}\n`;
  process.stdout.write(text);
  if (file) appendFileSync(file, text);
}
