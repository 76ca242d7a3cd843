// One error type for everything that can go wrong talking to Chapa, with a code that tells
// callers what to do next: a business refusal (do not repeat the same request) or a
// transport failure (the request may not have arrived; it is safe to try again later when
// the operation is idempotent).

export type ChapaErrorCode =
  // Chapa answered and said no. Repeating the same request gets the same answer.
  | 'unauthorized' // bad or missing secret key (401/403)
  | 'not_found' // unknown tx_ref / reference
  | 'duplicate_reference' // tx_ref or reference "has been used before"
  | 'validation' // Chapa rejected a field (its message is often an object of field → errors)
  | 'rejected' // any other refusal (insufficient balance, not refundable, ...)
  // The exchange itself failed. Chapa may or may not have acted.
  | 'timeout'
  | 'network'
  | 'rate_limited' // 429
  | 'server_error' // 5xx
  // Chapa answered 2xx with something we cannot trust or understand.
  | 'invalid_response';

const RETRYABLE: ReadonlySet<ChapaErrorCode> = new Set(['timeout', 'network', 'rate_limited', 'server_error']);

export interface ChapaErrorDetails {
  operation: string;
  httpStatus?: number;
  /** Chapa's `message`, flattened to text when it was an object of validation errors. */
  chapaMessage?: string;
  /** The parsed answer body, for logs. Never contains our secret key. */
  body?: unknown;
  /**
   * True when an earlier attempt of this same call may have reached Chapa (it timed out or
   * failed mid-flight) before this error. A `duplicate_reference` with `afterRetry` most
   * likely means our own first attempt succeeded: reconcile by verifying, do not give up.
   */
  afterRetry?: boolean;
  /** From a `Retry-After` header on 429/503, when Chapa sends one. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class ChapaError extends Error {
  override readonly name = 'ChapaError';
  readonly code: ChapaErrorCode;
  readonly operation: string;
  readonly httpStatus: number | undefined;
  readonly chapaMessage: string | undefined;
  readonly body: unknown;
  readonly afterRetry: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(code: ChapaErrorCode, message: string, details: ChapaErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.operation = details.operation;
    this.httpStatus = details.httpStatus;
    this.chapaMessage = details.chapaMessage;
    this.body = details.body;
    this.afterRetry = details.afterRetry ?? false;
    this.retryAfterMs = details.retryAfterMs;
  }

  /** Transport-level failure: trying again later may succeed. */
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }

  /** Chapa understood the request and refused it. */
  get isBusinessRefusal(): boolean {
    return (
      this.code === 'unauthorized' ||
      this.code === 'not_found' ||
      this.code === 'duplicate_reference' ||
      this.code === 'validation' ||
      this.code === 'rejected'
    );
  }
}

export function isChapaError(value: unknown): value is ChapaError {
  return value instanceof ChapaError;
}
