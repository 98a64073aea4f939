// The courier's records in Redis, beside its queue: per-chain log cursors, the failure list (one
// entry per packet whose delivery is failing, with the revert reason; removed once it lands) and a
// capped list of recent deliveries. Any courier process can read or continue from them.
import type { Hex } from 'viem';
import type { Redis } from 'ioredis';
import type { DeliveryRecord, PacketJob } from './deliver.ts';

export const RECENT_DELIVERIES_KEPT = 10_000;

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

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = `${prefix}:courier`;
  }

  #cursorKey(eid: number): string {
    return `${this.#prefix}:cursor:${eid}`;
  }

  /** Last block of `eid` whose PacketSent logs are all queued, or undefined before the first scan. */
  async cursor(eid: number): Promise<bigint | undefined> {
    const value = await this.#redis.get(this.#cursorKey(eid));
    return value === null ? undefined : BigInt(value);
  }

  async setCursor(eid: number, block: bigint): Promise<void> {
    await this.#redis.set(this.#cursorKey(eid), block.toString());
  }

  async recordFailure(job: PacketJob, reason: string, error: string, attempts: number): Promise<FailureRecord> {
    const key = `${this.#prefix}:failures`;
    const previous = await this.#redis.hget(key, job.guid);
    const now = Date.now();
    const record: FailureRecord = {
      guid: job.guid,
      srcEid: job.srcEid,
      dstEid: job.dstEid,
      nonce: job.nonce,
      reason,
      error,
      attempts,
      firstFailedAt: previous ? (JSON.parse(previous) as FailureRecord).firstFailedAt : now,
      lastFailedAt: now,
    };
    await this.#redis.hset(key, job.guid, JSON.stringify(record));
    return record;
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
      .lpush(`${this.#prefix}:deliveries`, JSON.stringify(record))
      .ltrim(`${this.#prefix}:deliveries`, 0, RECENT_DELIVERIES_KEPT - 1)
      .exec();
  }

  /** Most recent deliveries first. */
  async deliveries(count = 100): Promise<DeliveryRecord[]> {
    const values = await this.#redis.lrange(`${this.#prefix}:deliveries`, 0, count - 1);
    return values.map((value) => JSON.parse(value) as DeliveryRecord);
  }
}
