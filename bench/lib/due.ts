import { summarize, type LatencySummary } from './stats';

/**
 * Latency measured from the moment a request was *due*, not from when it was sent: the open-loop
 * and burst modes (docs/performance.md, "Open-loop and burst modes"). A client that falls behind
 * (its own event loop, waiting for a free user pair, a slow previous answer) would otherwise send
 * later and time only the short part, hiding the stall (coordinated omission). Both figures are
 * kept: `fromDue` is the one reported; `fromSend` (what the closed loop measures) shows how much
 * of it was the client's own delay.
 */
export class DueRecorder {
  private readonly byRoute = new Map<string, { fromDue: number[]; fromSend: number[]; statuses: Map<number, number> }>();
  /** Answers that were not 2xx/3xx, and requests that got no answer: `route status code` → count. */
  readonly failures = new Map<string, number>();

  record(route: string, fromDueMs: number, fromSendMs: number, status: number, code?: string): void {
    let r = this.byRoute.get(route);
    if (!r) this.byRoute.set(route, (r = { fromDue: [], fromSend: [], statuses: new Map() }));
    r.fromDue.push(fromDueMs);
    r.fromSend.push(fromSendMs);
    r.statuses.set(status, (r.statuses.get(status) ?? 0) + 1);
    if (status === 0 || status >= 400) {
      const key = `${route} ${status || 'no answer'}${code ? ` ${code}` : ''}`;
      this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
    }
  }

  /** Requests recorded so far (all routes), for the progress line. */
  get count(): number {
    let n = 0;
    for (const r of this.byRoute.values()) n += r.fromDue.length;
    return n;
  }

  /** The `fromDue` samples after the first `from` of each route (see `mark`). */
  since(mark: Map<string, number>): number[] {
    const out: number[] = [];
    for (const [k, v] of this.byRoute) out.push(...v.fromDue.slice(mark.get(k) ?? 0));
    return out;
  }

  mark(): Map<string, number> {
    return new Map([...this.byRoute].map(([k, v]) => [k, v.fromDue.length]));
  }

  /**
   * Per route: latency from due (p50/p90/p99/max/mean, statuses) and from send (p50/p99).
   * `all` covers the routes `inAll` accepts (the gateway's: not the Chapa sandbox, which stands
   * in for a third party).
   */
  summary(inAll: (route: string) => boolean = () => true): {
    routes: Record<string, LatencySummary & { fromSendP50Ms: number | null; fromSendP99Ms: number | null }>;
    all: LatencySummary & { fromSendP50Ms: number | null; fromSendP99Ms: number | null };
  } {
    const routes: Record<string, LatencySummary & { fromSendP50Ms: number | null; fromSendP99Ms: number | null }> = {};
    const due: number[] = [];
    const send: number[] = [];
    const statuses = new Map<number, number>();
    for (const [route, r] of [...this.byRoute].sort(([a], [b]) => a.localeCompare(b))) {
      const s = summarize(r.fromSend);
      routes[route] = { ...summarize(r.fromDue, r.statuses), fromSendP50Ms: s.p50Ms, fromSendP99Ms: s.p99Ms };
      if (!inAll(route)) continue;
      due.push(...r.fromDue);
      send.push(...r.fromSend);
      for (const [st, n] of r.statuses) statuses.set(st, (statuses.get(st) ?? 0) + n);
    }
    const s = summarize(send);
    return { routes, all: { ...summarize(due, statuses), fromSendP50Ms: s.p50Ms, fromSendP99Ms: s.p99Ms } };
  }

  failuresByKey(): Record<string, number> {
    return Object.fromEntries([...this.failures].sort(([, a], [, b]) => b - a));
  }
}

export const isGatewayRoute = (route: string) => !route.startsWith('sandbox ');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One client's sequence of requests (a lifecycle, or one party's calls in the burst), carrying
 * the due time of its next request:
 *  - the first request is due when the chain is created (the lesson's arrival time);
 *  - each next one is due when the previous one answered (`send` moves the due time to the
 *    answer), plus any deliberate wait before it (`pause`: a poll interval, a Retry-After).
 * A `null` recorder sends without recording (warm-up).
 */
export class Chain {
  constructor(
    public due: number,
    private readonly recorder: DueRecorder | null,
  ) {}

  async send<A extends { response: Response; error?: unknown }>(route: string, fn: () => Promise<A>): Promise<A> {
    const sent = performance.now();
    let answer: A;
    try {
      answer = await fn();
    } catch (err) {
      const now = performance.now();
      this.recorder?.record(route, now - this.due, now - sent, 0, (err as Error).name);
      this.due = now;
      throw err;
    }
    const now = performance.now();
    const code = answer.response.ok ? undefined : (answer.error as { code?: unknown } | undefined)?.code;
    this.recorder?.record(route, now - this.due, now - sent, answer.response.status, typeof code === 'string' ? code : undefined);
    this.due = now;
    return answer;
  }

  /** The next request is due `ms` after the last answer; sleeps until then. */
  async pause(ms: number): Promise<void> {
    this.due += ms;
    const wait = this.due - performance.now();
    if (wait > 0) await sleep(wait);
  }
}
