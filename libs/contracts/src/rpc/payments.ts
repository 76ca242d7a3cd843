// RPC contract of the payments service: pattern names, zod input schemas, response shapes, and
// one `defineRpc` definition per call (`paymentsRpc`, at the end).
// The gateway validates HTTP input with these same schemas (and publishes them in OpenAPI);
// the payments service re-validates every request (defence in depth).
import { z } from 'zod';
import { currencySchema, isoDateTime, moneySchema, uuidSchema } from '../common';
import { defineRpc, type RpcRoles } from './define';
import { ownerBookingSchema } from './owner-booking';

export const PAYMENTS_RPC = {
  /** student; `POST /api/bookings/:id/payment` → 201 */
  initiate: 'payments.initiate',
  /** participants + admin; `GET /api/bookings/:id/payment` */
  bookingPaymentGet: 'payments.booking_payment.get',
  /** anonymous (actor null); `POST /api/webhooks/chapa` — the raw body, untouched */
  chapaWebhook: 'payments.chapa_webhook',
  /** anonymous (actor null); `GET /api/payments/chapa/callback` */
  chapaCallback: 'payments.chapa_callback',
  /** tutor; `GET /api/wallet` */
  walletGet: 'payments.wallet.get',
  /** tutor; `POST /api/wallet/withdrawals` → 201 */
  walletWithdraw: 'payments.wallet.withdraw',
  /** admin; `GET /api/admin/escrow/stats` */
  adminEscrowStats: 'payments.admin.escrow_stats',
  /** admin; `POST /api/admin/escrows/:bookingId/release` and `POST /api/sessions/:bookingId/release-escrow` */
  adminRelease: 'payments.admin.release',
  /** admin; `POST /api/admin/escrows/:bookingId/refund` */
  adminRefund: 'payments.admin.refund',
  /** admin; `GET /api/admin/refunds?status=` (default: the ones needing attention) */
  adminRefundsList: 'payments.admin.refunds.list',
  /** admin; `POST /api/admin/refunds/:refundId/retry` */
  adminRefundRetry: 'payments.admin.refund.retry',
  /** the booking's student, once the lesson ended; `POST /api/sessions/:bookingId/release-escrow` */
  studentRelease: 'payments.escrow.student_release',
  /** admin; `POST /api/admin/payments/:paymentId/refund` (a flagged payment's money, from suspense) */
  adminPaymentRefund: 'payments.admin.payment.refund',
} as const;
export type PaymentsRpcPattern = (typeof PAYMENTS_RPC)[keyof typeof PAYMENTS_RPC];

/** Mutating calls may carry the HTTP `Idempotency-Key`; the service dedupes on it where money moves. */
const idempotencyKey = z.string().min(1).max(200).optional();

// ---- inputs ----

export const initiatePaymentInputSchema = z.strictObject({ bookingId: uuidSchema, owner: ownerBookingSchema.optional() });
export type InitiatePaymentInput = z.infer<typeof initiatePaymentInputSchema>;

export const bookingPaymentGetInputSchema = z.strictObject({ bookingId: uuidSchema, owner: ownerBookingSchema.optional() });
export type BookingPaymentGetInput = z.infer<typeof bookingPaymentGetInputSchema>;

/**
 * The webhook exactly as received. `rawBody` is the request body bytes, base64-encoded: the
 * signature is an HMAC over those bytes, so the gateway must not re-serialise parsed JSON.
 * Header names are lower-case. A missing or wrong signature answers 401 `chapa.bad_signature`;
 * anything else answers 200 (Chapa retries non-2xx for 72 h), except 503 `chapa.unavailable`
 * when Chapa itself could not be reached to verify, so that Chapa retries later.
 */
export const chapaWebhookInputSchema = z.object({
  rawBody: z.base64().max(1_000_000),
  headers: z.object({
    'x-chapa-signature': z.string().max(512).optional(),
    'chapa-signature': z.string().max(512).optional(),
  }),
});
export type ChapaWebhookInput = z.infer<typeof chapaWebhookInputSchema>;

/**
 * Chapa's GET to callback_url (and the buyer's return). Real integrations read `trx_ref`
 * and fall back to `tx_ref`; the query is passed through as parsed by the gateway.
 */
export const chapaCallbackInputSchema = z.object({
  query: z.record(z.string().max(100), z.union([z.string().max(500), z.array(z.string().max(500)).max(10)])),
});
export type ChapaCallbackInput = z.infer<typeof chapaCallbackInputSchema>;

export const walletGetInputSchema = z.strictObject({
  /** Which currency the top-level balances are in (default: the wallet's most recently active, else ETB). */
  currency: currencySchema.optional(),
  /** History page size (default 20). */
  limit: z.coerce.number().int().min(1).max(100).optional(),
  /** `nextCursor` of the previous page. */
  cursor: z.string().regex(/^\d{1,19}$/).optional(),
});
export type WalletGetInput = z.infer<typeof walletGetInputSchema>;

export const walletWithdrawInputSchema = z.strictObject({
  amount: moneySchema.refine((m) => m.amountMinor > 0, 'must be greater than zero'),
  /** A bank `id` from Chapa's `GET /v1/banks`. */
  bankCode: z.union([z.string().regex(/^[A-Za-z0-9_-]{1,50}$/), z.number().int().positive()]),
  accountNumber: z.string().regex(/^[0-9A-Za-z]{4,34}$/),
  accountName: z.string().trim().min(2).max(100),
  idempotencyKey,
});
export type WalletWithdrawInput = z.infer<typeof walletWithdrawInputSchema>;

export const adminEscrowStatsInputSchema = z.strictObject({});

export const adminReleaseInputSchema = z.strictObject({
  bookingId: uuidSchema,
  reason: z.string().max(500).optional(),
});
export type AdminReleaseInput = z.infer<typeof adminReleaseInputSchema>;

/** The student's early release ("the lesson was fine, pay the tutor now"); no body. */
export const studentReleaseInputSchema = z.strictObject({ bookingId: uuidSchema });

export const adminRefundInputSchema = z.strictObject({
  bookingId: uuidSchema,
  /** Share of the escrow refunded to the student (default 10000 = all); the rest is released to the tutor less the fee. */
  refundBasisPoints: z.number().int().min(0).max(10000).optional(),
  reason: z.string().max(500).optional(),
});
export type AdminRefundInput = z.infer<typeof adminRefundInputSchema>;

export const REFUND_STATUSES = ['pending', 'submitted', 'succeeded', 'failed', 'needs_review'] as const;
export const refundStatusSchema = z.enum(REFUND_STATUSES);

/** `attention` (the default) = `failed` and `needs_review`: what an operator has to look at. */
export const adminRefundsListInputSchema = z.strictObject({
  status: z.enum([...REFUND_STATUSES, 'attention']).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
  /** `nextCursor` of the previous page. */
  cursor: z.string().regex(/^\d{1,16}_[0-9a-f-]{36}$/).optional(),
});
export type AdminRefundsListInput = z.infer<typeof adminRefundsListInputSchema>;

export const adminRefundRetryInputSchema = z.strictObject({
  refundId: uuidSchema,
  /** Why, for the audit trail. */
  reason: z.string().max(500).optional(),
});
export type AdminRefundRetryInput = z.infer<typeof adminRefundRetryInputSchema>;

export const adminPaymentRefundInputSchema = z.strictObject({
  paymentId: uuidSchema,
  reason: z.string().max(500).optional(),
});
export type AdminPaymentRefundInput = z.infer<typeof adminPaymentRefundInputSchema>;

// ---- responses ----

export const PAYMENT_STATUSES = ['initiated', 'succeeded', 'failed', 'flagged', 'refunded'] as const;
export const paymentStatusSchema = z.enum(PAYMENT_STATUSES);
export const ESCROW_VIEW_STATUSES = ['held', 'release_scheduled', 'frozen', 'released', 'refunded'] as const;

export const initiatePaymentResultSchema = z.object({
  paymentId: uuidSchema,
  txRef: z.string(),
  checkoutUrl: z.url(),
  status: paymentStatusSchema,
});
export type InitiatePaymentResult = z.infer<typeof initiatePaymentResultSchema>;

export const paymentViewSchema = z.object({
  id: uuidSchema,
  bookingId: uuidSchema,
  txRef: z.string(),
  status: paymentStatusSchema,
  amount: moneySchema,
  checkoutUrl: z.string().nullable(),
  createdAt: isoDateTime,
  verifiedAt: isoDateTime.nullable(),
  failureReason: z.string().nullable(),
});

export const refundViewSchema = z.object({
  id: uuidSchema,
  amount: moneySchema,
  status: refundStatusSchema,
  reason: z.string(),
  createdAt: isoDateTime,
  settledAt: isoDateTime.nullable(),
});

export const escrowViewSchema = z.object({
  id: uuidSchema,
  status: z.enum(ESCROW_VIEW_STATUSES),
  amount: moneySchema,
  heldAt: isoDateTime,
  releaseScheduledFor: isoDateTime.nullable(),
  frozenAt: isoDateTime.nullable(),
  releasedAt: isoDateTime.nullable(),
  refundedAt: isoDateTime.nullable(),
  /** Set once settled: how the escrow was split. */
  tutorAmount: moneySchema.nullable(),
  platformFee: moneySchema.nullable(),
  refundAmount: moneySchema.nullable(),
  settleReason: z.string().nullable(),
  refunds: z.array(refundViewSchema),
});

export const bookingPaymentViewSchema = z.object({
  bookingId: uuidSchema,
  /** The latest payment of the booking (the live one when there is one); null before any. */
  payment: paymentViewSchema.nullable(),
  escrow: escrowViewSchema.nullable(),
});
export type BookingPaymentView = z.infer<typeof bookingPaymentViewSchema>;

export const walletHistoryItemSchema = z.object({
  id: z.string(),
  type: z.enum(['escrow_released', 'payout_requested', 'payout_returned']),
  /** credit = money into the wallet, debit = out of it. */
  direction: z.enum(['credit', 'debit']),
  amount: moneySchema,
  bookingId: uuidSchema.nullable(),
  payoutId: uuidSchema.nullable(),
  occurredAt: isoDateTime,
});

export const walletBalancesSchema = z.object({
  currency: currencySchema,
  available: moneySchema,
  pendingEscrow: moneySchema,
  lifetimeEarnings: moneySchema,
  payoutsInFlight: moneySchema,
});

/**
 * Top-level balances are in one currency (`currency` input, else the wallet's most recently
 * active one, else ETB); `balances` lists every currency the tutor has; `history` is the
 * wallet's movements in all currencies (or only `currency` when given), newest first.
 */
export const walletViewSchema = z.object({
  available: moneySchema,
  pendingEscrow: moneySchema,
  lifetimeEarnings: moneySchema,
  payoutsInFlight: moneySchema,
  balances: z.array(walletBalancesSchema),
  history: z.array(walletHistoryItemSchema),
  nextCursor: z.string().nullable(),
});
export type WalletView = z.infer<typeof walletViewSchema>;

export const payoutViewSchema = z.object({
  payoutId: uuidSchema,
  status: z.enum(['pending', 'submitted', 'succeeded', 'failed', 'reversed']),
  amount: moneySchema,
  failureReason: z.string().nullable(),
  createdAt: isoDateTime,
});
export type PayoutView = z.infer<typeof payoutViewSchema>;

const bucket = z.object({ count: z.number().int().min(0), amountMinor: z.number().int().min(0) });
const perCurrency = z.object({ ETB: bucket, USD: bucket });
/** Each bucket is `{count, amountMinor}` per currency (both currencies always present). */
export const escrowStatsSchema = z.object({
  asOf: isoDateTime,
  held: perCurrency,
  releaseScheduled: perCurrency,
  frozen: perCurrency,
  released: perCurrency,
  refunded: perCurrency,
  /** release_scheduled with releaseAt ≤ now: what the next release run will pay out. */
  dueNow: perCurrency,
});
export type EscrowStats = z.infer<typeof escrowStatsSchema>;

/** A refund as operators see it, with what Chapa reported and why it needs attention. */
export const adminRefundViewSchema = z.object({
  id: uuidSchema,
  paymentId: uuidSchema,
  bookingId: uuidSchema,
  /** `escrow`: decided on the booking's escrow; `suspense`: a flagged payment's money refunded by an operator. */
  source: z.enum(['escrow', 'suspense']),
  txRef: z.string(),
  /** Our unique refund reference at Chapa. */
  reference: z.string(),
  amount: moneySchema,
  status: refundStatusSchema,
  reason: z.string(),
  attempts: z.number().int().min(0),
  lastError: z.string().nullable(),
  chapaRefId: z.string().nullable(),
  /** What Chapa said it refunded (set on success, and on a mismatch). */
  chapaAmount: moneySchema.nullable(),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
  settledAt: isoDateTime.nullable(),
});
export type AdminRefundView = z.infer<typeof adminRefundViewSchema>;

export const adminRefundListSchema = z.object({
  items: z.array(adminRefundViewSchema),
  nextCursor: z.string().nullable(),
});
export type AdminRefundList = z.infer<typeof adminRefundListSchema>;

export const adminPaymentRefundResultSchema = z.object({
  payment: paymentViewSchema,
  refund: adminRefundViewSchema,
});
export type AdminPaymentRefundResult = z.infer<typeof adminPaymentRefundResultSchema>;

/** What the webhook answers Chapa (the gateway answers `{received: true}` when there is nothing). */
export const chapaWebhookResultSchema = z.object({ received: z.literal(true), handled: z.boolean(), outcome: z.string().optional() });
/** What the callback answers: the payment it verified, if it knows one. */
export const chapaCallbackResultSchema = z.object({
  received: z.literal(true),
  txRef: z.string(),
  outcome: z.string(),
  paymentStatus: z.string().nullable(),
  bookingId: uuidSchema.nullable(),
});

const payments = <N extends string, I extends z.ZodTypeAny, O extends z.ZodTypeAny, const R extends RpcRoles>(
  name: N,
  input: I,
  output: O,
  roles: R,
  description: string,
  extra: { forbiddenCode?: string; emptyInput?: boolean } = {},
) => defineRpc({ service: 'payments', name, input, output, roles, description, ...extra });
const admin = { forbiddenCode: 'admin.forbidden_role' };
const wallet = { forbiddenCode: 'wallet.forbidden_role' };

/** One definition per call (gateway `rpc.call(paymentsRpc.x, …)`, service `@OnRpc(paymentsRpc.x)`). */
export const paymentsRpc = {
  // Any signed-in user: the service answers 403 payment.forbidden_role to a non-student itself.
  initiate: payments(PAYMENTS_RPC.initiate, initiatePaymentInputSchema, initiatePaymentResultSchema, 'any', 'The booking’s student starts paying (Chapa checkout).'),
  bookingPaymentGet: payments(PAYMENTS_RPC.bookingPaymentGet, bookingPaymentGetInputSchema, bookingPaymentViewSchema, 'any', 'The booking’s payment and escrow, to participants and admins.'),
  chapaWebhook: payments(PAYMENTS_RPC.chapaWebhook, chapaWebhookInputSchema, chapaWebhookResultSchema, 'anonymous', 'Chapa’s webhook, the raw body and its signature.'),
  chapaCallback: payments(PAYMENTS_RPC.chapaCallback, chapaCallbackInputSchema, chapaCallbackResultSchema, 'anonymous', 'Chapa’s callback and the buyer’s return: verifies the payment.'),
  walletGet: payments(PAYMENTS_RPC.walletGet, walletGetInputSchema, walletViewSchema, ['tutor'], 'The tutor’s wallet: balances and history.', { ...wallet, emptyInput: true }),
  walletWithdraw: payments(PAYMENTS_RPC.walletWithdraw, walletWithdrawInputSchema, payoutViewSchema, ['tutor'], 'The tutor withdraws available money to a bank account.', wallet),
  adminEscrowStats: payments(PAYMENTS_RPC.adminEscrowStats, adminEscrowStatsInputSchema, escrowStatsSchema, ['admin'], 'Escrow counts and amounts by status and currency.', { ...admin, emptyInput: true }),
  adminRelease: payments(PAYMENTS_RPC.adminRelease, adminReleaseInputSchema, bookingPaymentViewSchema, ['admin'], 'An admin releases a booking’s escrow now.', admin),
  adminRefund: payments(PAYMENTS_RPC.adminRefund, adminRefundInputSchema, bookingPaymentViewSchema, ['admin'], 'An admin refunds a booking’s escrow, all or a share.', admin),
  adminRefundsList: payments(PAYMENTS_RPC.adminRefundsList, adminRefundsListInputSchema, adminRefundListSchema, ['admin'], 'Refunds by status (default: the ones needing attention).', { ...admin, emptyInput: true }),
  adminRefundRetry: payments(PAYMENTS_RPC.adminRefundRetry, adminRefundRetryInputSchema, adminRefundViewSchema, ['admin'], 'An admin retries a failed refund.', admin),
  studentRelease: payments(PAYMENTS_RPC.studentRelease, studentReleaseInputSchema, bookingPaymentViewSchema, ['student'], 'The booking’s student releases the escrow early, once the lesson ended.', { forbiddenCode: 'escrow.forbidden_role' }),
  adminPaymentRefund: payments(PAYMENTS_RPC.adminPaymentRefund, adminPaymentRefundInputSchema, adminPaymentRefundResultSchema, ['admin'], 'An admin refunds a flagged payment’s money from suspense.', admin),
} as const;
