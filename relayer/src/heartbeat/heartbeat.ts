// The heartbeat role: a remote's mirror lends only while its newest HEARTBEAT is younger than its
// heartbeat period, and nobody but a relayer sends one, so this role sends each remote a HEARTBEAT
// `marginMs` before its draw window closes. A window is named by the mirror's `lastHeartbeat`: the job
// id `heartbeat-<eid>-<lastHeartbeat>` makes any number of relayer processes queue one job per remote per
// window, and the job re-reads the mirror and the sent record before sending, so it never sends twice.
// It never sends above its fee budget: such a job waits (delayed) and says so in logs and metrics.
import { creditMirrorAbi } from '@ballast/abi';
import { BallastError, type Deployments, contractAddress, homeChain } from '@ballast/protocol';
import { type BallastBaseClient, prepareSendHeartbeat } from '@ballast/sdk';
import { DelayedError, type Job, Queue, Worker } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { Address, Hash } from 'viem';
import type { Chains } from '../chains.ts';
import { INGEST_CONTRACT_NAMES } from '../ingest/contracts.ts';
import type { Logger } from '../logging.ts';
import { JOB_STACK_TRACE_LIMIT } from '../ops/retention.ts';
import { InsufficientFundsError, isUnderfunded } from '../transactions.ts';

export const HEARTBEAT_QUEUE = 'heartbeats';

/** The heartbeat role's settings (the config file's `heartbeat` object). */
export type HeartbeatSettings = {
  /** Send this long before a remote's draw window closes: covers the message's trip (DVN, executor) with room for retries. @defaultValue 3_600_000 */
  marginMs: number;
  /** Log at alert level (`error`, `alert: true`) when a remote's window closes within this and no newer heartbeat has arrived. @defaultValue 1_800_000 */
  alertMarginMs: number;
  /** How often each remote's window is read. @defaultValue 30_000 */
  tickIntervalMs: number;
  /** Most one heartbeat may cost on home, wei (the LayerZero fee plus gas). Above it the job waits. */
  maxFeeWei: bigint;
  /** How long a job over budget waits before it looks again. @defaultValue 60_000 */
  budgetRetryMs: number;
  /** How long a job waits after "insufficient funds" (no attempt counted). @defaultValue 30_000 */
  insufficientFundsRetryMs: number;
  /** Attempts of a failing job before it stays failed for an operator. @defaultValue 1_000 */
  attempts: number;
};

/** A heartbeat job's data (JSON). */
export type HeartbeatJob = { eid: number; window: number };

export type HeartbeatResult = { kind: 'sent'; txHash: Hash; fee: string } | { kind: 'skipped'; detail: string };

/** The job id of a remote's window: every relayer queues the same one. */
export function heartbeatJobId(eid: number, window: number): string {
  return `heartbeat-${eid}-${window}`;
}

/** A heartbeat would cost more than `heartbeat.maxFeeWei`: the job waits and looks again. */
export class HeartbeatBudgetExceededError extends BallastError {
  override name = 'HeartbeatBudgetExceededError';
  constructor(eid: number, cost: bigint, max: bigint) {
    super(`A heartbeat to chain ${eid} would cost ${cost} wei, above heartbeat.maxFeeWei (${max}).`, {
      details: `Raise heartbeat.maxFeeWei in the config file if this price is expected; the job waits and tries again every heartbeat.budgetRetryMs.`,
      docsPath: 'OPERATIONS.md#heartbeat',
      meta: { eid, cost: String(cost), max: String(max) },
    });
  }
}

/** One remote's window as last read. */
export type RemoteWindow = { eid: number; lastHeartbeat: number; period: number; chainNow: number };

export type HeartbeatsOptions = {
  deployments: Deployments;
  chains: Chains;
  /** The SDK client as the role's key: it quotes, builds and simulates each heartbeat. */
  sdk: BallastBaseClient;
  redisUrl: string;
  redisOptions?: RedisOptions;
  prefix: string;
  settings: HeartbeatSettings;
  logger: Logger;
};

/** Counters and the last reads, for metrics. */
export type HeartbeatMetrics = {
  sent: Map<number, number>;
  feesWei: Map<number, bigint>;
  budgetExceeded: Map<number, number>;
  failed: Map<number, number>;
  windows: Map<number, RemoteWindow>;
  /** Remotes whose heartbeat period is not longer than `marginMs` (each arrival is already within the margin: a heartbeat goes out on every arrival), with that period, seconds. */
  marginCoversPeriod: Map<number, number>;
};

function bump(map: Map<number, number>, eid: number): void {
  map.set(eid, (map.get(eid) ?? 0) + 1);
}

export class Heartbeats {
  readonly queue: Queue<HeartbeatJob, HeartbeatResult>;
  readonly metrics: HeartbeatMetrics = { sent: new Map(), feesWei: new Map(), budgetExceeded: new Map(), failed: new Map(), windows: new Map(), marginCoversPeriod: new Map() };
  readonly #options: HeartbeatsOptions;
  readonly #redis: Redis;
  readonly #vault: Address;
  readonly #homeEid: number;
  readonly #mirrors: Map<number, Address>;
  #worker: Worker<HeartbeatJob, HeartbeatResult> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #stopped = false;

  constructor(options: HeartbeatsOptions) {
    this.#options = options;
    const home = homeChain(options.deployments);
    this.#homeEid = home.eid;
    this.#vault = contractAddress(home, INGEST_CONTRACT_NAMES.vault);
    this.#mirrors = new Map(options.deployments.chains.filter((chain) => chain.role === 'remote').map((chain) => [chain.eid, contractAddress(chain, INGEST_CONTRACT_NAMES.mirror)]));
    this.#redis = new Redis(options.redisUrl, { ...options.redisOptions, maxRetriesPerRequest: null });
    this.queue = new Queue<HeartbeatJob, HeartbeatResult>(HEARTBEAT_QUEUE, {
      connection: this.#redis,
      prefix: options.prefix,
      defaultJobOptions: {
        attempts: options.settings.attempts,
        backoff: { type: 'exponential', delay: 1_000 },
        // A completed window keeps its id while its heartbeat is in flight, however slow the trip: the
        // newest thousand are kept (windows last hours), and `#queueWindow` decides when one may go again.
        removeOnComplete: { count: 1_000 },
        removeOnFail: false,
        stackTraceLimit: JOB_STACK_TRACE_LIMIT,
      },
    });
  }

  /** The remotes this role keeps open. */
  get remotes(): number[] {
    return [...this.#mirrors.keys()];
  }

  /** Starts the worker and the tick that reads every remote's window. */
  start(): void {
    const { redisUrl, redisOptions, prefix } = this.#options;
    this.#worker = new Worker<HeartbeatJob, HeartbeatResult>(HEARTBEAT_QUEUE, (job, token) => this.#process(job, token), {
      connection: new Redis(redisUrl, { ...redisOptions, maxRetriesPerRequest: null }),
      prefix,
      concurrency: 1,
    });
    this.#worker.on('error', (error) => this.#options.logger.warn({ err: error }, 'heartbeat worker error; it reconnects'));
    const loop = () => {
      if (this.#stopped) return;
      this.#ticking = this.tick()
        .catch((error: unknown) => this.#options.logger.warn({ err: error }, 'heartbeat tick failed; trying again next tick'))
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(loop, this.#options.settings.tickIntervalMs);
        });
    };
    loop();
  }

  /** Reads one remote's window: its last heartbeat, its period and its chain's time (the mirror judges draws by it). */
  async readWindow(eid: number): Promise<RemoteWindow> {
    const { publicClient } = this.#options.chains.get(eid);
    const mirror = this.#mirrors.get(eid) as Address;
    const [lastHeartbeat, period, block] = await Promise.all([
      publicClient.readContract({ address: mirror, abi: creditMirrorAbi, functionName: 'lastHeartbeat' }),
      publicClient.readContract({ address: mirror, abi: creditMirrorAbi, functionName: 'heartbeatPeriod' }),
      publicClient.getBlock({ blockTag: 'latest' }),
    ]);
    // A chain that mines only on demand (anvil) keeps an old latest block while idle; a draw would be mined
    // at about the wall clock, so the later of the two is the window's "now".
    const chainNow = Math.max(Number(block.timestamp), Math.floor(Date.now() / 1000));
    return { eid, lastHeartbeat: Number(lastHeartbeat), period: Number(period), chainNow };
  }

  /** One pass: reads every remote's window, queues the heartbeat of those within the margin of closing, alerts on those within the alert margin. */
  async tick(): Promise<void> {
    const { settings, logger } = this.#options;
    await Promise.all(
      this.remotes.map(async (eid) => {
        const window = await this.readWindow(eid);
        this.metrics.windows.set(eid, window);
        this.#checkMargin(window);
        const closesIn = (window.lastHeartbeat + window.period - window.chainNow) * 1000;
        if (closesIn <= settings.alertMarginMs) {
          logger.error({ alert: true, eid, lastHeartbeat: window.lastHeartbeat, period: window.period, closesInMs: closesIn }, closesIn <= 0 ? 'remote refuses draws: its last heartbeat is older than its period' : 'remote close to refusing draws: no newer heartbeat has arrived');
        }
        if (closesIn > settings.marginMs) return;
        await this.#queueWindow(window);
      }),
    );
  }

  /** Warns once per remote (and on each change of its period) when `marginMs` ≥ its period: it would be sent a heartbeat on every arrival. */
  #checkMargin({ eid, period }: RemoteWindow): void {
    const { marginMs } = this.#options.settings;
    if (marginMs < period * 1000) {
      this.metrics.marginCoversPeriod.delete(eid);
      return;
    }
    if (this.metrics.marginCoversPeriod.get(eid) === period) return;
    this.metrics.marginCoversPeriod.set(eid, period);
    this.#options.logger.warn(
      { eid, marginMs, periodSeconds: period },
      `heartbeat.marginMs (${marginMs} ms) is not shorter than chain ${eid}'s heartbeat period (${period} s): every heartbeat that arrives opens a window already within the margin, so another is sent at once. Lower heartbeat.marginMs well under the period.`,
    );
  }

  async #queueWindow({ eid, lastHeartbeat, period, chainNow }: RemoteWindow): Promise<void> {
    const jobId = heartbeatJobId(eid, lastHeartbeat);
    const existing = await this.queue.getJob(jobId);
    if (existing) {
      // Sent already. Sent again only if the heartbeat did not arrive (dropped) before the window closed
      // and a whole margin has passed since: a slow trip within the margin is never taken for a lost one.
      const finished = existing.finishedOn ?? Number.POSITIVE_INFINITY;
      const closed = chainNow >= lastHeartbeat + period;
      if (!closed || !(await existing.isCompleted()) || Date.now() - finished < this.#options.settings.marginMs) return;
      await existing.remove().catch(() => undefined);
    }
    await this.queue.add('heartbeat', { eid, window: lastHeartbeat }, { jobId });
  }

  #sentKey(instance: string): string {
    return `${this.#options.prefix}:{heartbeat}:sent:${instance}`;
  }

  async #process(job: Job<HeartbeatJob, HeartbeatResult>, token: string | undefined): Promise<HeartbeatResult> {
    const { eid, window } = job.data;
    const { chains, sdk, settings } = this.#options;
    const logger = this.#options.logger.child({ eid, window, jobId: job.id });
    const home = chains.get(this.#homeEid);
    // Per job instance (id and creation time): a window queued anew never finds an older instance's send.
    const sentKey = this.#sentKey(`${job.id}:${job.timestamp}`);
    try {
      // A retry of a job that already submitted (a crash, a lost receipt) waits for that transaction.
      const recorded = (await this.#redis.get(sentKey)) as Hash | null;
      if (recorded) return await this.#confirm(eid, recorded, sentKey, logger);
      const current = await this.readWindow(eid);
      if (current.lastHeartbeat !== window) return { kind: 'skipped', detail: `a newer heartbeat (${current.lastHeartbeat}) arrived` };
      const write = await prepareSendHeartbeat(sdk, { dstEid: eid });
      const from = home.sender.account;
      let gas: bigint;
      try {
        gas = await home.publicClient.estimateGas({ account: from, to: write.to, data: write.data, value: write.value });
      } catch (error) {
        if (await isUnderfunded(error, home.publicClient)) throw new InsufficientFundsError(from.address, home.chain.id, error);
        throw error;
      }
      const cost = write.value + gas * (await home.publicClient.getGasPrice());
      if (cost > settings.maxFeeWei) throw new HeartbeatBudgetExceededError(eid, cost, settings.maxFeeWei);
      const hash = await home.sender.submit({ to: write.to, data: write.data, value: write.value, gas: (gas * 5n) / 4n });
      // Kept a day past the margin: long enough for any retry of this job to find it.
      await this.#redis.set(sentKey, hash, 'PX', settings.marginMs + 86_400_000);
      return await this.#confirm(eid, hash, sentKey, logger);
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      if (error instanceof HeartbeatBudgetExceededError) {
        bump(this.metrics.budgetExceeded, eid);
        logger.warn({ err: error, retryInMs: settings.budgetRetryMs }, 'heartbeat waits: over its fee budget');
        await job.moveToDelayed(Date.now() + settings.budgetRetryMs, token);
        throw new DelayedError();
      }
      if (error instanceof InsufficientFundsError) {
        bump(this.metrics.failed, eid);
        logger.warn({ err: error, retryInMs: settings.insufficientFundsRetryMs }, 'heartbeat waits: the key cannot pay; fund it');
        await job.moveToDelayed(Date.now() + settings.insufficientFundsRetryMs, token);
        throw new DelayedError();
      }
      bump(this.metrics.failed, eid);
      logger.warn({ err: error, attempt: job.attemptsMade + 1 }, 'heartbeat failed; kept for retry');
      throw error;
    }
  }

  async #confirm(eid: number, hash: Hash, sentKey: string, logger: Logger): Promise<HeartbeatResult> {
    const home = this.#options.chains.get(this.#homeEid);
    const receipt = await home.sender.receipt(hash);
    if (receipt.status !== 'success') {
      // Nothing was sent: the retry may send anew.
      await this.#redis.del(sentKey);
      throw new HeartbeatRevertedError(eid, hash);
    }
    // The LayerZero fee is the transaction's value (read back, so a resumed job counts it too).
    const { value } = await home.publicClient.getTransaction({ hash });
    const spent = value + receipt.gasUsed * receipt.effectiveGasPrice;
    bump(this.metrics.sent, eid);
    this.metrics.feesWei.set(eid, (this.metrics.feesWei.get(eid) ?? 0n) + spent);
    logger.info({ txHash: hash, feeWei: String(spent), vault: this.#vault }, 'heartbeat sent');
    return { kind: 'sent', txHash: hash, fee: String(spent) };
  }

  /** Stops the tick and the worker (a job in progress finishes or is handed back). */
  async stop({ graceMs = 10_000 }: { graceMs?: number } = {}): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#ticking;
    const closing = this.#worker?.close() ?? Promise.resolve();
    const timedOut = await Promise.race([closing.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), graceMs).unref())]);
    if (timedOut) await this.#worker?.close(true);
    await this.queue.close();
    this.#redis.disconnect();
  }
}

/** The heartbeat transaction reverted on home. Retried. */
export class HeartbeatRevertedError extends BallastError {
  override name = 'HeartbeatRevertedError';
  constructor(eid: number, hash: Hash) {
    super(`The heartbeat to chain ${eid} reverted on home (transaction ${hash}).`, {
      details: 'The job retries with backoff; if it keeps failing, check the vault (paused?) and `ballast-relayer status`.',
      docsPath: 'OPERATIONS.md#heartbeat',
    });
  }
}
