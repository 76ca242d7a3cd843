import { z } from 'zod';

// Environment of the Chapa sandbox, validated once at start. Empty variables count as
// unset, so `PORT=` in a .env file means "use the default", not port 0.

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3099),
  CHAPA_SECRET_KEY: z.string().min(8, 'must be at least 8 characters').default('CHASECK_TEST-tutorhub-dev'),
  CHAPA_WEBHOOK_SECRET: z.string().min(8, 'must be at least 8 characters').default('tutorhub-dev-webhook-secret'),
  CHAPA_WEBHOOK_URL: httpUrl.default('http://127.0.0.1:3000/api/webhooks/chapa'),
  /** Where browsers reach the sandbox (its own variable: the gateway's PUBLIC_BASE_URL is never read); defaults to http://127.0.0.1:<PORT>. */
  CHAPA_SANDBOX_PUBLIC_URL: httpUrl.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface SandboxConfig {
  port: number;
  /** The Bearer key clients must send; `CHASECK_TEST-…` makes the sandbox report mode "test". */
  secretKey: string;
  /** Signs webhooks (x-chapa-signature = HMAC-SHA256 of the raw body). */
  webhookSecret: string;
  webhookUrl: string;
  /**
   * Base of checkout URLs handed out by initialize. `null` derives it from each request's
   * Host header, which suits tests that listen on an ephemeral port.
   */
  publicBaseUrl: string | null;
  /** Delays before webhook re-deliveries after a failed attempt. Default 2 s, 10 s, 60 s. */
  webhookRetryDelaysMs?: readonly number[];
  /** Timeout of each outbound webhook/callback attempt. Default 5 s. */
  outboundTimeoutMs?: number;
  /** Level of the JSON log lines (pino). Default `info`. */
  logLevel?: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: Record<string, string | undefined>): SandboxConfig {
  const present = Object.fromEntries(
    Object.keys(configSchema.shape)
      .map((key) => [key, env[key]] as const)
      .filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  - ${issue.path.join('.') || '(env)'}: ${issue.message}`);
    throw new ConfigError(`Invalid chapa-sandbox configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  return {
    port: c.PORT,
    secretKey: c.CHAPA_SECRET_KEY,
    webhookSecret: c.CHAPA_WEBHOOK_SECRET,
    webhookUrl: c.CHAPA_WEBHOOK_URL,
    publicBaseUrl: (c.CHAPA_SANDBOX_PUBLIC_URL ?? `http://127.0.0.1:${c.PORT}`).replace(/\/+$/, ''),
    logLevel: c.LOG_LEVEL,
  };
}
