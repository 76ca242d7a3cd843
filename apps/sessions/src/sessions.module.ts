import { Module } from '@nestjs/common';
import { RtcTokenIssuer } from './agora/rtc-token-issuer';
import { SessionJobs } from './jobs/sessions.job';
import { BookingEventsHandler } from './read-model/booking-snapshot.events';
import { SessionService } from './run-session/run-session';
import { SessionsRpc } from './run-session/run-session.rpc';

@Module({
  providers: [BookingEventsHandler, RtcTokenIssuer, SessionService, SessionsRpc, SessionJobs],
  exports: [SessionService, SessionJobs],
})
export class SessionsModule {}
