import { Module } from '@nestjs/common';
import { AvailabilityRpc } from './availability/availability.rpc';
import { AvailabilityStore } from './availability/availability.store';
import { BookingChangesRpc } from './booking-changes/booking-changes.rpc';
import { BookingRequestsRpc } from './booking-requests/booking-requests.rpc';
import { DisputesRpc } from './disputes/disputes.rpc';
import { EscrowEventsHandler } from './event-handlers/escrow-events.handler';
import { SessionEventsHandler } from './event-handlers/session-events.handler';
import { ExpireBookingsJob } from './expiry/expire-bookings.job';
import { UserDirectory } from './read-models/user-directory';
import { ExpireProposalsJob } from './reschedule/expire-proposals.job';
import { RescheduleRpc } from './reschedule/reschedule.rpc';
import { RescheduleStore } from './reschedule/reschedule.store';
import { ReviewsRpc } from './reviews/reviews.rpc';
import { BookingPolicies } from './shared/booking-policies';
import { BookingStore } from './shared/booking.store';
import { TutorProfilesRpc } from './tutors/tutor-profiles.rpc';

/** Tutor profiles and availability, the booking lifecycle, reviews and disputes (RPC handlers, event handlers, the expiry job). */
@Module({
  providers: [
    BookingPolicies,
    BookingStore,
    AvailabilityStore,
    UserDirectory,
    TutorProfilesRpc,
    AvailabilityRpc,
    BookingRequestsRpc,
    BookingChangesRpc,
    ReviewsRpc,
    DisputesRpc,
    EscrowEventsHandler,
    SessionEventsHandler,
    ExpireBookingsJob,
    RescheduleStore,
    RescheduleRpc,
    ExpireProposalsJob,
  ],
  exports: [ExpireBookingsJob, ExpireProposalsJob, AvailabilityStore],
})
export class BookingsModule {}
