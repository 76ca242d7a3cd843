import type { LoggerService } from '@nestjs/common';
import { Logger as NestPinoLogger, PinoLogger, type Params } from 'nestjs-pino';
import { pino, type DestinationStream, type Logger } from 'pino';
import { currentContext } from '@tutorhub/platform';
import { traceIds } from './telemetry';

/** Injection token of the service's root pino logger (ServiceKitModule provides it). */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/**
 * Fields every log line gets from the unit of work in progress (HTTP request, RPC call, event,
 * job): the correlation id ties together every line one user action causes, in every service.
 */
export function logContextFields(): Record<string, unknown> {
  // The trace ids (when tracing is on and a span is active) sit beside the correlation id.
  const ctx = currentContext();
  if (!ctx) return traceIds();
  const ids = ctx.causationId ? { correlationId: ctx.correlationId, causationId: ctx.causationId } : { correlationId: ctx.correlationId };
  return { ...ids, ...traceIds() };
}

/**
 * The one JSON logger of a process: services, their `migrate` command and the Chapa sandbox all
 * write the same line shape (`level`, `time`, `name`, `msg`, plus `correlationId` inside a unit of
 * work). Tests pass a destination to read the lines back.
 */
export function createLogger(name: string, level = 'info', destination?: DestinationStream): Logger {
  const options = {
    name,
    level,
    mixin: logContextFields,
    // Nothing logs headers any more (the access line is built field by field), but a stray
    // `log.info({ req })` must still not leak credentials.
    redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-chapa-signature"]', 'headers.authorization', 'headers.cookie'],
  };
  return destination ? pino(options, destination) : pino(options);
}

/** nestjs-pino parameters that reuse our root logger and add no per-request logger of their own. */
export function nestPinoParams(root: Logger): Params {
  // `useExisting`: nestjs-pino mounts no pino-http middleware (its per-request child logger
  // serialised the whole request, headers included, into every line). The request id, the
  // context and the one access line per request come from http-observability.ts.
  return { pinoHttp: { logger: root }, useExisting: true };
}

/** Nest's LoggerService over a pino logger, for apps built without ServiceKitModule (the sandbox). */
export function nestLoggerFor(root: Logger): LoggerService {
  const params = nestPinoParams(root);
  return new NestPinoLogger(new PinoLogger(params), params);
}
