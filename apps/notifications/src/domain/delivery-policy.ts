import type { NotificationKind } from './notification-kinds';

/*
 * Which channels a notification goes out on (the in-app inbox always holds it), and how
 * failed attempts on the external ones are spaced.
 */

export const CHANNELS = ['in_app', 'email', 'push'] as const;
export type ChannelName = (typeof CHANNELS)[number];

/** Live-session chatter is only useful this minute: push and inbox, no email. */
const NO_EMAIL: ReadonlySet<NotificationKind> = new Set(['session.started', 'session.participant_joined', 'session.ended']);

/** The channels a notification of this kind goes out on; the inbox (`in_app`) always. */
export function channelsFor(kind: NotificationKind, data: Record<string, unknown>): ChannelName[] {
  const email = !NO_EMAIL.has(kind) && !(kind === 'booking.reminder' && data.reminder === '15m');
  return email ? ['in_app', 'email', 'push'] : ['in_app', 'push'];
}

export interface RetryPolicy {
  maxAttempts: number;
  baseSeconds: number;
  maxSeconds: number;
}

/**
 * After the `attempts`-th failed attempt: the delay before the next one (exponential:
 * base, 2·base, 4·base, … capped), or null when the delivery should be given up.
 */
export function nextRetryDelaySeconds(attempts: number, policy: RetryPolicy): number | null {
  if (attempts >= policy.maxAttempts) return null;
  const exponent = Math.max(0, attempts - 1);
  // 2^exponent overflows nothing useful beyond ~40; the cap applies long before.
  return Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** Math.min(exponent, 40));
}
