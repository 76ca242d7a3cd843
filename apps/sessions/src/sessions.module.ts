import { Module } from '@nestjs/common';
import { RtcTokenIssuer } from './agora/rtc-token-issuer';
import { SessionJobs } from './jobs/sessions.job';
import { BookingEventsHandler } from './read-model/booking-events.handler';
import { SessionService } from './sessions/session.service';
import { SessionsRpc } from './sessions/sessions.rpc';

@Module({
  providers: [BookingEventsHandler, RtcTokenIssuer, SessionService, SessionsRpc, SessionJobs],
  exports: [SessionService, SessionJobs],
})
export class SessionsModule {}
