/** A minimal reader of the Prometheus text format the services expose on /metrics. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[2]) {
      for (const l of m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    }
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

export async function scrape(url: string): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`);
  if (!res.ok) throw new Error(`${url}/metrics answered ${res.status}`);
  return parsePrometheus(await res.text());
}

/** Cumulative bucket counts of a histogram, summed over every label set that passes `where`. */
export type Buckets = Map<number, number>;

export function histogramBuckets(samples: Sample[], name: string, where: (labels: Record<string, string>) => boolean = () => true): Buckets {
  const b: Buckets = new Map();
  for (const s of samples) {
    if (s.name !== `${name}_bucket` || !where(s.labels)) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    b.set(le, (b.get(le) ?? 0) + s.value);
  }
  return b;
}

export function addBuckets(a: Buckets, b: Buckets): Buckets {
  const out: Buckets = new Map(a);
  for (const [le, n] of b) out.set(le, (out.get(le) ?? 0) + n);
  return out;
}

/** after − before (both cumulative): what happened in between. */
export function diffBuckets(after: Buckets, before: Buckets): Buckets {
  const out: Buckets = new Map();
  for (const [le, n] of after) out.set(le, n - (before.get(le) ?? 0));
  return out;
}

export function bucketCount(b: Buckets): number {
  return b.get(Infinity) ?? 0;
}

/**
 * The q-quantile of a cumulative histogram, as Prometheus' histogram_quantile computes it: find
 * the bucket holding the rank, interpolate linearly inside it (the first bucket starts at 0; a
 * rank in the +Inf bucket answers the highest finite bound).
 */
export function histogramQuantile(q: number, b: Buckets): number | null {
  const bounds = [...b.keys()].sort((x, y) => x - y);
  const total = bucketCount(b);
  if (total <= 0) return null;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const le of bounds) {
    const count = b.get(le) ?? 0;
    if (count >= rank) {
      if (le === Infinity) return prevBound;
      const inBucket = count - prevCount;
      return inBucket <= 0 ? le : prevBound + ((le - prevBound) * (rank - prevCount)) / inBucket;
    }
    prevBound = le;
    prevCount = count;
  }
  return prevBound;
}

export function counterSum(samples: Sample[], name: string, where: (labels: Record<string, string>) => boolean = () => true): number {
  return samples.filter((s) => s.name === name && where(s.labels)).reduce((a, s) => a + s.value, 0);
}
