import { Module } from '@nestjs/common';
import { AvailabilityRpc } from './availability/availability.rpc';
import { AvailabilityStore } from './availability/availability.store';
import { BookableTime } from './availability/bookable-time';
import { AcceptBookingRpc } from './accept-booking/accept-booking.rpc';
import { CancelBooking } from './cancel-booking/cancel-booking';
import { CancelBookingRpc } from './cancel-booking/cancel-booking.rpc';
import { DeclineBookingRpc } from './decline-booking/decline-booking.rpc';
import { RequestBooking } from './request-booking/request-booking';
import { RequestBookingRpc } from './request-booking/request-booking.rpc';
import { ViewBookingsRpc } from './view-bookings/view-bookings.rpc';
import { ListDisputesRpc } from './list-disputes/list-disputes.rpc';
import { OpenDisputeRpc } from './open-dispute/open-dispute.rpc';
import { ResolveDisputeRpc } from './resolve-dispute/resolve-dispute.rpc';
import { ApplyEscrowEvents } from './apply-escrow-events/apply-escrow-events';
import { EscrowEvents } from './apply-escrow-events/escrow.events';
import { ApplySessionEvents } from './apply-session-events/apply-session-events';
import { SessionEvents } from './apply-session-events/session.events';
import { ExpireBookingsJob } from './expire-bookings/expire-bookings.job';
import { UserDirectory } from './read-model/user-directory.store';
import { UserRegisteredEvents } from './read-model/user-registered.events';
import { ExpireProposalsJob } from './reschedule/expire-proposals.job';
import { RescheduleRpc } from './reschedule/reschedule.rpc';
import { RescheduleStore } from './reschedule/reschedule.store';
import { ReviewBookingRpc } from './review-booking/review-booking.rpc';
import { BookingPolicies } from './shared/booking-policies';
import { BookingStore } from './stores/booking.store';
import { TutorProfilesRpc } from './tutors/tutor-profiles.rpc';

/** Tutor profiles and availability, the booking lifecycle, reviews and disputes (RPC handlers, event handlers, the expiry job). */
@Module({
  providers: [
    BookingPolicies,
    BookingStore,
    AvailabilityStore,
    BookableTime,
    UserDirectory,
    UserRegisteredEvents,
    TutorProfilesRpc,
    AvailabilityRpc,
    RequestBooking,
    RequestBookingRpc,
    ViewBookingsRpc,
    AcceptBookingRpc,
    DeclineBookingRpc,
    CancelBooking,
    CancelBookingRpc,
    ReviewBookingRpc,
    OpenDisputeRpc,
    ListDisputesRpc,
    ResolveDisputeRpc,
    ApplyEscrowEvents,
    EscrowEvents,
    ApplySessionEvents,
    SessionEvents,
    ExpireBookingsJob,
    RescheduleStore,
    RescheduleRpc,
    ExpireProposalsJob,
  ],
  exports: [ExpireBookingsJob, ExpireProposalsJob, AvailabilityStore, BookableTime],
})
export class BookingsModule {}
