/**
 * What the journeys share besides the API client (`@tutorhub/client`, generated from the
 * OpenAPI document): waiting for an asynchronous effect.
 */
export { ApiError, auth, createTutorhubClient, ok, problemOf, type Schemas, type Timing, type TutorhubClient } from '@tutorhub/client';

/** Polls until `fn` yields a value (asynchronous effects travel through the broker). */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 20000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
