/** Exact percentiles of raw samples (linear interpolation between closest ranks). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const idx = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(idx);
  const hi = Math.ceil(idx);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (idx - lo);
}

export interface LatencySummary {
  count: number;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  meanMs: number | null;
  /** Answers by HTTP status. */
  statuses: Record<string, number>;
}

export class LatencyRecorder {
  private readonly byRoute = new Map<string, { ms: number[]; statuses: Map<number, number> }>();

  record(route: string, ms: number, status: number): void {
    let r = this.byRoute.get(route);
    if (!r) this.byRoute.set(route, (r = { ms: [], statuses: new Map() }));
    r.ms.push(ms);
    r.statuses.set(status, (r.statuses.get(status) ?? 0) + 1);
  }

  get count(): number {
    let n = 0;
    for (const r of this.byRoute.values()) n += r.ms.length;
    return n;
  }

  /** Samples recorded since `from` (per-route array lengths) — for the live progress line. */
  mark(): Map<string, number> {
    return new Map([...this.byRoute].map(([k, v]) => [k, v.ms.length]));
  }

  since(mark: Map<string, number>): number[] {
    const out: number[] = [];
    for (const [k, v] of this.byRoute) out.push(...v.ms.slice(mark.get(k) ?? 0));
    return out;
  }

  summary(): { routes: Record<string, LatencySummary>; all: LatencySummary } {
    const routes: Record<string, LatencySummary> = {};
    const all: number[] = [];
    const allStatuses = new Map<number, number>();
    for (const [route, r] of [...this.byRoute].sort(([a], [b]) => a.localeCompare(b))) {
      routes[route] = summarize(r.ms, r.statuses);
      all.push(...r.ms);
      for (const [s, n] of r.statuses) allStatuses.set(s, (allStatuses.get(s) ?? 0) + n);
    }
    return { routes, all: summarize(all, allStatuses) };
  }
}

export function summarize(ms: number[], statuses: Map<number, number> = new Map()): LatencySummary {
  const sorted = [...ms].sort((a, b) => a - b);
  const r = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
  return {
    count: sorted.length,
    p50Ms: r(percentile(sorted, 50)),
    p90Ms: r(percentile(sorted, 90)),
    p99Ms: r(percentile(sorted, 99)),
    maxMs: r(sorted.length ? sorted[sorted.length - 1] : null),
    meanMs: r(sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : null),
    statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b).map(([s, n]) => [String(s), n])),
  };
}
