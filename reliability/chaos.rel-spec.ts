import { startCluster, type Cluster } from './support/cluster';
import { chaosEnv, chaosOptionsFromEnv, describe as describeResult, runChaos, writeReport } from './support/chaos/run';
import { diagnose } from './support/diagnose';
import { record } from './support/results';

/**
 * The chaos run (docs/reliability.md, "Chaos run"): randomized lessons from a seed, delivery chaos
 * in every consumer (late, reordered, duplicated and republished events), two replicas of every
 * app racing their jobs; then, with every queue drained, the cross-service story of every booking
 * and the money invariants. CHAOS_SEED replays a run; CHAOS_LESSONS sets its size (48 here,
 * `npm run test:chaos:long` for the long run).
 */
const options = chaosOptionsFromEnv();
// A run is bounded: lessons last minutes (launch window + the longest lesson + drain + checks).
jest.setTimeout(Math.max(20 * 60_000, options.launchWindowMs + 25 * 60_000));

describe(`chaos run (seed ${options.seed})`, () => {
  let cluster: Cluster;

  beforeAll(async () => {
    // The seed first, so that even a run that dies early can be replayed.
    process.stdout.write(`chaos run: seed ${options.seed} — replay with CHAOS_SEED=${options.seed}; ${options.lessons} lessons\n`);
    cluster = await startCluster({ replicas: options.replicas, env: chaosEnv(options) });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('keeps every booking’s story the same in bookings, payments and sessions, and the money exact', async () => {
    const result = await runChaos(cluster, options, (line) => process.stdout.write(`${line}\n`));
    const file = writeReport(result);
    if (result.findings.length || result.global.length) {
      throw new Error(`${describeResult(result)}\n\nfull history: ${file}\n${await diagnose(cluster)}`);
    }
    record('chaos', { seed: options.seed, lessons: result.runs.length, ...result.figures });
  });
});
