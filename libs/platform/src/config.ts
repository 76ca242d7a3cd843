import { z } from 'zod';

/**
 * Configuration comes from the environment and is validated once at start. A process with a
 * bad value refuses to start and says which variable is wrong and why, instead of failing
 * later at the first request that needs it.
 */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n  - ${issues.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Schemas whose default is a development-only value (a secret published in this repository, so
 * `npm start` works out of the box). loadConfig refuses them under NODE_ENV=production: the
 * variable must be set, to something else.
 */
const developmentOnly = z.registry<{ developmentDefault: string }>();

/**
 * `base` with a default that only development may use (see developmentOnly). Wrap every secret
 * that has a default in it; a secret without a default needs nothing (it is already required).
 */
function devDefault(base: z.ZodString, def: string) {
  const schema = base.default(def);
  schema.register(developmentOnly, { developmentDefault: def });
  return schema;
}

const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const env = {
  bool,
  int: (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(def),
  decimal: (def: number, min = 0) => z.coerce.number().finite().min(min).default(def),
  port: (def: number) => z.coerce.number().int().min(0).max(65535).default(def),
  url: (def: string) => z.string().url().default(def),
  str: (def: string) => z.string().min(1).default(def),
  optional: () =>
    z
      .string()
      .optional()
      .transform((v) => (v === undefined || v === '' ? undefined : v)),
  /** A secret whose default is public (development only): refused in production, set or not. */
  devSecret: (def: string, base: z.ZodString = z.string().min(1)) => devDefault(base, def),
  /** A cron expression with 5 or 6 fields (seconds first when 6). */
  cron: (def: string) =>
    z
      .string()
      .default(def)
      .refine((v) => [5, 6].includes(v.trim().split(/\s+/).length), 'must be a cron expression with 5 or 6 fields'),
};

const optionalUrl = () => z.union([z.literal(''), z.string().url()]).optional();

/**
 * Tracing (docs/operations.md "Tracing"): the standard OTEL_* variables, read by the
 * OpenTelemetry SDK itself (libs/service/src/telemetry.ts). They are listed here so that a typo
 * in a value stops the start with a clear message, like any other setting. Tracing is off while
 * no endpoint is set.
 */
function tracingConfigShape() {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl(),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl(),
    OTEL_EXPORTER_OTLP_HEADERS: env.optional(),
    OTEL_SERVICE_NAME: env.optional(),
    OTEL_RESOURCE_ATTRIBUTES: env.optional(),
    OTEL_TRACES_EXPORTER: z.enum(['otlp', 'console', 'none']).optional(),
    OTEL_TRACES_SAMPLER: z
      .enum(['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'])
      .optional(),
    OTEL_TRACES_SAMPLER_ARG: z
      .string()
      .optional()
      .refine((v) => v === undefined || v === '' || (Number.isFinite(Number(v)) && Number(v) >= 0 && Number(v) <= 1), 'must be a ratio between 0 and 1'),
    OTEL_SDK_DISABLED: z.enum(['true', 'false']).optional(),
    OTEL_BSP_SCHEDULE_DELAY: z.coerce.number().int().min(0).optional(),
    OTEL_LOG_LEVEL: z.enum(['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all', 'NONE', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'VERBOSE', 'ALL']).optional(),
  };
}

/** The inbox must remember an event id longer than any redelivery can take (see INBOX_RETENTION_HOURS). */
export const MIN_INBOX_RETENTION_HOURS = 72;

/**
 * Allowance for clock skew between the producer's host (which stamps occurredAt) and the
 * database (which stamps inbox.processed_at): an event is refused once it is older than the
 * inbox retention minus this margin.
 */
export const EVENT_AGE_MARGIN_MS = 3_600_000;

/** The oldest event a consumer still handles: anything older may have had its inbox id pruned. */
export function maxEventAgeMs(config: Pick<SharedConfig, 'INBOX_RETENTION_HOURS'>): number {
  return config.INBOX_RETENTION_HOURS * 3_600_000 - EVENT_AGE_MARGIN_MS;
}

/** `a,b,c` → `['a', 'b', 'c']` (blanks dropped): AMQP_URL / AMQP_URLS may name every node of a cluster. */
export function splitUrlList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** One AMQP URL or a comma-separated list of them; each must be an amqp:// or amqps:// URL. */
const amqpUrlList = () =>
  z.string().superRefine((value, ctx) => {
    const urls = splitUrlList(value);
    if (urls.length === 0) ctx.addIssue({ code: 'custom', message: 'must name at least one AMQP URL' });
    urls.forEach((url, i) => {
      let protocol: string | undefined;
      try {
        protocol = new URL(url).protocol;
      } catch {
        protocol = undefined;
      }
      if (protocol !== 'amqp:' && protocol !== 'amqps:') ctx.addIssue({ code: 'custom', message: `address ${i + 1} is not an amqp:// or amqps:// URL` });
    });
  });

/** The broker addresses to use, in order: AMQP_URLS when set, else AMQP_URL (either may be a list). */
export function brokerUrls(config: Pick<SharedConfig, 'AMQP_URL' | 'AMQP_URLS'>): string[] {
  const list = splitUrlList(config.AMQP_URLS);
  return list.length ? list : splitUrlList(config.AMQP_URL);
}

/** Variables every service reads. */
export const sharedConfigShape = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: env.url('postgres://postgres@127.0.0.1:5432/postgres'),
  DATABASE_POOL_SIZE: env.int(10, 1, 200),
  /**
   * The broker: one URL, or one per node of a RabbitMQ cluster, comma-separated (or in
   * AMQP_URLS, which wins when set). A lost connection moves on to the next address.
   */
  AMQP_URL: amqpUrlList().default('amqp://guest:guest@127.0.0.1:5672'),
  AMQP_URLS: z.preprocess((v) => (v === '' ? undefined : v), amqpUrlList().optional()),
  /**
   * Prefix for every exchange and queue name. Empty in real deployments; tests set a random
   * one so parallel runs on one broker never see each other's messages.
   */
  AMQP_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9_-]*$/, 'lowercase letters, digits, _ and - only')
    .default(''),
  AMQP_PREFETCH: env.int(32, 1, 1000),
  /**
   * Deliveries that are ready together are handled in one transaction, up to this many, each
   * in its own savepoint, or one per set-based run (ADR 0019, ADR 0022; docs/operations.md).
   * 1 = one transaction per event. 32 (8 before the second round of issue 15): a failing set
   * run falls back to one savepoint per event, and 32 of them plus the run's own stay within
   * Postgres' 64-entry subtransaction cache.
   */
  EVENT_BATCH_SIZE: env.int(32, 1, 64),
  /**
   * Event deliveries a consumer holds unacked. Unset: AMQP_PREFETCH, but at least four batches
   * (4 × EVENT_BATCH_SIZE), so a backlog keeps up to four batch workers busy (ADR 0022).
   */
  EVENT_PREFETCH: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(1).max(5000).optional()),
  /**
   * After a NOTIFY wakes the outbox relay, it waits this long so that the events of transactions
   * committing meanwhile go out in the same relay pass (ADR 0019). 0 = publish at once.
   */
  OUTBOX_RELAY_COALESCE_MS: env.int(0, 0, 1000),
  /**
   * Outbox rows the relay claims, publishes and marks per pass (one confirm wait each). 1000:
   * a backlog goes out in a fifth of the passes of 200 (the default before issue 15's second
   * round); under light load a pass carries what there is.
   */
  OUTBOX_RELAY_BATCH_SIZE: env.int(1000, 1, 5000),
  /** Run pending migrations at start. On by default outside production, where a Job runs them. */
  MIGRATE_ON_START: z.enum(['true', 'false', '1', '0', 'yes', 'no']).optional(),
  SHUTDOWN_TIMEOUT_MS: env.int(15000, 0, 600000),
  /** Scheduled jobs on (default). Tests switch them off and run job passes by hand. */
  JOBS_ENABLED: bool(true),
  /** Gateway → service RPC timeout. */
  RPC_TIMEOUT_MS: env.int(5000, 100, 120000),
  /**
   * Test-only delivery chaos (libs/messaging/src/delivery-chaos.ts): every event delivery is held
   * back 0..EVENT_CHAOS_MAX_DELAY_MS (so later events overtake it), some are delivered twice
   * with the same envelope id (EVENT_CHAOS_DUPLICATE_RATE) and some again under a new id, as a
   * producer's republish would be (EVENT_CHAOS_REPUBLISH_RATE). Off by default; refused in
   * production (see deliveryChaosIssues).
   */
  EVENT_CHAOS_MAX_DELAY_MS: env.int(0, 0, 60000),
  EVENT_CHAOS_DUPLICATE_RATE: z.coerce.number().finite().min(0).max(1).default(0),
  EVENT_CHAOS_REPUBLISH_RATE: z.coerce.number().finite().min(0).max(1).default(0),
  /** Seeds the chaos decisions so a run replays; random (and logged at start) when unset. */
  EVENT_CHAOS_SEED: env.optional(),
  ...tracingConfigShape(),
  /**
   * Data retention of the messaging tables (docs/operations.md "Data retention"). A published
   * outbox row is never published again (the relay sends unpublished rows only), so it is kept
   * only for inspection.
   */
  OUTBOX_RETENTION_HOURS: env.int(7 * 24, 1, 24 * 3650),
  /**
   * Processed inbox ids are what makes a redelivered event a no-op, so they must outlive every
   * redelivery: broker redeliveries and consumer retries take seconds to minutes, a backlog
   * while a service is down hours to days. The consumer also refuses (dead-letters) any event
   * older than this minus EVENT_AGE_MARGIN_MS, so a late DLQ replay can never slip past a pruned
   * inbox id. At least 3 days.
   */
  INBOX_RETENTION_HOURS: env.int(30 * 24, MIN_INBOX_RETENTION_HOURS, 24 * 3650),
  /** When every replica prunes (each batch claims its rows with SKIP LOCKED, so they share the work). */
  PRUNE_CRON: env.cron('23 * * * *'),
  /** Rows deleted per statement (one short transaction each). */
  PRUNE_BATCH_SIZE: env.int(1000, 1, 100000),
};

/**
 * The student's cancellation tiers (docs/design.md §3). Bookings quotes them to the client and payments
 * decides the money with them, so both read the same variables.
 */
export const cancellationConfigShape = {
  /** A student who cancels at least this many hours ahead gets everything back. */
  CANCEL_FULL_REFUND_HOURS: env.decimal(24),
  /** … at least this many hours ahead (but less than the above) gets CANCEL_PARTIAL_REFUND_BPS back. */
  CANCEL_PARTIAL_REFUND_HOURS: env.decimal(2),
  CANCEL_PARTIAL_REFUND_BPS: env.int(5000, 0, 10000),
};

/**
 * When a lesson's session may start (docs/design.md §4): from SESSION_START_EARLY_MINUTES before startsAt
 * to SESSION_START_LATE_MINUTES after. Sessions enforces it; bookings shows it on every booking
 * (canStartFrom/canStartUntil) and closes cancellation when it opens. Fractions of a minute allowed.
 */
export const sessionWindowConfigShape = {
  SESSION_START_EARLY_MINUTES: env.decimal(5).pipe(z.number().max(24 * 60)),
  SESSION_START_LATE_MINUTES: env.decimal(15).pipe(z.number().max(24 * 60)),
};

export type SharedConfig = {
  NODE_ENV: 'development' | 'test' | 'production';
  LOG_LEVEL: string;
  DATABASE_URL: string;
  DATABASE_POOL_SIZE: number;
  AMQP_URL: string;
  AMQP_URLS?: string;
  AMQP_NAMESPACE: string;
  AMQP_PREFETCH: number;
  EVENT_BATCH_SIZE: number;
  EVENT_PREFETCH?: number;
  OUTBOX_RELAY_COALESCE_MS: number;
  OUTBOX_RELAY_BATCH_SIZE: number;
  MIGRATE_ON_START?: string;
  SHUTDOWN_TIMEOUT_MS: number;
  JOBS_ENABLED: boolean;
  RPC_TIMEOUT_MS: number;
  EVENT_CHAOS_MAX_DELAY_MS: number;
  EVENT_CHAOS_DUPLICATE_RATE: number;
  EVENT_CHAOS_REPUBLISH_RATE: number;
  EVENT_CHAOS_SEED?: string;
  OUTBOX_RETENTION_HOURS: number;
  INBOX_RETENTION_HOURS: number;
  PRUNE_CRON: string;
  PRUNE_BATCH_SIZE: number;
};

/** Whether any test-only delivery chaos is configured. */
export function deliveryChaosRequested(config: Partial<Pick<SharedConfig, 'EVENT_CHAOS_MAX_DELAY_MS' | 'EVENT_CHAOS_DUPLICATE_RATE' | 'EVENT_CHAOS_REPUBLISH_RATE'>>): boolean {
  return (config.EVENT_CHAOS_MAX_DELAY_MS ?? 0) > 0 || (config.EVENT_CHAOS_DUPLICATE_RATE ?? 0) > 0 || (config.EVENT_CHAOS_REPUBLISH_RATE ?? 0) > 0;
}

/**
 * Delivery chaos delays and duplicates real events on purpose: it exists to prove the services
 * against late, reordered and repeated events, and must never run where money is real.
 */
export function deliveryChaosIssues(config: { NODE_ENV?: unknown } & Partial<Pick<SharedConfig, 'EVENT_CHAOS_MAX_DELAY_MS' | 'EVENT_CHAOS_DUPLICATE_RATE' | 'EVENT_CHAOS_REPUBLISH_RATE'>>): string[] {
  if (config.NODE_ENV !== 'production' || !deliveryChaosRequested(config)) return [];
  return ['EVENT_CHAOS_*: delivery chaos is for tests only and must not be switched on in production'];
}

export function loadConfig<S extends z.ZodTypeAny>(
  schema: S,
  source: Record<string, string | undefined> = process.env,
): z.output<S> {
  const result = schema.safeParse(source);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  // Checked for every service here, not in each app's schema, so no app can forget it.
  const data: unknown = result.data;
  const chaos = data && typeof data === 'object' ? deliveryChaosIssues(data as Parameters<typeof deliveryChaosIssues>[0]) : [];
  const devSecrets = data && typeof data === 'object' ? developmentDefaultIssues(schema, data as Record<string, unknown>) : [];
  if (chaos.length || devSecrets.length) throw new ConfigError([...devSecrets, ...chaos]);
  return result.data;
}

/** What `loadConfig` would refuse in `source` (empty when it loads): for tests and tooling. */
export function configIssues(schema: z.ZodTypeAny, source: Record<string, string | undefined>): string[] {
  try {
    loadConfig(schema, source);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
}

/**
 * Under NODE_ENV=production, every variable declared with a development-only default
 * (env.devSecret) must be set, and not to that default: the defaults are public.
 */
export function developmentDefaultIssues(schema: z.ZodTypeAny, config: Record<string, unknown>): string[] {
  if (config['NODE_ENV'] !== 'production') return [];
  const shape = (schema as { shape?: Record<string, z.ZodTypeAny> }).shape;
  if (!shape || typeof shape !== 'object') return [];
  return Object.entries(shape).flatMap(([key, field]) => {
    const meta = developmentOnly.get(field);
    if (!meta || config[key] !== meta.developmentDefault) return [];
    return [`${key}: must be set in production; its development default is public and refused when NODE_ENV=production`];
  });
}

export function shouldMigrateOnStart(config: SharedConfig): boolean {
  if (config.MIGRATE_ON_START !== undefined) return ['true', '1', 'yes'].includes(config.MIGRATE_ON_START);
  return config.NODE_ENV !== 'production';
}
