import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN, FEE_BPS, type Cluster } from '../cluster';
import { deadLetterDepths } from '../broker';
import { assertEventsDelivered, effectViolations } from '../effects';
import { moneyReport } from '@tutorhub/testing';
import { waitQuiescent, type DrainState } from './drain';
import { readFacts } from './facts';
import { loginAs } from '../journey';
import { History, call } from './history';
import { LESSON_MINUTES, planLesson, resolveDispute, runLesson, type LessonPlan, type LessonRun, type Runner } from './lessons';
import { CHECKS, judge, type Finding, type StoryConfig } from './story';

/**
 * The chaos run: many randomized lessons at once over both gateways, with the delivery chaos on
 * in every consumer and two replicas of every service racing their jobs; then, with everything
 * drained, the checks of story.ts over every booking plus the suite's money invariants,
 * exactly-once and no-event-missing checks. Everything is replayable from the seed.
 */
export interface ChaosOptions {
  seed: string;
  lessons: number;
  /** Lessons running at once at most. */
  concurrency: number;
  /** Between two lesson launches. */
  staggerMs: number;
  /** No lesson is launched after this long (bounds a long run). */
  launchWindowMs: number;
  maxDelayMs: number;
  duplicateRate: number;
  republishRate: number;
  replicas: number;
  allowAutoEnd: boolean;
}

/** Short windows so a lesson fits in minutes; the tiers are exercised by lessons 1–4 min ahead. */
export const CHAOS_TIMING = {
  startEarlyMinutes: 5,
  startLateMinutes: 1,
  graceMinutes: 0,
  releaseDelayHours: 0.001,
  fullRefundHours: 0.05, // 3 min
  partialRefundHours: 0.025, // 90 s
  partialRefundBps: 5000,
};

export function chaosOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ChaosOptions {
  const seed = env.CHAOS_SEED && env.CHAOS_SEED.trim() ? env.CHAOS_SEED.trim() : String(Math.floor(Math.random() * 2 ** 31));
  const lessons = Number(env.CHAOS_LESSONS ?? 48);
  return {
    seed,
    lessons,
    concurrency: Number(env.CHAOS_CONCURRENCY ?? 48),
    staggerMs: Number(env.CHAOS_STAGGER_MS ?? 1200),
    launchWindowMs: Number(env.CHAOS_LAUNCH_MINUTES ?? 30) * 60_000,
    maxDelayMs: Number(env.CHAOS_MAX_DELAY_MS ?? 600),
    duplicateRate: Number(env.CHAOS_DUPLICATE_RATE ?? 0.15),
    republishRate: Number(env.CHAOS_REPUBLISH_RATE ?? 0.1),
    replicas: 2,
    allowAutoEnd: env.CHAOS_AUTO_END === '1' || lessons >= 200,
  };
}

/** The cluster's environment: delivery chaos in every service, short windows. */
export function chaosEnv(o: ChaosOptions): Record<string, string> {
  return {
    EVENT_CHAOS_MAX_DELAY_MS: String(o.maxDelayMs),
    EVENT_CHAOS_DUPLICATE_RATE: String(o.duplicateRate),
    EVENT_CHAOS_REPUBLISH_RATE: String(o.republishRate),
    EVENT_CHAOS_SEED: o.seed,
    SESSION_START_EARLY_MINUTES: String(CHAOS_TIMING.startEarlyMinutes),
    SESSION_START_LATE_MINUTES: String(CHAOS_TIMING.startLateMinutes),
    SESSION_OVERTIME_GRACE_MINUTES: String(CHAOS_TIMING.graceMinutes),
    ESCROW_RELEASE_DELAY_HOURS: String(CHAOS_TIMING.releaseDelayHours),
    CANCEL_FULL_REFUND_HOURS: String(CHAOS_TIMING.fullRefundHours),
    CANCEL_PARTIAL_REFUND_HOURS: String(CHAOS_TIMING.partialRefundHours),
    CANCEL_PARTIAL_REFUND_BPS: String(CHAOS_TIMING.partialRefundBps),
    REFUND_PROCESS_CRON: '* * * * * *',
    // Each replica handles up to 250 events at once under chaos: room in the pool for them.
    DATABASE_POOL_SIZE: '4',
  };
}

export const storyConfig: StoryConfig = {
  feeBps: FEE_BPS,
  fullRefundHours: CHAOS_TIMING.fullRefundHours,
  partialRefundHours: CHAOS_TIMING.partialRefundHours,
  partialRefundBps: CHAOS_TIMING.partialRefundBps,
  startLateMinutes: CHAOS_TIMING.startLateMinutes,
  overdueMs: 20000,
};

export interface ChaosResult {
  seed: string;
  runs: LessonRun[];
  history: History;
  drain: { state: DrainState; drained: boolean };
  findings: Finding[];
  /** Findings not about one booking (ledger, events, DLQs, clients). */
  global: Array<{ check: string; detail: string }>;
  figures: Record<string, unknown>;
}

export async function runChaos(cluster: Cluster, o: ChaosOptions, log: (line: string) => void = () => undefined): Promise<ChaosResult> {
  const history = new History();
  const bases = Array.from({ length: o.replicas }, (_, i) => cluster.api(i));
  const runner: Runner = {
    history,
    client: { base: () => bases[Math.floor(Math.random() * bases.length)], sandboxUrl: cluster.sandboxUrl, stepTimeoutMs: 90000 },
    bases,
    admin: ADMIN,
    timing: { startLateMinutes: CHAOS_TIMING.startLateMinutes, releaseDelayMs: CHAOS_TIMING.releaseDelayHours * 3_600_000, allowAutoEnd: o.allowAutoEnd },
    tag: `s${o.seed}`,
  };
  const plans: LessonPlan[] = Array.from({ length: o.lessons }, (_, i) => planLesson(o.seed, i, runner.timing));
  const runs: LessonRun[] = [];
  const launchDeadline = Date.now() + o.launchWindowMs;
  let next = 0;
  const worker = async (w: number) => {
    await new Promise((r) => setTimeout(r, w * o.staggerMs));
    for (;;) {
      const i = next++;
      if (i >= plans.length || Date.now() > launchDeadline) return;
      runs.push(await runLesson(runner, plans[i]));
      if (runs.length % 10 === 0) log(`chaos seed ${o.seed}: ${runs.length}/${plans.length} lessons done`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, plans.length) }, (_, w) => worker(w)));

  // Sessions nobody ends are ended by the system at endsAt + grace: wait for that before draining.
  const autoEndAt = Math.max(
    0,
    ...runs.filter((r) => r.plan.session === 'auto_end' && r.startsAt).map((r) => (r.startsAt as number) + (LESSON_MINUTES + CHAOS_TIMING.graceMinutes) * 60_000 + 5000),
  );
  if (autoEndAt > Date.now()) {
    log(`chaos seed ${o.seed}: waiting ${Math.round((autoEndAt - Date.now()) / 1000)} s for the system to end the sessions nobody ended`);
    await new Promise((r) => setTimeout(r, autoEndAt - Date.now()));
  }

  // Disputes still open are resolved by the admin, as an operator would.
  const { token } = await loginAs(runner.client, ADMIN.email, ADMIN.password);
  const open = await call<{ items: Array<{ id: string; bookingId: string }> }>(
    { history, lesson: -1, base: () => bases[0] },
    'admin',
    'disputes:list',
    'GET',
    '/admin/disputes?status=open&limit=100',
    { token, ok: [200] },
  );
  for (const d of open.status === 200 ? open.body.items : []) {
    const plan = runs.find((r) => r.bookingId === d.bookingId)?.plan;
    await resolveDispute(runner, { history, lesson: plan?.index ?? -1, bookingId: d.bookingId, base: () => bases[0] }, token, d.id, plan?.resolve ?? { outcome: 'refund', bps: 10000, delayMs: 0 });
  }

  const drain = await waitQuiescent(cluster, { startLateMinutes: CHAOS_TIMING.startLateMinutes, replicas: o.replicas, quietMs: o.maxDelayMs * 3 + 3000, timeoutMs: 180000 });
  return { seed: o.seed, runs, history, drain, ...(await checkAll(cluster, runs, history, drain)) };
}

async function checkAll(cluster: Cluster, runs: LessonRun[], history: History, drain: ChaosResult['drain']) {
  const url = cluster.db.url;
  const facts = await readFacts(url);
  const findings = facts.flatMap((f) => judge(f, storyConfig));
  const global: ChaosResult['global'] = [];
  if (!drain.drained) global.push({ check: 'the platform drains', detail: JSON.stringify(drain.state) });
  const money = await moneyReport(url);
  for (const v of money.violations) global.push({ check: `ledger: ${v.check}`, detail: JSON.stringify(v.rows) });
  for (const v of await effectViolations(url)) global.push({ check: `exactly once: ${v.check}`, detail: JSON.stringify(v.rows) });
  let delivered: unknown;
  try {
    delivered = await assertEventsDelivered(url);
  } catch (err) {
    global.push({ check: 'no event missing', detail: (err as Error).message });
  }
  const dlq = await deadLetterDepths(cluster);
  if (Object.values(dlq).some((n) => n > 0)) global.push({ check: 'no valid event dead-lettered', detail: JSON.stringify(dlq) });
  for (const op of history.unexpected()) {
    global.push({ check: 'clients only see answers the rules allow (2xx, 409, 422; 5xx retried)', detail: `lesson ${op.lesson} ${op.bookingId ?? ''} ${op.actor} ${op.op}: ${op.status} ${op.code ?? ''} ${op.note ?? ''}` });
  }
  for (const r of runs.filter((x) => x.error)) global.push({ check: 'every lesson runs to its end', detail: `lesson ${r.plan.index} ${r.bookingId ?? ''}: ${r.error}` });
  const statuses: Record<string, number> = {};
  for (const f of facts) statuses[`${f.status}/${f.escrowStatus ?? 'no escrow'}`] = (statuses[`${f.status}/${f.escrowStatus ?? 'no escrow'}`] ?? 0) + 1;
  return { findings, global, figures: { bookings: facts.length, statuses, delivered, money: money.figures, answers: history.summary() } };
}

/** A failure message: the seed, each failed check with its bookings, their plans and operation trails. */
export function describe(result: ChaosResult, perCheck = 4): string {
  const lines: string[] = [];
  const byCheck = new Map<string, Finding[]>();
  for (const f of result.findings) byCheck.set(f.check, [...(byCheck.get(f.check) ?? []), f]);
  lines.push(
    `chaos run, seed ${result.seed} — replay: CHAOS_SEED=${result.seed} npm run test:reliability -- reliability/chaos.rel-spec.ts`,
    `${result.findings.length} findings on ${new Set(result.findings.map((f) => f.bookingId)).size} bookings, ${result.global.length} global`,
  );
  for (const [check, fs] of byCheck) {
    lines.push(`\n✗ ${check}: ${fs.length} (bookings ${[...new Set(fs.map((f) => f.bookingId))].slice(0, 20).join(', ')})`);
    for (const f of fs.slice(0, perCheck)) {
      const run = result.runs.find((r) => r.bookingId === f.bookingId);
      lines.push(`  booking ${f.bookingId} (lesson ${run?.plan.index ?? '?'}): ${f.detail}`);
      if (run) lines.push(`    plan: ${planText(run.plan)}`);
      lines.push(result.history.trail(f.bookingId));
    }
  }
  const globalByCheck = new Map<string, string[]>();
  for (const g of result.global) globalByCheck.set(g.check, [...(globalByCheck.get(g.check) ?? []), g.detail]);
  for (const [check, ds] of globalByCheck) {
    lines.push(`\n✗ ${check}: ${ds.length}`);
    for (const d of ds.slice(0, 6)) lines.push(`  ${d.slice(0, 1500)}`);
  }
  return lines.join('\n');
}

function planText(p: LessonPlan): string {
  const c = p.cancel ? ` cancel:${p.cancel.who}@${p.cancel.when}${p.cancel.otherToo ? '+other' : ''}` : '';
  const a = `${p.adminEscrow ? ` admin:${p.adminEscrow.action}` : ''}${p.studentRelease ? ' student:release' : ''}`;
  return `lead ${p.leadSeconds}s ${p.accept} pay:${p.pay}${c} session:${p.session} (starter ${p.starter}, ender ${p.ender}) dispute:${p.dispute}→${p.resolve.outcome}${a}`;
}

/** The whole history and findings, for analysis: reliability/.results/chaos-<seed>.json. */
export function writeReport(result: ChaosResult): string {
  const dir = join(__dirname, '..', '..', '.results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `chaos-${result.seed}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      { seed: result.seed, at: new Date().toISOString(), figures: result.figures, drain: result.drain, findings: result.findings, global: result.global, plans: result.runs.map((r) => ({ ...r.plan, bookingId: r.bookingId, error: r.error })), history: result.history.ops },
      null,
      1,
    ),
  );
  return file;
}

export { CHECKS };
