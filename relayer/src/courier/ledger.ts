// The courier's records in Redis, beside its queue: per-chain log cursors, the failure list (one
// entry per packet whose delivery is failing, with the revert reason and a short scrubbed error; removed
// once it lands; capped, the oldest dropped and counted) and a
// capped list of recent deliveries, and the packets refused by the carriage policy (a capped list and a
// count per reason). Any courier process can read or continue from them.
import type { Hex } from 'viem';
import type { Redis } from 'ioredis';
import { shortErrorMessage } from '../logging.ts';
import type { DeliveryRecord, PacketJob, RefusalRecord } from './deliver.ts';

export const RECENT_DELIVERIES_KEPT = 10_000;
/** Refused packets listed (newest first); the count per reason covers all of them. */
export const RECENT_REFUSALS_KEPT = 1_000;
/** Failing packets listed at most, by default; past it the oldest failure is dropped (its job still retries). */
export const FAILURES_KEPT = 10_000;

/**
 * Records a failure (KEYS[1] hash guid → record, KEYS[2] sorted set guid by first failure) and drops the
 * oldest past ARGV[4] entries, counting them in KEYS[3]; returns how many it dropped.
 */
const RECORD_FAILURE_SCRIPT = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[1])
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if excess <= 0 then return 0 end
local dropped = redis.call('ZPOPMIN', KEYS[2], excess)
for index = 1, #dropped, 2 do redis.call('HDEL', KEYS[1], dropped[index]) end
redis.call('INCRBY', KEYS[3], excess)
return excess
`;

/** Sets the cursor (KEYS[1]) to ARGV[2] only if it is ARGV[1] ('' for none). */
const ADVANCE_CURSOR_SCRIPT = `
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`;

/** The compare-and-set script as an ioredis command (sent by SHA once loaded). */
type WithCursorCommand = Redis & {
  ballastCourierAdvanceCursor: (key: string, from: string, to: string) => Promise<number>;
  ballastCourierRecordFailure: (failures: string, order: string, dropped: string, guid: string, record: string, firstFailedAt: number, kept: number) => Promise<number>;
};

export type CourierLedgerOptions = {
  /** Failing packets listed at most; the oldest are dropped past it. @defaultValue FAILURES_KEPT */
  failuresKept?: number;
  /** Values masked in stored error texts (the Redis password, RPC URL parts: `urlSecrets`). */
  secrets?: readonly string[];
};

export type FailureRecord = {
  guid: Hex;
  srcEid: number;
  dstEid: number;
  nonce: string;
  reason: string;
  error: string;
  attempts: number;
  firstFailedAt: number;
  lastFailedAt: number;
};

export class CourierLedger {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #failuresKept: number;
  readonly #secrets: readonly string[];

  constructor(redis: Redis, prefix: string, { failuresKept = FAILURES_KEPT, secrets = [] }: CourierLedgerOptions = {}) {
    this.#redis = redis;
    this.#prefix = `${prefix}:courier`;
    this.#failuresKept = failuresKept;
    this.#secrets = secrets;
    if (!('ballastCourierAdvanceCursor' in redis)) redis.defineCommand('ballastCourierAdvanceCursor', { numberOfKeys: 1, lua: ADVANCE_CURSOR_SCRIPT });
    if (!('ballastCourierRecordFailure' in redis)) redis.defineCommand('ballastCourierRecordFailure', { numberOfKeys: 3, lua: RECORD_FAILURE_SCRIPT });
  }

  #cursorKey(eid: number): string {
    return `${this.#prefix}:cursor:${eid}`;
  }

  /** Last block of `eid` whose PacketSent logs are all queued, or undefined before the first scan. */
  async cursor(eid: number): Promise<bigint | undefined> {
    const value = await this.#redis.get(this.#cursorKey(eid));
    return value === null ? undefined : BigInt(value);
  }

  /**
   * Moves `eid`'s cursor to `block` if it is still `from` (undefined: no cursor yet); returns whether it moved.
   * A poll that read its cursor before Redis lost its data must not write it into the emptied Redis: the
   * jobs it queued before are gone, and only a scan from the start block queues them again.
   */
  async advanceCursor(eid: number, from: bigint | undefined, block: bigint): Promise<boolean> {
    const moved = await (this.#redis as WithCursorCommand).ballastCourierAdvanceCursor(this.#cursorKey(eid), from === undefined ? '' : from.toString(), block.toString());
    return moved === 1;
  }

  /**
   * Records a failed attempt of `job`: its first line, scrubbed and at most 240 characters, is what is kept
   * (an RPC error quotes its URL, a revert its data). Past `failuresKept` packets the oldest is dropped from
   * the list and counted (`failuresDropped`); its job still retries.
   */
  async recordFailure(job: PacketJob, reason: string, error: unknown, attempts: number): Promise<FailureRecord> {
    const key = `${this.#prefix}:failures`;
    const previous = await this.#redis.hget(key, job.guid);
    const now = Date.now();
    const record: FailureRecord = {
      guid: job.guid,
      srcEid: job.srcEid,
      dstEid: job.dstEid,
      nonce: job.nonce,
      // A revert reason may span lines (viem: "…reverted with the following reason:\nEVM error OutOfGas"): joined, not cut.
      reason: shortErrorMessage(reason.replace(/\s*\n\s*/g, ' '), 240, this.#secrets),
      error: shortErrorMessage(error, 240, this.#secrets),
      attempts,
      firstFailedAt: previous ? (JSON.parse(previous) as FailureRecord).firstFailedAt : now,
      lastFailedAt: now,
    };
    await (this.#redis as WithCursorCommand).ballastCourierRecordFailure(key, `${key}:order`, `${key}:dropped`, job.guid, JSON.stringify(record), record.firstFailedAt, this.#failuresKept);
    return record;
  }

  /** Failures dropped from the list because it was full, every relayer of the prefix. */
  async failuresDropped(): Promise<number> {
    return Number((await this.#redis.get(`${this.#prefix}:failures:dropped`)) ?? 0);
  }

  /** How many packets are failing right now. */
  failureCount(): Promise<number> {
    return this.#redis.hlen(`${this.#prefix}:failures`);
  }

  async failures(): Promise<FailureRecord[]> {
    const values = await this.#redis.hvals(`${this.#prefix}:failures`);
    return values.map((value) => JSON.parse(value) as FailureRecord).sort((a, b) => a.firstFailedAt - b.firstFailedAt);
  }

  async recordDelivery(record: DeliveryRecord): Promise<void> {
    await this.#redis
      .multi()
      .hdel(`${this.#prefix}:failures`, record.guid)
      .zrem(`${this.#prefix}:failures:order`, record.guid)
      .lpush(`${this.#prefix}:deliveries`, JSON.stringify(record))
      .ltrim(`${this.#prefix}:deliveries`, 0, RECENT_DELIVERIES_KEPT - 1)
      .exec();
  }

  /** Records a packet the carriage policy refused: listed (capped) and counted by reason. */
  async recordRefusal(record: RefusalRecord): Promise<void> {
    await this.#redis
      .multi()
      .hdel(`${this.#prefix}:failures`, record.guid)
      .zrem(`${this.#prefix}:failures:order`, record.guid)
      .lpush(`${this.#prefix}:refusals`, JSON.stringify(record))
      .ltrim(`${this.#prefix}:refusals`, 0, RECENT_REFUSALS_KEPT - 1)
      .hincrby(`${this.#prefix}:refusal-counts`, record.reason, 1)
      .exec();
  }

  /** Most recent refusals first. */
  async refusals(count = 100): Promise<RefusalRecord[]> {
    const values = await this.#redis.lrange(`${this.#prefix}:refusals`, 0, count - 1);
    return values.map((value) => JSON.parse(value) as RefusalRecord);
  }

  /** Packets refused so far under the prefix, by reason. */
  async refusalCounts(): Promise<Record<string, number>> {
    const counts = await this.#redis.hgetall(`${this.#prefix}:refusal-counts`);
    return Object.fromEntries(Object.entries(counts).map(([reason, count]) => [reason, Number(count)]));
  }

  /** Most recent deliveries first. */
  async deliveries(count = 100): Promise<DeliveryRecord[]> {
    const values = await this.#redis.lrange(`${this.#prefix}:deliveries`, 0, count - 1);
    return values.map((value) => JSON.parse(value) as DeliveryRecord);
  }
}
