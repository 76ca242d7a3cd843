import { register } from 'prom-client';
import { expireSamples, sampledGauge } from './metrics';

async function values(name: string) {
  const metric = await register.getSingleMetric(name)?.get();
  return (metric?.values ?? []).map((v) => [v.labels, v.value]);
}

async function failures(name: string): Promise<number> {
  const metric = await register.getSingleMetric('metrics_sample_failures_total')?.get();
  return metric?.values.find((v) => v.labels.metric === name)?.value ?? 0;
}

describe('sampledGauge', () => {
  it('reads at collect time, reuses a reading for maxAge and shares one in flight', async () => {
    const gauge = sampledGauge('test_sampled_reuse', 'test', ['k'], 60_000);
    let reads = 0;
    let release: () => void = () => undefined;
    const remove = gauge.add(async () => {
      reads++;
      await new Promise<void>((r) => (release = r));
      return [{ labels: { k: 'a' }, value: reads }];
    });
    const first = values('test_sampled_reuse');
    const second = values('test_sampled_reuse');
    await new Promise((r) => setImmediate(r));
    release();
    expect(await first).toEqual([[{ k: 'a' }, 1]]);
    expect(await second).toEqual([[{ k: 'a' }, 1]]);
    expect(await values('test_sampled_reuse')).toEqual([[{ k: 'a' }, 1]]);
    expect(reads).toBe(1);

    expireSamples();
    const third = values('test_sampled_reuse');
    await new Promise((r) => setImmediate(r));
    release();
    expect(await third).toEqual([[{ k: 'a' }, 2]]);
    remove();
    expect(await values('test_sampled_reuse')).toEqual([]);
  });

  it('drops the series of a failed reading and counts the failure, keeping the other samplers', async () => {
    const gauge = sampledGauge('test_sampled_failure', 'test', ['svc'], 0);
    let fail = false;
    gauge.add(async () => {
      if (fail) throw new Error('database down');
      return [{ labels: { svc: 'a' }, value: 7 }];
    });
    gauge.add(async () => [{ labels: { svc: 'b' }, value: 3 }]);
    expect(await values('test_sampled_failure')).toEqual([
      [{ svc: 'a' }, 7],
      [{ svc: 'b' }, 3],
    ]);
    const before = await failures('test_sampled_failure');
    fail = true;
    expect(await values('test_sampled_failure')).toEqual([[{ svc: 'b' }, 3]]);
    expect((await failures('test_sampled_failure')) - before).toBe(1);
  });
});
