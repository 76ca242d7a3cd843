import { z } from 'zod';
import { cancellationConfigShape, env, sharedConfigShape } from '@tutorhub/platform';

export const configSchema = z
  .object({
    ...sharedConfigShape,
    /** Payments decides a cancellation's refund share itself (docs/design.md §3), with the same tiers bookings quotes. */
    ...cancellationConfigShape,
    PORT: env.port(3003),
    CHAPA_BASE_URL: env.url('http://127.0.0.1:3099'),
    /** Development defaults (public, the sandbox's): refused under NODE_ENV=production. */
    CHAPA_SECRET_KEY: env.devSecret('CHASECK_TEST-tutorhub-dev'),
    CHAPA_WEBHOOK_SECRET: env.devSecret('tutorhub-dev-webhook-secret'),
    /** Per attempt; idempotent Chapa calls are retried CHAPA_RETRIES more times on transport errors. */
    CHAPA_TIMEOUT_MS: env.int(15000, 100, 120000),
    CHAPA_RETRIES: env.int(2, 0, 10),
    /** Where Chapa and browsers reach the gateway (callback_url / return_url). */
    PUBLIC_BASE_URL: env.url('http://127.0.0.1:3000'),
    ESCROW_RELEASE_DELAY_HOURS: env.decimal(24),
    ESCROW_RELEASE_CRON: env.cron('0 * * * * *'),
    /** 2 500 measured best with 4 workers (docs/performance.md, issue 15); 5 000 was no faster and holds wallets longer. */
    ESCROW_RELEASE_BATCH_SIZE: env.int(2500, 1, 100000),
    /** Batches in flight per run of the release job, each on its own slice of tutors (issue 15). */
    ESCROW_RELEASE_WORKERS: env.int(4, 1, 32),
    PLATFORM_FEE_BPS: env.int(1500, 0, 10000),
    /** Verifies payments still `initiated` after PAYMENT_RECONCILE_AFTER_MINUTES (lost webhooks). */
    PAYMENT_RECONCILE_CRON: env.cron('*/30 * * * * *'),
    PAYMENT_RECONCILE_AFTER_MINUTES: env.decimal(3),
    /** Sends pending refunds to Chapa and re-checks submitted ones (retries with backoff). */
    REFUND_PROCESS_CRON: env.cron('*/30 * * * * *'),
    /** Re-checks payouts Chapa has not settled yet (lost transfer webhooks, failed submissions). */
    PAYOUT_RECONCILE_CRON: env.cron('0 * * * * *'),
  })
  .refine((c) => c.CANCEL_PARTIAL_REFUND_HOURS <= c.CANCEL_FULL_REFUND_HOURS, {
    path: ['CANCEL_PARTIAL_REFUND_HOURS'],
    message: 'must not exceed CANCEL_FULL_REFUND_HOURS',
  });

export type PaymentsConfig = z.output<typeof configSchema>;
