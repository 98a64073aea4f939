// The relayer's BullMQ queues as an operator sees them: which exist under a prefix, how deep each is,
// and draining (pause every queue of the prefix, so no relayer takes a new job, and wait for the jobs in
// flight) and resuming. A queue's pause is kept in Redis: it holds for every relayer sharing the prefix,
// and across restarts, until `resume`.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { DELIVER_QUEUE } from '../courier/courier.ts';
import { HEARTBEAT_QUEUE } from '../heartbeat/heartbeat.ts';
import { ACTIONS_QUEUE, LIQUIDATIONS_QUEUE } from '../keeper/queue.ts';

/**
 * Queue names of the relayer's roles (ARCHITECTURE.md section 9): the courier's `deliver`, reconcile's
 * `reconcile`, the keeper's `actions`, the liquidator's `liquidations`. Only those with keys under the prefix
 * are reported.
 */
export const RELAYER_QUEUES: readonly string[] = [DELIVER_QUEUE, 'reconcile', ACTIONS_QUEUE, LIQUIDATIONS_QUEUE, HEARTBEAT_QUEUE];

/** Job counts a queue is reported with. `paused` says whether the whole queue is paused (drained). */
export const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];
export type QueueDepth = Record<QueueState, number> & { paused: boolean };

/** A failed job as `status` and the dashboard show it: BullMQ keeps it in the queue's failed set until it is retried. */
export type FailedJob = {
  queue: string;
  id: string;
  /** The job's name (the courier's `deliver`, the keeper's action). */
  name: string;
  /** The last attempt's error message. */
  reason: string;
  attempts: number;
  /** When the last attempt failed, ms since the epoch (null: not recorded). */
  failedAt: number | null;
};

const QUEUE_KEYS = ['meta', 'id', 'events', 'wait', 'prioritized', 'active', 'delayed', 'failed', 'completed'];

/**
 * The queues of one prefix, each opened once on a shared connection (closing them leaves the
 * connection to its owner). Long-lived users (the metrics) keep one; commands use the functions below.
 */
export class RelayerQueues {
  readonly redis: Redis;
  readonly prefix: string;
  readonly names: readonly string[];
  readonly #queues = new Map<string, Queue>();

  constructor(redis: Redis, prefix: string, names: readonly string[] = RELAYER_QUEUES) {
    this.redis = redis;
    this.prefix = prefix;
    this.names = names;
  }

  #queue(name: string): Queue {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.redis, prefix: this.prefix });
      this.#queues.set(name, queue);
    }
    return queue;
  }

  /** Which of the names have any key under the prefix (a queue exists once a job was added or a worker ran). */
  async existing(): Promise<string[]> {
    const counts = await Promise.all(this.names.map((name) => this.redis.exists(...QUEUE_KEYS.map((key) => `${this.prefix}:${name}:${key}`))));
    return this.names.filter((_, index) => (counts[index] ?? 0) > 0);
  }

  /** Counts per state of every existing queue, and whether it is paused. */
  async depths(): Promise<Record<string, QueueDepth>> {
    const names = await this.existing();
    const depths = await Promise.all(
      names.map(async (name) => {
        const queue = this.#queue(name);
        const [counts, paused] = await Promise.all([queue.getJobCounts(...QUEUE_STATES), queue.isPaused()]);
        const depth = { paused } as QueueDepth;
        for (const state of QUEUE_STATES) depth[state] = counts[state] ?? 0;
        return [name, depth] as const;
      }),
    );
    return Object.fromEntries(depths);
  }

  /** The `perQueue` most recently failed jobs of every existing queue, newest first within each queue. */
  async failedJobs(perQueue = 10): Promise<FailedJob[]> {
    const names = await this.existing();
    const lists = await Promise.all(
      names.map(async (name) => {
        const jobs = await this.#queue(name).getFailed(0, perQueue - 1);
        return jobs.map(
          (job): FailedJob => ({ queue: name, id: job.id ?? '', name: job.name, reason: job.failedReason ?? '', attempts: job.attemptsMade, failedAt: job.finishedOn ?? null }),
        );
      }),
    );
    return lists.flat();
  }

  /** Pauses every existing queue (no relayer of the prefix takes a new job) and waits up to `timeoutMs` for the jobs in flight. */
  async drain({ timeoutMs = 60_000, pollIntervalMs = 200, onProgress }: Omit<DrainQueuesParameters, 'redis' | 'prefix' | 'names'> = {}): Promise<DrainQueuesReturnType> {
    const started = Date.now();
    const paused = await this.existing();
    const active = async () => (await Promise.all(paused.map((name) => this.#queue(name).getActiveCount()))).reduce((sum, count) => sum + count, 0);
    await Promise.all(paused.map((name) => this.#queue(name).pause()));
    const activeAtPause = await active();
    onProgress?.(activeAtPause);
    let stillActive = activeAtPause;
    while (stillActive > 0 && Date.now() - started < timeoutMs) {
      await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
      stillActive = await active();
      onProgress?.(stillActive);
    }
    return { paused, activeAtPause, stillActive, drained: stillActive === 0, waitedMs: Date.now() - started };
  }

  /** Resumes every existing queue; returns their names. */
  async resume(): Promise<string[]> {
    const names = await this.existing();
    await Promise.all(names.map((name) => this.#queue(name).resume()));
    return names;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((queue) => queue.close()));
    this.#queues.clear();
  }
}

async function once<result>(redis: Redis, prefix: string, names: readonly string[], use: (queues: RelayerQueues) => Promise<result>): Promise<result> {
  const queues = new RelayerQueues(redis, prefix, names);
  try {
    return await use(queues);
  } finally {
    await queues.close();
  }
}

/** Which of `names` have any key under `prefix`. */
export function existingQueues(redis: Redis, prefix: string, names: readonly string[] = RELAYER_QUEUES): Promise<string[]> {
  return new RelayerQueues(redis, prefix, names).existing();
}

/** Counts per state of every existing queue of `names`, and whether it is paused. */
export function queueDepths(redis: Redis, prefix: string, names: readonly string[] = RELAYER_QUEUES): Promise<Record<string, QueueDepth>> {
  return once(redis, prefix, names, (queues) => queues.depths());
}

/** The `perQueue` most recently failed jobs of every existing queue of `names`. */
export function failedJobs(redis: Redis, prefix: string, perQueue = 10, names: readonly string[] = RELAYER_QUEUES): Promise<FailedJob[]> {
  return once(redis, prefix, names, (queues) => queues.failedJobs(perQueue));
}

export type DrainQueuesParameters = {
  redis: Redis;
  prefix: string;
  /** How long to wait for the jobs in flight. @defaultValue 60_000 */
  timeoutMs?: number;
  /** @defaultValue 200 */
  pollIntervalMs?: number;
  /** Called once the queues are paused and after each poll, with the jobs still in flight. */
  onProgress?: (active: number) => void;
  names?: readonly string[];
};

export type DrainQueuesReturnType = {
  /** Queues now paused. */
  paused: string[];
  /** Jobs that were in flight when the queues were paused. */
  activeAtPause: number;
  /** Jobs still in flight at the end (0 when drained). */
  stillActive: number;
  drained: boolean;
  waitedMs: number;
};

/** Pauses every existing queue of the prefix (no relayer takes a new job) and waits for the jobs in flight to finish. */
export function drainQueues({ redis, prefix, names = RELAYER_QUEUES, ...options }: DrainQueuesParameters): Promise<DrainQueuesReturnType> {
  return once(redis, prefix, names, (queues) => queues.drain(options));
}

/** Resumes every existing queue of the prefix (after a drain). Returns the queues resumed. */
export function resumeQueues(redis: Redis, prefix: string, names: readonly string[] = RELAYER_QUEUES): Promise<string[]> {
  return once(redis, prefix, names, (queues) => queues.resume());
}
