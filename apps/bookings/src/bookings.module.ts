import { Module } from '@nestjs/common';
import { AvailabilityRpc } from './availability/availability.rpc';
import { AvailabilityStore } from './stores/availability.store';
import { BookableTime } from './shared/bookable-time';
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
import { ExpireProposalsJob } from './expire-reschedule-proposals/expire-reschedule-proposals.job';
import { ProposeReschedule } from './propose-reschedule/propose-reschedule';
import { ProposeRescheduleRpc } from './propose-reschedule/propose-reschedule.rpc';
import { AcceptReschedule } from './accept-reschedule/accept-reschedule';
import { AcceptRescheduleRpc } from './accept-reschedule/accept-reschedule.rpc';
import { DeclineReschedule } from './decline-reschedule/decline-reschedule';
import { DeclineRescheduleRpc } from './decline-reschedule/decline-reschedule.rpc';
import { RescheduleStore } from './stores/reschedule.store';
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
    ProposeReschedule,
    ProposeRescheduleRpc,
    AcceptReschedule,
    AcceptRescheduleRpc,
    DeclineReschedule,
    DeclineRescheduleRpc,
    ExpireProposalsJob,
  ],
  exports: [ExpireBookingsJob, ExpireProposalsJob, AvailabilityStore, BookableTime],
})
export class BookingsModule {}
