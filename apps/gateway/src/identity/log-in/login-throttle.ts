import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock, counter } from '@tutorhub/platform';
import { CONFIG } from '@tutorhub/service';
import type { GatewayConfig } from '../../config';
import { loginThrottled } from '../domain/auth-problems';
import { accountClientKey, accountKey, backoffMs, KNOWN_CLIENT_RETENTION_MS, loginFailureMemoryMs } from '../domain/login-backoff';
import * as store from '../login-throttle.store';
import type { ThrottleRow } from '../login-throttle.store';

const throttled = counter('gateway_login_throttled_total', 'Login attempts refused by the per-account backoff', ['scope']);

/** An admitted attempt: what `succeeded` needs to take it back. */
export interface LoginAttempt {
  email: string;
  client: string;
  countedForAccount: boolean;
}

/**
 * Per-account login throttling (ADR 0015), in the database so every replica shares it.
 *
 * Two keys per attempt, both on the normalised email whether or not an account has it (so a
 * 429 says nothing about which emails exist):
 * - (account, client address): LOGIN_BACKOFF_AFTER_FAILURES failures, then exponential backoff
 *   (1 s, 2 s, 4 s … capped at LOGIN_BACKOFF_MAX_SECONDS). This stops one client guessing.
 * - the account, over every address: the looser LOGIN_ACCOUNT_BACKOFF_AFTER_FAILURES, then the
 *   same backoff. This stops guessing from many addresses. It does not apply to an address that
 *   logged into this account successfully in the last 30 days, so an attacker failing from
 *   elsewhere cannot lock the owner out from their usual address; nor is there any lockout:
 *   the wait is bounded, and the owner's success clears their own key.
 *
 * An attempt is counted BEFORE the password is checked (and taken back on success): parallel
 * attempts serialise on the row locks here, so a burst cannot slip past the threshold while
 * the slow password checks run. An attempt refused with 429 is not counted and checks no
 * password at all.
 */
@Injectable()
export class LoginThrottle {
  constructor(
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(DataSource) private readonly ds: DataSource,
    private readonly clock: Clock,
  ) {}

  /**
   * Counts an attempt for `email` from `client`, or throws 429 `auth.login_throttled` while it
   * must wait. The answer says whether the account-wide key counted it (not for a known address).
   */
  async admit(email: string, client: string): Promise<LoginAttempt> {
    const now = this.clock.now();
    const pairKey = accountClientKey(email, client);
    const acctKey = accountKey(email);
    const outcome = await this.ds.transaction(async (em): Promise<{ refused: { retryAfterMs: number; scope: string } } | { attempt: LoginAttempt }> => {
      const known = await store.isKnownClient(em, acctKey, client, new Date(now.getTime() - KNOWN_CLIENT_RETENTION_MS));
      const keys: Array<{ key: Buffer; threshold: number; scope: string }> = [
        { key: pairKey, threshold: this.config.LOGIN_BACKOFF_AFTER_FAILURES, scope: 'account_client' },
      ];
      if (!known) keys.push({ key: acctKey, threshold: this.config.LOGIN_ACCOUNT_BACKOFF_AFTER_FAILURES, scope: 'account' });
      // Each row is created if missing and locked until commit (a no-op DO UPDATE locks the row
      // it conflicts with, even one the cleanup pass is deleting), in a fixed order (the pair,
      // then the account), so concurrent attempts queue instead of deadlocking.
      const rows: Array<ThrottleRow & { threshold: number; scope: string }> = [];
      for (const k of keys) {
        const row = await store.upsertAndLock(em, k.key, now);
        rows.push({ ...row, threshold: k.threshold, scope: k.scope });
      }
      let waitUntil = 0;
      let scope = '';
      for (const row of rows) {
        const until = row.blocked_until ? new Date(row.blocked_until).getTime() : 0;
        if (until > now.getTime() && until > waitUntil) {
          waitUntil = until;
          scope = row.scope;
        }
      }
      if (waitUntil > 0) return { refused: { retryAfterMs: waitUntil - now.getTime(), scope } };
      const memory = loginFailureMemoryMs(this.config);
      for (const row of rows) {
        const stale = now.getTime() - new Date(row.last_attempt_at).getTime() > memory;
        const failures = (stale ? 0 : row.failures) + 1;
        const wait = backoffMs(failures, row.threshold, this.config.LOGIN_BACKOFF_MAX_SECONDS);
        await store.recordAttempt(em, row.key, failures, now, wait > 0 ? new Date(now.getTime() + wait) : null);
      }
      return { attempt: { email, client, countedForAccount: !known } };
    });
    if ('refused' in outcome) {
      throttled.inc({ scope: outcome.refused.scope });
      throw loginThrottled(Math.max(1, Math.ceil(outcome.refused.retryAfterMs / 1000)));
    }
    return outcome.attempt;
  }

  /**
   * The password was right: clear this client's key, take this attempt back from the account's
   * count (other addresses' failures stay counted), and remember the address as known.
   */
  async succeeded({ email, client, countedForAccount }: LoginAttempt): Promise<void> {
    const now = this.clock.now();
    const acctKey = accountKey(email);
    await this.ds.transaction(async (em) => {
      await store.deleteKey(em, accountClientKey(email, client));
      if (countedForAccount) await store.takeBackOneFailure(em, acctKey);
      await store.rememberKnownClient(em, acctKey, client, now);
    });
  }

  /**
   * Deletes forgotten counters and known addresses past their retention, in batches of
   * `batchSize` (replica-safe, counted in retention_rows_deleted_total); how many rows.
   */
  async deleteExpired(batchSize: number): Promise<number> {
    const now = this.clock.now().getTime();
    const { counters, knownClients } = await store.pruneExpired(
      this.ds,
      {
        forgetBefore: new Date(now - loginFailureMemoryMs(this.config)),
        now: new Date(now),
        knownSince: new Date(now - KNOWN_CLIENT_RETENTION_MS),
      },
      batchSize,
    );
    return counters + knownClients;
  }
}
