import type { Cluster } from './cluster';
import { brokerConnection } from './broker';
import { withDb } from '@tutorhub/testing';

/**
 * A snapshot of where things are stuck, for failure messages: unpublished outbox rows, what each
 * inbox handled, database sessions that are waiting or idle in a transaction, and each queue's
 * depth and consumer count.
 */
export async function diagnose(cluster: Cluster): Promise<string> {
  const out: string[] = [];
  try {
    await withDb(cluster.db.url, async (c) => {
      for (const s of ['identity', 'bookings', 'sessions', 'payments', 'notifications']) {
        const r = await c.query(`SELECT count(*) FILTER (WHERE published_at IS NULL)::int AS unpublished, count(*)::int AS total, max(attempts)::int AS max_attempts FROM "${s}".outbox`);
        out.push(`${s}.outbox ${JSON.stringify(r.rows[0])}`);
      }
      for (const s of ['bookings', 'sessions', 'payments', 'notifications']) {
        const r = await c.query(`SELECT event_type, count(*)::int AS n FROM "${s}".inbox GROUP BY 1 ORDER BY 1`);
        out.push(`${s}.inbox ${r.rows.map((x) => `${x.event_type.replace(/\.v1$/, '')}=${x.n}`).join(' ')}`);
      }
      const act = await c.query(
        `SELECT application_name, state, wait_event_type, wait_event, now() - xact_start AS xact_age, left(query, 120) AS query
           FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
            AND (state LIKE 'idle in transaction%' OR wait_event_type = 'Lock' OR (state = 'active' AND now() - query_start > interval '2 seconds'))`,
      );
      out.push(`stuck sessions: ${JSON.stringify(act.rows)}`);
    });
  } catch (err) {
    out.push(`database: ${(err as Error).message}`);
  }
  try {
    const conn = await brokerConnection(cluster);
    try {
      for (const s of ['bookings', 'sessions', 'payments', 'notifications']) {
        for (const q of [`${cluster.namespace}.${s}.events`, `${cluster.namespace}.${s}.events.dlq`, `${cluster.namespace}.${s}.rpc.quorum`]) {
          const ch = await conn.createChannel();
          ch.on('error', () => undefined);
          try {
            const { messageCount, consumerCount } = await ch.checkQueue(q);
            out.push(`${q}: ${messageCount} ready, ${consumerCount} consumers`);
          } catch (err) {
            out.push(`${q}: ${(err as Error).message}`);
          } finally {
            await ch.close().catch(() => undefined);
          }
        }
      }
    } finally {
      await conn.close().catch(() => undefined);
    }
  } catch (err) {
    out.push(`broker: ${(err as Error).message}`);
  }
  return out.join('\n');
}
