/**
 * One Nest application on one HTTP adapter, for the bench's `http-adapter` phase
 * (http-adapter.ts forks this file once per adapter × variant, so that each server's CPU is its
 * own process's). HTTP_ADAPTER=express|fastify, HTTP_VARIANT=bare|gateway.
 *
 * - `bare`: Nest, the adapter, the `/api` prefix and two routes; nothing else.
 * - `gateway`: what the gateway puts on every request, from the gateway's own code where that
 *   is importable without the whole app: the first middleware of every service
 *   (httpObservability: request id, work context, one pino access line, the HTTP metrics),
 *   helmet, JSON bodies limited to 100 kB with the raw body kept (rawBody: true), nestjs-pino as
 *   Nest's logger, the gateway's global AuthGuard with its AccessTokenService (HS256 verified
 *   with jose, issuer/audience/expiry pinned), the zod pipes (ZodParam, ZodBody with the contract's
 *   createBookingBody), @Roles, and the ProblemFilter. Left out because no adapter changes their
 *   cost: the session-open lookup in Postgres (one primary-key read per authenticated request,
 *   ADR 0015), the throttler, the idempotency and load-shedding pieces, and the RPC to a service.
 *
 * The same middleware functions run on both adapters (Fastify runs them through @fastify/middie,
 * as Nest's FastifyAdapter does for `app.use`): what a switch that keeps the gateway's code would
 * run. Routes answer fixed JSON, so what is measured is the HTTP stack, not a service.
 *
 * The parent talks over IPC: `ready` (port, an access token for a student), then `cpu` on
 * request (process.cpuUsage(): every thread of this process, GC and libuv included).
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Controller, Get, Injectable, Module, Param, Post, Body, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import helmet from 'helmet';
import { Logger, LoggerModule } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { createBookingBody, uuidSchema, type Actor } from '@tutorhub/contracts';
import { Clock, SystemClock } from '@tutorhub/platform';
import { CONFIG, ProblemFilter, ROOT_LOGGER, createLogger, httpObservability, nestPinoParams } from '@tutorhub/service';
import { DEV_JWT_SECRET, type GatewayConfig } from '../../apps/gateway/src/config';
import { AccessTokenService } from '../../apps/gateway/src/http/access-token.service';
import { AuthGuard } from '../../apps/gateway/src/http/auth.guard';
import { CurrentActor, Roles } from '../../apps/gateway/src/http/auth.decorators';
import { ZodBody, ZodParam } from '../../apps/gateway/src/http/zod';

export type HttpAdapterName = 'express' | 'fastify';
export type HttpVariant = 'bare' | 'gateway';

export type ServerMessage = { type: 'ready'; port: number; token: string } | { type: 'cpu'; userMicros: number; systemMicros: number };

const BODY_LIMIT_BYTES = 100 * 1024; // the gateway's BODY_LIMIT default, 100kb
const JSON_TYPES = ['application/json', 'application/*+json'];

/** A booking-shaped answer (≈ 400 bytes), as GET /api/bookings/:id returns. */
function booking(id: string, studentId: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    tutorId: '6f1c1a52-5b1e-4c1e-9a57-3d1f0b0f2a11',
    studentId,
    subject: 'mathematics',
    status: 'confirmed',
    startsAt: '2026-12-08T10:00:00.000Z',
    durationMinutes: 60,
    priceMinor: 45000,
    currency: 'ETB',
    acceptDeadline: '2026-12-07T22:00:00.000Z',
    note: null,
    createdAt: '2026-12-07T06:00:00.000Z',
    updatedAt: '2026-12-07T06:05:00.000Z',
    ...extra,
  };
}

@Controller()
class BareController {
  @Get('bookings/:id')
  get(@Param('id') id: string) {
    return booking(id, '0b6d7a4e-2f0e-4d8b-8f7e-5a1b2c3d4e5f');
  }

  @Post('bookings')
  create(@Body() body: Record<string, unknown>) {
    return booking(randomUUID(), '0b6d7a4e-2f0e-4d8b-8f7e-5a1b2c3d4e5f', { status: 'requested', ...body });
  }
}

@Controller()
class GatewayLikeController {
  @Get('bookings/:id')
  get(@ZodParam('id', uuidSchema) id: string, @CurrentActor() actor: Actor) {
    return booking(id, actor.userId);
  }

  @Post('bookings')
  @Roles('student')
  create(@ZodBody(createBookingBody) body: z.output<typeof createBookingBody>, @CurrentActor() actor: Actor) {
    return booking(randomUUID(), actor.userId, { status: 'requested', ...body });
  }
}

/** The gateway's token service without its one Postgres read (the session-open check, ADR 0015). */
@Injectable()
class NoLookupAccessTokenService extends AccessTokenService {
  override sessionOpen(): Promise<boolean> {
    return Promise.resolve(true);
  }
}

const config = {
  JWT_SECRET: DEV_JWT_SECRET,
  JWT_ISSUER: 'tutorhub',
  JWT_AUDIENCE: 'tutorhub-app',
  ACCESS_TOKEN_TTL_SECONDS: 3600,
  BODY_LIMIT: '100kb',
} as unknown as GatewayConfig;

@Module({ controllers: [BareController] })
class BareModule {}

function gatewayLikeModule(rootLogger: ReturnType<typeof createLogger>): DynamicModule {
  @Module({})
  class GatewayLikeModule {}
  return {
    module: GatewayLikeModule,
    imports: [LoggerModule.forRoot(nestPinoParams(rootLogger))],
    controllers: [GatewayLikeController],
    providers: [
      { provide: CONFIG, useValue: config },
      { provide: ROOT_LOGGER, useValue: rootLogger },
      { provide: Clock, useValue: new SystemClock() },
      // Never queried: NoLookupAccessTokenService skips the one method that reads it.
      { provide: DataSource, useValue: {} },
      { provide: AccessTokenService, useClass: NoLookupAccessTokenService },
      { provide: APP_GUARD, useClass: AuthGuard },
      { provide: APP_FILTER, useClass: ProblemFilter },
    ],
  };
}

async function createApp(adapter: HttpAdapterName, variant: HttpVariant) {
  const rootLogger = createLogger('gateway', 'info');
  const module = variant === 'bare' ? BareModule : gatewayLikeModule(rootLogger);
  const options = variant === 'bare' ? { logger: false as const } : { bufferLogs: true, rawBody: true };
  if (adapter === 'express') {
    const app = await NestFactory.create<NestExpressApplication>(module, new ExpressAdapter(), options);
    if (variant === 'gateway') {
      // createServiceApp's and configureGatewayHttp's Express settings, in their order.
      app.useLogger(app.get(Logger));
      app.disable('x-powered-by');
      app.use(httpObservability(rootLogger));
      app.set('trust proxy', false);
      app.use(helmet());
      app.useBodyParser('json', { limit: BODY_LIMIT_BYTES, type: JSON_TYPES });
    }
    app.setGlobalPrefix('api');
    return app;
  }
  // Fastify: the body limit is the adapter's option; Fastify sends no X-Powered-By; trustProxy
  // false is its default, as TRUST_PROXY's.
  const app = await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES, trustProxy: false }), options);
  if (variant === 'gateway') {
    app.useLogger(app.get(Logger));
    // The very same middleware functions (Express-style (req, res, next) on Node's own request
    // and response), run by @fastify/middie.
    app.use(httpObservability(rootLogger) as never);
    app.use(helmet() as never);
  }
  app.setGlobalPrefix('api');
  return app;
}

async function main() {
  const adapter = process.env.HTTP_ADAPTER as HttpAdapterName;
  const variant = process.env.HTTP_VARIANT as HttpVariant;
  if (!['express', 'fastify'].includes(adapter) || !['bare', 'gateway'].includes(variant)) throw new Error(`HTTP_ADAPTER=${adapter} HTTP_VARIANT=${variant}?`);
  const app = await createApp(adapter, variant);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  // A student's access token, issued by the gateway's own service (same secret, issuer, audience).
  const token = variant === 'gateway' ? (await app.get(AccessTokenService).issue({ userId: randomUUID(), role: 'student' }, randomUUID())).token : '';
  const send = (m: ServerMessage) => process.send?.(m);
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'cpu') {
      const u = process.cpuUsage();
      send({ type: 'cpu', userMicros: u.user, systemMicros: u.system });
    } else if (m?.type === 'stop') {
      void app.close().finally(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', port: address.port, token });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
