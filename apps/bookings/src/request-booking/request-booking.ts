import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Actor, Booking, CreateBookingInput } from '@tutorhub/contracts';
import { OutboxService } from '@tutorhub/messaging';
import { Clock } from '@tutorhub/platform';
import { BookableTime } from '../shared/bookable-time';
import { assertPayablePrice, priceFor } from '../domain/price';
import { assertNotSelfBooking, assertSubjectOffered } from '../domain/request-rules';
import { UserDirectory } from '../read-model/user-directory.store';
import { tutorNotFound } from '../shared/access';
import { BookingPolicies } from '../shared/booking-policies';
import { toSafeInt } from '../shared/sql';
import { BookingStore, overlapConflict } from '../stores/booking.store';
import { TutorProfileStore } from '../stores/tutor-profile.store';

/**
 * A student requests a lesson. The time must be inside the tutor's weekly hours (when they set
 * any) and outside their time off (422 `booking.outside_availability`), and at least
 * BOOKING_BUFFER_MINUTES from their other live bookings (409 `booking.slot_taken`). The price
 * is the tutor's current hourly rate × duration. The database refuses a slot that overlaps a live booking of the tutor (409 `booking.slot_taken`)
 * or of the student (409 `booking.student_overlap`: a student cannot attend two lessons at once,
 * and holding several tutors' time for one slot would block them for nothing).
 */
@Injectable()
export class RequestBooking {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly outbox: OutboxService,
    private readonly store: BookingStore,
    private readonly policies: BookingPolicies,
    private readonly users: UserDirectory,
    private readonly availability: BookableTime,
  ) {}

  async request(student: Actor, input: CreateBookingInput): Promise<Booking> {
    try {
      return await this.ds.transaction(async (em) => {
        if (input.idempotencyKey !== undefined) {
          // Identical retries wait for each other here, so the second one finds the first's booking
          // instead of colliding with it on the slot.
          await this.store.lockIdempotencyKey(em, student.userId, input.idempotencyKey);
          const earlier = await this.store.findByIdempotencyKey(em, student.userId, input.idempotencyKey);
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
    assertNotSelfBooking(tutor.id, student.userId);
    assertSubjectOffered(tutor.subjects, input.subject);
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
    await this.store.insertRequested(em, {
      id,
      studentId: student.userId,
      tutorId: tutor.id,
      subject: input.subject,
      note,
      priceMinor,
      currency: tutor.currency,
      startsAt,
      endsAt,
      durationMinutes: input.durationMinutes,
      acceptDeadline: this.policies.rules.acceptDeadline(startsAt),
      paymentDeadline: this.policies.rules.paymentDeadline(startsAt),
      idempotencyKey: input.idempotencyKey ?? null,
      createdAt: now,
    });
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
}
