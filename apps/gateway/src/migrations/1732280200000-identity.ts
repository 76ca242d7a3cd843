import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Identity proper.
 * - users: email stored normalised (trimmed, lower-cased) and unique; scrypt hash with its own
 *   parameters and salt (`scrypt$<logN>$<r>$<p>$<salt>$<hash>`).
 * - refresh_token_families: one per login (device); revoking it ends every token in it.
 * - refresh_tokens: only sha256 hashes are stored. A token is single-use: rotation stamps
 *   `used_at`; presenting a used token again revokes its family (theft detection).
 * - idempotency_keys: first answer of a mutating POST per (user, method, path, key).
 */
export class Identity1732280200000 implements MigrationInterface {
  name = 'Identity1732280200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE identity.users (
        id uuid PRIMARY KEY,
        email text NOT NULL,
        full_name text NOT NULL,
        role text NOT NULL CHECK (role IN ('student', 'tutor', 'admin')),
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_email_normalised CHECK (email = lower(btrim(email))),
        CONSTRAINT users_email_key UNIQUE (email)
      )`);
    await q.query(`
      CREATE TABLE identity.refresh_token_families (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason text CHECK (revoked_reason IN ('logout', 'reuse_detected'))
      )`);
    await q.query(`CREATE INDEX refresh_token_families_user_idx ON identity.refresh_token_families (user_id)`);
    await q.query(`
      CREATE TABLE identity.refresh_tokens (
        id uuid PRIMARY KEY,
        family_id uuid NOT NULL REFERENCES identity.refresh_token_families (id) ON DELETE CASCADE,
        token_hash bytea NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        CONSTRAINT refresh_tokens_hash_key UNIQUE (token_hash)
      )`);
    await q.query(`CREATE INDEX refresh_tokens_family_idx ON identity.refresh_tokens (family_id)`);
    await q.query(`CREATE INDEX refresh_tokens_expires_idx ON identity.refresh_tokens (expires_at)`);
    await q.query(`
      CREATE TABLE identity.idempotency_keys (
        user_id uuid NOT NULL,
        method text NOT NULL,
        path text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        state text NOT NULL CHECK (state IN ('in_progress', 'completed')),
        status_code integer,
        content_type text,
        response_body text,
        created_at timestamptz NOT NULL,
        locked_at timestamptz NOT NULL,
        completed_at timestamptz,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (user_id, method, path, key),
        CHECK (state <> 'completed' OR status_code IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_expires_idx ON identity.idempotency_keys (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE identity.idempotency_keys`);
    await q.query(`DROP TABLE identity.refresh_tokens`);
    await q.query(`DROP TABLE identity.refresh_token_families`);
    await q.query(`DROP TABLE identity.users`);
  }
}
