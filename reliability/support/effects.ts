import type { Client } from 'pg';
import { EXPECTED, feeOf, type JourneyResult } from './journey';
import { withDb, type Violation } from '@tutorhub/testing';

/**
 * Exactly-once checks across services: no double state transition (each once-only event at
 * most once per booking in its producer's outbox), no reminder or notification told twice,
 * and each service's view of a booking's money agrees with the payments ledger.
 */

/** Events that happen at most once per booking (or per the listed key). */
const ONCE: Array<{ schema: string; types: string[]; key: string }> = [
  {
    schema: 'bookings',
    types: [
      'bookings.booking.requested.v1',
      'bookings.booking.accepted.v1',
      'bookings.booking.declined.v1',
      'bookings.booking.expired.v1',
      'bookings.booking.cancelled.v1',
      'bookings.booking.confirmed.v1',
      'bookings.booking.completed.v1',
      'bookings.booking.no_show.v1',
      'bookings.dispute.opened.v1',
      'bookings.dispute.resolved.v1',
    ],
    key: `envelope->'data'->>'bookingId'`,
  },
  { schema: 'bookings', types: ['bookings.review.submitted.v1'], key: `(envelope->'data'->>'bookingId') || '/' || (envelope->'data'->>'authorId')` },
  {
    schema: 'sessions',
    types: ['sessions.session.started.v1', 'sessions.session.ended.v1', 'sessions.session.missed.v1'],
    key: `envelope->'data'->>'bookingId'`,
  },
  { schema: 'sessions', types: ['sessions.session.participant_joined.v1'], key: `(envelope->'data'->>'bookingId') || '/' || (envelope->'data'->>'userId')` },
  {
    schema: 'payments',
    types: ['payments.escrow.held.v1', 'payments.escrow.release_scheduled.v1', 'payments.escrow.released.v1', 'payments.escrow.refunded.v1'],
    key: `envelope->'data'->>'bookingId'`,
  },
  { schema: 'payments', types: ['payments.payment.succeeded.v1', 'payments.payment.failed.v1'], key: `envelope->'data'->>'paymentId'` },
  // notifications.notification.created.v1 is no longer written (ADR 0018: the live stream reads a
  // transient feed announced at commit); "a user is told each booking fact once" below covers
  // the notifications themselves.
  { schema: 'identity', types: ['identity.user.registered.v1'], key: `envelope->'data'->>'userId'` },
];

/** Notification kinds a user is told at most once per booking. */
const ONCE_KINDS = [
  'booking.requested',
  'booking.accepted',
  'booking.confirmed',
  'booking.cancelled',
  'booking.no_show',
  'escrow.held',
  'escrow.released',
  'escrow.refunded',
  'escrow.release_scheduled',
  'session.started',
  'session.ended',
  'session.rating_requested',
  'payment.succeeded',
];

async function onceViolations(c: Client): Promise<Violation[]> {
  const out: Violation[] = [];
  for (const o of ONCE) {
    const { rows } = await c.query(
      `SELECT type, ${o.key} AS key, count(*)::int AS n, array_agg(id) AS ids FROM "${o.schema}".outbox
        WHERE type = ANY($1) GROUP BY type, ${o.key} HAVING count(*) > 1`,
      [o.types],
    );
    if (rows.length) out.push({ check: `${o.schema}: once-only events written at most once`, rows: rows.slice(0, 10) });
  }
  const notif = await c.query(
    `SELECT user_id, kind, data->>'bookingId' AS booking_id, count(*)::int AS n FROM notifications.notifications
      WHERE kind = ANY($1) AND data ? 'bookingId' GROUP BY user_id, kind, data->>'bookingId' HAVING count(*) > 1`,
    [ONCE_KINDS],
  );
  if (notif.rows.length) out.push({ check: 'notifications: a user is told each booking fact once', rows: notif.rows.slice(0, 10) });
  const reminders = await c.query(
    `SELECT user_id, data->>'bookingId' AS booking_id, data->>'reminder' AS reminder, count(*)::int AS n FROM notifications.notifications
      WHERE kind = 'booking.reminder' GROUP BY 1, 2, 3 HAVING count(*) > 1`,
  );
  if (reminders.rows.length) out.push({ check: 'notifications: no reminder sent twice', rows: reminders.rows });
  const remindersSent = await c.query(
    `SELECT r.id, r.booking_id, r.user_id, r.kind, r.status,
            (SELECT count(*)::int FROM notifications.notifications n WHERE n.dedupe_key = 'reminder:' || r.id) AS notifications
       FROM notifications.reminders r
      WHERE (r.status = 'sent') <> ((SELECT count(*) FROM notifications.notifications n WHERE n.dedupe_key = 'reminder:' || r.id) = 1)`,
  );
  if (remindersSent.rows.length) out.push({ check: 'notifications: a reminder marked sent has exactly one notification (and only then)', rows: remindersSent.rows });
  const deliveries = await c.query(
    `SELECT notification_id, channel, count(*)::int AS n FROM notifications.deliveries GROUP BY 1, 2 HAVING count(*) > 1`,
  );
  if (deliveries.rows.length) out.push({ check: 'notifications: one delivery per notification and channel', rows: deliveries.rows });
  const sessions = await c.query(`SELECT booking_id, count(*)::int AS n FROM sessions.sessions GROUP BY booking_id HAVING count(*) > 1`);
  if (sessions.rows.length) out.push({ check: 'sessions: one session per booking', rows: sessions.rows });
  return out;
}

/**
 * Bookings' money view (from payments events) agrees with the payments ledger for every settled
 * escrow: a missing or doubled escrow event would leave them apart.
 */
async function crossServiceViolations(c: Client): Promise<Violation[]> {
  const { rows } = await c.query(
    `SELECT e.booking_id, e.status AS escrow_status, b.money_status, b.status AS booking_status,
            e.refund_minor::text AS escrow_refund, b.refunded_minor::text AS booking_refunded,
            (e.tutor_minor + e.fee_minor)::text AS escrow_released, b.released_minor::text AS booking_released
       FROM payments.escrows e JOIN bookings.bookings b ON b.id = e.booking_id
      WHERE e.status IN ('released', 'refunded')
        AND (b.refunded_minor <> e.refund_minor OR b.released_minor <> e.tutor_minor + e.fee_minor
             OR b.money_status <> CASE WHEN e.refund_minor = 0 THEN 'released'
                                       WHEN e.tutor_minor + e.fee_minor = 0 THEN 'refunded'
                                       ELSE 'partially_refunded' END)`,
  );
  const out: Violation[] = [];
  if (rows.length) out.push({ check: 'bookings’ money status agrees with the settled escrow', rows: rows.slice(0, 10) });
  const held = await c.query(
    `SELECT e.booking_id, e.status, b.money_status FROM payments.escrows e JOIN bookings.bookings b ON b.id = e.booking_id
      WHERE e.status IN ('held', 'release_scheduled', 'frozen') AND b.money_status <> e.status`,
  );
  if (held.rows.length) out.push({ check: 'bookings’ money status agrees with the open escrow', rows: held.rows.slice(0, 10) });
  return out;
}

export async function effectViolations(url: string): Promise<Violation[]> {
  return withDb(url, async (c) => [...(await onceViolations(c)), ...(await crossServiceViolations(c))]);
}

export async function assertExactlyOnce(url: string): Promise<void> {
  const v = await effectViolations(url);
  if (v.length) throw new Error(`exactly-once violated:\n${v.map((x) => `- ${x.check}: ${JSON.stringify(x.rows)}`).join('\n')}`);
}

/**
 * Every journey ended as its kind must, in every service: the booking's status, the escrow's
 * final state with the right amounts, and the ledger postings behind them.
 */
export async function assertJourneyOutcomes(url: string, journeys: JourneyResult[]): Promise<void> {
  const problems: string[] = [];
  await withDb(url, async (c) => {
    for (const j of journeys) {
      const b = (await c.query(`SELECT status, money_status FROM bookings.bookings WHERE id = $1`, [j.bookingId])).rows[0];
      const e = (
        await c.query(
          `SELECT status, amount_minor::int AS amount, refund_minor::int AS refund, tutor_minor::int AS tutor, fee_minor::int AS fee
             FROM payments.escrows WHERE booking_id = $1`,
          [j.bookingId],
        )
      ).rows;
      const want = EXPECTED[j.kind];
      if (b?.status !== want.booking) problems.push(`${j.bookingId} (${j.kind}): booking ${b?.status} instead of ${want.booking}`);
      if (e.length !== 1) {
        problems.push(`${j.bookingId} (${j.kind}): ${e.length} escrows`);
        continue;
      }
      const [x] = e;
      if (x.status !== want.escrow) problems.push(`${j.bookingId} (${j.kind}): escrow ${x.status} instead of ${want.escrow}`);
      if (x.amount !== j.price.amountMinor) problems.push(`${j.bookingId}: escrow holds ${x.amount}, the price is ${j.price.amountMinor}`);
      if (want.escrow === 'released' && (x.tutor !== x.amount - feeOf(x.amount) || x.fee !== feeOf(x.amount) || x.refund !== 0)) {
        problems.push(`${j.bookingId}: released ${JSON.stringify(x)} (fee ${feeOf(x.amount)})`);
      }
      if (want.escrow === 'refunded' && (x.refund !== x.amount || x.tutor !== 0 || x.fee !== 0)) problems.push(`${j.bookingId}: refunded ${JSON.stringify(x)}`);
      const notYet = (await c.query(`SELECT count(*)::int AS n FROM sessions.sessions WHERE booking_id = $1 AND status <> 'ended'`, [j.bookingId])).rows[0].n;
      if (notYet) problems.push(`${j.bookingId}: a session is still not ended`);
    }
  });
  if (problems.length) throw new Error(`journeys did not end as they must:\n${problems.join('\n')}`);
}

/** Row counts of the tables that carry effects, to compare before and after a replay. */
export async function effectCounts(url: string): Promise<Record<string, number>> {
  const tables = [
    'bookings.bookings',
    'bookings.reviews',
    'bookings.disputes',
    'bookings.outbox',
    'sessions.sessions',
    'sessions.session_attendance',
    'sessions.outbox',
    'payments.payments',
    'payments.escrows',
    'payments.refunds',
    'payments.payouts',
    'payments.ledger_transactions',
    'payments.ledger_entries',
    'payments.escrow_audit',
    'payments.outbox',
    'notifications.notifications',
    'notifications.reminders',
    'notifications.deliveries',
    'notifications.outbox',
    'identity.users',
    'identity.outbox',
  ];
  return withDb(url, async (c) => {
    const out: Record<string, number> = {};
    for (const t of tables) out[t] = Number((await c.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
    // Versions move on every state change: a replay that "changes nothing" must not bump them.
    out['bookings.version_sum'] = Number((await c.query(`SELECT COALESCE(sum(version), 0) AS n FROM bookings.bookings`)).rows[0].n);
    out['payments.escrow_version_sum'] = Number((await c.query(`SELECT COALESCE(sum(version), 0) AS n FROM payments.escrows`)).rows[0].n);
    out['payments.balance_sum'] = Number((await c.query(`SELECT COALESCE(sum(balance_minor), 0) AS n FROM payments.ledger_accounts`)).rows[0].n);
    return out;
  });
}

/**
 * No event missing: every outbox row of every service is published, and every published event
 * is in the inbox of every service that consumes its type (a service consumes a type if its
 * inbox holds any event of that type). A lost or dead-lettered event shows up here.
 */
export async function assertEventsDelivered(url: string): Promise<{ events: number; deliveries: number }> {
  const producers = ['identity', 'bookings', 'sessions', 'payments', 'notifications'];
  const consumers = ['bookings', 'sessions', 'payments', 'notifications'];
  const problems: string[] = [];
  let events = 0;
  let deliveries = 0;
  await withDb(url, async (c) => {
    for (const p of producers) {
      const unpublished = await c.query(`SELECT id, type FROM "${p}".outbox WHERE published_at IS NULL LIMIT 10`);
      if (unpublished.rows.length) problems.push(`${p}: unpublished outbox rows ${JSON.stringify(unpublished.rows)}`);
      events += Number((await c.query(`SELECT count(*) AS n FROM "${p}".outbox`)).rows[0].n);
    }
    for (const s of consumers) {
      const types: string[] = (await c.query(`SELECT DISTINCT event_type FROM "${s}".inbox`)).rows.map((r) => r.event_type);
      for (const p of producers) {
        const missing = await c.query(
          `SELECT o.id, o.type, o.envelope->'data'->>'bookingId' AS booking_id FROM "${p}".outbox o
            WHERE o.type = ANY($1) AND NOT EXISTS (SELECT 1 FROM "${s}".inbox i WHERE i.event_id = o.id)
            LIMIT 10`,
          [types],
        );
        if (missing.rows.length) problems.push(`${s} never handled ${JSON.stringify(missing.rows)}`);
        deliveries += Number((await c.query(`SELECT count(*) AS n FROM "${p}".outbox o WHERE o.type = ANY($1)`, [types])).rows[0].n);
      }
    }
  });
  if (problems.length) throw new Error(`events missing:\n${problems.join('\n')}`);
  return { events, deliveries };
}
