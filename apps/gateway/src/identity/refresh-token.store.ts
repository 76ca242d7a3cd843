import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { pruneInBatches } from '@tutorhub/messaging';

/**
 * All SQL on sessions: `identity.refresh_token_families` (a family is a session) and
 * `identity.refresh_tokens`, and the NOTIFY/LISTEN channel that announces a revoked session.
 * `em` may be a transaction's manager or `dataSource.manager`.
 */

/** The NOTIFY channel on which a revoked session is announced (delivered at commit, to every replica). */
export const SESSION_REVOKED_CHANNEL = 'identity_session_revoked';

export interface PresentedToken {
  token_id: string;
  family_id: string;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
  user_id: string;
}

/** The token with the given digest and its family, both locked until commit. */
export async function lockPresentedToken(em: EntityManager, tokenHash: Buffer | string): Promise<PresentedToken | undefined> {
  const [row] = (await em.query(
    `SELECT t.id AS token_id, t.family_id, t.expires_at, t.used_at, f.revoked_at, f.user_id
       FROM identity.refresh_tokens t
       JOIN identity.refresh_token_families f ON f.id = t.family_id
      WHERE t.token_hash = $1
      FOR UPDATE OF t, f`,
    [tokenHash],
  )) as PresentedToken[];
  return row;
}

export async function revokeFamilyForReuse(em: EntityManager, familyId: string, now: Date): Promise<void> {
  await em.query(`UPDATE identity.refresh_token_families SET revoked_at = $2, revoked_reason = 'reuse_detected' WHERE id = $1`, [familyId, now]);
}

export async function markTokenUsed(em: EntityManager, tokenId: string, now: Date): Promise<void> {
  await em.query(`UPDATE identity.refresh_tokens SET used_at = $2 WHERE id = $1`, [tokenId, now]);
}

/** Revokes (logout) the open family the token belongs to; the ids of the families revoked (none or one). */
export async function revokeFamilyOfToken(em: EntityManager, tokenHash: Buffer | string, now: Date): Promise<string[]> {
  const result = (await em.query(
    `UPDATE identity.refresh_token_families f SET revoked_at = $2, revoked_reason = 'logout'
      FROM identity.refresh_tokens t
     WHERE t.token_hash = $1 AND f.id = t.family_id AND f.revoked_at IS NULL
     RETURNING f.id`,
    [tokenHash, now],
  )) as [Array<{ id: string }>, number] | Array<{ id: string }>;
  // The postgres driver answers an UPDATE … RETURNING as [rows, count].
  const rows = Array.isArray(result[0]) ? (result as [Array<{ id: string }>, number])[0] : (result as Array<{ id: string }>);
  return rows.map((r) => r.id);
}

export async function insertFamily(em: EntityManager, userId: string, now: Date): Promise<string> {
  const familyId = randomUUID();
  await em.query(`INSERT INTO identity.refresh_token_families (id, user_id, created_at) VALUES ($1, $2, $3)`, [familyId, userId, now]);
  return familyId;
}

export async function insertRefreshToken(em: EntityManager, familyId: string, tokenHash: Buffer | string, now: Date, expiresAt: Date): Promise<void> {
  await em.query(
    `INSERT INTO identity.refresh_tokens (id, family_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
    [randomUUID(), familyId, tokenHash, now, expiresAt],
  );
}

/**
 * Tells every replica, at commit, that a session ended, so that open notification streams of
 * that session close at once. Requests need no notification: each checks the session row.
 */
export async function announceRevocation(em: EntityManager, familyId: string): Promise<void> {
  await em.query(`SELECT pg_notify($1, $2)`, [SESSION_REVOKED_CHANNEL, familyId]);
}

/** Starts receiving the announcements on a dedicated connection. */
export async function listenForRevocations(client: Client): Promise<void> {
  await client.query(`LISTEN "${SESSION_REVOKED_CHANNEL}"`);
}

/**
 * Whether the session is open: its family exists for this user and is not revoked. A missing
 * row is a session that cannot be open any more, so it is not open.
 */
export async function isFamilyOpen(em: EntityManager, familyId: string, userId: string): Promise<boolean> {
  const [row] = (await em.query(`SELECT revoked_at FROM identity.refresh_token_families WHERE id = $1 AND user_id = $2`, [familyId, userId])) as Array<{
    revoked_at: Date | null;
  }>;
  return row !== undefined && row.revoked_at === null;
}

/** Expired tokens first (so they are counted, not cascaded), then families left without a live token. */
export async function pruneExpiredSessions(ds: DataSource, now: Date, batchSize: number): Promise<{ tokens: number; sessions: number }> {
  const tokens = await pruneInBatches(ds, { table: 'identity.refresh_tokens', due: 'expires_at <= $1', params: [now], batchSize });
  const sessions = await pruneInBatches(ds, {
    table: 'identity.refresh_token_families',
    due: `NOT EXISTS (SELECT 1 FROM identity.refresh_tokens t WHERE t.family_id = refresh_token_families.id AND t.expires_at > $1)`,
    params: [now],
    batchSize,
  });
  return { tokens, sessions };
}
