import { randomUUID } from 'node:crypto';
import { http, type Reply } from '../http';

/**
 * A Jepsen-style history: every operation the runner's clients invoked, with who, when, against
 * which gateway, and its final answer (after transport retries). Failure messages quote the
 * operations of the offending bookings.
 */
export type Outcome = 'ok' | 'refused' | 'unexpected';

export interface Operation {
  lesson: number;
  bookingId?: string;
  actor: string;
  op: string;
  invokedAt: string;
  completedAt: string;
  status: number;
  code?: string;
  outcome: Outcome;
  attempts: number;
  note?: string;
}

export class History {
  readonly ops: Operation[] = [];

  add(op: Operation): void {
    this.ops.push(op);
  }

  forBooking(bookingId: string): Operation[] {
    return this.ops.filter((o) => o.bookingId === bookingId);
  }

  trail(bookingId: string): string {
    return this.forBooking(bookingId)
      .map((o) => `    ${o.invokedAt.slice(11, 23)}→${o.completedAt.slice(11, 23)} ${o.actor.padEnd(7)} ${o.op.padEnd(22)} ${o.status}${o.code ? ` ${o.code}` : ''} [${o.outcome}${o.attempts > 1 ? `, ${o.attempts} attempts` : ''}]${o.note ? ` ${o.note}` : ''}`)
      .join('\n');
  }

  unexpected(): Operation[] {
    return this.ops.filter((o) => o.outcome === 'unexpected');
  }

  summary(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const o of this.ops) {
      const k = `${o.status}${o.code ? ` ${o.code}` : ''}`;
      out[o.op] ??= {};
      out[o.op][k] = (out[o.op][k] ?? 0) + 1;
    }
    return out;
  }
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Statuses that are success. */
  ok: number[];
  /** Problem codes meaning "not yet" (a read model behind): retried with a new key until `notYetMs`. */
  notYet?: string[];
  notYetMs?: number;
  /** Transport failures (no answer, 502/503/504, 429, in progress) are retried until this deadline. */
  transientMs?: number;
}

export interface Ctx {
  history: History;
  lesson: number;
  bookingId?: string;
  /** Picks a gateway for each attempt (the runner spreads calls over the replicas). */
  base: () => string;
}

/**
 * One client operation, retried as journey.ts retries (one Idempotency-Key for transport retries,
 * a new one after a "not yet" answer) and recorded with its final answer: 2xx ok; 409 and 422 are
 * refusals the rules allow (invalid transition, *.not_ready, window closed…), as is a 404 whose code
 * is a "not yet" the caller gave up on; anything else (5xx, other 4xx, no answer) is unexpected.
 */
export async function call<T = unknown>(ctx: Ctx, actor: string, op: string, method: string, path: string, o: CallOptions): Promise<Reply<T>> {
  const invokedAt = new Date().toISOString();
  const started = Date.now();
  const headers: Record<string, string> = method === 'GET' ? {} : { 'idempotency-key': randomUUID() };
  let attempts = 0;
  let delay = 100;
  for (;;) {
    attempts++;
    const r = await http<T>(ctx.base(), method, path, { token: o.token, body: o.body, headers, timeoutMs: 45000 });
    const code = (r.body as { code?: string } | null)?.code;
    const transient = r.status === 0 || r.status === 502 || r.status === 503 || r.status === 504 || r.status === 429 || (r.status === 409 && code === 'idempotency.in_progress');
    const notYet = !!code && (o.notYet ?? []).includes(code);
    const elapsed = Date.now() - started;
    if ((transient && elapsed < (o.transientMs ?? 60000)) || (notYet && elapsed < (o.notYetMs ?? 15000))) {
      if (notYet && method !== 'GET') headers['idempotency-key'] = randomUUID();
      await new Promise((res) => setTimeout(res, delay));
      delay = Math.min(1500, Math.round(delay * 1.6));
      continue;
    }
    const outcome: Outcome = o.ok.includes(r.status) ? 'ok' : r.status === 409 || r.status === 422 || (r.status === 404 && notYet) ? 'refused' : 'unexpected';
    ctx.history.add({
      lesson: ctx.lesson,
      bookingId: ctx.bookingId,
      actor,
      op,
      invokedAt,
      completedAt: new Date().toISOString(),
      status: r.status,
      code,
      outcome,
      attempts,
      note: outcome === 'unexpected' ? r.text.slice(0, 300) : undefined,
    });
    return r;
  }
}
