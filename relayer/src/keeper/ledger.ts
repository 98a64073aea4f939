// The keeper's records in Redis, beside its queue, under `<prefix>:keeper:` (no hash tags: every
// operation touches one key, so a Redis Cluster is fine). Any keeper process reads and continues them.
//
//   accounts            hash    account → its latest score, one line: `<bucket> <health> <usageHealth> <epoch>
//                               <totalExported> <totalDrawn> <assets id> <scoredAt>` (healths and amounts
//                               1e18-scaled decimals, `-` for a health not computed; 115 B instead of 450 B of
//                               JSON: a price tick rewrites every holder's)
//   asset-lists         hash    assets id → the assets list it stands for, JSON (ids: a hash of the list)
// (The asset → holders index a price tick re-scores lives in each keeper's memory, built from the scores
// at its first sweep: relayer/src/keeper/positions.ts.)
//   sent:<job>@<ts>     string  the transaction a job instance submitted (1 day): a re-run never sends twice
//   inflight            hash    recall-<eid>-<account> → the RECALL packet in flight, JSON
//   seizes              hash    <eid>-<seizeId> → a liquidation waiting for its SEIZE on home, JSON
//   pnl                 list    settled liquidations, newest first (capped)
//   inventory:<address> hash    eid → debt-token units that liquidator has spent
//   failures            hash    job id → the failing action's latest error, JSON; removed once it succeeds
//   actions             list    recent action outcomes, newest first (capped)
import { createHash } from 'node:crypto';
import { BallastError } from '@ballast/protocol';
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
  /** Assets held. */
  assets: readonly Address[];
  scoredAt: number;
};

/** A score ready to store: its account, its assets list and its line (`encodeScoreLine`). */
export type EncodedScore = { account: Address; assets: readonly Address[]; line: string };

/** Ids of assets lists, computed once per (frozen, shared) list. */
const listIds = new WeakMap<readonly Address[], string>();

/** The id an assets list is stored under in `asset-lists`: 12 hex digits of its SHA-256, the same in every process. */
export function assetListId(assets: readonly Address[]): string {
  let id = listIds.get(assets);
  if (id === undefined) {
    id = createHash('sha256').update(assets.join(',')).digest('hex').slice(0, 12);
    if (Object.isFrozen(assets)) listIds.set(assets, id);
  }
  return id;
}

/** What a stored line holds besides when it was scored. */
export type ScoreLineFields = {
  bucket: KeeperHealthBucket;
  health: bigint | undefined;
  usageHealth: bigint | undefined;
  epoch: number;
  totalExported: bigint;
  totalDrawn: bigint;
  assets: readonly Address[];
};

/** The stored line of a score (see the `accounts` hash above); `decodeScoreLine` reads it back. */
export function encodeScoreLine(score: ScoreLineFields, scoredAt: number): string {
  return `${score.bucket} ${score.health ?? '-'} ${score.usageHealth ?? '-'} ${score.epoch} ${score.totalExported} ${score.totalDrawn} ${assetListId(score.assets)} ${scoredAt}`;
}

/** Thrown when a stored line cannot be read (written by another version of the keeper). */
export class StoredScoreError extends BallastError {
  override name = 'StoredScoreError';
}

/**
 * Reads a stored line back into a score, with `lists` (assets id → list) to resolve its assets; a list
 * that is missing (Redis lost it) reads as no assets until the score is written again.
 */
export function decodeScoreLine(account: Address, line: string, lists: ReadonlyMap<string, readonly Address[]>): StoredScore {
  const [bucket, health, usageHealth, epoch, totalExported, totalDrawn, listId, scoredAt, ...rest] = line.split(' ');
  const assets = (listId === undefined ? undefined : lists.get(listId)) ?? [];
  if (rest.length > 0 || scoredAt === undefined || !(KEEPER_HEALTH_BUCKETS as readonly string[]).includes(bucket as string)) {
    throw new StoredScoreError(`The keeper's stored score of ${account} cannot be read: "${line.slice(0, 200)}".`, {
      details: 'A keeper of an older version may have written it: the next sweep of a running keeper rewrites every score.',
    });
  }
  return {
    account,
    bucket: bucket as KeeperHealthBucket,
    health: health === '-' ? undefined : health,
    usageHealth: usageHealth === '-' ? undefined : usageHealth,
    epoch: Number(epoch),
    totalExported: totalExported as string,
    totalDrawn: totalDrawn as string,
    assets,
    scoredAt: Number(scoredAt),
  };
}

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

/** A key of the keeper's records under the relayers' `prefix`, e.g. `keeperKey('ballast', 'accounts')` → `ballast:keeper:accounts`. */
export function keeperKey(prefix: string, ...parts: string[]): string {
  return [prefix, 'keeper', ...parts].join(':');
}

export class KeeperLedger {
  readonly redis: Redis;
  readonly prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.prefix = keeperKey(prefix);
  }

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  // ------------------------------------------------------------------ scores

  /** Stores `score`. */
  async recordScore(score: StoredScore): Promise<void> {
    const { health, usageHealth, totalExported, totalDrawn } = score;
    const line = encodeScoreLine(
      {
        ...score,
        health: health === undefined ? undefined : BigInt(health),
        usageHealth: usageHealth === undefined ? undefined : BigInt(usageHealth),
        totalExported: BigInt(totalExported),
        totalDrawn: BigInt(totalDrawn),
      },
      score.scoredAt,
    );
    await this.recordScores([{ account: score.account, assets: score.assets, line }]);
  }

  /**
   * Stores many scores with one HSET, the assets lists they name first (HSETNX; a chunk names a handful,
   * and writing them with every chunk keeps the ledger whole after Redis lost its data).
   */
  async recordScores(scores: readonly EncodedScore[]): Promise<void> {
    if (scores.length === 0) return;
    const lists = new Map<string, readonly Address[]>();
    const fields: string[] = [];
    for (const score of scores) {
      fields.push(score.account, score.line);
      lists.set(assetListId(score.assets), score.assets);
    }
    await Promise.all([...lists].map(([id, assets]) => this.redis.hsetnx(this.key('asset-lists'), id, JSON.stringify(assets))));
    await this.redis.hset(this.key('accounts'), ...fields);
  }

  async score(account: Address): Promise<StoredScore | undefined> {
    return (await this.scoresOf([getAddress(account)]))[0];
  }

  /** The stored scores of `accounts`, in order (one HMGET, and one for their assets lists); undefined where none is stored or it cannot be read. */
  async scoresOf(accounts: readonly Address[]): Promise<(StoredScore | undefined)[]> {
    if (accounts.length === 0) return [];
    const lines = await this.redis.hmget(this.key('accounts'), ...accounts);
    const ids = [...new Set(lines.flatMap((line) => (line ? [line.split(' ')[6] ?? ''] : [])))];
    const lists = new Map<string, readonly Address[]>();
    if (ids.length > 0) {
      const values = await this.redis.hmget(this.key('asset-lists'), ...ids);
      ids.forEach((id, index) => {
        const value = values[index];
        if (value) lists.set(id, JSON.parse(value) as Address[]);
      });
    }
    return lines.map((line, index) => (line ? readable(accounts[index] as Address, line, lists) : undefined));
  }

  /** Every stored score that can be read (for `accounts`, status and the bucket gauge). */
  async scores(): Promise<StoredScore[]> {
    const [lines, stored] = await Promise.all([this.redis.hgetall(this.key('accounts')), this.redis.hgetall(this.key('asset-lists'))]);
    const lists = new Map(Object.entries(stored).map(([id, json]) => [id, JSON.parse(json) as Address[]]));
    return Object.entries(lines).flatMap(([account, line]) => readable(account as Address, line, lists) ?? []);
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

/** A stored line as a score, or undefined when it cannot be read (another version wrote it): the keeper's next score of the account replaces it. */
function readable(account: Address, line: string, lists: ReadonlyMap<string, readonly Address[]>): StoredScore | undefined {
  try {
    return decodeScoreLine(account, line, lists);
  } catch (error) {
    if (error instanceof StoredScoreError) return undefined;
    throw error;
  }
}

async function exec(pipeline: ReturnType<Redis['pipeline']>): Promise<void> {
  for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
}
