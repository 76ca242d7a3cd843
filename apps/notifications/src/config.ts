import { z } from 'zod';
import { env, sharedConfigShape } from '@tutorhub/platform';

export const configSchema = z
  .object({
    ...sharedConfigShape,
    PORT: env.port(3004),
    /** How often due reminders are turned into notifications (6 fields: seconds first). */
    REMINDER_CRON: env.cron('*/15 * * * * *'),
    /** How often pending email/push deliveries are attempted. */
    DELIVERY_CRON: env.cron('*/10 * * * * *'),
    /** Attempts per delivery (first try included) before it is given up as failed. */
    DELIVERY_MAX_ATTEMPTS: env.int(6, 1, 50),
    /** Backoff before the 2nd attempt; doubles on each further failure, capped below. */
    DELIVERY_RETRY_BASE_SECONDS: env.int(30, 1, 86400),
    DELIVERY_RETRY_MAX_SECONDS: env.int(3600, 1, 604800),
    /** Deliveries claimed per pass (and per replica). */
    DELIVERY_BATCH_SIZE: env.int(50, 1, 1000),
    /**
     * While a replica is sending, the claimed delivery is invisible to the others for this long;
     * if the replica dies mid-send, the delivery is retried after it.
     */
    DELIVERY_LEASE_SECONDS: env.int(120, 5, 3600),
    /** e.g. `smtp://user:pass@mail.example.com:587` or `smtps://…:465`; email is off when unset. */
    SMTP_URL: env.optional(),
    EMAIL_FROM: env.str('tutorhub <no-reply@tutorhub.local>'),
    /** Push (FCM HTTP v1) is on when both the project id and the service-account JSON are set. */
    FCM_PROJECT_ID: env.optional(),
    /** The service-account key file's JSON content (client_email, private_key, token_uri). */
    FCM_SERVICE_ACCOUNT_JSON: env.optional(),
    /** Base URL of the FCM API (tests point it at a local fake). */
    FCM_BASE_URL: env.url('https://fcm.googleapis.com'),
    /** OAuth token endpoint; defaults to the service account's `token_uri`. */
    FCM_TOKEN_URL: env.optional(),
    /**
     * Read notifications (and their deliveries) are deleted this long after they were read;
     * unread ones are kept. Must exceed the inbox retention (see the check below).
     */
    NOTIFICATIONS_READ_RETENTION_DAYS: env.int(90, 1, 3650),
  })
  .superRefine((c, ctx) => {
    // A notification's dedupe key is the second guard against a redelivered event (after the
    // inbox id); it must not disappear before the consumer starts refusing that event as too old.
    if (c.NOTIFICATIONS_READ_RETENTION_DAYS * 24 <= c.INBOX_RETENTION_HOURS) {
      ctx.addIssue({
        code: 'custom',
        path: ['NOTIFICATIONS_READ_RETENTION_DAYS'],
        message: `must be longer than INBOX_RETENTION_HOURS (${c.INBOX_RETENTION_HOURS} h), so a notification is never pruned while its event may still be handled`,
      });
    }
    if (c.SMTP_URL && !/^smtps?:\/\//.test(c.SMTP_URL)) {
      ctx.addIssue({ code: 'custom', path: ['SMTP_URL'], message: 'must be an smtp:// or smtps:// URL' });
    }
    if (!!c.FCM_PROJECT_ID !== !!c.FCM_SERVICE_ACCOUNT_JSON) {
      ctx.addIssue({
        code: 'custom',
        path: [c.FCM_PROJECT_ID ? 'FCM_SERVICE_ACCOUNT_JSON' : 'FCM_PROJECT_ID'],
        message: 'FCM_PROJECT_ID and FCM_SERVICE_ACCOUNT_JSON must be set together',
      });
    }
    if (c.FCM_SERVICE_ACCOUNT_JSON) {
      const problem = serviceAccountProblem(c.FCM_SERVICE_ACCOUNT_JSON);
      if (problem) ctx.addIssue({ code: 'custom', path: ['FCM_SERVICE_ACCOUNT_JSON'], message: problem });
    }
    if (c.FCM_TOKEN_URL && !URL.canParse(c.FCM_TOKEN_URL)) {
      ctx.addIssue({ code: 'custom', path: ['FCM_TOKEN_URL'], message: 'must be a URL' });
    }
  });

export type NotificationsConfig = z.output<typeof configSchema>;

export interface ServiceAccount {
  client_email: string;
  private_key: string;
  token_uri?: string;
}

export function parseServiceAccount(json: string): ServiceAccount {
  const parsed = JSON.parse(json) as Partial<ServiceAccount>;
  if (typeof parsed.client_email !== 'string' || typeof parsed.private_key !== 'string') {
    throw new Error('service account JSON lacks client_email or private_key');
  }
  return { client_email: parsed.client_email, private_key: parsed.private_key, token_uri: parsed.token_uri };
}

function serviceAccountProblem(json: string): string | undefined {
  try {
    parseServiceAccount(json);
    return undefined;
  } catch (err) {
    return err instanceof SyntaxError ? 'must be the JSON content of a service-account key' : (err as Error).message;
  }
}
