import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { ChapaError, type ChapaErrorCode, type ChapaErrorDetails } from './chapa-error';
import { type ChapaCurrency, fromChapaAmount, isChapaCurrency, toChapaAmount } from './chapa-money';

// A thin, typed client for Chapa's v1 HTTP API. The same code talks to https://api.chapa.co
// and to apps/chapa-sandbox: only `baseUrl` and `secretKey` differ.
//
// Retry policy (why each call may or may not be repeated):
// - GETs (verify, verifyRefund, verifyTransfer, banks) change nothing: always retryable.
// - initialize, refund and transfer are POSTs that carry a reference we generate and
//   Chapa refuses to reuse ("Transaction reference has been used before", "The reference
//   number has been used before", refund `reference` "must be unique"). Repeating one can
//   therefore never create a second payment page, refund or payout: at worst the repeat is
//   refused as a duplicate because the first attempt did get through. That refusal comes
//   back as `duplicate_reference` with `afterRetry: true`; refund and transfer resolve it
//   by verifying the reference, initialize cannot (Chapa does not return the checkout URL
//   twice) and leaves the caller to start over with a fresh tx_ref — nobody can pay a page
//   whose URL was never seen.
// - Only transport failures are retried (timeout, network error, 429, 5xx). A business
//   refusal (4xx with `status: "failed"`) is final and surfaces at once.

export interface ChapaClientOptions {
  /** `https://api.chapa.co` or the sandbox (`http://127.0.0.1:3099`); a trailing `/v1` is tolerated. */
  baseUrl: string;
  secretKey: string;
  /** Per attempt. Default 15 s. */
  timeoutMs?: number;
  /** Extra attempts after the first, for retryable failures only. Default 2. */
  retries?: number;
  /** First backoff delay; doubles per attempt, with jitter. Default 300 ms. */
  retryBaseDelayMs?: number;
}

export interface ChapaCustomization {
  /** Chapa allows at most 16 characters. */
  title?: string;
  /** Chapa allows letters, digits, `-`, `_`, `.` and spaces only. */
  description?: string;
  logo?: string;
}

export interface ChapaInitializeRequest {
  txRef: string;
  amountMinor: number;
  currency: ChapaCurrency;
  email?: string;
  firstName?: string;
  lastName?: string;
  /** 10 digits, `09…` or `07…`. */
  phoneNumber?: string;
  callbackUrl?: string;
  returnUrl?: string;
  customization?: ChapaCustomization;
  meta?: Record<string, string | number | boolean>;
}

export interface ChapaInitializeResult {
  checkoutUrl: string;
}

export type ChapaVerifyResult =
  | {
      kind: 'paid';
      /** Chapa's transaction status; `paid` is only ever reported for `success`. */
      status: 'success';
      txRef: string;
      /** Chapa's own reference of the charge. */
      reference: string;
      amountMinor: number;
      currency: ChapaCurrency;
      /** Chapa's fee, when it reports one. */
      chargeMinor?: number;
      mode?: string;
      method?: string;
      raw: unknown;
    }
  | {
      kind: 'not_paid';
      /** `null` for "Payment not paid yet"; otherwise Chapa's status (`pending`, `failed`, `refunded`, ...). */
      status: string | null;
      txRef: string;
      message: string;
      raw: unknown;
    }
  | { kind: 'not_found'; txRef: string; message: string; raw: unknown };

export interface ChapaRefundRequest {
  /** Omit for a full refund. */
  amountMinor?: number;
  currency: ChapaCurrency;
  reason: string;
  /** Our unique refund reference; it is what makes the call safe to repeat. */
  reference: string;
  meta?: Record<string, string | number | boolean>;
}

export interface ChapaRefundResult {
  reference: string;
  /** Chapa's refund id (`ref_id`), to use with `verifyRefund`. */
  refId?: string;
  /** As sent by Chapa, e.g. "Refund Initiated". */
  status: string;
  amountMinor?: number;
  message: string;
  /** True when the answer came from reconciling a duplicate after a lost first attempt. */
  recovered?: boolean;
}

export type ChapaSettlementState = 'succeeded' | 'pending' | 'failed' | 'reversed';

export interface ChapaRefundStatus {
  refId?: string;
  /** `merchant_reference`, else `reference` (whose meaning varies between Chapa's answers). */
  reference?: string;
  /** Our refund reference exactly as Chapa echoes it (`merchant_reference`), when it does. */
  merchantReference?: string;
  txRef?: string;
  amountMinor?: number;
  currency?: ChapaCurrency;
  /** Chapa's status, lower-cased. */
  status: string;
  state: ChapaSettlementState;
  raw: unknown;
}

export interface ChapaTransferRequest {
  accountName: string;
  accountNumber: string;
  amountMinor: number;
  currency: ChapaCurrency;
  /** Our unique payout reference. */
  reference: string;
  /** A bank `id` from `banks()`. */
  bankCode: number | string;
}

export interface ChapaTransferResult {
  reference: string;
  /** Chapa's transfer reference, when it returns one. */
  chapaReference?: string;
  message: string;
  recovered?: boolean;
}

export interface ChapaTransferStatus {
  reference: string;
  chapaReference?: string;
  status: string;
  state: ChapaSettlementState;
  amountMinor?: number;
  currency?: ChapaCurrency;
  accountName?: string;
  accountNumber?: string;
  bankCode?: string;
  raw: unknown;
}

export interface ChapaBank {
  id: number;
  name: string;
  slug?: string;
  swift?: string;
  acctLength?: number;
  currency?: string;
  isMobileMoney: boolean;
  isRtgs: boolean;
}

// ---- wire shapes (only what we rely on; everything else passes through) ----

const str = z.union([z.string(), z.number()]).transform(String);
const amountWire = z.union([z.string(), z.number()]);
const optional = <T extends z.ZodType>(schema: T) => schema.nullish().catch(undefined);

const initializeAnswer = z.looseObject({
  status: z.string(),
  data: z.looseObject({ checkout_url: z.url() }),
});

const verifyData = z.looseObject({
  status: z.string(),
  tx_ref: str,
  reference: optional(str),
  amount: amountWire,
  currency: z.string(),
  charge: optional(amountWire),
  mode: optional(z.string()),
  method: optional(z.string()),
});

const refundData = z.looseObject({
  ref_id: optional(str),
  reference: optional(str),
  merchant_reference: optional(str),
  tx_ref: optional(str),
  status: optional(z.string()),
  amount: optional(amountWire),
  currency: optional(z.string()),
});

const transferData = z.looseObject({
  status: z.string(),
  reference: optional(str),
  tx_ref: optional(str),
  chapa_transfer_id: optional(str),
  chapa_reference: optional(str),
  amount: optional(amountWire),
  currency: optional(z.string()),
  account_name: optional(z.string()),
  account_number: optional(str),
  bank_code: optional(str),
});

const bankWire = z.looseObject({
  id: z.number(),
  name: z.string(),
  slug: optional(z.string()),
  swift: optional(z.string()),
  acct_length: optional(z.number()),
  currency: optional(z.string()),
  is_mobilemoney: optional(z.union([z.boolean(), z.number()])),
  is_rtgs: optional(z.union([z.boolean(), z.number()])),
});

// ---- plumbing ----

type Body = { kind: 'json'; value: unknown } | { kind: 'form'; value: URLSearchParams };

interface Call {
  operation: string;
  method: 'GET' | 'POST';
  path: string;
  body?: Body;
}

interface Answer {
  httpStatus: number;
  body: unknown;
  /** `status` field of Chapa's envelope, lower-cased, when present. */
  status: string | undefined;
  message: string;
  data: unknown;
}

const envelope = z.looseObject({
  status: z.unknown().optional(),
  message: z.unknown().optional(),
  data: z.unknown().optional(),
});

/** Chapa's `message` is usually text but a validation failure sends `{field: [errors]}`. */
function messageText(message: unknown): string {
  if (typeof message === 'string') return message;
  if (message && typeof message === 'object') {
    return Object.entries(message as Record<string, unknown>)
      .map(([field, errors]) => `${field}: ${Array.isArray(errors) ? errors.join(' ') : String(errors)}`)
      .join('; ');
  }
  return message === undefined || message === null ? '' : String(message);
}

/** No wait between two attempts is longer than this, whatever `Retry-After` says. */
const MAX_BACKOFF_MS = 10_000;

const DUPLICATE = /used before|already (been )?used|already exists|must be unique|duplicate/i;

export class ChapaClient {
  private readonly baseUrl: string;
  private readonly secretKey: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryBaseDelayMs: number;

  constructor(options: ChapaClientOptions) {
    if (!options.secretKey) throw new Error('ChapaClient: secretKey is required');
    const url = new URL(options.baseUrl); // throws on garbage, at construction rather than first use
    this.baseUrl = url.toString().replace(/\/+$/, '').replace(/\/v1$/, '');
    this.secretKey = options.secretKey;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.retries = Math.max(0, Math.trunc(options.retries ?? 2));
    this.retryBaseDelayMs = Math.max(0, options.retryBaseDelayMs ?? 300);
  }

  /**
   * The longest one call of this client can take: every attempt timing out, plus the longest
   * backoff between attempts (capped at 10 s, `Retry-After` included). Jobs size the lease of
   * a claimed row from it, so a row is never taken over while its Chapa call may still run.
   */
  worstCaseCallMs(): number {
    return (this.retries + 1) * this.timeoutMs + this.retries * MAX_BACKOFF_MS;
  }

  /** POST /v1/transaction/initialize → the hosted checkout URL. */
  async initialize(req: ChapaInitializeRequest): Promise<ChapaInitializeResult> {
    const operation = 'initialize';
    const payload: Record<string, unknown> = {
      amount: toChapaAmount(req.amountMinor, req.currency),
      currency: req.currency,
      tx_ref: req.txRef,
    };
    if (req.email !== undefined) payload['email'] = req.email;
    if (req.firstName !== undefined) payload['first_name'] = req.firstName;
    if (req.lastName !== undefined) payload['last_name'] = req.lastName;
    if (req.phoneNumber !== undefined) payload['phone_number'] = req.phoneNumber;
    if (req.callbackUrl !== undefined) payload['callback_url'] = req.callbackUrl;
    if (req.returnUrl !== undefined) payload['return_url'] = req.returnUrl;
    if (req.customization !== undefined) payload['customization'] = req.customization;
    if (req.meta !== undefined) payload['meta'] = req.meta;

    const answer = await this.send({
      operation,
      method: 'POST',
      path: '/v1/transaction/initialize',
      body: { kind: 'json', value: payload },
    });
    const parsed = initializeAnswer.safeParse(answer.body);
    if (!parsed.success || parsed.data.status.toLowerCase() !== 'success') {
      throw this.invalid(operation, answer, 'no checkout_url in the answer');
    }
    return { checkoutUrl: parsed.data.data.checkout_url };
  }

  /**
   * GET /v1/transaction/verify/:tx_ref. Only `kind: "paid"` means money arrived; the caller
   * must still compare amount and currency with what it expected.
   */
  async verify(txRef: string): Promise<ChapaVerifyResult> {
    const operation = 'verify';
    let answer: Answer;
    try {
      answer = await this.send({ operation, method: 'GET', path: `/v1/transaction/verify/${enc(txRef)}` });
    } catch (err) {
      if (err instanceof ChapaError && err.isBusinessRefusal && err.code !== 'unauthorized') {
        const message = err.chapaMessage ?? '';
        // Chapa answers an unpaid transaction with 404 + "Payment not paid yet".
        if (/not paid/i.test(message)) return { kind: 'not_paid', status: null, txRef, message, raw: err.body };
        if (err.code === 'not_found' || /not found|invalid transaction/i.test(message)) {
          return { kind: 'not_found', txRef, message, raw: err.body };
        }
      }
      throw err;
    }
    if (answer.data === null || answer.data === undefined) {
      // Same "not paid yet" answer, delivered with a 2xx by some Chapa versions.
      if (/not paid/i.test(answer.message)) {
        return { kind: 'not_paid', status: null, txRef, message: answer.message, raw: answer.body };
      }
      throw this.invalid(operation, answer, 'verify answer has no data');
    }
    const parsed = verifyData.safeParse(answer.data);
    if (!parsed.success) throw this.invalid(operation, answer, 'verify data does not have the expected fields');
    const d = parsed.data;
    if (d.tx_ref !== txRef) {
      throw this.invalid(operation, answer, `verify answered for tx_ref ${JSON.stringify(d.tx_ref)}`);
    }
    const status = d.status.toLowerCase();
    if (status !== 'success') {
      return { kind: 'not_paid', status, txRef, message: answer.message, raw: answer.body };
    }
    const currency = this.currency(operation, answer, d.currency);
    const result: ChapaVerifyResult = {
      kind: 'paid',
      status: 'success',
      txRef,
      reference: d.reference ?? '',
      amountMinor: this.amount(operation, answer, d.amount, currency),
      currency,
      raw: answer.body,
    };
    if (d.charge !== undefined && d.charge !== null) {
      result.chargeMinor = this.amount(operation, answer, d.charge, currency);
    }
    if (d.mode) result.mode = d.mode;
    if (d.method) result.method = d.method;
    return result;
  }

  /** POST /v1/refund/:tx_ref (form-encoded, as Chapa documents it). Omit `amountMinor` for a full refund. */
  async refund(txRef: string, req: ChapaRefundRequest): Promise<ChapaRefundResult> {
    const operation = 'refund';
    const form = new URLSearchParams();
    form.set('reason', req.reason);
    form.set('reference', req.reference);
    if (req.amountMinor !== undefined) form.set('amount', toChapaAmount(req.amountMinor, req.currency));
    for (const [key, value] of Object.entries(req.meta ?? {})) form.set(`meta[${key}]`, String(value));

    let answer: Answer;
    try {
      answer = await this.send({ operation, method: 'POST', path: `/v1/refund/${enc(txRef)}`, body: { kind: 'form', value: form } });
    } catch (err) {
      if (err instanceof ChapaError && err.code === 'duplicate_reference' && err.afterRetry) {
        const existing = await this.verifyRefund(req.reference).catch(() => undefined);
        if (existing) {
          const recovered: ChapaRefundResult = {
            reference: req.reference,
            status: existing.status,
            message: 'refund found by reference after a retried request',
            recovered: true,
          };
          if (existing.refId !== undefined) recovered.refId = existing.refId;
          if (existing.amountMinor !== undefined) recovered.amountMinor = existing.amountMinor;
          return recovered;
        }
      }
      throw err;
    }
    const parsed = refundData.safeParse(answer.data ?? {});
    const d: Partial<z.infer<typeof refundData>> = parsed.success ? parsed.data : {};
    const result: ChapaRefundResult = {
      reference: req.reference,
      status: d.status || answer.status || 'success',
      message: answer.message,
    };
    if (d.ref_id) result.refId = d.ref_id;
    if (d.amount !== undefined && d.amount !== null) {
      result.amountMinor = this.amount(operation, answer, d.amount, req.currency);
    }
    return result;
  }

  /** GET /v1/refund/:ref/verify — `ref` is Chapa's `ref_id` (the sandbox also accepts our reference). */
  async verifyRefund(ref: string): Promise<ChapaRefundStatus> {
    const operation = 'verifyRefund';
    const answer = await this.send({ operation, method: 'GET', path: `/v1/refund/${enc(ref)}/verify` });
    const parsed = refundData.safeParse(answer.data);
    if (!parsed.success || !parsed.data.status) throw this.invalid(operation, answer, 'refund status missing');
    const d = parsed.data;
    const status = (d.status ?? '').toLowerCase();
    const result: ChapaRefundStatus = { status, state: settlementState(status), raw: answer.body };
    if (d.ref_id) result.refId = d.ref_id;
    const reference = d.merchant_reference ?? d.reference;
    if (reference) result.reference = reference;
    if (d.merchant_reference) result.merchantReference = d.merchant_reference;
    if (d.tx_ref) result.txRef = d.tx_ref;
    Object.assign(result, this.reportedMoney(operation, answer, d));
    return result;
  }

  /** POST /v1/transfers — a payout to a bank account or wallet. */
  async transfer(req: ChapaTransferRequest): Promise<ChapaTransferResult> {
    const operation = 'transfer';
    const payload = {
      account_name: req.accountName,
      account_number: req.accountNumber,
      amount: toChapaAmount(req.amountMinor, req.currency),
      currency: req.currency,
      reference: req.reference,
      bank_code: req.bankCode,
    };
    let answer: Answer;
    try {
      answer = await this.send({ operation, method: 'POST', path: '/v1/transfers', body: { kind: 'json', value: payload } });
    } catch (err) {
      if (err instanceof ChapaError && err.code === 'duplicate_reference' && err.afterRetry) {
        const existing = await this.verifyTransfer(req.reference).catch(() => undefined);
        if (existing) {
          const recovered: ChapaTransferResult = {
            reference: req.reference,
            message: 'transfer found by reference after a retried request',
            recovered: true,
          };
          if (existing.chapaReference !== undefined) recovered.chapaReference = existing.chapaReference;
          return recovered;
        }
      }
      throw err;
    }
    const result: ChapaTransferResult = { reference: req.reference, message: answer.message };
    // Chapa's answer carries its transfer reference as a bare string in `data`.
    if (typeof answer.data === 'string' && answer.data) result.chapaReference = answer.data;
    return result;
  }

  /** GET /v1/transfers/verify/:reference. An unknown reference throws `ChapaError` with code `not_found`. */
  async verifyTransfer(reference: string): Promise<ChapaTransferStatus> {
    const operation = 'verifyTransfer';
    const answer = await this.send({ operation, method: 'GET', path: `/v1/transfers/verify/${enc(reference)}` });
    const parsed = transferData.safeParse(answer.data);
    if (!parsed.success) throw this.invalid(operation, answer, 'transfer data does not have the expected fields');
    const d = parsed.data;
    const status = d.status.toLowerCase();
    const result: ChapaTransferStatus = {
      reference: d.reference ?? d.tx_ref ?? reference,
      status,
      state: settlementState(status),
      raw: answer.body,
    };
    const chapaReference = d.chapa_reference ?? d.chapa_transfer_id;
    if (chapaReference) result.chapaReference = chapaReference;
    if (d.account_name) result.accountName = d.account_name;
    if (d.account_number) result.accountNumber = d.account_number;
    if (d.bank_code) result.bankCode = d.bank_code;
    Object.assign(result, this.reportedMoney(operation, answer, d));
    return result;
  }

  /** GET /v1/banks — the banks and wallets transfers can go to; `id` is the `bankCode`. */
  async banks(): Promise<ChapaBank[]> {
    const operation = 'banks';
    const answer = await this.send({ operation, method: 'GET', path: '/v1/banks' });
    const parsed = z.array(bankWire).safeParse(answer.data);
    if (!parsed.success) throw this.invalid(operation, answer, 'banks answer is not a list of banks');
    return parsed.data.map((b) => {
      const bank: ChapaBank = { id: b.id, name: b.name, isMobileMoney: Boolean(b.is_mobilemoney), isRtgs: Boolean(b.is_rtgs) };
      if (b.slug) bank.slug = b.slug;
      if (b.swift) bank.swift = b.swift;
      if (typeof b.acct_length === 'number') bank.acctLength = b.acct_length;
      if (b.currency) bank.currency = b.currency;
      return bank;
    });
  }

  // ---- transport ----

  private async send(call: Call): Promise<Answer> {
    let reachedBefore = false;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(call);
      } catch (err) {
        if (!(err instanceof ChapaError)) throw err;
        const error = reachedBefore ? withAfterRetry(err) : err;
        if (!error.retryable || attempt >= this.retries) throw error;
        // Whatever the failure, the request may have been processed (a timeout, a 5xx from
        // behind a proxy): remember it so a later duplicate refusal is read correctly.
        reachedBefore = true;
        await sleep(this.backoff(attempt, err));
      }
    }
  }

  private backoff(attempt: number, err: ChapaError): number {
    const exponential = this.retryBaseDelayMs * 2 ** attempt;
    const jittered = exponential / 2 + Math.random() * (exponential / 2);
    return Math.min(MAX_BACKOFF_MS, Math.max(jittered, err.retryAfterMs ?? 0));
  }

  private async once(call: Call): Promise<Answer> {
    const { operation } = call;
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.secretKey}`,
      Accept: 'application/json',
    };
    let body: string | undefined;
    if (call.body?.kind === 'json') {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(call.body.value);
    } else if (call.body?.kind === 'form') {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = call.body.value.toString();
    }

    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.baseUrl}${call.path}`, {
        method: call.method,
        headers,
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      throw new ChapaError(
        timedOut ? 'timeout' : 'network',
        timedOut
          ? `Chapa ${operation}: no answer within ${this.timeoutMs} ms`
          : `Chapa ${operation}: ${err instanceof Error ? err.message : String(err)}`,
        { operation, cause: err },
      );
    }

    let parsedBody: unknown = undefined;
    if (text.length > 0) {
      try {
        parsedBody = JSON.parse(text);
      } catch {
        parsedBody = undefined;
      }
    }
    const env = envelope.safeParse(parsedBody);
    const status = env.success && typeof env.data.status === 'string' ? env.data.status.toLowerCase() : undefined;
    const message = env.success ? messageText(env.data.message) : '';
    const answer: Answer = {
      httpStatus: response.status,
      body: parsedBody === undefined ? text.slice(0, 2000) : parsedBody,
      status,
      message,
      data: env.success ? env.data.data : undefined,
    };

    const ok = response.status >= 200 && response.status < 300;
    if (ok && parsedBody !== undefined && status !== 'failed') return answer;

    if (ok && parsedBody === undefined) throw this.invalid(operation, answer, 'answer is not JSON');
    const fieldErrors = env.success && typeof env.data.message === 'object' && env.data.message !== null;
    const code = errorCode(response.status, message, fieldErrors);
    const details: ChapaErrorDetails = {
      operation,
      httpStatus: response.status,
      chapaMessage: message,
      body: answer.body,
    };
    const retryAfterMs = retryAfter(response);
    if (retryAfterMs !== undefined) details.retryAfterMs = retryAfterMs;
    throw new ChapaError(code, `Chapa ${operation} failed (${response.status}): ${message || 'no message'}`, details);
  }

  private invalid(operation: string, answer: Answer, why: string): ChapaError {
    return new ChapaError('invalid_response', `Chapa ${operation}: ${why}`, {
      operation,
      httpStatus: answer.httpStatus,
      chapaMessage: answer.message,
      body: answer.body,
    });
  }

  private currency(operation: string, answer: Answer, value: string): ChapaCurrency {
    const upper = value.toUpperCase();
    if (!isChapaCurrency(upper)) throw this.invalid(operation, answer, `unexpected currency ${JSON.stringify(value)}`);
    return upper;
  }

  /**
   * The money a refund or transfer verify reports: its amount counts only in a currency we know,
   * and a missing or unknown currency leaves both unset (not reported) rather than failing the
   * answer; an amount that does not parse in a known currency is an invalid answer.
   */
  private reportedMoney(
    operation: string,
    answer: Answer,
    d: { currency?: string | null; amount?: string | number | null },
  ): { currency?: ChapaCurrency; amountMinor?: number } {
    if (!d.currency || !isChapaCurrency(d.currency.toUpperCase())) return {};
    const currency = d.currency.toUpperCase() as ChapaCurrency;
    if (d.amount === undefined || d.amount === null) return { currency };
    return { currency, amountMinor: this.amount(operation, answer, d.amount, currency) };
  }

  private amount(operation: string, answer: Answer, value: string | number, currency: ChapaCurrency): number {
    try {
      return fromChapaAmount(value, currency);
    } catch (err) {
      throw new ChapaError('invalid_response', `Chapa ${operation}: ${err instanceof Error ? err.message : String(err)}`, {
        operation,
        httpStatus: answer.httpStatus,
        chapaMessage: answer.message,
        body: answer.body,
        cause: err,
      });
    }
  }
}

function enc(segment: string): string {
  if (!segment) throw new Error('Chapa reference must not be empty');
  return encodeURIComponent(segment);
}

function errorCode(httpStatus: number, message: string, fieldErrors: boolean): ChapaErrorCode {
  if (httpStatus === 429) return 'rate_limited';
  if (httpStatus >= 500) return 'server_error';
  if (httpStatus === 401 || httpStatus === 403) return 'unauthorized';
  if (DUPLICATE.test(message)) return 'duplicate_reference';
  if (httpStatus === 404) return 'not_found';
  if (httpStatus === 422 || fieldErrors || /required|invalid|must be|may not|not supported|not valid/i.test(message)) {
    return 'validation';
  }
  return 'rejected';
}

function settlementState(status: string): ChapaSettlementState {
  if (['success', 'successful', 'succeeded', 'completed', 'refunded'].includes(status)) return 'succeeded';
  if (status === 'reversed') return 'reversed';
  if (/^(fail|cancel|reject|declin)/.test(status)) return 'failed';
  return 'pending';
}

function withAfterRetry(err: ChapaError): ChapaError {
  if (err.afterRetry) return err;
  return new ChapaError(err.code, err.message, {
    operation: err.operation,
    httpStatus: err.httpStatus,
    chapaMessage: err.chapaMessage,
    body: err.body,
    afterRetry: true,
    cause: err.cause,
  });
}

function retryAfter(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  const seconds = header === null ? NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}
