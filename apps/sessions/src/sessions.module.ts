import { Module } from '@nestjs/common';
import { RtcTokenIssuer } from './agora/rtc-token-issuer';
import { AutoEndSessions } from './auto-end-sessions/auto-end-sessions';
import { AutoEndSessionsJob } from './auto-end-sessions/auto-end-sessions.job';
import { EndSession } from './end-session/end-session';
import { EndSessionRpc } from './end-session/end-session.rpc';
import { GetSessionStatus } from './get-session-status/get-session-status';
import { GetSessionStatusRpc } from './get-session-status/get-session-status.rpc';
import { JoinSession } from './join-session/join-session';
import { JoinSessionRpc } from './join-session/join-session.rpc';
import { BookingEventsHandler } from './read-model/booking-snapshot.events';
import { RenewToken } from './renew-token/renew-token';
import { RenewTokenRpc } from './renew-token/renew-token.rpc';
import { ReportMissedSessions } from './report-missed-sessions/report-missed-sessions';
import { ReportMissedSessionsJob } from './report-missed-sessions/report-missed-sessions.job';
import { CallAccess } from './shared/call-access';
import { ParticipantBookings } from './shared/participant-booking';
import { SessionEnding } from './shared/session-ending';
import { StartSession } from './start-session/start-session';
import { StartSessionRpc } from './start-session/start-session.rpc';

/** Every provider of the sessions service (layout: README). */
@Module({
  providers: [
    RtcTokenIssuer,
    ParticipantBookings,
    CallAccess,
    SessionEnding,
    // read model
    BookingEventsHandler,
    // use cases
    StartSession,
    JoinSession,
    RenewToken,
    EndSession,
    GetSessionStatus,
    AutoEndSessions,
    ReportMissedSessions,
    // rpc adapters
    StartSessionRpc,
    JoinSessionRpc,
    RenewTokenRpc,
    EndSessionRpc,
    GetSessionStatusRpc,
    // jobs
    AutoEndSessionsJob,
    ReportMissedSessionsJob,
  ],
  exports: [AutoEndSessionsJob, ReportMissedSessionsJob],
})
export class SessionsModule {}
