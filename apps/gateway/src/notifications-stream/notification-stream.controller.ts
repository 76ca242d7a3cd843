import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { NotificationCreatedV1, type Actor } from '@tutorhub/contracts';
import { AppError } from '@tutorhub/platform';
import { CONFIG } from '@tutorhub/service';
import type { GatewayConfig } from '../config';
import { AccessTokenService, AllowQueryToken, CurrentActor, zodToOpenApi, type AuthenticatedRequest } from '../http';
import { NotificationHub, type LiveNotification } from './notification-hub';
import { SessionRevocations } from './session-revocations';

/** More than this many open streams per user is a leak or abuse (each holds a socket). */
export const MAX_STREAMS_PER_USER = 5;

@ApiTags('notifications')
@Controller('notifications')
export class NotificationStreamController {
  constructor(
    private readonly hub: NotificationHub,
    @Inject(CONFIG) private readonly config: GatewayConfig,
    private readonly tokens: AccessTokenService,
    private readonly revocations: SessionRevocations,
  ) {}

  @Get('stream')
  @AllowQueryToken()
  @ApiOperation({
    summary: 'Live notifications (Server-Sent Events)',
    description:
      'Authenticate with `Authorization: Bearer <token>`, or `?access_token=<token>` for EventSource clients, which cannot set headers. ' +
      'Each new notification of the caller arrives as `event: notification` with the JSON below as `data` (and the event id as `id`). ' +
      'A comment line (`: heartbeat`) is sent every ~25 s. The stream ends with `event: token_expired` when the access token expires: ' +
      'reconnect with a fresh one. It ends with `event: session_revoked` when the session is ended (logout, or a reused refresh token): ' +
      'log in again. The stream is live only; missed notifications are in `GET /api/notifications`.',
  })
  @ApiProduces('text/event-stream')
  @ApiResponse({
    status: 200,
    description: 'An event stream; each `data:` line is one notification.',
    content: { 'text/event-stream': { schema: { type: 'string', description: 'text/event-stream', contentSchema: zodToOpenApi(NotificationCreatedV1.schema) } as never } },
  })
  stream(@CurrentActor() actor: Actor, @Req() req: AuthenticatedRequest & Request, @Res() res: Response): void {
    if (this.hub.subscriberCount(actor.userId) >= MAX_STREAMS_PER_USER) {
      throw new AppError(429, 'notifications.too_many_streams', `At most ${MAX_STREAMS_PER_USER} live streams per user.`);
    }
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no'); // nginx ingress: do not buffer the stream
    res.flushHeaders();
    req.socket.setKeepAlive(true);
    req.socket.setNoDelay(true);
    res.write('retry: 5000\n: connected\n\n');

    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      clearTimeout(expiry);
      unsubscribe();
      res.end();
    };
    const revoked = () => {
      if (!ended) res.write('event: session_revoked\ndata: {}\n\n');
      end();
    };
    const sessionId = req.sessionId ?? '';
    const unsubscribe = this.hub.subscribe(actor.userId, {
      sessionId,
      send: (n: LiveNotification, id: string) => {
        if (!ended) res.write(`id: ${id}\nevent: notification\ndata: ${JSON.stringify(n)}\n\n`);
      },
      close: end,
      revoked,
    });
    // A revocation's NOTIFY closes the stream at once (SessionRevocations). The session is
    // checked once more now that the stream is subscribed (a revocation notified between the
    // guard's check and the subscription would otherwise be missed), and again at a heartbeat
    // only if the LISTEN connection is down or has changed since the last check, i.e. when a
    // notification may have been lost. A healthy connection costs no query per stream.
    let checkedUnder: number | undefined;
    const check = () => {
      const generation = this.revocations.generation;
      void this.tokens.sessionOpen(sessionId, actor.userId).then(
        (open) => (open ? (checkedUnder = generation) : revoked()),
        () => (checkedUnder = undefined), // the database is unreachable: keep the stream, check again next beat
      );
    };
    check();
    const heartbeat = setInterval(() => {
      res.write(': heartbeat\n\n');
      if (checkedUnder === undefined || checkedUnder !== this.revocations.generation) check();
    }, this.config.SSE_HEARTBEAT_MS);
    // The stream must not outlive the token that opened it.
    const msLeft = Math.max(0, (req.accessTokenExpiresAt?.getTime() ?? Date.now()) - Date.now());
    const expiry = setTimeout(() => {
      if (!ended) res.write('event: token_expired\ndata: {}\n\n');
      end();
    }, Math.min(msLeft, 2 ** 31 - 1));
    req.on('close', end);
    res.on('error', end);
  }
}
