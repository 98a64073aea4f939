// The keeper's BullMQ queues, under the same Redis prefix as the courier's `deliver` queue: `actions`
// (recall, flag, clear, returnParked) and `liquidations` (the liquidator module's `liquidate`), so a
// process without the liquidator never takes a liquidation and a liquidator-only process never spends its
// key on flags. One job per action, id `<action>-<eid>-<account>-<epoch>` (`actionJobId`): however many
// keeper processes score an account, the action is queued once, and a job is worked by one process at a
// time. A completed job is kept `keepCompletedMs` so re-scores from a store that has not caught up yet do
// not queue it again; after that the same id may be queued anew (a second recall of credit granted since,
// at the same epoch). A job that completed as skipped keeps its id only `keepSkippedMs`, so a need that
// arises just after is not held up. A failed job is kept until an operator replays it: its id stays taken,
// so nothing loops.
import { type Job, type JobState, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Address } from 'viem';
import { type ReplayOutcome, replayJob } from '../courier/courier.ts';
import { type ActionJob, KEEPER_ACTIONS, type KeeperAction, actionJobId } from './actions.ts';
import type { ActionRequest } from './decisions.ts';
import type { ActionRecord } from './ledger.ts';
import { JOB_STACK_TRACE_LIMIT } from '../ops/retention.ts';

export const ACTIONS_QUEUE = 'actions';
export const LIQUIDATIONS_QUEUE = 'liquidations';
export type KeeperQueueName = typeof ACTIONS_QUEUE | typeof LIQUIDATIONS_QUEUE;

/** The queue an action's jobs go on. */
export function queueOf(action: KeeperAction): KeeperQueueName {
  return action === 'liquidate' ? LIQUIDATIONS_QUEUE : ACTIONS_QUEUE;
}

/** The action a job id names (its first part), if it is one. */
export function actionOfJobId(jobId: string): KeeperAction | undefined {
  const action = jobId.split('-')[0];
  return KEEPER_ACTIONS.find((candidate) => candidate === action);
}

/** BullMQ priorities (lower runs first): recall before flag (docs/DECISIONS.md), clear last. */
export const ACTION_PRIORITY: Record<KeeperAction, number> = { recall: 1, returnParked: 2, flag: 3, liquidate: 4, clear: 5 };

export type EnqueueOutcome =
  /** A new job. */
  | { outcome: 'queued' }
  /**
   * The same action is already queued, running, retrying or recently done; `retryAfterMs` when it was
   * recently skipped: the id frees up then, and a need that persists should be queued again.
   */
  | { outcome: 'duplicate'; retryAfterMs?: number }
  /** The same action failed for good and waits for an operator (`replayAction`). */
  | { outcome: 'failed' };

export type ActionQueueOptions = {
  connection: Redis;
  prefix: string;
  attempts: number;
  /** How long a completed job that sent something keeps its id. */
  keepCompletedMs: number;
  /** How long a completed job that was skipped keeps its id. */
  keepSkippedMs: number;
};

export class ActionQueue {
  readonly queues: Record<KeeperQueueName, Queue<ActionJob, ActionRecord>>;
  readonly #keepCompletedMs: number;
  readonly #keepSkippedMs: number;

  constructor({ connection, prefix, attempts, keepCompletedMs, keepSkippedMs }: ActionQueueOptions) {
    this.#keepCompletedMs = keepCompletedMs;
    this.#keepSkippedMs = keepSkippedMs;
    const queue = (name: KeeperQueueName) =>
      new Queue<ActionJob, ActionRecord>(name, {
        connection,
        prefix,
        defaultJobOptions: {
          attempts,
          backoff: { type: 'capped' },
          removeOnComplete: { age: Math.ceil(keepCompletedMs / 1000) },
          removeOnFail: false,
          stackTraceLimit: JOB_STACK_TRACE_LIMIT,
        },
      });
    this.queues = { [ACTIONS_QUEUE]: queue(ACTIONS_QUEUE), [LIQUIDATIONS_QUEUE]: queue(LIQUIDATIONS_QUEUE) };
  }

  /** Queues `request` unless the same action (same id) is queued, running, kept as failed or done recently. */
  async enqueue(request: ActionRequest, queuedBy: Address): Promise<EnqueueOutcome> {
    const queue = this.queues[queueOf(request.action)];
    const id = actionJobId(request);
    const existing = await queue.getJob(id);
    if (existing) {
      const state = await existing.getState();
      if (state === 'failed') return { outcome: 'failed' };
      const skipped = (existing.returnvalue as ActionRecord | null)?.outcome === 'skipped';
      const freedAt = (existing.finishedOn ?? 0) + (skipped ? this.#keepSkippedMs : this.#keepCompletedMs);
      const expired = state === 'completed' && freedAt <= Date.now();
      if (!expired && state !== 'unknown') return state === 'completed' && skipped ? { outcome: 'duplicate', retryAfterMs: freedAt - Date.now() } : { outcome: 'duplicate' };
      // Another process may remove it first; the add below is deduplicated by id either way.
      await existing.remove().catch(() => undefined);
    }
    const data: ActionJob = { action: request.action, eid: request.eid, account: request.account, epoch: request.epoch, why: request.why, queuedBy };
    const job = await queue.add(request.action, data, { jobId: id, priority: ACTION_PRIORITY[request.action] });
    // When a racing process queued the id first, BullMQ keeps its job and returns ours unsaved.
    const stored = await queue.getJob(id);
    return stored?.timestamp === job.timestamp && stored.data.queuedBy === queuedBy ? { outcome: 'queued' } : { outcome: 'duplicate' };
  }

  /** Jobs per state of each queue. */
  async counts(): Promise<Record<KeeperQueueName, Record<string, number>>> {
    const states = ['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'] as const;
    const [actions, liquidations] = await Promise.all([this.queues[ACTIONS_QUEUE].getJobCounts(...states), this.queues[LIQUIDATIONS_QUEUE].getJobCounts(...states)]);
    return { [ACTIONS_QUEUE]: actions, [LIQUIDATIONS_QUEUE]: liquidations };
  }

  /** The job of an action, if any. */
  async job(id: string): Promise<Job<ActionJob, ActionRecord> | undefined> {
    const action = actionOfJobId(id);
    return action ? this.queues[queueOf(action)].getJob(id) : undefined;
  }

  async state(id: string): Promise<JobState | 'unknown' | 'missing'> {
    const job = await this.job(id);
    return job ? job.getState() : 'missing';
  }

  /** Retries an action's job now: a failed job is retried, a delayed one promoted. */
  async replay(jobId: string): Promise<ReplayOutcome> {
    const action = actionOfJobId(jobId);
    return action ? replayAction(this.queues[queueOf(action)], jobId) : 'not-found';
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((queue) => queue.close()));
  }
}

/** Moves an action job back to work: a failed job is retried, a delayed one promoted (`replayJob`). */
export function replayAction(queue: Queue<ActionJob, ActionRecord>, jobId: string): Promise<ReplayOutcome> {
  return replayJob(queue, jobId);
}
