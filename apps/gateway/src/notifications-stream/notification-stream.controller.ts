import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { NotificationCreatedV1, notificationsRpc, streamPositionSchema, type Actor } from '@tutorhub/contracts';
import { RpcClient } from '@tutorhub/messaging';
import { AppError } from '@tutorhub/platform';
import { CONFIG } from '@tutorhub/service';
import type { GatewayConfig } from '../config';
import { ApiHeader, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags, AccessTokenService, AllowQueryToken, CurrentActor, zodToOpenApi, type AuthenticatedRequest } from '../http';
import { LiveStream, type StreamedNotification } from './live-stream';
import { NotificationHub } from './notification-hub';
import { SessionRevocations } from './session-revocations';

/** More than this many open streams per user is a leak or abuse (each holds a socket). */
export const MAX_STREAMS_PER_USER = 5;
/** A catch-up that takes longer than this ends the stream (the client resumes from its last id). */
const CATCH_UP_TIMEOUT_MS = 5000;

const FLAGS: Record<string, boolean> = { true: true, '1': true, false: false, '0': false };

/**
 * Whether the client asked to resume (`?resume=true`), and from where: `?lastEventId=` (a new
 * EventSource that stored its last id), else the `Last-Event-ID` header (what EventSource sends
 * on its own reconnects). A header that is not a position (an id from before ADR 0018, which
 * were event uuids) is ignored, as every id used to be; a bad query parameter is a 400.
 */
export function resumeFrom(query: Request['query'], header: string | undefined): { resume: boolean; lastEventId: string | undefined } {
  const flag = query.resume;
  if (flag !== undefined && (typeof flag !== 'string' || !(flag in FLAGS))) {
    throw new AppError(400, 'validation_failed', 'resume must be true or false.');
  }
  const resume = flag !== undefined && FLAGS[flag];
  const fromQuery = query.lastEventId;
  if (fromQuery !== undefined && (typeof fromQuery !== 'string' || !streamPositionSchema.safeParse(fromQuery).success)) {
    throw new AppError(400, 'validation_failed', 'lastEventId must be an id this stream sent.');
  }
  if (!resume) return { resume, lastEventId: undefined };
  const fromHeader = header !== undefined && streamPositionSchema.safeParse(header.trim()).success ? header.trim() : undefined;
  return { resume, lastEventId: fromQuery ?? fromHeader };
}

@ApiTags('notifications')
@Controller('notifications')
export class NotificationStreamController {
  constructor(
    private readonly hub: NotificationHub,
    @Inject(CONFIG) private readonly config: GatewayConfig,
    private readonly tokens: AccessTokenService,
    private readonly revocations: SessionRevocations,
    private readonly rpc: RpcClient,
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
      'log in again. ' +
      'Each notification\'s SSE `id` is its position in the caller\'s inbox (a decimal number that only grows); the stream also sets it ' +
      'without an event (`id:` line, no data) right after it opens, to the newest position at that moment. ' +
      'Without `resume=true` the stream is live only (as before): missed notifications are in `GET /api/notifications`. ' +
      'With `resume=true` it also replays, in order and once, every notification after `Last-Event-ID` (the header EventSource sends when it reconnects) ' +
      'or `lastEventId` (for a new connection that kept the last id), before it continues live; if it cannot, it ends and the client reconnects (`retry: 5000`).',
  })
  @ApiQuery({ name: 'resume', required: false, schema: { type: 'boolean', default: false }, description: 'Replay what came after Last-Event-ID / lastEventId.' })
  @ApiQuery({ name: 'lastEventId', required: false, schema: { type: 'string', pattern: '^(0|[1-9][0-9]{0,18})$' }, description: 'With resume=true: the last SSE id this client received.' })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Sent by EventSource when it reconnects; used with resume=true.' })
  @ApiProduces('text/event-stream')
  @ApiResponse({
    status: 200,
    description: 'An event stream; each `data:` line is one notification.',
    content: { 'text/event-stream': { schema: { type: 'string', description: 'text/event-stream', contentSchema: zodToOpenApi(NotificationCreatedV1.schema) } as never } },
  })
  stream(@CurrentActor() actor: Actor, @Req() req: AuthenticatedRequest & Request, @Res() res: Response): void {
    const { resume, lastEventId } = resumeFrom(req.query, req.header('last-event-id'));
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
      live?.close();
      res.end();
    };
    const revoked = () => {
      if (!ended) res.write('event: session_revoked\ndata: {}\n\n');
      end();
    };
    const write = (n: Omit<StreamedNotification, 'seq'>, id: string | undefined) => {
      if (!ended) res.write(`${id ? `id: ${id}\n` : ''}event: notification\ndata: ${JSON.stringify(n)}\n\n`);
    };
    // A resumable stream keeps its position and catches up over RPC (ADR 0018); a live-only one
    // (the behaviour before) streams what arrives, each with its position as id.
    const live = resume
      ? new LiveStream(
          {
            notification: write,
            position: (id) => !ended && res.write(`: position\nid: ${id}\n\n`),
            end,
          },
          (after) =>
            this.rpc.call(notificationsRpc.streamCatchUp, after === undefined ? {} : { after }, { actor, timeoutMs: CATCH_UP_TIMEOUT_MS }),
          lastEventId,
        )
      : undefined;
    const sessionId = req.sessionId ?? '';
    const unsubscribe = this.hub.subscribe(actor.userId, {
      sessionId,
      send: (n) => {
        if (live) return live.live(n);
        const { seq, ...notification } = n;
        write(notification, seq);
      },
      resync: () => void live?.resync(),
      close: end,
      revoked,
    });
    void live?.start();
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
