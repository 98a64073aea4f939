// The courier: carries LayerZero packets between the chains of a deployment graph, as DVN and
// executor. One PacketWatcher per source chain queues packets on the BullMQ `deliver` queue; a
// worker delivers them. Any number of courier processes may share one Redis (each with its own
// transactor key): job ids dedupe packets, on-chain state reads dedupe work, and a stalled job
// (its courier died) is picked up by another. It carries only what the carriage policy allows
// (./carriage-policy.ts); a refused packet completes as refused, listed and counted, and is not retried.
import { EventEmitter } from 'node:events';
import { type Deployments, PacketDecodeError } from '@ballast/protocol';
import { DelayedError, type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { Hex } from 'viem';
import { Chains } from '../chains.ts';
import { type TransactionSenderOptions, isInsufficientFunds } from '../transactions.ts';
import { type Logger, silentLogger } from '../logging.ts';
import { DELIVER_RETENTION, retentionJobOptions } from '../ops/retention.ts';
import { type CloseWorkerGracefullyReturnType, InFlightJobs, closeWorkerGracefully } from '../ops/worker-shutdown.ts';
import { type CarriagePolicy, DEFAULT_DELIVERY_CAPS } from './carriage-policy.ts';
import { type DeliveryRecord, type PacketJob, type RefusalRecord, deliverPacket } from './deliver.ts';
import { DvnSigners } from './dvn.ts';
import { DeliveryRevertedError, PayloadConflictError } from './errors.ts';
import { CourierLedger, type FailureRecord } from './ledger.ts';
import { PacketWatcher, type PacketWatcherMetrics, deliverJobId } from './packet-watcher.ts';

export const DELIVER_QUEUE = 'deliver';

export type CourierOptions = {
  deployments: Deployments;
  redisUrl: string;
  /** Key that sends the courier's transactions; must be a DVN admin on every chain. */
  transactorKey: Hex;
  /** Keys of the DVN's signers (quorum of them sign each verification). */
  dvnSignerKeys: Hex[];
  /** Redis key prefix of the queue and the ledger. @defaultValue 'ballast' */
  prefix?: string;
  logger?: Logger;
  /** Jobs in progress at once. @defaultValue 16 */
  concurrency?: number;
  /** @defaultValue 100 */
  pollIntervalMs?: number;
  /** Attempts per packet before its job parks in the failed set (it stays listed and replayable). @defaultValue 1_000 */
  attempts?: number;
  /** First retry delay; doubles per attempt up to `maxBackoffMs`. @defaultValue 500 */
  backoffMs?: number;
  /** @defaultValue 30_000 */
  maxBackoffMs?: number;
  /** How long a job's lock lasts without renewal: after a courier dies, its jobs move on after this. @defaultValue 30_000 */
  lockDurationMs?: number;
  /** Delay before retrying a packet that waits for an earlier nonce. @defaultValue 200 */
  waitRetryMs?: number;
  /** Whether to follow chains for new packets (false: only deliver queued ones). @defaultValue true */
  watch?: boolean;
  /** What the courier carries (docs/OPERATIONS.md#executor-and-dvn-policy). @defaultValue paid packets only, default caps */
  policy?: CarriagePolicy;
  /** Largest getLogs range of the packet watchers (halved when a node refuses it). @defaultValue 2_000 */
  maxBlockRange?: number;
  /** Longest wait between failed watcher polls. @defaultValue 10_000 */
  maxPollBackoffMs?: number;
  /** How the transactor replaces stuck transactions (receipt timeout, fee bump). */
  transactions?: TransactionSenderOptions;
  /** How long a job waits after "insufficient funds" before it tries again (no attempt is counted). @defaultValue 30_000 */
  insufficientFundsRetryMs?: number;
  /** Failing packets the failure list keeps at most (the oldest dropped past it). @defaultValue 10_000 */
  failuresKept?: number;
  /** Values masked in the failure list's error texts (the Redis password, RPC URL parts). */
  secrets?: readonly string[];
  /** ioredis options of every connection the courier opens (TLS: `redisOptions(config.redis.tls)`). */
  redisOptions?: RedisOptions;
};

/** The job's result: a delivery, or a refusal (a completed job, so its id keeps deduplicating the packet). */
export type DeliveryOutcome = DeliveryRecord | (RefusalRecord & { status: 'refused' });

export type CourierEvents = {
  delivered: [DeliveryRecord];
  refused: [RefusalRecord];
  failed: [FailureRecord];
};

export class Courier extends EventEmitter<CourierEvents> {
  readonly chains: Chains;
  readonly queue: Queue<PacketJob>;
  readonly ledger: CourierLedger;
  readonly policy: CarriagePolicy;
  readonly #options: Required<Omit<CourierOptions, 'logger' | 'policy' | 'transactions' | 'secrets'>>;
  readonly #logger: Logger;
  readonly #redis: Redis;
  readonly #signers: DvnSigners;
  #worker: Worker<PacketJob, DeliveryOutcome> | undefined;
  readonly #inFlight = new InFlightJobs<PacketJob, DeliveryOutcome>();
  #watchers: PacketWatcher[] = [];

  constructor(options: CourierOptions) {
    super();
    this.#options = {
      prefix: 'ballast',
      concurrency: 16,
      pollIntervalMs: 100,
      attempts: 1_000,
      backoffMs: 500,
      maxBackoffMs: 30_000,
      lockDurationMs: 30_000,
      waitRetryMs: 200,
      watch: true,
      maxBlockRange: 2_000,
      maxPollBackoffMs: 10_000,
      insufficientFundsRetryMs: 30_000,
      failuresKept: 10_000,
      redisOptions: {},
      ...options,
    };
    this.policy = options.policy ?? { allowlist: new Set(), caps: new Map(), defaultCaps: DEFAULT_DELIVERY_CAPS };
    this.#logger = (options.logger ?? silentLogger).child({ component: 'courier' });
    this.chains = new Chains(options.deployments, { transactorKey: options.transactorKey, ...(options.transactions ? { transactions: options.transactions } : {}) });
    this.#signers = new DvnSigners(options.dvnSignerKeys);
    this.#redis = new Redis(options.redisUrl, { ...this.#options.redisOptions, maxRetriesPerRequest: null });
    this.ledger = new CourierLedger(this.#redis, this.#options.prefix, { failuresKept: this.#options.failuresKept, secrets: options.secrets ?? [] });
    this.queue = new Queue<PacketJob>(DELIVER_QUEUE, {
      connection: this.#redis,
      prefix: this.#options.prefix,
      defaultJobOptions: {
        attempts: this.#options.attempts,
        backoff: { type: 'capped' },
        // Completed jobs (deliveries and refusals) are bounded by age and count (ops/retention.ts): their ids only
        // dedupe a packet seen again, and a packet queued again is found done on chain (or refused again).
        ...retentionJobOptions(DELIVER_RETENTION),
      },
    });
  }

  start(): void {
    const { prefix, concurrency, lockDurationMs, backoffMs, maxBackoffMs, redisUrl, redisOptions } = this.#options;
    this.#worker = new Worker<PacketJob, DeliveryOutcome>(DELIVER_QUEUE, this.#inFlight.wrap((job, token) => this.#process(job, token)), {
      connection: new Redis(redisUrl, { ...redisOptions, maxRetriesPerRequest: null }),
      prefix,
      concurrency,
      lockDuration: lockDurationMs,
      stalledInterval: Math.max(1_000, Math.floor(lockDurationMs / 2)),
      // Re-running a stalled delivery is safe (every step checks on-chain state first).
      maxStalledCount: 1_000,
      settings: { backoffStrategy: (attemptsMade: number) => Math.min(backoffMs * 2 ** Math.max(0, attemptsMade - 1), maxBackoffMs) },
    });
    this.#worker.on('error', (error) => this.#logger.error({ err: error }, 'deliver worker error'));
    if (this.#options.watch) {
      this.#watchers = this.chains.all().map(
        (source) =>
          new PacketWatcher({
            source,
            chains: this.chains,
            queue: this.queue,
            ledger: this.ledger,
            logger: this.#logger,
            policy: this.policy,
            pollIntervalMs: this.#options.pollIntervalMs,
            maxBlockRange: BigInt(this.#options.maxBlockRange),
            maxBackoffMs: this.#options.maxPollBackoffMs,
          }),
      );
      for (const watcher of this.#watchers) watcher.start();
    }
    this.#logger.info({ chains: this.chains.all().map((chain) => chain.deployment.eid), transactor: this.chains.all()[0]?.sender.account.address }, 'courier started');
  }

  /**
   * Stops watching and taking jobs, lets in-flight deliveries finish (for up to `graceMs`, then hands
   * the rest back to the queue for another courier), and closes connections.
   */
  async stop({ graceMs = Number.POSITIVE_INFINITY }: { graceMs?: number } = {}): Promise<CloseWorkerGracefullyReturnType> {
    await Promise.all(this.#watchers.map((watcher) => watcher.stop()));
    let outcome: CloseWorkerGracefullyReturnType = { finished: true, handedBack: 0 };
    if (this.#worker) {
      outcome = await closeWorkerGracefully({ worker: this.#worker, inFlight: this.#inFlight, graceMs, logger: this.#logger });
      await this.#worker.disconnect();
    }
    await this.queue.close();
    this.#redis.disconnect();
    this.#logger.info(outcome, 'courier stopped');
    return outcome;
  }

  /** Each watched chain's watcher numbers (empty when not watching). */
  watcherMetrics(): PacketWatcherMetrics[] {
    return this.#watchers.map((watcher) => ({ ...watcher.metrics }));
  }

  /** Packets whose delivery is failing right now, oldest first. */
  failures(): Promise<FailureRecord[]> {
    return this.ledger.failures();
  }

  /** Retries a packet's delivery now (a parked failed job, or a delayed retry). */
  replay(guid: Hex): Promise<ReplayOutcome> {
    return replayDelivery(this.queue, guid);
  }

  async #process(job: Job<PacketJob, DeliveryOutcome>, token: string | undefined): Promise<DeliveryOutcome> {
    const log = this.#logger.child({ guid: job.data.guid, srcEid: job.data.srcEid, dstEid: job.data.dstEid, nonce: job.data.nonce });
    try {
      const result = await deliverPacket({ chains: this.chains, signers: this.#signers, policy: this.policy }, job.data);
      if (result.kind === 'refused') {
        await this.ledger.recordRefusal(result.record);
        log.info({ reason: result.record.reason, detail: result.record.detail, sender: result.record.sender }, 'packet refused by the carriage policy; not carried');
        this.emit('refused', result.record);
        return { ...result.record, status: 'refused' };
      }
      if (result.kind === 'wait') {
        log.debug({ reason: result.reason }, 'packet waits');
        await job.moveToDelayed(Date.now() + this.#options.waitRetryMs, token);
        throw new DelayedError();
      }
      await this.ledger.recordDelivery(result.record);
      log.info({ status: result.record.status, srcTx: result.record.srcTxHash, dstTx: result.record.dstTxHash, steps: result.record.steps, latencyMs: result.record.deliveredAt - result.record.observedAt }, 'packet delivered');
      this.emit('delivered', result.record);
      return result.record;
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      const underfunded = isInsufficientFunds(error);
      const reason = underfunded ? 'insufficient-funds' : error instanceof DeliveryRevertedError ? error.reason : error instanceof Error ? error.name : 'unknown';
      const failure = await this.ledger.recordFailure(job.data, reason, error, job.attemptsMade + 1);
      this.emit('failed', failure);
      if (underfunded) {
        // Not the packet's fault: wait for the key to be funded without spending the job's attempts.
        log.warn({ reason, retryInMs: this.#options.insufficientFundsRetryMs }, 'delivery waits: the transactor key cannot pay; fund it');
        await job.moveToDelayed(Date.now() + this.#options.insufficientFundsRetryMs, token);
        throw new DelayedError();
      }
      log.warn({ reason, attempt: failure.attempts, err: error }, 'delivery failed; kept for retry');
      if (error instanceof PacketDecodeError || error instanceof PayloadConflictError) throw new UnrecoverableError(failure.error);
      throw error;
    }
  }
}

export type ReplayOutcome = 'retried' | 'promoted' | 'not-found' | 'not-failed';

/**
 * Moves job `jobId` of `queue` back to work: a parked failed job is retried, a delayed one promoted, and a
 * packet the carriage policy refused is judged again (after the operator raised a cap or allowlisted its app).
 */
export async function replayJob(queue: Queue, jobId: string): Promise<ReplayOutcome> {
  const job = await queue.getJob(jobId);
  if (!job) return 'not-found';
  const state = await job.getState();
  if (state === 'failed') {
    await job.retry('failed');
    return 'retried';
  }
  if (state === 'completed' && (job.returnvalue as { status?: string } | null)?.status === 'refused') {
    await job.retry('completed');
    return 'retried';
  }
  if (state === 'delayed') {
    await job.promote();
    return 'promoted';
  }
  return 'not-failed';
}

/** Moves a packet's deliver job back to work (`replayJob`). */
export function replayDelivery(queue: Queue<PacketJob>, guid: Hex): Promise<ReplayOutcome> {
  return replayJob(queue, deliverJobId(guid));
}
