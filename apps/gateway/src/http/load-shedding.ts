import { Inject, Injectable, SetMetadata, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { from, mergeMap, finalize, type Observable } from 'rxjs';
import { AppError, counter, gauge } from '@tutorhub/platform';
import { CONFIG } from '@tutorhub/service';
import type { GatewayConfig } from '../config';

/**
 * Overload shedding (ADR 0017). Each cost class has a concurrency limit and a bounded wait
 * queue; a request that finds the queue full, or waits in it longer than its bound, is answered
 * at once with 503 `gateway.overloaded` and `Retry-After`, before any of its work started (so
 * any request, POST included, may be sent again). Without this a burst queues without bound:
 * 100 registrations at once each waited for all the scrypt work ahead of them (10 s).
 *
 * - `requests`: every /api request in flight (Express middleware, before the body is read).
 *   Not counted, never shed: the probes, /metrics, the Chapa webhook and callback (a payment
 *   confirmation must get through however busy the API is), the notification stream (long-lived;
 *   it has its own cap per user), the docs.
 * - `password`: the CPU-bound scrypt work of register and login (`@PasswordWork()` on the route),
 *   a small limit sized from the cores so a burst of sign-ups cannot take every core from the
 *   rest of the API (and the Postgres and RabbitMQ beside it).
 */

export type ShedReason = 'queue_full' | 'queue_timeout';
export type Release = () => void;

const shed = counter('http_requests_shed_total', 'Requests answered 503 gateway.overloaded, by cost class and why', ['limiter', 'reason']);
const queued = gauge('http_requests_queued', 'Requests waiting for a slot of their cost class', ['limiter']);
const inFlight = gauge('http_requests_in_flight', 'Requests holding a slot of their cost class', ['limiter']);

/** The longest Retry-After the gateway answers (the estimate is a drain time; past this it says little). */
export const MAX_RETRY_AFTER_SECONDS = 30;

export class Overloaded extends AppError {
  constructor(
    readonly limiter: string,
    readonly reason: ShedReason,
    readonly retryAfterSeconds: number,
  ) {
    super(503, 'gateway.overloaded', 'The server is busy and did not start this request; send it again after the time in Retry-After.', { retryAfterSeconds });
  }
}

export interface LimiterOptions {
  /** Label of the metrics: `requests`, `password`. */
  name: string;
  /** Work admitted at once. */
  limit: number;
  /** Requests waiting beyond that; one more is shed at once. */
  maxQueue: number;
  /** A request still waiting after this long is shed. */
  maxWaitMs: number;
}

interface Waiter {
  resolve: (release: Release) => void;
  reject: (err: Overloaded) => void;
  timer: NodeJS.Timeout;
}

/**
 * A counting semaphore with a bounded FIFO queue. Waiters are handed a slot directly when one
 * frees (no thundering herd, no overtaking). The time slots are held is averaged (EWMA) to tell
 * each shed caller when to come back (see nextRetryAfterSeconds).
 */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: Waiter[] = [];
  /** Mean time a slot is held, in ms (starts at a guess of 100 ms; then learnt). */
  private holdMs = 100;
  /** The latest time (performance.now()) a shed caller was told to come back at. */
  private retryHorizon = 0;

  constructor(readonly options: LimiterOptions) {}

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** A slot now, or undefined when all are taken. */
  tryAcquire(): Release | undefined {
    if (this.active >= this.options.limit) return undefined;
    this.take();
    return this.releaser();
  }

  /**
   * A slot, now or after waiting in the queue; rejects with Overloaded when the queue is full or
   * the wait exceeds `maxWaitMs`. `onGone` registers a callback for a caller that goes away while
   * queued (its place is given up).
   */
  acquire(onGone?: (leave: () => void) => void): Promise<Release> {
    const now = this.tryAcquire();
    if (now) return Promise.resolve(now);
    if (this.waiting.length >= this.options.maxQueue) return Promise.reject(this.refuse('queue_full'));
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          if (this.remove(waiter)) reject(this.refuse('queue_timeout'));
        }, this.options.maxWaitMs),
      };
      this.waiting.push(waiter);
      queued.inc({ limiter: this.options.name });
      // A caller gone while queued leaves the queue; its promise then never settles (nobody awaits it).
      onGone?.(() => {
        if (this.remove(waiter)) clearTimeout(waiter.timer);
      });
    });
  }

  /**
   * When a shed caller should come back, in seconds (1–30). One slot frees every
   * holdMs / limit on average. Each shed caller is given a time one slot later than the one
   * before it, like a ticket, so the callers of a burst come back spread over the time the work
   * will take, instead of all at once into a queue that can take only a few of them. The tickets
   * aim at the middle of the queue (half its span earlier than the slot itself): callers are late
   * or early by the whole-second rounding and their jitter, and the queue absorbs that either
   * way, so a slot does not stand idle waiting for a caller that is still sleeping.
   */
  private nextRetryAfterSeconds(): number {
    const now = performance.now();
    const spacing = this.holdMs / this.options.limit;
    const lead = Math.min(this.options.maxQueue * spacing, this.options.maxWaitMs) / 2;
    const earliest = now + (this.waiting.length + 1) * spacing - lead;
    const at = Math.min(now + MAX_RETRY_AFTER_SECONDS * 1000, Math.max(earliest, this.retryHorizon + spacing));
    this.retryHorizon = at;
    return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.round((at - now) / 1000)));
  }

  private refuse(reason: ShedReason): Overloaded {
    shed.inc({ limiter: this.options.name, reason });
    return new Overloaded(this.options.name, reason, this.nextRetryAfterSeconds());
  }

  private take(): void {
    this.active++;
    inFlight.inc({ limiter: this.options.name });
  }

  private releaser(): Release {
    const started = performance.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holdMs += 0.2 * (performance.now() - started - this.holdMs);
      this.active--;
      inFlight.dec({ limiter: this.options.name });
      const next = this.waiting.shift();
      if (!next) return;
      queued.dec({ limiter: this.options.name });
      clearTimeout(next.timer);
      this.take();
      next.resolve(this.releaser());
    };
  }

  private remove(waiter: Waiter): boolean {
    const i = this.waiting.indexOf(waiter);
    if (i < 0) return false;
    this.waiting.splice(i, 1);
    queued.dec({ limiter: this.options.name });
    return true;
  }
}

/** Paths that are never counted nor shed (see the top of this file). */
const NEVER_SHED = [/^\/health\/(live|ready)$/, /^\/metrics$/, /^\/api\/webhooks(\/|$)/, /^\/api\/payments\/chapa\/callback$/, /^\/api\/notifications\/stream$/, /^\/docs(\/|$)/];

export const isNeverShed = (path: string) => NEVER_SHED.some((re) => re.test(path));

/** The limiters of one gateway, from its configuration. */
@Injectable()
export class LoadShedding {
  readonly requests: ConcurrencyLimiter;
  readonly password: ConcurrencyLimiter;

  constructor(@Inject(CONFIG) config: GatewayConfig) {
    this.requests = new ConcurrencyLimiter({ name: 'requests', limit: config.GATEWAY_MAX_IN_FLIGHT, maxQueue: config.GATEWAY_MAX_QUEUE, maxWaitMs: config.GATEWAY_MAX_QUEUE_WAIT_MS });
    this.password = new ConcurrencyLimiter({
      name: 'password',
      limit: config.PASSWORD_HASH_CONCURRENCY,
      maxQueue: config.PASSWORD_HASH_MAX_QUEUE,
      maxWaitMs: config.PASSWORD_HASH_MAX_QUEUE_WAIT_MS,
    });
  }

  /** Express middleware: the in-flight limit of /api, released when the response ends or the client leaves. */
  middleware(): (req: Request, res: Response, next: NextFunction) => void {
    return (req, res, next) => {
      if (isNeverShed(req.path)) return next();
      const hold = (release: Release) => {
        res.once('finish', release);
        res.once('close', release);
      };
      const now = this.requests.tryAcquire();
      if (now) {
        hold(now);
        return next();
      }
      this.requests.acquire((leave) => res.once('close', leave)).then(
        (release) => {
          // The client left while it waited: give the slot back rather than serve nobody.
          if (res.destroyed) return release();
          hold(release);
          next();
        },
        (err: Overloaded) => {
          res.setHeader('Retry-After', String(err.retryAfterSeconds));
          next(err);
        },
      );
    };
  }
}

const COST_CLASS = 'tutorhub:cost_class';

/** The route's work is password hashing (scrypt): it runs under the `password` limiter. */
export const PasswordWork = () => SetMetadata(COST_CLASS, 'password');

/**
 * Runs `@PasswordWork()` handlers under the password limiter. The slot is taken after the guards
 * (a rate-limited caller never queues) and before the handler, so a shed login is refused
 * before the login throttle counts it (ADR 0015) and before any password is checked.
 */
@Injectable()
export class CostClassInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly shedding: LoadShedding,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (this.reflector.get<string | undefined>(COST_CLASS, ctx.getHandler()) !== 'password') return next.handle();
    const res = ctx.switchToHttp().getResponse<Response>();
    const slot = this.shedding.password.acquire((leave) => res.once('close', leave)).catch((err: unknown) => {
      if (err instanceof Overloaded) res.setHeader('Retry-After', String(err.retryAfterSeconds));
      throw err;
    });
    return from(slot).pipe(mergeMap((release) => next.handle().pipe(finalize(release))));
  }
}
