import { z } from 'zod';
import { isoDateTime, uuidSchema } from '../common';
import { bookingStatusSchema } from '../events/catalogue';

/**
 * Read-your-writes (docs/design.md §6, ADR 0006): the booking as its owner (bookings) knows it right now,
 * passed by the gateway to a service whose own copy does not have the booking yet. The service
 * then knows the booking exists and who takes part in it, and what it is waiting for: it waits
 * (bounded) for the event that brings the booking into its read model, or answers from these facts.
 * Only the gateway sends it, after the owner answered for the same caller.
 */
export const ownerBookingSchema = z.strictObject({
  status: bookingStatusSchema,
  studentId: uuidSchema,
  tutorId: uuidSchema,
  startsAt: isoDateTime,
  endsAt: isoDateTime,
});
export type OwnerBooking = z.infer<typeof ownerBookingSchema>;
