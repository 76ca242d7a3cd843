import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { CronJob } from 'cron';
import { counter, histogram, runWithContext } from '@tutorhub/platform';
import { CONFIG } from './tokens';

const runs = counter('job_runs_total', 'Scheduled job runs by outcome', ['job', 'outcome']);
const duration = histogram('job_run_seconds', 'Scheduled job run time', ['job'], [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60]);

/**
 * Runs scheduled jobs on @nestjs/schedule with the cron expression from configuration.
 * @nestjs/schedule has no cross-replica lock, so every job must be safe when all replicas run
 * it at once (they claim rows with FOR UPDATE SKIP LOCKED); this runner only prevents one
 * process from overlapping a job with itself and keeps a failing run from killing the timer.
 */
@Injectable()
export class JobRunner implements OnApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(
    private readonly registry: SchedulerRegistry,
    @Inject(CONFIG) private readonly config: { JOBS_ENABLED?: boolean },
  ) {}

  schedule(name: string, cronExpression: string, fn: () => Promise<unknown>): void {
    if (this.config.JOBS_ENABLED === false) return;
    const job = CronJob.from({ cronTime: cronExpression, onTick: () => void this.run(name, fn), start: true });
    this.registry.addCronJob(name, job);
  }

  /** Runs one pass now unless one is already in progress in this process. */
  async run(name: string, fn: () => Promise<unknown>): Promise<void> {
    if (this.running.has(name)) return;
    const end = duration.startTimer({ job: name });
    // Each pass is a trace of its own (a root span), so the queries, Chapa calls and events of,
    // say, an escrow release show up together.
    const span = trace.getTracer('@tutorhub/service').startSpan(`job ${name}`, { kind: SpanKind.INTERNAL, attributes: { 'tutorhub.job': name } }, ROOT_CONTEXT);
    const p = runWithContext({ correlationId: `job:${name}:${randomUUID()}` }, () => context.with(trace.setSpan(ROOT_CONTEXT, span), fn))
      .then(() => runs.inc({ job: name, outcome: 'ok' }))
      .catch((err: unknown) => {
        runs.inc({ job: name, outcome: 'error' });
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message ?? String(err) });
        this.logger.warn(`job ${name} failed: ${(err as Error)?.message ?? err}`);
      })
      .finally(() => {
        end();
        span.end();
        this.running.delete(name);
      });
    this.running.set(name, p);
    await p;
  }

  async onApplicationShutdown(): Promise<void> {
    for (const job of this.registry.getCronJobs().values()) void job.stop();
    await Promise.allSettled([...this.running.values()]);
  }
}
