// Graceful shutdown of a BullMQ worker: stop taking jobs, let the ones in flight finish for a grace
// period, then hand the rest back to the queue (moved from active to waiting with this worker's lock
// token) so another relayer takes them at once instead of after their lock expires. Used by the
// courier; any queue-driven service (the keeper's `actions`) wraps its processor the same way.
import type { Job, Processor, Worker } from 'bullmq';
import { type Logger, silentLogger } from '../logging.ts';

type Held<data, result> = { job: Job<data, result>; token: string | undefined };

/** The jobs a worker's processor is working on right now, with their lock tokens. */
export class InFlightJobs<data, result> {
  readonly #held = new Map<string, Held<data, result>>();

  /** `processor`, recording each job while it runs. */
  wrap(processor: Processor<data, result>): Processor<data, result> {
    return async (job, token, signal) => {
      const id = job.id ?? `${job.name}:${job.timestamp}`;
      this.#held.set(id, { job, token });
      try {
        return await processor(job, token, signal);
      } finally {
        this.#held.delete(id);
      }
    };
  }

  get size(): number {
    return this.#held.size;
  }

  /** Moves every job still running back to waiting; returns how many moved (a job whose lock is already gone is skipped). */
  async handBack(logger: Logger = silentLogger): Promise<number> {
    let moved = 0;
    await Promise.all(
      [...this.#held.values()].map(async ({ job, token }) => {
        if (!token) return;
        try {
          await job.moveToWait(token);
          moved += 1;
        } catch (error) {
          logger.warn({ jobId: job.id, err: error }, 'could not hand a job back; it moves on when its lock expires');
        }
      }),
    );
    this.#held.clear();
    return moved;
  }
}

export type CloseWorkerGracefullyParameters<data, result> = {
  worker: Worker<data, result>;
  inFlight: InFlightJobs<data, result>;
  /** How long jobs in flight may take to finish before they are handed back. */
  graceMs: number;
  logger?: Logger;
};

export type CloseWorkerGracefullyReturnType = {
  /** True when every job in flight finished within the grace period. */
  finished: boolean;
  /** Jobs moved back to waiting for another worker. */
  handedBack: number;
};

/**
 * Stops `worker` taking jobs, waits up to `graceMs` for the jobs in flight, hands back the rest and
 * closes the worker. A handed-back job's processor may still be running in this process; every job
 * of the relayer is safe to run twice (each step re-reads the chain), and the process exits next.
 */
export async function closeWorkerGracefully<data, result>({
  worker,
  inFlight,
  graceMs,
  logger = silentLogger,
}: CloseWorkerGracefullyParameters<data, result>): Promise<CloseWorkerGracefullyReturnType> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    if (Number.isFinite(graceMs)) timer = setTimeout(() => resolve('expired'), Math.max(0, graceMs));
  });
  // pause() stops fetching and resolves once the jobs in flight are done.
  const outcome = await Promise.race([worker.pause().then(() => 'finished' as const), expired]);
  clearTimeout(timer);
  let handedBack = 0;
  if (outcome === 'expired') {
    handedBack = await inFlight.handBack(logger);
    logger.warn({ handedBack, graceMs }, 'jobs still running at the end of the grace period were handed back to the queue');
  }
  await worker.close(outcome === 'expired');
  return { finished: outcome === 'finished', handedBack };
}
