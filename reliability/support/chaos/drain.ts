import type { Cluster } from '../cluster';
import { brokerConnection, consumedByOutcome, eventsQueue, queueDepth } from '../broker';
import { withDb } from '@tutorhub/testing';
import { SERVICES } from '../cluster';

/**
 * Waits until the platform has nothing left to do: every outbox row published, every service
 * queue empty, every event of a consumed type in the inbox of each consumer, no job work due
 * (expiry, missed sessions, auto-end, releases, refunds) and no consumer having handled anything
 * for `quietMs` (chaos holds messages unacked, so an empty queue alone proves nothing). Bounded:
 * work that never gets done is reported by the checks (liveness), not waited for for ever.
 */
export interface DrainState {
  unpublished: number;
  ready: number;
  missingDeliveries: number;
  due: Record<string, number>;
  consumed: number;
}

async function state(cluster: Cluster, startLateMinutes: number, replicas: number): Promise<DrainState> {
  const db = await withDb(cluster.db.url, async (c) => {
    let unpublished = 0;
    for (const s of ['identity', 'bookings', 'sessions', 'payments', 'notifications']) {
      unpublished += Number((await c.query(`SELECT count(*) AS n FROM "${s}".outbox WHERE published_at IS NULL`)).rows[0].n);
    }
    let missingDeliveries = 0;
    for (const s of SERVICES) {
      const types: string[] = (await c.query(`SELECT DISTINCT event_type FROM "${s}".inbox`)).rows.map((r) => r.event_type);
      for (const p of ['identity', 'bookings', 'sessions', 'payments', 'notifications']) {
        missingDeliveries += Number(
          (
            await c.query(
              `SELECT count(*) AS n FROM "${p}".outbox o WHERE o.type = ANY($1) AND NOT EXISTS (SELECT 1 FROM "${s}".inbox i WHERE i.event_id = o.id)`,
              [types],
            )
          ).rows[0].n,
        );
      }
    }
    const q = async (sql: string, params: unknown[] = []) => Number((await c.query(sql, params)).rows[0].n);
    const due = {
      expiry: await q(`SELECT count(*) AS n FROM bookings.bookings WHERE status IN ('requested', 'accepted') AND starts_at < now() - interval '5 seconds'`),
      missed: await q(
        `SELECT count(*) AS n FROM sessions.booking_snapshots b WHERE b.status = 'confirmed' AND b.missed_at IS NULL
            AND b.starts_at + make_interval(mins => $1::int) < now() - interval '5 seconds'
            AND NOT EXISTS (SELECT 1 FROM sessions.sessions s WHERE s.booking_id = b.booking_id)`,
        [startLateMinutes],
      ),
      autoEnd: await q(
        `SELECT count(*) AS n FROM sessions.sessions s JOIN sessions.booking_snapshots b ON b.booking_id = s.booking_id
          WHERE s.status = 'active' AND b.ends_at < now() - interval '5 seconds'`,
      ),
      release: await q(`SELECT count(*) AS n FROM payments.escrows WHERE status = 'release_scheduled' AND release_at < now() - interval '5 seconds'`),
      refunds: await q(`SELECT count(*) AS n FROM payments.refunds WHERE status IN ('pending', 'submitted') AND next_attempt_at < now() - interval '30 seconds'`),
    };
    return { unpublished, missingDeliveries, due };
  });
  const conn = await brokerConnection(cluster);
  let ready = 0;
  try {
    for (const s of SERVICES) ready += await queueDepth(conn, eventsQueue(cluster.namespace, s));
  } finally {
    await conn.close().catch(() => undefined);
  }
  let consumed = 0;
  for (const s of SERVICES) {
    for (let i = 0; i < replicas; i++) {
      const c = await consumedByOutcome(cluster, s, i).catch(() => ({}) as Record<string, number>);
      consumed += Object.values(c).reduce((a, b) => a + b, 0);
    }
  }
  return { ...db, ready, consumed };
}

/** Returns the last state and whether it drained in time (the checks run either way and say what is stuck). */
export async function waitQuiescent(
  cluster: Cluster,
  o: { startLateMinutes: number; replicas: number; quietMs: number; timeoutMs: number },
): Promise<{ state: DrainState; drained: boolean }> {
  const deadline = Date.now() + o.timeoutMs;
  let last: DrainState | undefined;
  let quietSince = Date.now();
  for (;;) {
    const s = await state(cluster, o.startLateMinutes, o.replicas);
    const busy = s.unpublished > 0 || s.ready > 0 || s.missingDeliveries > 0 || Object.values(s.due).some((n) => n > 0);
    if (busy || !last || last.consumed !== s.consumed) quietSince = Date.now();
    last = s;
    // Refunds "due" only counts ones stuck for 30 s: Chapa's side is not what this run is about,
    // but a stuck one is reported by the checks.
    if (!busy && Date.now() - quietSince >= o.quietMs) return { state: s, drained: true };
    if (Date.now() > deadline) return { state: s, drained: false };
    await new Promise((r) => setTimeout(r, 500));
  }
}
