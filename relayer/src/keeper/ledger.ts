// The keeper's records in Redis, beside its queue, under `<prefix>:keeper:` (no hash tags: every
// operation touches one key, so a Redis Cluster is fine). Any keeper process reads and continues them.
//
//   accounts            hash    account → its latest score (bucket, healths, epoch, assets), JSON
//   holders:<asset>     set     accounts holding <asset>, as last scored (the keeper's PositionCache keeps the same
//                               index in memory: a price tick of <asset> re-scores exactly these)
//   sent:<job>@<ts>     string  the transaction a job instance submitted (1 day): a re-run never sends twice
//   inflight            hash    recall-<eid>-<account> → the RECALL packet in flight, JSON
//   seizes              hash    <eid>-<seizeId> → a liquidation waiting for its SEIZE on home, JSON
//   pnl                 list    settled liquidations, newest first (capped)
//   inventory:<address> hash    eid → debt-token units that liquidator has spent
//   failures            hash    job id → the failing action's latest error, JSON; removed once it succeeds
//   actions             list    recent action outcomes, newest first (capped)
import type { Redis } from 'ioredis';
import { type Address, type Hash, type Hex, getAddress } from 'viem';
import type { KeeperAction } from './actions.ts';

export const RECENT_ACTIONS_KEPT = 10_000;
export const SETTLED_LIQUIDATIONS_KEPT = 10_000;
const SENT_RECORD_SECONDS = 24 * 3600;

/** The health buckets an account is in (see `healthBucket`). */
export const KEEPER_HEALTH_BUCKETS = ['no-debt', 'healthy', 'watch', 'recall', 'liquidatable', 'unpriced'] as const;
export type KeeperHealthBucket = (typeof KEEPER_HEALTH_BUCKETS)[number];

/** An account's latest score, as stored. Healths are decimal strings of 1e18-scaled values. */
export type StoredScore = {
  account: Address;
  bucket: KeeperHealthBucket;
  /** Home health at liquidation prices (what `flag` judges), or undefined when unpriced. */
  health: string | undefined;
  /** The same numerator over Σ drawn. */
  usageHealth: string | undefined;
  /** Home's liquidation epoch (odd: flagged). */
  epoch: number;
  totalExported: string;
  totalDrawn: string;
  /** Assets held (indexed in `holders:<asset>`). */
  assets: readonly Address[];
  scoredAt: number;
};

/** A score ready to store: its account, the assets it lists (for the index) and its JSON, `JSON.stringify` of its `StoredScore`. */
export type EncodedScore = { account: Address; assets: readonly Address[]; json: string };

/** The transaction a job instance submitted, with what its action needs to finish after a restart. */
export type SentRecord = { eid: number; txHash: Hash; meta: Record<string, string> };

export type InflightRecall = { guid: Hex; encodedPacket: Hex; txHash: Hash; sentAt: number };

/** A liquidation sent on a remote whose SEIZE has not been seen applied on home yet. */
export type PendingSeize = {
  srcEid: number;
  seizeId: string;
  account: Address;
  /** Who home pays. */
  liquidator: Address;
  /** Credit repaid, USD 1e18 (decimal string). */
  repaid: string;
  /** Debt token units repaid. */
  repaidTokens: string;
  /** Home block before the liquidation: the SEIZE lands after it. */
  homeFromBlock: string;
  txHash: Hash;
  sentAt: number;
};

/** A settled liquidation: what the keeper repaid and what home paid it. Amounts are decimal strings. */
export type SettledLiquidation = PendingSeize & {
  withBonus: boolean;
  /** Collateral received per asset, token units, and its value at the liquidation price when settled (USD 1e18). */
  received: { asset: Address; amount: string; value: string }[];
  receivedValue: string;
  /** receivedValue − repaid, USD 1e18 (may be negative). */
  pnl: string;
  settledAt: number;
  seizeTxHash: Hash;
};

export type ActionFailure = {
  jobId: string;
  action: KeeperAction;
  eid: number;
  account: Address;
  error: string;
  message: string;
  attempts: number;
  firstFailedAt: number;
  lastFailedAt: number;
};

export type ActionRecord = {
  jobId: string;
  action: KeeperAction;
  eid: number;
  account: Address;
  outcome: 'sent' | 'skipped';
  /** Why it was skipped, or what was sent. */
  detail: string;
  txHash: Hash | undefined;
  /** Wei paid as LayerZero fee (msg.value), decimal string. */
  fee: string;
  /** Job created → outcome, ms. */
  latencyMs: number;
  keeper: Address;
  at: number;
};

export class KeeperLedger {
  readonly redis: Redis;
  readonly prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.prefix = `${prefix}:keeper`;
  }

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  // ------------------------------------------------------------------ scores and the asset index

  /** Stores `score` and moves the account in the asset index: added to what it holds, removed from what it no longer does. */
  async recordScore(score: StoredScore, previous: { assets: readonly Address[] } | undefined): Promise<void> {
    await this.recordScores([{ score: { account: score.account, assets: score.assets, json: JSON.stringify(score) }, previous }]);
  }

  /**
   * Stores many scores with one pipeline (one HSET for all of them) and moves each account in the asset
   * index where its assets changed since `previous` (the score stored before, which listed it under those).
   */
  async recordScores(entries: readonly { score: EncodedScore; previous: { assets: readonly Address[] } | undefined }[]): Promise<void> {
    if (entries.length === 0) return;
    const fields: string[] = [];
    const pipeline = this.redis.pipeline();
    for (const { score, previous } of entries) {
      fields.push(score.account, score.json);
      if (previous?.assets === score.assets) continue;
      for (const asset of score.assets) if (!previous?.assets.includes(asset)) pipeline.sadd(this.key('holders', asset), score.account);
      for (const asset of previous?.assets ?? []) if (!score.assets.includes(asset)) pipeline.srem(this.key('holders', asset), score.account);
    }
    pipeline.hset(this.key('accounts'), ...fields);
    await exec(pipeline);
  }

  async score(account: Address): Promise<StoredScore | undefined> {
    const value = await this.redis.hget(this.key('accounts'), getAddress(account));
    return value ? (JSON.parse(value) as StoredScore) : undefined;
  }

  /** The stored scores of `accounts`, in order (one HMGET). */
  async scoresOf(accounts: readonly Address[]): Promise<(StoredScore | undefined)[]> {
    if (accounts.length === 0) return [];
    const values = await this.redis.hmget(this.key('accounts'), ...accounts);
    return values.map((value) => (value ? (JSON.parse(value) as StoredScore) : undefined));
  }

  /** Every stored score (for status and the bucket gauge). */
  async scores(): Promise<StoredScore[]> {
    return (await this.redis.hvals(this.key('accounts'))).map((value) => JSON.parse(value) as StoredScore);
  }

  /** Accounts holding `asset`, as last scored. */
  async holders(asset: Address): Promise<Address[]> {
    return (await this.redis.smembers(this.key('holders', getAddress(asset)))) as Address[];
  }

  // ------------------------------------------------------------------ sent transactions

  async recordSent(jobKey: string, record: SentRecord): Promise<void> {
    await this.redis.set(this.key('sent', jobKey), JSON.stringify(record), 'EX', SENT_RECORD_SECONDS);
  }

  async sent(jobKey: string): Promise<SentRecord | undefined> {
    const value = await this.redis.get(this.key('sent', jobKey));
    return value ? (JSON.parse(value) as SentRecord) : undefined;
  }

  async forgetSent(jobKey: string): Promise<void> {
    await this.redis.del(this.key('sent', jobKey));
  }

  // ------------------------------------------------------------------ recalls in flight

  #inflightField(eid: number, account: Address): string {
    return `recall-${eid}-${getAddress(account)}`;
  }

  async recordInflightRecall(eid: number, account: Address, record: InflightRecall): Promise<void> {
    await this.redis.hset(this.key('inflight'), this.#inflightField(eid, account), JSON.stringify(record));
  }

  async inflightRecall(eid: number, account: Address): Promise<InflightRecall | undefined> {
    const value = await this.redis.hget(this.key('inflight'), this.#inflightField(eid, account));
    return value ? (JSON.parse(value) as InflightRecall) : undefined;
  }

  async clearInflightRecall(eid: number, account: Address): Promise<void> {
    await this.redis.hdel(this.key('inflight'), this.#inflightField(eid, account));
  }

  // ------------------------------------------------------------------ liquidations

  async recordPendingSeize(seize: PendingSeize): Promise<void> {
    await this.redis.hset(this.key('seizes'), `${seize.srcEid}-${seize.seizeId}`, JSON.stringify(seize));
  }

  async pendingSeizes(): Promise<PendingSeize[]> {
    return (await this.redis.hvals(this.key('seizes'))).map((value) => JSON.parse(value) as PendingSeize);
  }

  /** Moves a pending seize to the settled list; false if another keeper settled it first. */
  async settle(settled: SettledLiquidation): Promise<boolean> {
    const removed = await this.redis.hdel(this.key('seizes'), `${settled.srcEid}-${settled.seizeId}`);
    if (removed === 0) return false;
    await exec(this.redis.pipeline().lpush(this.key('pnl'), JSON.stringify(settled)).ltrim(this.key('pnl'), 0, SETTLED_LIQUIDATIONS_KEPT - 1));
    return true;
  }

  /** Settled liquidations, newest first. */
  async settled(count = 100): Promise<SettledLiquidation[]> {
    return (await this.redis.lrange(this.key('pnl'), 0, count - 1)).map((value) => JSON.parse(value) as SettledLiquidation);
  }

  async inventorySpent(liquidator: Address, eid: number): Promise<bigint> {
    return BigInt((await this.redis.hget(this.key('inventory', getAddress(liquidator)), String(eid))) ?? '0');
  }

  async addInventorySpent(liquidator: Address, eid: number, amount: bigint): Promise<void> {
    // HINCRBY stops at 2^63; token amounts may not, so the sum is kept as a decimal string.
    const key = this.key('inventory', getAddress(liquidator));
    const spent = BigInt((await this.redis.hget(key, String(eid))) ?? '0') + amount;
    await this.redis.hset(key, String(eid), spent.toString());
  }

  // ------------------------------------------------------------------ outcomes and failures

  async recordOutcome(record: ActionRecord): Promise<void> {
    await exec(
      this.redis
        .pipeline()
        .hdel(this.key('failures'), record.jobId)
        .lpush(this.key('actions'), JSON.stringify(record))
        .ltrim(this.key('actions'), 0, RECENT_ACTIONS_KEPT - 1),
    );
  }

  /** Recent action outcomes, newest first. */
  async outcomes(count = 100): Promise<ActionRecord[]> {
    return (await this.redis.lrange(this.key('actions'), 0, count - 1)).map((value) => JSON.parse(value) as ActionRecord);
  }

  async recordFailure(failure: Omit<ActionFailure, 'firstFailedAt' | 'lastFailedAt'>): Promise<ActionFailure> {
    const previous = await this.redis.hget(this.key('failures'), failure.jobId);
    const now = Date.now();
    const record: ActionFailure = { ...failure, firstFailedAt: previous ? (JSON.parse(previous) as ActionFailure).firstFailedAt : now, lastFailedAt: now };
    await this.redis.hset(this.key('failures'), failure.jobId, JSON.stringify(record));
    return record;
  }

  /** Actions failing right now, oldest first. */
  async failures(): Promise<ActionFailure[]> {
    return (await this.redis.hvals(this.key('failures'))).map((value) => JSON.parse(value) as ActionFailure).sort((a, b) => a.firstFailedAt - b.firstFailedAt);
  }
}

async function exec(pipeline: ReturnType<Redis['pipeline']>): Promise<void> {
  for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
}
