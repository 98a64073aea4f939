// The keeper's counters and gauges as plain numbers, for the Prometheus exporter (or `status`) to read
// with `snapshot()`. Counters only grow within a process; `accountsByBucket` is a gauge over every
// account scored by any keeper sharing the prefix (recounted from Redis at each sweep).
import { KEEPER_ACTIONS, type KeeperAction } from './actions.ts';
import { KEEPER_HEALTH_BUCKETS, type KeeperHealthBucket } from './ledger.ts';

/** Upper bounds (ms) of the action latency histogram's buckets; a last, implicit bucket is +Inf. */
export const ACTION_LATENCY_BUCKETS_MS = [250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000] as const;

/** Outcomes of action jobs, per action. */
export type ActionCounts = {
  /** Transaction mined (including one found mined after a restart). */
  sent: number;
  /** The chain did not warrant it any more (checked just before sending), or a notice it needed was gone. */
  skipped: number;
  /** An attempt failed (revert, over budget, RPC error); the job is retried with backoff. */
  error: number;
  /** A job spent its attempts and parked in the failed set (kept; `replayAction` retries it). */
  failed: number;
};

/** Latency of sent actions: from the job's creation (the score that wanted it) to the mined transaction. */
export type ActionLatency = {
  count: number;
  sumMs: number;
  maxMs: number;
  /** Cumulative counts per `ACTION_LATENCY_BUCKETS_MS` bound (Prometheus `le`), then +Inf. */
  buckets: number[];
};

export type KeeperMetricsSnapshot = {
  actions: Record<KeeperAction, ActionCounts>;
  latencyMs: Record<KeeperAction, ActionLatency>;
  /** Accounts per health bucket, as last scored. */
  accountsByBucket: Record<KeeperHealthBucket, number>;
  /** Account scorings (event, price tick or sweep). */
  accountsScored: number;
  /** Scorings that failed (an RPC error); the account is scored again. */
  scoreErrors: number;
  /** Full re-scores of every account. */
  sweeps: number;
  /** Price feed updates seen (each re-scores the holders of its asset). */
  priceTicks: number;
  /** Commit notices of other relayers' ingests acted on (their accounts read again and scored). */
  commitNotices: number;
  /** Actions queued (new jobs; an action already queued or kept is not counted). */
  actionsQueued: number;
  /** Settled liquidations of this process and their value, USD (floating point; exact amounts are in the ledger). */
  liquidations: { settled: number; repaidUsd: number; receivedUsd: number; pnlUsd: number };
};

export class KeeperMetrics {
  readonly #actions = Object.fromEntries(KEEPER_ACTIONS.map((action) => [action, { sent: 0, skipped: 0, error: 0, failed: 0 }])) as Record<KeeperAction, ActionCounts>;
  readonly #latency = Object.fromEntries(
    KEEPER_ACTIONS.map((action) => [action, { count: 0, sumMs: 0, maxMs: 0, buckets: Array<number>(ACTION_LATENCY_BUCKETS_MS.length + 1).fill(0) }]),
  ) as Record<KeeperAction, ActionLatency>;
  accountsByBucket = Object.fromEntries(KEEPER_HEALTH_BUCKETS.map((bucket) => [bucket, 0])) as Record<KeeperHealthBucket, number>;
  accountsScored = 0;
  scoreErrors = 0;
  sweeps = 0;
  priceTicks = 0;
  commitNotices = 0;
  actionsQueued = 0;
  readonly liquidations = { settled: 0, repaidUsd: 0, receivedUsd: 0, pnlUsd: 0 };

  count(action: KeeperAction, outcome: keyof ActionCounts): void {
    this.#actions[action][outcome] += 1;
  }

  observeLatency(action: KeeperAction, ms: number): void {
    const latency = this.#latency[action];
    latency.count += 1;
    latency.sumMs += ms;
    latency.maxMs = Math.max(latency.maxMs, ms);
    ACTION_LATENCY_BUCKETS_MS.forEach((bound, index) => {
      if (ms <= bound) latency.buckets[index] = (latency.buckets[index] ?? 0) + 1;
    });
    latency.buckets[ACTION_LATENCY_BUCKETS_MS.length] = (latency.buckets[ACTION_LATENCY_BUCKETS_MS.length] ?? 0) + 1;
  }

  /** Moves one account from `from` to `to` (`from` undefined: a new account). */
  moveBucket(from: KeeperHealthBucket | undefined, to: KeeperHealthBucket): void {
    if (from === to) return;
    if (from) this.accountsByBucket[from] = Math.max(0, this.accountsByBucket[from] - 1);
    this.accountsByBucket[to] += 1;
  }

  /** A copy of every number. */
  snapshot(): KeeperMetricsSnapshot {
    const copy = <value extends object>(record: Record<KeeperAction, value>) =>
      Object.fromEntries(Object.entries(record).map(([key, value]) => [key, structuredClone(value)])) as Record<KeeperAction, value>;
    return {
      actions: copy(this.#actions),
      latencyMs: copy(this.#latency),
      accountsByBucket: { ...this.accountsByBucket },
      accountsScored: this.accountsScored,
      scoreErrors: this.scoreErrors,
      sweeps: this.sweeps,
      priceTicks: this.priceTicks,
      commitNotices: this.commitNotices,
      actionsQueued: this.actionsQueued,
      liquidations: { ...this.liquidations },
    };
  }
}
