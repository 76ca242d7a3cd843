import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { notificationsRpc, type Actor, type EventEnvelope, type NotificationList } from '@tutorhub/contracts';
import { RpcClient } from '@tutorhub/messaging';
import { ManualClock } from '@tutorhub/platform';
import { startTestService, type TestService } from '@tutorhub/testing';
import { AppModule } from '../src/app.module';
import type { NotificationsConfig } from '../src/config';
import { DeliverNotificationsJob } from '../src/deliver-notifications/deliver-notifications.job';
import { notificationsMain } from '../src/main-definition';
import { deliver, envelope, queueReady } from './support/events';
import { FakeFcm } from './support/fake-fcm';
import { SmtpSink } from './support/smtp-sink';

const student = { userId: randomUUID(), role: 'student' as const, email: 'meron@example.com', fullName: 'Meron Haile' };
const tutor = { userId: randomUUID(), role: 'tutor' as const, email: 'yonas@example.com', fullName: 'Yonas Bekele' };
const money = { amountMinor: 150000, currency: 'ETB' as const };

interface DeliveryRow {
  channel: string;
  status: string;
  attempts: number;
  next_attempt_at: Date | null;
  last_error: string | null;
}

describe('delivery channels: email over SMTP, push over FCM HTTP v1 (real RabbitMQ + Postgres)', () => {
  const smtp = new SmtpSink();
  const fcm = new FakeFcm();
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');
  let svc: TestService<NotificationsConfig>;
  const ds = () => svc.app.get(DataSource);
  const job = () => svc.app.get(DeliverNotificationsJob);

  const notificationOf = async (e: EventEnvelope, userId: string): Promise<{ id: string; title: string; read_at: Date | null }> => {
    const [row] = await ds().query(`SELECT id, title, read_at FROM notifications.notifications WHERE source_event_id = $1 AND user_id = $2`, [
      e.id,
      userId,
    ]);
    return row;
  };
  const deliveries = (notificationId: string): Promise<DeliveryRow[]> =>
    ds().query(
      `SELECT channel, status, attempts, next_attempt_at, last_error FROM notifications.deliveries WHERE notification_id = $1 ORDER BY channel`,
      [notificationId],
    );
  const channel = async (notificationId: string, name: string) => (await deliveries(notificationId)).find((d) => d.channel === name)!;
  const paymentFailed = () =>
    envelope('payments.payment.failed.v1', {
      paymentId: randomUUID(),
      bookingId: randomUUID(),
      studentId: student.userId,
      tutorId: tutor.userId,
      txRef: `tx-${randomUUID()}`,
      amount: money,
      reason: null,
    });
  const after = (seconds: number) => new Date(clock.now().getTime() + seconds * 1000);

  beforeAll(async () => {
    await smtp.start();
    await fcm.start();
    svc = await startTestService(notificationsMain, {
      env: {
        SMTP_URL: smtp.url,
        EMAIL_FROM: 'tutorhub <no-reply@tutorhub.test>',
        FCM_PROJECT_ID: 'tutorhub-test',
        FCM_SERVICE_ACCOUNT_JSON: fcm.serviceAccountJson(),
        FCM_BASE_URL: fcm.baseUrl,
        DELIVERY_MAX_ATTEMPTS: '3',
        DELIVERY_RETRY_BASE_SECONDS: '30',
      },
      module: (c) => AppModule.forRoot(c as NotificationsConfig, { clock, relay: false }),
    });
    await queueReady(svc.namespace);
    await deliver(svc.namespace, ds(), envelope('identity.user.registered.v1', student), envelope('identity.user.registered.v1', tutor));
    // Welcome emails go out first so that the tests below start from an empty queue.
    await job().runOnce();
  });
  afterAll(async () => {
    await svc?.close();
    await smtp.stop();
    await fcm.stop();
  });
  beforeEach(() => {
    smtp.failing = false;
    fcm.unavailable = false;
  });

  it('plans only the email (the inbox row is the in-app delivery) and emails the user over a real SMTP conversation', async () => {
    const e = envelope('payments.payment.succeeded.v1', {
      paymentId: randomUUID(),
      bookingId: randomUUID(),
      studentId: student.userId,
      tutorId: tutor.userId,
      txRef: 'tx-ok',
      amount: money,
    });
    await deliver(svc.namespace, ds(), e);
    const n = await notificationOf(e, student.userId);
    // No device registered: no push delivery is planned; the in-app one is the inbox row itself.
    expect((await deliveries(n.id)).map((d) => [d.channel, d.status, d.attempts])).toEqual([['email', 'pending', 0]]);
    const before = smtp.received.length;
    await expect(job().runOnce()).resolves.toEqual({ sent: 1, skipped: 0, retrying: 0, failed: 0 });
    expect(await channel(n.id, 'email')).toMatchObject({ status: 'sent', attempts: 1, last_error: null });
    const mails = smtp.received.slice(before);
    expect(mails).toHaveLength(1);
    expect(mails[0].from).toBe('no-reply@tutorhub.test');
    expect(mails[0].to).toEqual([student.email]);
    expect(mails[0].data).toContain('Subject: Payment received');
    expect(mails[0].data).toContain('Meron Haile');
    expect(mails[0].data).toContain('ETB 1,500.00');
    expect(mails[0].data).toContain(`X-Tutorhub-Notification: ${n.id}`);
    // Nothing left to do.
    await expect(job().runOnce()).resolves.toEqual({ sent: 0, skipped: 0, retrying: 0, failed: 0 });
  });

  it('retries a failing mail server with exponential backoff without touching the inbox, then delivers', async () => {
    smtp.failing = true;
    const e = paymentFailed();
    await deliver(svc.namespace, ds(), e);
    const n = await notificationOf(e, student.userId);

    await expect(job().runOnce()).resolves.toMatchObject({ retrying: 1 });
    let email = await channel(n.id, 'email');
    expect(email).toMatchObject({ status: 'pending', attempts: 1 });
    expect(email.last_error).toContain('451');
    expect(email.next_attempt_at).toEqual(after(30));

    // The inbox has it regardless, unread, and so does the live stream's catch-up (ADR 0018).
    const inbox = await svc.app
      .get(RpcClient)
      .call<NotificationList>('notifications', 'notifications.list', { limit: 1 }, { actor: { userId: student.userId, role: 'student' } });
    expect(inbox.items[0]).toMatchObject({ id: n.id, title: 'Payment failed', readAt: null });
    const replay = await svc.app
      .get(RpcClient)
      .call(notificationsRpc.streamCatchUp, { after: '0' }, { actor: { userId: student.userId, role: 'student' } });
    expect(replay.items.filter((i) => i.notificationId === n.id)).toHaveLength(1);

    // Not due yet: not attempted.
    clock.advance(29_000);
    await job().runOnce();
    expect((await channel(n.id, 'email')).attempts).toBe(1);

    clock.advance(1_000);
    await job().runOnce();
    email = await channel(n.id, 'email');
    expect(email).toMatchObject({ status: 'pending', attempts: 2 });
    expect(email.next_attempt_at).toEqual(after(60));

    smtp.failing = false;
    const before = smtp.received.length;
    clock.advance(60_000);
    await job().runOnce();
    expect(await channel(n.id, 'email')).toMatchObject({ status: 'sent', attempts: 3 });
    expect(smtp.received.slice(before).map((m) => m.to)).toEqual([[student.email]]);
    expect((await notificationOf(e, student.userId)).read_at).toBeNull();
  });

  it('gives a delivery up as failed after the maximum number of attempts', async () => {
    smtp.failing = true;
    const e = paymentFailed();
    await deliver(svc.namespace, ds(), e);
    const n = await notificationOf(e, student.userId);
    await job().runOnce();
    clock.advance(30_000);
    await job().runOnce();
    clock.advance(60_000);
    await expect(job().runOnce()).resolves.toMatchObject({ failed: 1 });
    expect(await channel(n.id, 'email')).toMatchObject({ status: 'failed', attempts: 3, next_attempt_at: null });
    clock.advance(3_600_000);
    await job().runOnce();
    expect((await channel(n.id, 'email')).attempts).toBe(3);
    expect(await notificationOf(e, student.userId)).toMatchObject({ id: n.id, title: 'Payment failed' });
  });

  it('plans no email for users without a known address, nor for live-session notifications', async () => {
    const stranger = randomUUID();
    const payout = envelope('payments.payout.succeeded.v1', { payoutId: randomUUID(), tutorId: stranger, amount: money });
    const started = envelope('sessions.session.started.v1', {
      sessionId: randomUUID(),
      bookingId: randomUUID(),
      studentId: student.userId,
      tutorId: tutor.userId,
      startedBy: tutor.userId,
      channelName: 'tutorhub_live',
      startedAt: '2026-03-01T10:00:00.000Z',
    });
    await deliver(svc.namespace, ds(), payout, started);
    expect((await deliveries((await notificationOf(payout, stranger)).id)).map((d) => d.channel)).toEqual([]);
    expect((await deliveries((await notificationOf(started, student.userId)).id)).map((d) => d.channel)).toEqual([]);
  });

  it('gives a user without any channel the notification but no delivery row, in the same write as one who has a channel', async () => {
    const stranger = randomUUID(); // no contact (no email address) and no device
    const expired = envelope('bookings.booking.expired.v1', {
      bookingId: randomUUID(),
      studentId: student.userId,
      tutorId: stranger,
      reason: 'not_accepted',
      previousStatus: 'requested',
    });
    await deliver(svc.namespace, ds(), expired);
    const theirs = await notificationOf(expired, stranger);
    const ours = await notificationOf(expired, student.userId);
    expect(theirs).toMatchObject({ title: expect.any(String), read_at: null });
    expect(await deliveries(theirs.id)).toEqual([]);
    expect((await deliveries(ours.id)).map((d) => [d.channel, d.status])).toEqual([['email', 'pending']]);
    const [{ n }] = await ds().query(`SELECT count(*)::int AS n FROM notifications.deliveries WHERE notification_id = $1`, [theirs.id]);
    expect(n).toBe(0);
  });

  it('pushes to every registered device through FCM HTTP v1 and forgets tokens FCM calls dead', async () => {
    const actor: Actor = { userId: tutor.userId, role: 'tutor' };
    const alive = `alive:${randomUUID()}-aaaaaaaaaaaaaaaa`;
    const dead = `dead:${randomUUID()}-bbbbbbbbbbbbbbbbb`;
    for (const token of [alive, dead]) {
      await svc.app.get(RpcClient).call('notifications', 'notifications.register_device', { token, platform: 'android' }, { actor });
    }
    fcm.deadTokens.add(dead);
    const e = envelope('payments.escrow.released.v1', {
      escrowId: randomUUID(),
      bookingId: randomUUID(),
      studentId: student.userId,
      tutorId: tutor.userId,
      tutorAmount: { amountMinor: 127500, currency: 'ETB' },
      platformFee: { amountMinor: 22500, currency: 'ETB' },
    });
    await deliver(svc.namespace, ds(), e);
    const n = await notificationOf(e, tutor.userId);
    expect((await deliveries(n.id)).map((d) => d.channel)).toEqual(['email', 'push']);

    await job().runOnce();
    expect(await channel(n.id, 'push')).toMatchObject({ status: 'sent', attempts: 1 });
    expect(fcm.sent).toEqual([
      {
        projectId: 'tutorhub-test',
        token: alive,
        title: 'Payment released',
        body: 'ETB 1,275.00 was added to your wallet (platform fee ETB 225.00).',
        data: { notificationId: n.id, kind: 'escrow.released', data: expect.stringContaining('"tutorAmount"') },
      },
    ]);
    const tokens = await ds().query(`SELECT token FROM notifications.device_tokens WHERE user_id = $1`, [tutor.userId]);
    expect(tokens).toEqual([{ token: alive }]);
    expect(fcm.tokenRequests).toBe(1);

    // FCM down: the push is retried later; the cached OAuth token is reused.
    fcm.unavailable = true;
    const again = envelope('payments.payout.succeeded.v1', { payoutId: randomUUID(), tutorId: tutor.userId, amount: money });
    await deliver(svc.namespace, ds(), again);
    const m = await notificationOf(again, tutor.userId);
    await job().runOnce();
    expect(await channel(m.id, 'push')).toMatchObject({ status: 'pending', attempts: 1, next_attempt_at: after(30) });
    expect(await channel(m.id, 'email')).toMatchObject({ status: 'sent' });
    fcm.unavailable = false;
    clock.advance(30_000);
    await job().runOnce();
    expect(await channel(m.id, 'push')).toMatchObject({ status: 'sent', attempts: 2 });
    expect(fcm.sent.map((s) => s.data.notificationId)).toEqual([n.id, m.id]);
    expect(fcm.tokenRequests).toBe(1);
  });
});
