import { Module } from '@nestjs/common';
import { AcceptBooking } from './accept-booking/accept-booking';
import { AcceptBookingRpc } from './accept-booking/accept-booking.rpc';
import { AcceptReschedule } from './accept-reschedule/accept-reschedule';
import { AcceptRescheduleRpc } from './accept-reschedule/accept-reschedule.rpc';
import { AddTimeOff } from './add-time-off/add-time-off';
import { AddTimeOffRpc } from './add-time-off/add-time-off.rpc';
import { ApplyEscrowEvents } from './apply-escrow-events/apply-escrow-events';
import { EscrowEvents } from './apply-escrow-events/escrow.events';
import { ApplySessionEvents } from './apply-session-events/apply-session-events';
import { SessionEvents } from './apply-session-events/session.events';
import { CancelBooking } from './cancel-booking/cancel-booking';
import { CancelBookingRpc } from './cancel-booking/cancel-booking.rpc';
import { DeclineBooking } from './decline-booking/decline-booking';
import { DeclineBookingRpc } from './decline-booking/decline-booking.rpc';
import { DeclineReschedule } from './decline-reschedule/decline-reschedule';
import { DeclineRescheduleRpc } from './decline-reschedule/decline-reschedule.rpc';
import { ExpireBookingsJob } from './expire-bookings/expire-bookings.job';
import { ExpireProposalsJob } from './expire-reschedule-proposals/expire-reschedule-proposals.job';
import { ListDisputes } from './list-disputes/list-disputes';
import { ListDisputesRpc } from './list-disputes/list-disputes.rpc';
import { ListSlots } from './list-slots/list-slots';
import { ListSlotsRpc } from './list-slots/list-slots.rpc';
import { ListTimeOff } from './list-time-off/list-time-off';
import { ListTimeOffRpc } from './list-time-off/list-time-off.rpc';
import { OpenDispute } from './open-dispute/open-dispute';
import { OpenDisputeRpc } from './open-dispute/open-dispute.rpc';
import { ProposeReschedule } from './propose-reschedule/propose-reschedule';
import { ProposeRescheduleRpc } from './propose-reschedule/propose-reschedule.rpc';
import { PublishTutorProfile } from './publish-tutor-profile/publish-tutor-profile';
import { PublishTutorProfileRpc } from './publish-tutor-profile/publish-tutor-profile.rpc';
import { UserDirectory } from './read-model/user-directory.store';
import { UserRegisteredEvents } from './read-model/user-registered.events';
import { RemoveTimeOff } from './remove-time-off/remove-time-off';
import { RemoveTimeOffRpc } from './remove-time-off/remove-time-off.rpc';
import { RequestBooking } from './request-booking/request-booking';
import { RequestBookingRpc } from './request-booking/request-booking.rpc';
import { ResolveDispute } from './resolve-dispute/resolve-dispute';
import { ResolveDisputeRpc } from './resolve-dispute/resolve-dispute.rpc';
import { ReviewBooking } from './review-booking/review-booking';
import { ReviewBookingRpc } from './review-booking/review-booking.rpc';
import { SearchTutors } from './search-tutors/search-tutors';
import { SearchTutorsRpc } from './search-tutors/search-tutors.rpc';
import { SetAvailability } from './set-availability/set-availability';
import { SetAvailabilityRpc } from './set-availability/set-availability.rpc';
import { BookableTime } from './shared/bookable-time';
import { BookingPolicies } from './shared/booking-policies';
import { AvailabilityStore } from './stores/availability.store';
import { BookingStore } from './stores/booking.store';
import { RescheduleStore } from './stores/reschedule.store';
import { ViewAvailability } from './view-availability/view-availability';
import { ViewAvailabilityRpc } from './view-availability/view-availability.rpc';
import { ViewBookings } from './view-bookings/view-bookings';
import { ViewBookingsRpc } from './view-bookings/view-bookings.rpc';
import { ViewTutorProfile } from './view-tutor-profile/view-tutor-profile';
import { ViewTutorProfileRpc } from './view-tutor-profile/view-tutor-profile.rpc';

/** Tutor profiles and availability, the booking lifecycle, reviews and disputes (RPC handlers, event handlers, the expiry job). */
@Module({
  providers: [
    // shared pieces and stores
    BookingPolicies,
    BookingStore,
    AvailabilityStore,
    BookableTime,
    RescheduleStore,
    UserDirectory,
    UserRegisteredEvents,
    // tutor profiles
    PublishTutorProfile,
    PublishTutorProfileRpc,
    SearchTutors,
    SearchTutorsRpc,
    ViewTutorProfile,
    ViewTutorProfileRpc,
    // availability, time off, slots
    SetAvailability,
    SetAvailabilityRpc,
    ViewAvailability,
    ViewAvailabilityRpc,
    AddTimeOff,
    AddTimeOffRpc,
    ListTimeOff,
    ListTimeOffRpc,
    RemoveTimeOff,
    RemoveTimeOffRpc,
    ListSlots,
    ListSlotsRpc,
    // the booking's life
    RequestBooking,
    RequestBookingRpc,
    ViewBookings,
    ViewBookingsRpc,
    AcceptBooking,
    AcceptBookingRpc,
    DeclineBooking,
    DeclineBookingRpc,
    CancelBooking,
    CancelBookingRpc,
    ReviewBooking,
    ReviewBookingRpc,
    OpenDispute,
    OpenDisputeRpc,
    ListDisputes,
    ListDisputesRpc,
    ResolveDispute,
    ResolveDisputeRpc,
    ApplyEscrowEvents,
    EscrowEvents,
    ApplySessionEvents,
    SessionEvents,
    ExpireBookingsJob,
    // reschedule
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
