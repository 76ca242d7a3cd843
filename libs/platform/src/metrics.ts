import { Counter, Gauge, Histogram, register } from 'prom-client';

/**
 * Metrics are process-wide (one Prometheus registry). Several Nest applications can live in one
 * process in tests, so every metric is created at most once and then shared.
 */
export function counter(name: string, help: string, labelNames: string[] = []): Counter<string> {
  return (register.getSingleMetric(name) as Counter<string>) ?? new Counter({ name, help, labelNames });
}
export function histogram(
  name: string,
  help: string,
  labelNames: string[] = [],
  buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
): Histogram<string> {
  return (register.getSingleMetric(name) as Histogram<string>) ?? new Histogram({ name, help, labelNames, buckets });
}
export function gauge(name: string, help: string, labelNames: string[] = []): Gauge<string> {
  return (register.getSingleMetric(name) as Gauge<string>) ?? new Gauge({ name, help, labelNames });
}

export interface Sample {
  labels: Record<string, string>;
  value: number;
}
/** Reads the current values of a sampled gauge, e.g. with one cheap indexed SQL query. */
export type Sampler = () => Promise<Sample[]>;

interface SamplerState {
  read: Sampler;
  values: Sample[];
  at: number;
  pending?: Promise<void>;
}

/** A reading that takes longer fails, so a stuck database or broker cannot hang /metrics past Prometheus' scrape timeout. */
const READ_TIMEOUT_MS = 3000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`reading took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const sampleFailures = counter('metrics_sample_failures_total', 'Sampled gauges whose reading failed at scrape time', ['metric']);
const sampled = new Map<string, Set<SamplerState>>();

/**
 * A gauge read at scrape time from where the fact lives (the database, the broker) rather
 * than kept up to date by the code that changes it. Each sampler's reading is reused for
 * `maxAgeMs`, and concurrent scrapes share one reading in flight, so a scrape storm (several
 * Prometheus replicas, a dashboard hammering /metrics) costs at most one query per interval.
 * A failed (or slower than 3 s) reading drops that sampler's series until the next good one
 * (and counts in `metrics_sample_failures_total`), so nothing alerts on a stale value.
 *
 * Several services can share one process in tests, hence several samplers per gauge; `add`
 * returns the function that removes one again (on application shutdown).
 */
export function sampledGauge(name: string, help: string, labelNames: string[] = [], maxAgeMs = 10_000): { add(read: Sampler): () => void } {
  let states = sampled.get(name);
  if (!states) {
    const set = new Set<SamplerState>();
    states = set;
    sampled.set(name, set);
    new Gauge({
      name,
      help,
      labelNames,
      async collect() {
        const now = Date.now();
        await Promise.all(
          [...set].map((s) => {
            if (now - s.at < maxAgeMs) return s.pending;
            s.pending ??= withTimeout(s.read(), READ_TIMEOUT_MS)
              .then((values) => {
                s.values = values;
              })
              .catch(() => {
                s.values = [];
                sampleFailures.inc({ metric: name });
              })
              .finally(() => {
                s.at = Date.now();
                s.pending = undefined;
              });
            return s.pending;
          }),
        );
        this.reset();
        for (const s of set) for (const v of s.values) this.set(v.labels, v.value);
      },
    });
  }
  const set = states;
  return {
    add(read: Sampler) {
      const state: SamplerState = { read, values: [], at: 0 };
      set.add(state);
      return () => set.delete(state);
    },
  };
}

/** Makes the next scrape read every sampled gauge afresh (tests that change a fact and scrape again). */
export function expireSamples(): void {
  for (const set of sampled.values()) for (const s of set) s.at = 0;
}
