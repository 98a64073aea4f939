// How much history the relayer's queues keep in Redis, in one place, sized by count and by age: a
// completed delivery costs ≈ 2.6 KB (measured by relayer/test/retention.redis.test.ts; OPERATIONS.md#redis-memory
// has the figures), a failed job grows with every attempt by its error's stack unless BullMQ is told to
// keep only the last few. Nothing here decides correctness: a delivery or an action re-checks the chain
// before each step, so a job forgotten early is at worst re-run and found done.
import type { JobsOptions } from 'bullmq';

/** Stacks BullMQ keeps per failed job: the last attempts' say where it fails; older ones are memory. */
export const JOB_STACK_TRACE_LIMIT = 3;

/** Frames per stack (V8's `Error.stackTraceLimit`), for every error the process makes. */
export const ERROR_STACK_FRAMES = 8;

export type RetentionPolicy = {
  /** Completed jobs kept at most this long (seconds) and at most this many, whichever is reached first. */
  completedAgeSeconds: number;
  completedCount: number;
};

/**
 * The deliver queue's retention: a day and 20,000 jobs (≈ 53 MB at the measured 2.6 KB). A completed job
 * only dedupes a packet seen again — after a cursor reset — and a packet queued again completes as
 * `already-delivered` after a few reads, so a longer history buys nothing but memory.
 */
export const DELIVER_RETENTION: RetentionPolicy = { completedAgeSeconds: 24 * 3600, completedCount: 20_000 };

/** BullMQ job options for `policy`: bounded completed jobs, failed jobs kept (listed, replayable) with their last stacks only. */
export function retentionJobOptions(policy: RetentionPolicy): Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail' | 'stackTraceLimit'> {
  return {
    removeOnComplete: { age: policy.completedAgeSeconds, count: policy.completedCount },
    removeOnFail: false,
    stackTraceLimit: JOB_STACK_TRACE_LIMIT,
  };
}
