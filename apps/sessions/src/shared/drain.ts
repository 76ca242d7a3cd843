/** Rows a job claims per batch (one short transaction each). */
export const JOB_BATCH = 100;
/** Bounds one pass, so a pass never runs unbounded; the next tick carries on. */
const MAX_BATCHES_PER_PASS = 50;

/** Runs `batch` until it claims less than a full batch (nothing left) or the pass is over. */
export async function drain(batch: (limit: number) => Promise<number>): Promise<void> {
  for (let i = 0; i < MAX_BATCHES_PER_PASS; i += 1) {
    if ((await batch(JOB_BATCH)) < JOB_BATCH) return;
  }
}
