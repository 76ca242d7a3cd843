import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

// Chapa webhooks: authenticity first (signature over the exact raw bytes), then a tolerant
// normalisation of the two payload generations Chapa documents. A webhook is only a hint
// that something happened: the payments service must still re-query Chapa (verify) before
// moving money, so parsing here never decides an outcome on its own.

/** Plain Node headers (`req.headers`) or a WHATWG `Headers` object. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  let value: string | string[] | null | undefined;
  if (typeof (headers as Headers).get === 'function') {
    value = (headers as Headers).get(name);
  } else {
    const record = headers as Record<string, string | string[] | undefined>;
    value = record[name];
    if (value === undefined) {
      const key = Object.keys(record).find((k) => k.toLowerCase() === name);
      value = key === undefined ? undefined : record[key];
    }
  }
  // A header sent twice is not something Chapa does; refuse rather than pick one.
  if (Array.isArray(value)) return value.length === 1 ? value[0] : undefined;
  return value ?? undefined;
}

function hmacHex(secret: string, data: Buffer | string): string {
  return createHmac('sha256', secret).update(data).digest('hex');
}

function safeEqualHex(expectedHex: string, provided: string | undefined): boolean {
  if (provided === undefined) return false;
  const candidate = Buffer.from(provided.trim().toLowerCase(), 'utf8');
  const expected = Buffer.from(expectedHex, 'utf8');
  // The expected length (64) is public, so checking it first leaks nothing; it also keeps
  // timingSafeEqual from throwing on unequal lengths.
  return candidate.length === expected.length && timingSafeEqual(candidate, expected);
}

/**
 * True when the webhook was signed with `secret`:
 * - `x-chapa-signature` is hex HMAC-SHA256 of the raw body keyed with the webhook secret;
 * - `chapa-signature` is accepted only when it, too, is the HMAC of the raw body (Chapa's
 *   custom webhooks sign that way). Chapa's standard `Chapa-Signature` is HMAC(secret,
 *   secret): the same constant on every request, so anyone who saw one webhook could replay
 *   it on a forged body. That value is therefore never accepted.
 *
 * `rawBody` must be the bytes as received; re-serialising parsed JSON changes them.
 */
export function verifyChapaSignature(rawBody: Buffer, headers: WebhookHeaders, secret: string): boolean {
  if (!secret || !Buffer.isBuffer(rawBody)) return false;
  const expected = hmacHex(secret, rawBody);
  if (safeEqualHex(expected, headerValue(headers, 'x-chapa-signature'))) return true;
  return safeEqualHex(expected, headerValue(headers, 'chapa-signature'));
}

export type ChapaWebhookKind = 'payment' | 'payout' | 'refund' | 'unknown';
export type ChapaWebhookOutcome = 'success' | 'failed' | 'reversed' | 'other';

export interface ChapaWebhookEvent {
  kind: ChapaWebhookKind;
  outcome: ChapaWebhookOutcome;
  /** The event name as sent (`charge.success`, `payment.success`, `transfer.failed`, ...). */
  event?: string;
  /** Our tx_ref of the charge (payments and refunds). */
  txRef?: string;
  /**
   * The reference that identifies the object on its own: Chapa's reference of a payment
   * (the same value `verify` returns as `reference`), our reference of a payout or refund.
   */
  reference?: string;
  /** Chapa's own reference when the payload carries one. */
  chapaReference?: string;
  /** Chapa's status field, lower-cased (`success`, `failed`, `refunded`, ...). */
  status?: string;
  /** Amount and currency exactly as sent; convert with `fromChapaAmount` if needed. */
  amount?: string;
  currency?: string;
  raw: unknown;
}

// Every field is optional and a field of the wrong type becomes undefined instead of
// failing the whole parse: junk in one field must not hide a usable event.
const text = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim())
  .optional()
  .catch(undefined);

const fields = z.looseObject({
  event: text,
  webhook_type: text,
  type: text,
  status: text,
  tx_ref: text,
  trx_ref: text,
  reference: text,
  merchant_reference: text,
  chapa_reference: text,
  ref_id: text,
  refund_reference: text,
  amount: text,
  currency: text,
});
type Fields = z.infer<typeof fields>;

const nonEmpty = (...values: (string | undefined)[]): string | undefined => values.find((v) => v !== undefined && v !== '');

function outcomeOf(word: string | undefined, kind: ChapaWebhookKind): ChapaWebhookOutcome | undefined {
  if (!word) return undefined;
  const w = word.toLowerCase();
  if (w === 'success' || w === 'successful' || w === 'succeeded' || w === 'completed') return 'success';
  // "refunded" is the good end of a refund, but says nothing good about a payment.
  if (w === 'refunded') return kind === 'refund' ? 'success' : undefined;
  if (
    w.startsWith('fail') ||
    w.startsWith('cancel') ||
    w.startsWith('time') ||
    w === 'declined' ||
    w === 'expired' ||
    w === 'blocked'
  ) {
    return 'failed';
  }
  if (w === 'reversed' || w === 'reversal') return 'reversed';
  return undefined;
}

function kindOf(f: Fields): { kind: ChapaWebhookKind; suffix?: string } {
  const type = f.webhook_type?.toLowerCase();
  const event = f.event?.toLowerCase() ?? '';
  const [prefix, ...rest] = event.split('.');
  const suffix = rest.join('.') || undefined;
  // v2: the category is explicit.
  if (type === 'payment' || type === 'payout' || type === 'refund') return { kind: type, suffix };
  // v1 names.
  if (prefix === 'charge') {
    if (suffix === 'refunded' || suffix?.startsWith('refund')) return { kind: 'refund', suffix: 'success' };
    return { kind: 'payment', suffix };
  }
  if (prefix === 'payment') return { kind: 'payment', suffix };
  if (prefix === 'transfer' || prefix === 'payout') return { kind: 'payout', suffix };
  if (prefix === 'refund') return { kind: 'refund', suffix };
  // v1 transfer payloads also say `"type": "Payout"`.
  if (!event && f.type?.toLowerCase() === 'payout') return { kind: 'payout' };
  return { kind: 'unknown', suffix };
}

/**
 * Normalises Chapa's v1 (`event: "charge.success"`, flat body) and v2 (`webhook_type`,
 * `event: "payment.success"`, `merchant_reference`/`chapa_reference`) webhook bodies.
 * Never throws: anything unrecognisable comes back as `kind: "unknown"`.
 */
export function parseChapaWebhook(body: unknown): ChapaWebhookEvent {
  const unknown: ChapaWebhookEvent = { kind: 'unknown', outcome: 'other', raw: body };
  try {
    const top = fields.safeParse(body);
    if (!top.success) return unknown;
    // Some senders wrap the object in `data`; the envelope's own fields win.
    const inner =
      typeof top.data['data'] === 'object' && top.data['data'] !== null ? fields.safeParse(top.data['data']) : undefined;
    const f: Fields = inner?.success ? { ...inner.data, ...stripUndefined(top.data) } : top.data;

    const { kind, suffix } = kindOf(f);
    const status = f.status?.toLowerCase();
    // An event name decides alone: `charge.dispute.created` with `status: "success"` is not
    // a successful charge. The status only speaks when there is no event name to read.
    let outcome: ChapaWebhookOutcome = 'other';
    if (kind !== 'unknown') outcome = (suffix !== undefined ? outcomeOf(suffix, kind) : outcomeOf(status, kind)) ?? 'other';

    const event: ChapaWebhookEvent = { kind, outcome, raw: body };
    if (f.event) event.event = f.event;
    if (status) event.status = status;
    if (f.amount) event.amount = f.amount;
    if (f.currency) event.currency = f.currency.toUpperCase();

    const chapaReference =
      kind === 'payment' ? nonEmpty(f.chapa_reference, f.reference) : nonEmpty(f.chapa_reference, f.ref_id);
    if (chapaReference) event.chapaReference = chapaReference;

    switch (kind) {
      case 'payment':
        assign(event, 'txRef', nonEmpty(f.tx_ref, f.trx_ref, f.merchant_reference));
        assign(event, 'reference', chapaReference);
        break;
      case 'payout':
        assign(event, 'reference', nonEmpty(f.merchant_reference, f.reference));
        break;
      case 'refund':
        assign(event, 'txRef', nonEmpty(f.tx_ref, f.trx_ref));
        assign(event, 'reference', nonEmpty(f.refund_reference, f.merchant_reference, f.reference));
        break;
      default:
        assign(event, 'txRef', nonEmpty(f.tx_ref, f.trx_ref));
        assign(event, 'reference', nonEmpty(f.merchant_reference, f.reference));
    }
    return event;
  } catch {
    return unknown;
  }
}

function assign(target: ChapaWebhookEvent, key: 'txRef' | 'reference', value: string | undefined): void {
  if (value !== undefined) target[key] = value;
}

function stripUndefined<T extends Record<string, unknown>>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as Partial<T>;
}
