import { createHmac } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { SANDBOX_CONFIG } from '../sandbox.tokens';
import type { SandboxConfig } from '../config';

// Outbound calls the real Chapa makes to the merchant: signed webhooks (re-delivered with
// backoff until a 2xx) and the one-shot GET to the transaction's callback_url. Delivery
// problems are logged and retried here; they never reach the HTTP answer that caused them.

const DEFAULT_RETRY_DELAYS_MS = [2_000, 10_000, 60_000] as const;
const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * The headers Chapa puts on a webhook:
 * - `x-chapa-signature`: hex HMAC-SHA256 of the exact body bytes, keyed with the secret;
 * - `Chapa-Signature`: hex HMAC-SHA256 of the secret keyed with itself (a constant).
 */
export function chapaWebhookHeaders(body: Buffer | string, secret: string): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'x-chapa-signature': createHmac('sha256', secret).update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body).digest('hex'),
    'Chapa-Signature': createHmac('sha256', secret).update(secret).digest('hex'),
  };
}

export interface DeliveryRecord {
  id: number;
  kind: 'webhook' | 'callback';
  url: string;
  event?: string;
  attempts: number;
  delivered: boolean;
  lastStatus?: number;
  lastError?: string;
}

@Injectable()
export class OutboundNotifier implements OnModuleDestroy {
  private readonly logger = new Logger('ChapaSandbox');
  private readonly retryDelays: readonly number[];
  private readonly timeoutMs: number;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<AbortController>();
  private readonly records: DeliveryRecord[] = [];
  private nextId = 1;
  private closed = false;

  constructor(@Inject(SANDBOX_CONFIG) private readonly config: SandboxConfig) {
    this.retryDelays = config.webhookRetryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.timeoutMs = config.outboundTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /**
   * Sends a webhook and waits for the first attempt only (bounded by the timeout). If it
   * fails, re-deliveries run in the background. Resolves to whether the first attempt got
   * a 2xx; never rejects.
   */
  async webhook(payload: Record<string, unknown>): Promise<boolean> {
    // Serialised once: the UTF-8 bytes of this text are what is signed and what is sent,
    // identically, on every attempt.
    const body = JSON.stringify(payload);
    const headers = chapaWebhookHeaders(body, this.config.webhookSecret);
    const record = this.record('webhook', this.config.webhookUrl, typeof payload['event'] === 'string' ? payload['event'] : undefined);
    const delivered = await this.attempt(record, { method: 'POST', headers, body });
    if (!delivered) this.retryLater(record, { method: 'POST', headers, body }, 0);
    return delivered;
  }

  /** Like `webhook`, without waiting at all: for events raised inside an API call. */
  webhookInBackground(payload: Record<string, unknown>): void {
    this.later(0, () => void this.webhook(payload));
  }

  /** GET callback_url?trx_ref=…&ref_id=…&status=…, once, as Chapa does. Never rejects. */
  async callback(callbackUrl: string, params: { trx_ref: string; ref_id: string; status: string }): Promise<boolean> {
    let url: URL;
    try {
      url = new URL(callbackUrl);
    } catch {
      return false;
    }
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    const record = this.record('callback', url.toString());
    return this.attempt(record, { method: 'GET' });
  }

  /** Recent deliveries, newest last; for debugging the sandbox. */
  deliveries(): readonly DeliveryRecord[] {
    return this.records;
  }

  onModuleDestroy(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const controller of this.inFlight) controller.abort();
    this.inFlight.clear();
  }

  private record(kind: DeliveryRecord['kind'], url: string, event?: string): DeliveryRecord {
    const record: DeliveryRecord = { id: this.nextId++, kind, url, attempts: 0, delivered: false };
    if (event !== undefined) record.event = event;
    this.records.push(record);
    if (this.records.length > 200) this.records.shift();
    return record;
  }

  private async attempt(record: DeliveryRecord, init: { method: string; headers?: Record<string, string>; body?: string }): Promise<boolean> {
    if (this.closed) return false;
    record.attempts += 1;
    const controller = new AbortController();
    this.inFlight.add(controller);
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(this.timeoutMs)]);
    try {
      const response = await fetch(record.url, { ...init, signal, redirect: 'manual' });
      await response.arrayBuffer().catch(() => undefined);
      record.lastStatus = response.status;
      record.delivered = response.status >= 200 && response.status < 300;
      if (!record.delivered) {
        this.logger.warn(`${record.kind} ${record.event ?? ''} to ${record.url} answered ${response.status} (attempt ${record.attempts})`);
      }
      return record.delivered;
    } catch (err) {
      record.lastError = describe(err);
      if (!this.closed) {
        this.logger.warn(`${record.kind} ${record.event ?? ''} to ${record.url} failed: ${record.lastError} (attempt ${record.attempts})`);
      }
      return false;
    } finally {
      this.inFlight.delete(controller);
    }
  }

  private retryLater(record: DeliveryRecord, init: { method: string; headers: Record<string, string>; body: string }, index: number): void {
    const delay = this.retryDelays[index];
    if (delay === undefined) {
      this.logger.error(`giving up on ${record.kind} ${record.event ?? ''} to ${record.url} after ${record.attempts} attempts`);
      return;
    }
    this.later(delay, async () => {
      if (!(await this.attempt(record, init))) this.retryLater(record, init, index + 1);
    });
  }

  private later(delayMs: number, task: () => unknown): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) void task();
    }, delayMs);
    this.timers.add(timer);
  }
}

/** fetch only says "fetch failed"; the useful part (ECONNREFUSED, timeout) is in the cause. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: unknown; message?: unknown } | undefined;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
  return detail ? `${err.message} (${detail})` : err.message;
}
