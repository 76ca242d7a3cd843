import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  bookingsRpc,
  type Actor,
  type Booking,
  type CreateBookingInput,
  type Page,
} from '@tutorhub/contracts';
import { OnRpc, OutboxService, type RpcContext } from '@tutorhub/messaging';
import { AppError, Clock } from '@tutorhub/platform';
import { AvailabilityStore } from '../availability/availability.store';
import { assertPayablePrice, priceFor } from '../domain/price';
import { bookingNotFound, canSee, requireActor, requireRole, tutorNotFound } from '../shared/access';
import { BookingPolicies } from '../shared/booking-policies';
import { BOOKING_VIEW_SELECT, BookingStore, overlapConflict, type BookingViewRow } from '../stores/booking.store';
import { DEFAULT_PAGE_SIZE, decodeCursor, toPage } from '../shared/cursor';
import { toSafeInt } from '../shared/sql';
import { UserDirectory } from '../read-model/user-directory.store';
import { TutorProfileStore } from '../stores/tutor-profile.store';

@Injectable()
export class BookingRequestsRpc {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly outbox: OutboxService,
    private readonly store: BookingStore,
    private readonly policies: BookingPolicies,
    private readonly users: UserDirectory,
    private readonly availability: AvailabilityStore,
  ) {}

  /**
   * A student requests a lesson. The time must be inside the tutor's weekly hours (when they set
   * any) and outside their time off (422 `booking.outside_availability`), and at least
   * BOOKING_BUFFER_MINUTES from their other live bookings (409 `booking.slot_taken`). The price
   * is the tutor's current hourly rate × duration. The database refuses a slot that overlaps a live booking of the tutor (409 `booking.slot_taken`)
   * or of the student (409 `booking.student_overlap`: a student cannot attend two lessons at once,
   * and holding several tutors' time for one slot would block them for nothing).
   */
  @OnRpc(bookingsRpc.create)
  async create({ actor, data: input }: RpcContext<typeof bookingsRpc.create>): Promise<Booking> {
    const student = requireRole(actor, 'student');
    try {
      return await this.ds.transaction(async (em) => {
        if (input.idempotencyKey !== undefined) {
          // Identical retries wait for each other here, so the second one finds the first's booking
          // instead of colliding with it on the slot.
          await em.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`bookings.create:${student.userId}:${input.idempotencyKey}`]);
          const earlier = await this.findByIdempotencyKey(em, student.userId, input.idempotencyKey);
          if (earlier) return earlier;
        }
        return this.insert(em, student, input);
      });
    } catch (err) {
      throw overlapConflict(err) ?? err;
    }
  }

  private async insert(em: EntityManager, student: Actor, input: CreateBookingInput): Promise<Booking> {
    const now = this.clock.now();
    const tutor = await TutorProfileStore.find(em, input.tutorId);
    if (!tutor) throw tutorNotFound();
    if (tutor.id === student.userId) throw new AppError(422, 'booking.self_booking', 'You cannot book yourself.');
    if (!tutor.subjects.includes(input.subject)) {
      throw new AppError(422, 'booking.subject_not_offered', `This tutor does not teach "${input.subject}".`, { subjects: tutor.subjects });
    }
    const { startsAt, endsAt } = this.policies.rules.validateNewBooking({
      startsAt: new Date(input.startsAt),
      durationMinutes: input.durationMinutes,
      now,
    });
    await this.availability.assertBookable(em, tutor.id, startsAt, endsAt);
    const hourlyRateMinor = toSafeInt(tutor.hourly_rate_minor, 'hourly_rate_minor');
    const priceMinor = priceFor(hourlyRateMinor, input.durationMinutes);
    assertPayablePrice(priceMinor, { hourlyRateMinor, durationMinutes: input.durationMinutes });
    await this.users.ensure(em, student);
    const id = randomUUID();
    const note = input.note ? input.note : null;
    await em.query(
      `INSERT INTO bookings.bookings (id, student_id, tutor_id, subject, note, status, price_minor, currency, starts_at, ends_at,
                                      duration_minutes, accept_deadline, payment_deadline, idempotency_key, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, 'requested', $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)`,
      [
        id,
        student.userId,
        tutor.id,
        input.subject,
        note,
        priceMinor,
        tutor.currency,
        startsAt,
        endsAt,
        input.durationMinutes,
        this.policies.rules.acceptDeadline(startsAt),
        this.policies.rules.paymentDeadline(startsAt),
        input.idempotencyKey ?? null,
        now,
      ],
    );
    await this.outbox.add(em, 'bookings.booking.requested.v1', {
      bookingId: id,
      studentId: student.userId,
      tutorId: tutor.id,
      subject: input.subject,
      startsAt: startsAt.toISOString(),
      endsAt: endsAt.toISOString(),
      price: { amountMinor: priceMinor, currency: tutor.currency },
      note,
    });
    const booking = await this.store.view(em, id);
    if (!booking) throw new Error('booking vanished inside its own transaction');
    return booking;
  }

  private async findByIdempotencyKey(em: EntityManager, studentId: string, key: string): Promise<Booking | null> {
    const rows: BookingViewRow[] = await em.query(`${BOOKING_VIEW_SELECT} WHERE b.student_id = $1 AND b.idempotency_key = $2`, [studentId, key]);
    return rows[0] ? this.store.toBooking(rows[0]) : null;
  }

  /** The caller's bookings (an admin: everyone's), latest lesson first. */
  @OnRpc(bookingsRpc.list)
  async list({ actor, data: input }: RpcContext<typeof bookingsRpc.list>): Promise<Page<Booking>> {
    const caller = requireActor(actor);
    const limit = input.limit ?? DEFAULT_PAGE_SIZE;
    const after = decodeCursor(input.cursor);
    const where: string[] = [];
    const params: unknown[] = [];
    if (caller.role === 'student') {
      params.push(caller.userId);
      where.push(`b.student_id = $${params.length}`);
    } else if (caller.role === 'tutor') {
      params.push(caller.userId);
      where.push(`b.tutor_id = $${params.length}`);
    }
    if (input.status) {
      params.push(input.status);
      where.push(`b.status = $${params.length}`);
    }
    if (after) {
      params.push(after.at, after.id);
      where.push(`(b.starts_at, b.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const rows: BookingViewRow[] = await this.ds.query(
      `${BOOKING_VIEW_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY b.starts_at DESC, b.id DESC LIMIT $${params.length}`,
      params,
    );
    return toPage(rows, limit, (r) => ({ at: r.starts_at, id: r.id }), this.store.toBooking);
  }

  @OnRpc(bookingsRpc.get)
  async get({ actor, data: { bookingId } }: RpcContext<typeof bookingsRpc.get>): Promise<Booking> {
    const caller = requireActor(actor);
    const booking = await this.store.view(this.ds.manager, bookingId);
    if (!booking || !canSee(caller, booking)) throw bookingNotFound();
    return booking;
  }
}
