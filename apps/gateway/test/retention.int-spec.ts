import { randomUUID } from 'node:crypto';
import { register } from 'prom-client';
import { DataSource } from 'typeorm';
import type { AuthSession } from '@tutorhub/contracts';
import { IdentityCleanupJob, LogOut, RefreshSession, Register } from '../src/identity';
import { refreshTokenDigest } from '../src/identity/domain/refresh-token';
import { startGateway, type Gateway } from './support';

/**
 * Retention in the gateway (docs/operations.md "Data retention"): expired idempotency records,
 * expired refresh tokens and sessions left without a live token, forgotten login counters and
 * old known login addresses, each counted in retention_rows_deleted_total. Rows are placed in
 * time by their timestamps.
 */
async function deleted(table: string): Promise<number> {
  const m = register.getSingleMetric('retention_rows_deleted_total');
  if (!m) return 0;
  return (await m.get()).values.filter((v) => v.labels['table'] === table).reduce((s, v) => s + v.value, 0);
}

describe('gateway retention (real Postgres)', () => {
  let gw: Gateway;
  const ds = () => gw.app.get(DataSource);
  const refresh = (token: string) => gw.app.get(RefreshSession).refresh(token);
  const newUser = (): Promise<AuthSession> =>
    gw.app.get(Register).register({ email: `${randomUUID()}@example.com`, password: 'correct horse battery staple', fullName: 'Liya Alemu', role: 'student' });
  const familyOf = async (refreshToken: string): Promise<string> =>
    (await ds().query(`SELECT t.family_id FROM identity.refresh_tokens t WHERE t.token_hash = $1`, [refreshTokenDigest(refreshToken)]))[0]?.family_id;
  const expireTokens = (where: string, params: unknown[]) => ds().query(`UPDATE identity.refresh_tokens SET expires_at = now() - interval '1 minute' WHERE ${where}`, params);
  const countWhere = async (table: string, where: string, params: unknown[]): Promise<number> =>
    (await ds().query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params))[0].n;
  const key = (expires: string) =>
    ds()
      .query(
        `INSERT INTO identity.idempotency_keys (user_id, method, path, key, request_hash, state, status_code, created_at, locked_at, completed_at, expires_at)
         VALUES ($1, 'POST', '/api/x', $2, 'h', 'completed', 201, now(), now(), now(), ${expires}) RETURNING key`,
        [randomUUID(), randomUUID()],
      )
      .then((r: Array<{ key: string }>) => r[0]!.key);

  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('deletes only what expired: idempotency records, expired refresh tokens, and sessions with no live token left', async () => {
    // A: a live session that rotated once; its old, used token has expired.
    const a1 = await newUser();
    const familyA = await familyOf(a1.refreshToken);
    const a2 = await refresh(a1.refreshToken);
    await expireTokens(`family_id = $1 AND used_at IS NOT NULL`, [familyA]);
    // B: a session whose every token expired.
    const b = await newUser();
    const familyB = await familyOf(b.refreshToken);
    await expireTokens(`family_id = $1`, [familyB]);
    // C: logged out, token not yet expired: kept, so the token is answered "session ended".
    const c = await newUser();
    const familyC = await familyOf(c.refreshToken);
    await gw.app.get(LogOut).logout(c.refreshToken);
    const expiredKey = await key(`now() - interval '1 second'`);
    const liveKey = await key(`now() + interval '1 hour'`);
    const before = {
      keys: await deleted('identity.idempotency_keys'),
      tokens: await deleted('identity.refresh_tokens'),
      families: await deleted('identity.refresh_token_families'),
    };

    await expect(gw.app.get(IdentityCleanupJob).runOnce()).resolves.toEqual({ idempotencyKeys: 1, refreshTokens: 2, sessions: 1, loginThrottle: 0 });

    expect(await countWhere('identity.idempotency_keys', 'key = ANY($1)', [[expiredKey, liveKey]])).toBe(1);
    expect(await countWhere('identity.idempotency_keys', 'key = $1', [liveKey])).toBe(1);
    expect(await countWhere('identity.refresh_token_families', 'id = ANY($1::uuid[])', [[familyA, familyB, familyC]])).toBe(2);
    expect(await countWhere('identity.refresh_token_families', 'id = $1', [familyB])).toBe(0);
    expect(await countWhere('identity.refresh_tokens', 'family_id = $1', [familyA])).toBe(1);
    expect(await deleted('identity.idempotency_keys')).toBe(before.keys + 1);
    expect(await deleted('identity.refresh_tokens')).toBe(before.tokens + 2);
    expect(await deleted('identity.refresh_token_families')).toBe(before.families + 1);

    // The live session still refreshes; the pruned token is unknown now; the ended one says so.
    await expect(refresh(a2.refreshToken)).resolves.toMatchObject({ refreshToken: expect.any(String) });
    await expect(refresh(a1.refreshToken)).rejects.toMatchObject({ status: 401, code: 'auth.refresh_token_invalid' });
    await expect(refresh(c.refreshToken)).rejects.toMatchObject({ status: 401, code: 'auth.refresh_token_revoked' });
  });

  it('lets replicas prune at once without failing or counting a row twice', async () => {
    const families: string[] = [];
    for (let i = 0; i < 6; i++) families.push(await familyOf((await newUser()).refreshToken));
    await expireTokens(`family_id = ANY($1::uuid[])`, [families]);
    await ds().query(
      `INSERT INTO identity.idempotency_keys (user_id, method, path, key, request_hash, state, created_at, locked_at, expires_at)
       SELECT gen_random_uuid(), 'POST', '/api/x', gen_random_uuid()::text, 'h', 'in_progress', now(), now(), now() - interval '1 hour' FROM generate_series(1, 2500)`,
    );
    const job = gw.app.get(IdentityCleanupJob);

    const runs = await Promise.all([job.runOnce(), job.runOnce(), job.runOnce()]);

    expect(runs.reduce((n, r) => n + r.idempotencyKeys, 0)).toBe(2500);
    expect(runs.reduce((n, r) => n + r.refreshTokens, 0)).toBe(6);
    expect(runs.reduce((n, r) => n + r.sessions, 0)).toBe(6);
    expect(await countWhere('identity.refresh_token_families', 'id = ANY($1::uuid[])', [families])).toBe(0);
  });

  it('prunes forgotten login counters and old known addresses in batches, counted, shared by replicas', async () => {
    // Keys are unique per test run; the bulk rows make three batches of PRUNE_BATCH_SIZE (1000).
    const run = randomUUID();
    const counter = (name: string, lastAttempt: string, blockedUntil: string) =>
      ds().query(
        `INSERT INTO identity.login_throttle (key, failures, last_attempt_at, blocked_until)
         VALUES (sha256(convert_to($1, 'UTF8')), 3, ${lastAttempt}, ${blockedUntil})`,
        [`${run}:${name}`],
      );
    await counter('forgotten', `now() - interval '2 days'`, 'NULL');
    await counter('forgotten-wait-over', `now() - interval '2 days'`, `now() - interval '1 day'`);
    await counter('still-blocked', `now() - interval '2 days'`, `now() + interval '1 hour'`);
    await counter('recent', `now() - interval '1 minute'`, 'NULL');
    await ds().query(
      `INSERT INTO identity.login_throttle (key, failures, last_attempt_at)
       SELECT sha256(convert_to($1 || ':bulk:' || g, 'UTF8')), 1, now() - interval '3 hours' FROM generate_series(1, 2500) g`,
      [run],
    );
    const known = (client: string, lastSuccess: string) =>
      ds().query(`INSERT INTO identity.login_known_clients (account_key, client, last_success_at) VALUES (sha256(convert_to($1, 'UTF8')), $2, ${lastSuccess})`, [
        run,
        client,
      ]);
    await known('203.0.113.1', `now() - interval '31 days'`);
    await known('203.0.113.2', `now() - interval '29 days'`);
    const keyIn = `key IN (SELECT sha256(convert_to($1 || ':' || n, 'UTF8')) FROM unnest($2::text[]) n)`;
    const before = { counters: await deleted('identity.login_throttle'), known: await deleted('identity.login_known_clients') };
    const job = gw.app.get(IdentityCleanupJob);

    const runs = await Promise.all([job.runOnce(), job.runOnce(), job.runOnce()]);

    expect(runs.reduce((n, r) => n + r.loginThrottle, 0)).toBe(2500 + 2 + 1);
    expect(await countWhere('identity.login_throttle', keyIn, [run, ['forgotten', 'forgotten-wait-over', 'still-blocked', 'recent']])).toBe(2);
    expect(await countWhere('identity.login_throttle', keyIn, [run, ['still-blocked', 'recent']])).toBe(2);
    expect(await countWhere('identity.login_throttle', `key = sha256(convert_to($1 || ':bulk:1', 'UTF8'))`, [run])).toBe(0);
    expect(await countWhere('identity.login_known_clients', `account_key = sha256(convert_to($1, 'UTF8'))`, [run])).toBe(1);
    expect(await countWhere('identity.login_known_clients', `account_key = sha256(convert_to($1, 'UTF8')) AND client = $2`, [run, '203.0.113.2'])).toBe(1);
    expect(await deleted('identity.login_throttle')).toBe(before.counters + 2502);
    expect(await deleted('identity.login_known_clients')).toBe(before.known + 1);
  });
});
