import { bookingsRpc, type Actor, type Booking, type OwnerBooking } from '@tutorhub/contracts';
import { RpcClient, RpcError } from '@tutorhub/messaging';

/**
 * Read-your-writes across services (docs/design.md §6, ADR 0006). A service answers from its own copy of
 * the booking; right after a change (the tutor accepted, the student paid) that copy may not have
 * the booking yet, and its 404 would tell a client that a booking it can see does not exist.
 *
 * So a 404 from the copy is not the last word: the gateway asks the owner (bookings), which
 * answers 404 itself for a booking that does not exist or is not the caller's. If the owner has it,
 * the call is made again with the owner's facts; the service then knows what it is waiting for and
 * waits for that event (bounded, about 2 s, woken when it is handled), or answers from the facts
 * (a session status for a booking not confirmed yet), or says `409 *.not_ready` with Retry-After.
 * The common path costs nothing: only a miss pays the owner round trip.
 */
export async function withOwnerFallback<T>(
  rpc: RpcClient,
  actor: Actor,
  bookingId: string,
  missCodes: readonly string[],
  call: (owner?: OwnerBooking) => Promise<T>,
): Promise<T> {
  let miss: RpcError;
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof RpcError) || err.status !== 404 || !missCodes.includes(err.code)) throw err;
    miss = err;
  }
  let booking: Booking;
  try {
    booking = await rpc.call(bookingsRpc.get, { bookingId }, { actor });
  } catch (err) {
    // The owner agrees: no such booking for this caller. Answer with the service's own 404.
    if (err instanceof RpcError && err.status === 404) throw miss;
    throw err;
  }
  return call({ status: booking.status, studentId: booking.studentId, tutorId: booking.tutorId, startsAt: booking.startsAt, endsAt: booking.endsAt });
}
