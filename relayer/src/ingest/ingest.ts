// Ingest: one loop per chain drives that chain's EventSource and hands each batch to a consumer (the
// reconcile store, the reconcile queue, …). The consumer returns its state changes as hash-field
// writes; they are committed in one Redis script with the cursor, so a batch is applied exactly once
// however often it is read: after a crash, by a restarted process, or by several relayers at once
// (only the first commit from a cursor succeeds). A consumer with effects outside Redis makes them
// idempotent by event position `(eid, blockNumber, logIndex)`: it may see a batch more than once.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { UnknownChainError } from '../chains.ts';
import { type Logger, silentLogger } from '../logging.ts';
import { pollBackoffMs } from '../poll-pacing.ts';
import type { FollowedContract } from './contracts.ts';
import { IngestConflictError, ReorgTooDeepError } from './errors.ts';
import { type EventBatch, EventSource, type IngestChain, type IngestStep, type RollbackNotice } from './event-source.ts';
import { IngestLedger, type StateWrite } from './ledger.ts';
import { IngestMetrics } from './metrics.ts';
import { type IngestSettings, type ResolvedIngestSettings, parseIngestSettings } from './settings.ts';

/** What ingest feeds. */
export type IngestConsumer = {
  /**
   * The state changes of `batch`, committed with the cursor. Redis state changes only through the
   * returned writes (what apply reads is consistent with the cursor: a commit from a stale read is
   * refused and the batch read again); any other effect must be idempotent by event position.
   */
  apply(batch: EventBatch): Promise<StateWrite[] | void>;
  /**
   * Told of a rollback just before it is committed, which restores every field the consumer wrote
   * above `toBlock` (`restored` lists them): for effects outside Redis, made idempotent. At least once
   * (a conflicting commit means another process performs the same rollback).
   */
  rollback?(notice: RollbackNotice): Promise<void>;
};

export type IngestOptions = {
  chains: IngestChain[];
  /** The connection the ledger and commits use; the caller owns and closes it. */
  redis: Redis;
  consumer: IngestConsumer;
  /** Redis key prefix (relayers that cooperate share it). @defaultValue 'ballast' */
  prefix?: string;
  settings?: IngestSettings;
  /** Per-chain overrides of `settings` by eid (e.g. a deeper `reorgDepth` on one chain). */
  chainSettings?: ReadonlyMap<number, IngestSettings>;
  /** Contracts to follow per eid. @defaultValue `followedContracts` of each chain */
  contracts?: ReadonlyMap<number, FollowedContract[]>;
  logger?: Logger;
};

export type IngestEvents = {
  /** A batch was committed, with the consumer's writes committed with it (absolute values). */
  applied: [EventBatch, StateWrite[]];
  rolledBack: [RollbackNotice];
};

export class Ingest extends EventEmitter<IngestEvents> {
  /** This instance, among the relayers of a prefix (the origin of its commit notices). */
  readonly id = randomUUID();
  readonly metrics = new IngestMetrics();
  readonly ledger: IngestLedger;
  readonly settings: ResolvedIngestSettings;
  readonly #sources = new Map<number, EventSource>();
  readonly #consumer: IngestConsumer;
  readonly #logger: Logger;
  #running = false;
  #loops: Promise<void>[] = [];
  readonly #wakers = new Set<() => void>();

  constructor(options: IngestOptions) {
    super();
    this.settings = parseIngestSettings(options.settings);
    this.ledger = new IngestLedger(options.redis, options.prefix ?? 'ballast');
    this.#consumer = options.consumer;
    this.#logger = (options.logger ?? silentLogger).child({ component: 'ingest' });
    for (const chain of options.chains) {
      const contracts = options.contracts?.get(chain.deployment.eid);
      const overrides = options.chainSettings?.get(chain.deployment.eid);
      const settings = overrides ? parseIngestSettings({ ...options.settings, ...overrides }) : this.settings;
      const source = new EventSource({ chain, ledger: this.ledger, settings, ...(contracts ? { contracts } : {}) });
      this.#sources.set(source.eid, source);
      this.metrics.chain(source.eid);
    }
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loops = [...this.#sources.values()].map((source) => this.#run(source));
    this.#logger.info({ chains: [...this.#sources.keys()], ...this.settings }, 'ingest started');
  }

  /** Stops after the steps in progress (a step is committed whole or not at all). */
  async stop(): Promise<void> {
    this.#running = false;
    for (const wake of this.#wakers) wake();
    await Promise.all(this.#loops);
    this.#loops = [];
    this.#logger.info('ingest stopped');
  }

  /**
   * Runs one step on chain `eid`: applies a batch, rolls back, or finds nothing to do. Throws what the
   * step threw (nothing is committed then); the loop started by `start` retries.
   */
  async step(eid: number): Promise<IngestStep> {
    const source = this.#sources.get(eid);
    if (!source) throw new UnknownChainError(`Ingest does not follow chain ${eid}; pass it in \`chains\`.`);
    const metrics = this.metrics.chain(eid);
    const step = await source.next();
    if (step.kind === 'idle') {
      this.#observe(eid, step.headBlock, step.appliedBlock);
      return step;
    }
    if (step.kind === 'rollback') {
      const { rollback } = step;
      await this.#consumer.rollback?.(rollback);
      await source.commit(step);
      metrics.reorgs += 1;
      metrics.blocksRolledBack += Number(rollback.fromBlock - rollback.toBlock);
      metrics.lastCommitAt = Date.now();
      this.#observe(eid, step.headBlock, rollback.toBlock);
      this.#logger.warn({ eid, fromBlock: rollback.fromBlock, toBlock: rollback.toBlock, depth: rollback.fromBlock - rollback.toBlock, restoredFields: rollback.restored.length }, 'reorg: rolled back to the last common block');
      this.emit('rolledBack', rollback);
      return step;
    }
    const { batch } = step;
    const writes = (await this.#consumer.apply(batch)) ?? [];
    await source.commit(step, writes);
    metrics.eventsIngested += batch.events.length;
    metrics.batchesApplied += 1;
    metrics.lastCommitAt = Date.now();
    this.#observe(eid, batch.headBlock, batch.toBlock);
    if (batch.events.length > 0) this.#logger.debug({ eid, fromBlock: batch.fromBlock, toBlock: batch.toBlock, events: batch.events.length, writes: writes.length }, 'applied events');
    this.emit('applied', batch, writes);
    return step;
  }

  #observe(eid: number, head: bigint, applied: bigint): void {
    const metrics = this.metrics.chain(eid);
    metrics.headBlock = Number(head);
    metrics.appliedBlock = Number(applied);
    metrics.headLag = Number(head - applied);
  }

  async #run(source: EventSource): Promise<void> {
    const { pollIntervalMs, maxBackoffMs } = source.settings;
    const metrics = this.metrics.chain(source.eid);
    let failures = 0;
    while (this.#running) {
      let wait = 0;
      try {
        const step = await this.step(source.eid);
        failures = 0;
        if (step.kind === 'idle') wait = pollIntervalMs;
      } catch (error) {
        if (error instanceof IngestConflictError) {
          metrics.conflicts += 1;
          this.#logger.debug({ eid: source.eid }, 'another ingest process committed first; continuing from its cursor');
          continue;
        }
        failures += 1;
        metrics.pollErrors += 1;
        wait = pollBackoffMs(failures, pollIntervalMs, maxBackoffMs);
        if (error instanceof ReorgTooDeepError) {
          wait = maxBackoffMs;
          this.#logger.error({ eid: source.eid, err: error }, 'reorg deeper than the kept window; ingest of this chain is stuck until an operator acts');
        } else {
          this.#logger.warn({ eid: source.eid, attempt: failures, err: error }, 'ingest poll failed; retrying (the cursor does not move)');
        }
      }
      if (wait > 0 && this.#running) await this.#sleep(wait);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#wakers.add(wake);
    });
  }
}
