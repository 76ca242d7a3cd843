import { createHash } from 'node:crypto';
import type { GatewayConfig } from '../../config';

/** The first backoff; each further counted failure doubles it, up to LOGIN_BACKOFF_MAX_SECONDS. */
export const LOGIN_BACKOFF_BASE_MS = 1000;
/** A key whose last counted attempt is older than this starts again from zero. */
export const loginFailureMemoryMs = (config: GatewayConfig) => Math.max(3_600_000, 2 * config.LOGIN_BACKOFF_MAX_SECONDS * 1000);
/** A client address that logged in successfully stays exempt from the account-wide limit this long. */
export const KNOWN_CLIENT_RETENTION_MS = 30 * 86_400_000;

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
export const accountKey = (email: string) => digest(`account:${email}`);
export const accountClientKey = (email: string, client: string) => digest(`account-client:${email}\n${client}`);

/** Backoff after the `failures`-th counted attempt, or 0 below the threshold. */
export function backoffMs(failures: number, threshold: number, maxSeconds: number): number {
  if (failures < threshold) return 0;
  // 2^n overflows to Infinity for large n; min() caps it.
  return Math.min(LOGIN_BACKOFF_BASE_MS * 2 ** (failures - threshold), maxSeconds * 1000);
}
