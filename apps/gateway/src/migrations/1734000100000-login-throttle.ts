import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-account login throttling (ADR 0015), shared by every gateway replica.
 * - login_throttle: one row per key, the sha256 of either `account:<email>` (every client) or
 *   `account-client:<email>|<ip>` (one client address). Attempts are counted before the
 *   password is checked; from `failures` ≥ the key's threshold each attempt sets a bounded,
 *   exponential `blocked_until`. The email is stored only as part of a digest: unknown
 *   addresses (which must be throttled alike, so that 429 reveals nothing) leave no plain text.
 * - login_known_clients: (account, client address) pairs that logged in successfully lately.
 *   They are exempt from the account-wide limit, so an attacker failing from elsewhere cannot
 *   lock the owner out from their usual address.
 */
export class LoginThrottle1734000100000 implements MigrationInterface {
  name = 'LoginThrottle1734000100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE identity.login_throttle (
        key bytea PRIMARY KEY,
        failures integer NOT NULL CHECK (failures >= 0),
        last_attempt_at timestamptz NOT NULL,
        blocked_until timestamptz
      )`);
    await q.query(`CREATE INDEX login_throttle_last_attempt_idx ON identity.login_throttle (last_attempt_at)`);
    await q.query(`
      CREATE TABLE identity.login_known_clients (
        account_key bytea NOT NULL,
        client text NOT NULL,
        last_success_at timestamptz NOT NULL,
        PRIMARY KEY (account_key, client)
      )`);
    await q.query(`CREATE INDEX login_known_clients_last_success_idx ON identity.login_known_clients (last_success_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE identity.login_known_clients`);
    await q.query(`DROP TABLE identity.login_throttle`);
  }
}
