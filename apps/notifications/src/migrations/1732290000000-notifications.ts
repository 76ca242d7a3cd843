import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Inbox, contacts and device tokens read model, reminders, deliveries. */
export class Notifications1732290000000 implements MigrationInterface {
  name = 'Notifications1732290000000';

  async up(q: QueryRunner): Promise<void> {
    // Read model of identity.user.registered.v1: who to write to and how to address them.
    await q.query(`CREATE TABLE notifications.user_contacts (
      user_id uuid PRIMARY KEY,
      email text NOT NULL,
      full_name text NOT NULL,
      role text NOT NULL CHECK (role IN ('student', 'tutor', 'admin')),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    // A token belongs to one device, hence to at most one user: registering it again moves it.
    await q.query(`CREATE TABLE notifications.device_tokens (
      token text PRIMARY KEY,
      user_id uuid NOT NULL,
      platform text NOT NULL CHECK (platform IN ('android', 'ios', 'web')),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX device_tokens_user_idx ON notifications.device_tokens (user_id)`);

    // The inbox. seq orders it (created_at can tie); dedupe_key makes a second copy of the same
    // fact (redelivery, re-publication under a new event id, a second reminder pass) a no-op.
    await q.query(`CREATE TABLE notifications.notifications (
      id uuid PRIMARY KEY,
      seq bigserial NOT NULL UNIQUE,
      user_id uuid NOT NULL,
      kind text NOT NULL,
      title text NOT NULL,
      body text NOT NULL,
      data jsonb NOT NULL DEFAULT '{}'::jsonb,
      dedupe_key text NOT NULL,
      source_event_id uuid,
      created_at timestamptz NOT NULL,
      read_at timestamptz,
      CONSTRAINT notifications_dedupe_uq UNIQUE (dedupe_key, user_id, kind)
    )`);
    await q.query(`CREATE INDEX notifications_user_seq_idx ON notifications.notifications (user_id, seq DESC)`);
    await q.query(
      `CREATE INDEX notifications_user_unread_idx ON notifications.notifications (user_id, seq DESC) WHERE read_at IS NULL`,
    );

    // Reminders carry the booking snapshot they need to be written without another lookup.
    await q.query(`CREATE TABLE notifications.reminders (
      id uuid PRIMARY KEY,
      booking_id uuid NOT NULL,
      user_id uuid NOT NULL,
      kind text NOT NULL CHECK (kind IN ('24h', '15m')),
      due_at timestamptz NOT NULL,
      status text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'sent', 'cancelled')),
      cancel_reason text,
      student_id uuid NOT NULL,
      tutor_id uuid NOT NULL,
      subject text NOT NULL,
      starts_at timestamptz NOT NULL,
      ends_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      sent_at timestamptz,
      cancelled_at timestamptz,
      CONSTRAINT reminders_booking_user_kind_uq UNIQUE (booking_id, user_id, kind)
    )`);
    await q.query(`CREATE INDEX reminders_due_idx ON notifications.reminders (due_at) WHERE status = 'scheduled'`);
    await q.query(`CREATE INDEX reminders_booking_idx ON notifications.reminders (booking_id)`);
    // A booking that ended before it happened (cancelled, expired, no-show): a confirmation
    // arriving after it (reordering) must not schedule reminders.
    await q.query(`CREATE TABLE notifications.closed_bookings (
      booking_id uuid PRIMARY KEY,
      reason text NOT NULL,
      closed_at timestamptz NOT NULL DEFAULT now()
    )`);

    // One row per notification and channel. next_attempt_at doubles as the lease of the
    // replica that is sending it, so a crash mid-send means a retry after the lease.
    await q.query(`CREATE TABLE notifications.deliveries (
      id uuid PRIMARY KEY,
      notification_id uuid NOT NULL REFERENCES notifications.notifications (id) ON DELETE CASCADE,
      channel text NOT NULL CHECK (channel IN ('in_app', 'email', 'push')),
      status text NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz,
      last_error text,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      sent_at timestamptz,
      CONSTRAINT deliveries_notification_channel_uq UNIQUE (notification_id, channel)
    )`);
    await q.query(
      `CREATE INDEX deliveries_due_idx ON notifications.deliveries (next_attempt_at) WHERE status = 'pending'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE notifications.deliveries`);
    await q.query(`DROP TABLE notifications.closed_bookings`);
    await q.query(`DROP TABLE notifications.reminders`);
    await q.query(`DROP TABLE notifications.notifications`);
    await q.query(`DROP TABLE notifications.device_tokens`);
    await q.query(`DROP TABLE notifications.user_contacts`);
  }
}
