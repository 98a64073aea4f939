// The keeper: scores accounts and takes the protocol's liquidation actions (ARCHITECTURE.md §7, §9).
//
// It reads positions from the reconcile store that ingest keeps in Redis (collateral, exports and the
// liquidation epoch on home; line, drawn and parked credit on each remote) and keeps a copy in memory
// (`PositionCache`). When it follows an in-process Ingest, every applied batch re-reads (that chain's part)
// and re-scores the accounts its events touch, and a feed's `AnswerUpdated` re-scores exactly the accounts
// holding that feed's asset from the copy (the holders index kept with each score), in batches: prices read
// once, the health maths run over the batch, its scores written with one pipeline. A periodic sweep re-reads and
// re-scores everyone, so a keeper without ingest (the store kept by another process), or one that missed a
// batch another process committed, still converges. Each score lands in Redis (bucket, healths) and
// yields action requests (`decideActions`), queued once on the shared `actions` queue (`liquidations` for
// the liquidator module); the workers check each against the chain just before sending. Any number of
// keeper processes may share one Redis prefix, each with its own transactor key.
import { EventEmitter } from 'node:events';
import type { Deployments } from '@ballast/protocol';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { Address, Hex } from 'viem';
import { Chains } from '../chains.ts';
import { checksummed } from '../checksum-cache.ts';
import type { ReplayOutcome } from '../courier/courier.ts';
import type { EventBatch } from '../ingest/event-source.ts';
import type { Ingest } from '../ingest/ingest.ts';
import type { StateWrite } from '../ingest/ledger.ts';
import { type Logger, silentLogger } from '../logging.ts';
import { isInsufficientFunds } from '../transactions.ts';
import { type BatchTriggers, type CommitNotice, type CommitNoticeSubscription, batchTriggers, subscribeCommitNotices } from './commit-notices.ts';
import { type CloseWorkerGracefullyReturnType, InFlightJobs, closeWorkerGracefully } from '../ops/worker-shutdown.ts';
import { type AccountState, ReconcileStore } from '../reconcile/account-store.ts';
import { type ActionContext, type ActionJob, type KeeperContracts, keeperContracts, keeperSdk, runAction } from './actions.ts';
import { type ActionRequest, decideActions } from './decisions.ts';
import { ActionRevertedError, KeeperActionError } from './errors.ts';
import { type ActionFailure, type ActionRecord, type EncodedScore, KEEPER_HEALTH_BUCKETS, KeeperLedger, type SettledLiquidation, type StoredScore } from './ledger.ts';
import { KeeperMetrics } from './metrics.ts';
import { type CachedAccount, PositionCache } from './positions.ts';
import { PriceBook } from './prices.ts';
import { ACTIONS_QUEUE, ActionQueue, LIQUIDATIONS_QUEUE } from './queue.ts';
import { type AccountScore, encodeStoredScore, pricingFor, scoreAccountWith } from './scoring.ts';
import { type KeeperSettings, type ResolvedKeeperSettings, parseKeeperSettings } from './settings.ts';
import { settleLiquidations } from './settlement.ts';

/** Accounts scored together: their positions read with one pipeline, their prices resolved once. */
export const SCORE_BATCH_SIZE = 1_000;

/** Scores written to the ledger with one HSET, between scoring passes. */
const SCORE_WRITE_CHUNK = 5_000;

/** Accounts to score together, and what to read of their positions first: every chain's part, or nothing (the cached copy). */
type ScoreBatch = { entries: CachedAccount[]; read: 'all' | 'cached' };

export type KeeperOptions = {
  deployments: Deployments;
  redisUrl: string;
  /** ioredis options of every connection the keeper opens, its commit-notice subscription included (TLS: `redisOptions(config.redis.tls)`). */
  redisOptions?: RedisOptions;
  /** Key that signs the keeper's transactions on every chain (its own: never the courier's, never another keeper's). */
  transactorKey: Hex;
  /** Redis key prefix of the queue, the ledger and the reconcile store (relayers that cooperate share it). @defaultValue 'ballast' */
  prefix?: string;
  settings?: KeeperSettings;
  logger?: Logger;
  /** An ingest to follow: its applied batches trigger re-scores. The caller starts and stops it. */
  ingest?: Ingest;
  /**
   * Follow the commits of every other relayer's ingest on the prefix through their commit notices
   * (commit-notices.ts): the accounts each batch changed are read again and scored, a feed's answer
   * re-scores its holders. Without notices (and without `ingest`) only sweeps score. @defaultValue true
   */
  followCommits?: boolean;
  /** The reconcile store to read. @defaultValue one over this keeper's Redis connection and prefix */
  store?: ReconcileStore;
  /** Connections to reuse (e.g. shared with a courier on the same key, so nonces stay in one sender). @defaultValue built from `transactorKey` */
  chains?: Chains;
};

export type KeeperEvents = {
  /** An account was scored and its actions decided; its batch's actions are queued next, its score written after the pass. */
  scored: [AccountScore];
  /** A batch's scores were written to the ledger (`keeper:accounts`): how many. */
  stored: [number];
  /** An action job finished: sent or skipped. */
  action: [ActionRecord];
  /** An action attempt failed; the job is kept for retry. */
  failed: [ActionFailure];
  settled: [SettledLiquidation];
};

export type KeeperStopOptions = {
  /**
   * How long in-flight actions may take to finish; the rest are then handed back to the queue (moved to
   * waiting for another keeper) and this process sends nothing more. @defaultValue 30_000
   */
  graceMs?: number;
};

export class Keeper extends EventEmitter<KeeperEvents> {
  readonly settings: ResolvedKeeperSettings;
  readonly chains: Chains;
  readonly contracts: KeeperContracts;
  readonly store: ReconcileStore;
  readonly ledger: KeeperLedger;
  readonly actions: ActionQueue;
  readonly prices: PriceBook;
  readonly metrics = new KeeperMetrics();
  /** The transactor's address (the same on every chain). */
  readonly address: Address;
  readonly #options: KeeperOptions & { prefix: string };
  readonly #logger: Logger;
  readonly #redis: Redis;
  readonly #context: ActionContext;
  /** One worker per queue this process serves: `actions` if any keeper action is on, `liquidations` if the liquidator is. */
  #workers: { worker: Worker<ActionJob, ActionRecord>; inFlight: InFlightJobs<ActionJob, ActionRecord> }[] = [];
  /** Set when in-flight jobs are handed back at stop: a job still running here must not send after that. */
  #submitsClosed = false;
  #running = false;
  #notices: CommitNoticeSubscription | undefined;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  /** Accounts to re-read from the store (every chain's part) and score. */
  readonly #pending = new Set<Address>();
  /** Accounts to score again from their cached position (a price moved, or a batch's writes patched it). */
  #repriced: CachedAccount[] = [];
  /** Accounts whose latest score is not written to the ledger yet (each once; the line is on the entry). */
  #unwritten: CachedAccount[] = [];
  readonly #positions = new PositionCache();
  readonly #ticks = new Set<Address>();
  readonly #later = new Map<Address, NodeJS.Timeout>();
  #sweepRequested = true;

  constructor(options: KeeperOptions) {
    super();
    // Settings first: a bad one is reported before anything connects.
    this.settings = parseKeeperSettings(options.settings);
    this.#options = { prefix: 'ballast', ...options };
    this.#logger = (options.logger ?? silentLogger).child({ component: 'keeper' });
    this.contracts = keeperContracts(options.deployments);
    this.chains = options.chains ?? new Chains(options.deployments, { transactorKey: options.transactorKey });
    this.address = this.chains.get(this.contracts.homeEid).sender.account.address;
    this.#redis = new Redis(options.redisUrl, { ...options.redisOptions, maxRetriesPerRequest: null });
    this.store = options.store ?? new ReconcileStore({ redis: this.#redis, chains: options.deployments.chains, prefix: this.#options.prefix });
    this.ledger = new KeeperLedger(this.#redis, this.#options.prefix);
    this.actions = new ActionQueue({
      connection: this.#redis,
      prefix: this.#options.prefix,
      attempts: this.settings.attempts,
      keepCompletedMs: this.settings.keepCompletedMs,
      keepSkippedMs: this.settings.keepSkippedMs,
    });
    this.prices = new PriceBook(this.chains.get(this.contracts.homeEid), this.contracts.vault, this.contracts.oracle);
    this.#context = {
      chains: this.chains,
      sdk: keeperSdk(options.deployments, this.chains, this.contracts.homeEid),
      contracts: this.contracts,
      ledger: this.ledger,
      prices: this.prices,
      settings: this.settings,
      homeLiquidator: this.settings.liquidator.homeAddress ?? this.address,
      maySubmit: () => !this.#submitsClosed,
    };
  }

  /** Starts the worker, follows the ingest (if any) and scores every account once, then on events, ticks and sweeps. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    const { concurrency, lockDurationMs, backoffMs, maxBackoffMs, actions, liquidator } = this.settings;
    this.#submitsClosed = false;
    const served = [...(Object.values(actions).some(Boolean) ? [ACTIONS_QUEUE] : []), ...(liquidator.enabled ? [LIQUIDATIONS_QUEUE] : [])];
    this.#workers = served.map((name) => {
      const inFlight = new InFlightJobs<ActionJob, ActionRecord>();
      const worker = new Worker<ActionJob, ActionRecord>(name, inFlight.wrap((job, token) => this.#process(job, token)), {
        connection: new Redis(this.#options.redisUrl, { ...this.#options.redisOptions, maxRetriesPerRequest: null }),
        prefix: this.#options.prefix,
        concurrency,
        lockDuration: lockDurationMs,
        stalledInterval: Math.max(1_000, Math.floor(lockDurationMs / 2)),
        // A re-run is safe: every action re-checks the chain and finds a transaction it already sent.
        maxStalledCount: 1_000,
        settings: { backoffStrategy: (attemptsMade: number) => Math.min(backoffMs * 2 ** Math.max(0, attemptsMade - 1), maxBackoffMs) },
      });
      worker.on('error', (error) => this.#logger.error({ err: error, queue: name }, 'keeper worker error'));
      return { worker, inFlight };
    });
    this.#options.ingest?.on('applied', this.#onApplied);
    this.#options.ingest?.on('rolledBack', this.#onRolledBack);
    if (this.#options.followCommits !== false) {
      this.#notices = subscribeCommitNotices({
        redisUrl: this.#options.redisUrl,
        ...(this.#options.redisOptions ? { redisOptions: this.#options.redisOptions } : {}),
        prefix: this.#options.prefix,
        onNotice: this.#onNotice,
        // Notices published while the connection was down are gone: everyone is read again.
        onResubscribed: () => this.rescore(),
        ignoreOrigin: this.#options.ingest?.id,
        logger: this.#logger,
      });
    }
    this.#sweepRequested = true;
    this.#loop = this.#run();
    this.#logger.info(
      {
        keeper: this.address,
        liquidator: this.settings.liquidator.enabled ? this.#context.homeLiquidator : undefined,
        actions: this.settings.actions,
        queues: served,
        followsIngest: this.#options.ingest !== undefined,
        followsCommits: this.#notices !== undefined,
      },
      'keeper started',
    );
  }

  /**
   * Stops scoring and taking jobs, lets in-flight actions finish for up to `graceMs`, then hands the rest
   * back to the queue for another keeper (a handed-back job may re-run elsewhere: it re-checks the chain
   * and finds any transaction this process submitted for it), and closes connections.
   */
  async stop({ graceMs = 30_000 }: KeeperStopOptions = {}): Promise<CloseWorkerGracefullyReturnType> {
    this.#running = false;
    this.#options.ingest?.off('applied', this.#onApplied);
    this.#options.ingest?.off('rolledBack', this.#onRolledBack);
    this.#notices?.close();
    this.#notices = undefined;
    this.#wake?.();
    await this.#loop;
    try {
      await this.#flushScores(Number.POSITIVE_INFINITY);
    } catch (error) {
      this.#logger.warn({ err: error, unwritten: this.#unwritten.length }, 'scores not written on stop (the next keeper rewrites them at its first sweep)');
    }
    for (const timer of this.#later.values()) clearTimeout(timer);
    this.#later.clear();
    let outcome: CloseWorkerGracefullyReturnType = { finished: true, handedBack: 0 };
    if (this.#workers.length > 0) {
      // No submission after the grace period: by then the job may be someone else's.
      const gate = setTimeout(() => {
        this.#submitsClosed = true;
      }, Math.max(0, graceMs));
      const outcomes = await Promise.all(this.#workers.map(({ worker, inFlight }) => closeWorkerGracefully({ worker, inFlight, graceMs, logger: this.#logger })));
      clearTimeout(gate);
      this.#submitsClosed = true;
      await Promise.all(this.#workers.map(({ worker }) => worker.disconnect()));
      this.#workers = [];
      outcome = { finished: outcomes.every((each) => each.finished), handedBack: outcomes.reduce((sum, each) => sum + each.handedBack, 0) };
    }
    await this.actions.close();
    this.#redis.disconnect();
    this.#logger.info(outcome, 'keeper stopped');
    return outcome;
  }

  /** Re-scores `accounts` soon (or everyone with no argument). */
  rescore(accounts?: Iterable<Address>): void {
    if (accounts === undefined) this.#sweepRequested = true;
    else for (const account of accounts) this.#pending.add(checksummed(account));
    this.#wake?.();
  }

  /** Actions failing right now, oldest first. */
  failures(): Promise<ActionFailure[]> {
    return this.ledger.failures();
  }

  /** Every account's latest score. */
  scores(): Promise<StoredScore[]> {
    return this.ledger.scores();
  }

  /** Retries an action's job now (a failed one, or a delayed retry). */
  replay(jobId: string): Promise<ReplayOutcome> {
    return this.actions.replay(jobId);
  }

  // ------------------------------------------------------------------ what triggers a score

  readonly #onApplied = (batch: EventBatch, writes: readonly StateWrite[] = []): void => {
    this.#trigger(batchTriggers(batch.events));
    // What the batch changed in accounts' records, as committed: a cached position is patched (no Redis
    // read), an account not cached yet is read whole.
    for (const [account, changes] of this.store.accountWrites(batch.eid, writes)) {
      const entry = this.#positions.entry(account);
      if (entry.state === undefined) {
        this.#pending.add(account);
        continue;
      }
      // Only a collateral write can change the assets held; the totals are summed again either way.
      if (this.store.patch(entry.state, batch.eid, changes)) this.#positions.setPosition(entry, entry.state);
      else this.#positions.setTotals(entry, entry.state);
      entry.version += 1;
      this.#reprice(entry);
    }
    this.#wake?.();
  };

  /** A batch another relayer's ingest committed (this process's own come through `#onApplied`): its accounts are read again. */
  readonly #onNotice = (notice: CommitNotice): void => {
    if (!this.#running) return;
    this.metrics.commitNotices += 1;
    if (notice.kind === 'rollback') {
      this.#onRolledBack();
      return;
    }
    this.#trigger(notice);
    // Committed before the notice was sent: the store holds it (or newer) when the account is read.
    for (const account of notice.accounts) this.#pending.add(account);
    this.#wake?.();
  };

  /** Feeds that answered re-score their holders; changed parameters or feeds re-read every price and re-score everyone. */
  #trigger({ feeds, refresh }: BatchTriggers): void {
    for (const feed of feeds) this.#ticks.add(feed);
    if (refresh !== undefined) {
      this.prices.invalidateAll({ feeds: refresh === 'feeds' });
      this.#sweepRequested = true;
    }
  }

  readonly #onRolledBack = (): void => {
    // The copies hold values the rollback undid: none is patched again until it is read whole (the sweep).
    this.#positions.forgetStates();
    this.#sweepRequested = true;
    this.#wake?.();
  };

  // ------------------------------------------------------------------ the scoring loop

  async #run(): Promise<void> {
    const { sweepIntervalMs, settleIntervalMs } = this.settings;
    let nextSweep = 0;
    let nextSettle = 0;
    let failures = 0;
    while (this.#running) {
      let wait: number;
      try {
        if (this.#sweepRequested || Date.now() >= nextSweep) {
          this.#sweepRequested = false;
          nextSweep = Date.now() + sweepIntervalMs;
          await this.#sweep();
        }
        if (this.#ticks.size > 0) await this.#applyTicks();
        // Scoring first; the scores are written a chunk at a time while nothing waits to be scored.
        if (this.#pending.size > 0 || this.#repriced.length > 0) await this.#scorePending();
        else if (this.#unwritten.length > 0) await this.#flushScores(SCORE_WRITE_CHUNK);
        if (Date.now() >= nextSettle) {
          nextSettle = Date.now() + settleIntervalMs;
          await this.#settle();
        }
        failures = 0;
        const busy = this.#pending.size > 0 || this.#repriced.length > 0 || this.#ticks.size > 0 || this.#unwritten.length > 0 || this.#sweepRequested;
        wait = busy ? 0 : Math.max(0, Math.min(nextSweep, nextSettle) - Date.now());
      } catch (error) {
        failures += 1;
        wait = Math.min(100 * 2 ** failures, 10_000);
        this.#logger.warn({ err: error, attempt: failures }, 'keeper scoring pass failed; retrying');
      }
      if (wait > 0 && this.#running) await this.#sleep(wait);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  async #sweep(): Promise<void> {
    this.prices.invalidateAll();
    const [accounts, scores] = await Promise.all([this.store.accounts(), this.ledger.scores()]);
    for (const account of accounts) this.#pending.add(account);
    const counts = Object.fromEntries(KEEPER_HEALTH_BUCKETS.map((bucket) => [bucket, 0])) as KeeperMetrics['accountsByBucket'];
    for (const score of scores) {
      counts[score.bucket] += 1;
      // Any keeper's latest score is the one this process replaces next.
      this.#positions.setStored(this.#positions.entry(score.account), score.bucket, score.assets);
    }
    this.#positions.retain(new Set(accounts));
    this.metrics.accountsByBucket = counts;
    this.metrics.sweeps += 1;
    this.#logger.debug({ accounts: accounts.length }, 'sweep: re-scoring every account');
  }

  /** Feeds that answered: forget their assets' prices and re-score those assets' holders from their cached positions. */
  async #applyTicks(): Promise<void> {
    const feeds = [...this.#ticks];
    this.#ticks.clear();
    for (const feed of feeds) {
      this.metrics.priceTicks += 1;
      const assets = this.prices.assetsOfFeed(feed);
      if (assets.length === 0) {
        // A feed no scored account's asset uses yet (or a fresh process): everyone is re-scored.
        this.#sweepRequested = true;
        continue;
      }
      this.prices.invalidatePrices(assets);
      for (const asset of assets) for (const holder of this.#positions.holders(asset)) this.#reprice(holder);
      this.#logger.debug({ feed, assets }, 'price tick: re-scoring the holders');
    }
  }

  /** Queues `entry` to be scored again from its cached position (once, however often it is asked). */
  #reprice(entry: CachedAccount): void {
    if (entry.repricing) return;
    entry.repricing = true;
    this.#repriced.push(entry);
  }

  /** Scores, in batches, the pending accounts (read whole from the store) and the repriced or patched ones (from memory). */
  async #scorePending(): Promise<void> {
    const full = new Set([...this.#pending].map((account) => this.#positions.entry(account)));
    this.#pending.clear();
    const queued = this.#repriced;
    this.#repriced = [];
    const repriced: CachedAccount[] = [];
    for (const entry of queued) {
      entry.repricing = false;
      if (!full.has(entry)) repriced.push(entry);
    }
    const batches: ScoreBatch[] = [];
    const split = (entries: CachedAccount[], read: ScoreBatch['read']) => {
      for (let start = 0; start < entries.length; start += SCORE_BATCH_SIZE) batches.push({ entries: entries.slice(start, start + SCORE_BATCH_SIZE), read });
    };
    split([...full], 'all');
    split(repriced, 'cached');
    let failed = 0;
    await this.#inParallel(batches, async (batch) => {
      try {
        await this.#scoreBatch(batch);
      } catch (error) {
        this.metrics.scoreErrors += batch.entries.length;
        failed += batch.entries.length;
        for (const entry of batch.entries) {
          if (batch.read === 'cached') this.#reprice(entry);
          else this.#pending.add(entry.account);
        }
        this.#logger.warn({ accounts: batch.entries.length, err: error }, 'scoring failed; the accounts are scored again');
      }
    });
    if (failed > 0) throw new Error(`${failed} of ${batches.reduce((sum, batch) => sum + batch.entries.length, 0)} accounts could not be scored`);
  }

  /** Runs `work` over `items`, `scoreConcurrency` at a time. */
  async #inParallel<item>(items: readonly item[], work: (item: item) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < items.length && this.#running) await work(items[next++] as item);
    };
    await Promise.all(Array.from({ length: Math.min(this.settings.scoreConcurrency, items.length) }, worker));
  }

  /**
   * Scores a batch of accounts: positions re-read from the store as the batch says (accounts not cached yet
   * in full), prices read once, the health maths over each; emits each score and queues the actions it
   * wants, then writes the batch's scores to the ledger with one pipeline.
   */
  async #scoreBatch({ entries, read }: ScoreBatch): Promise<void> {
    const whole = read === 'all' ? entries : entries.filter((entry) => entry.state === undefined);
    const unknown = entries.filter((entry) => entry.stored === undefined);
    const versions = whole.map((entry) => entry.version);
    const [states, storedBefore] = await Promise.all([this.store.accountStates(whole.map((entry) => entry.account)), this.ledger.scoresOf(unknown.map((entry) => entry.account))]);
    whole.forEach((entry, index) => {
      // A batch's writes patched the entry while it was read: the patch is newer than what was read.
      if (entry.version === versions[index]) this.#positions.setPosition(entry, states[index] as AccountState);
    });
    unknown.forEach((entry, index) => {
      const stored = storedBefore[index];
      if (stored) this.#positions.setStored(entry, stored.bucket, stored.assets);
    });
    // Accounts holding the same assets share one array: the batch's assets are the union of those few.
    const assetSets = new Set<readonly Address[]>();
    for (const entry of entries) assetSets.add(entry.assets);
    const pricing = await pricingFor(this.prices, [...assetSets].flat());

    const { warnHealth, liquidator, actions } = this.settings;
    const remotes = [...this.store.remoteEids].sort((a, b) => a - b);
    const liquidateOn = liquidator.enabled ? [...this.contracts.pools.keys()].filter((eid) => liquidator.inventory[String(eid)] !== undefined) : [];
    const scoredAt = Date.now();
    const requests: ActionRequest[] = [];
    for (const entry of entries) {
      const score = scoreAccountWith({ state: entry.state as AccountState, pricing, warnHealth, assets: entry.assets, totals: entry.totals });
      const before = entry.stored;
      if (entry.unwritten === undefined) this.#unwritten.push(entry);
      entry.unwritten = encodeStoredScore(score, scoredAt);
      const bucketBefore = before?.bucket;
      this.#positions.setStored(entry, score.bucket, score.assets);
      this.metrics.accountsScored += 1;
      this.metrics.moveBucket(bucketBefore, score.bucket);
      if (score.unpriced && score.totalExported > 0n && bucketBefore !== 'unpriced') {
        this.#logger.warn({ account: score.account, asset: score.unpriced.asset, reason: score.unpriced.reason }, 'account not judged: an asset has no usable price');
      }
      this.emit('scored', score);
      for (const request of decideActions({ score, homeEid: this.contracts.homeEid, recallHealth: pricing.recallHealth, actions, liquidateOn, remotes })) requests.push(request);
    }
    await Promise.all(requests.map((request) => this.#enqueue(request)));
    // The scores are written after the pass (`#flushScores`): decisions first, the operators' view right after.
  }

  /**
   * Writes up to `limit` of the scores not written yet (the latest of each account) to the ledger, in
   * chunks of SCORE_WRITE_CHUNK; a chunk that fails to write is kept for the next call (unless a newer
   * score of the account replaced it meanwhile).
   */
  async #flushScores(limit: number): Promise<void> {
    let written = 0;
    while (this.#unwritten.length > 0 && written < limit) {
      const entries = this.#unwritten.splice(-SCORE_WRITE_CHUNK);
      const chunk: EncodedScore[] = entries.map((entry) => ({ account: entry.account, assets: entry.assets, line: entry.unwritten as string }));
      for (const entry of entries) entry.unwritten = undefined;
      try {
        await this.ledger.recordScores(chunk);
      } catch (error) {
        entries.forEach((entry, index) => {
          if (entry.unwritten !== undefined) return; // scored again meanwhile: the newer line waits already
          entry.unwritten = chunk[index]?.line;
          this.#unwritten.push(entry);
        });
        throw error;
      }
      written += chunk.length;
      this.emit('stored', chunk.length);
    }
  }

  async #enqueue(request: ActionRequest): Promise<void> {
    const queued = await this.actions.enqueue(request, this.address);
    if (queued.outcome === 'queued') {
      this.metrics.actionsQueued += 1;
      this.#logger.info({ action: request.action, eid: request.eid, account: request.account, epoch: request.epoch, why: request.why }, 'action queued');
    } else if (queued.outcome === 'duplicate' && queued.retryAfterMs !== undefined) {
      // Skipped a moment ago, still wanted: look again when its id frees up.
      this.#rescoreLater(request.account, queued.retryAfterMs + 50);
    } else if (queued.outcome === 'failed') {
      this.#logger.debug({ action: request.action, eid: request.eid, account: request.account }, 'action wanted but its job failed for good; replay it to retry');
    }
  }

  /** Re-scores `account` after `ms` (once, however often asked meanwhile). */
  #rescoreLater(account: Address, ms: number): void {
    if (this.#later.has(account) || !this.#running) return;
    const timer = setTimeout(() => {
      this.#later.delete(account);
      if (this.#running) this.rescore([account]);
    }, ms);
    timer.unref();
    this.#later.set(account, timer);
  }

  async #settle(): Promise<void> {
    const settled = await settleLiquidations({ home: this.chains.get(this.contracts.homeEid), vault: this.contracts.vault, ledger: this.ledger, prices: this.prices });
    for (const record of settled) {
      const usd = (value: string) => Number(BigInt(value) / 10n ** 12n) / 1e6;
      this.metrics.liquidations.settled += 1;
      this.metrics.liquidations.repaidUsd += usd(record.repaid);
      this.metrics.liquidations.receivedUsd += usd(record.receivedValue);
      this.metrics.liquidations.pnlUsd += usd(record.pnl);
      this.#logger.info({ account: record.account, srcEid: record.srcEid, seizeId: record.seizeId, repaid: record.repaid, received: record.received, pnl: record.pnl, withBonus: record.withBonus }, 'liquidation settled');
      this.emit('settled', record);
    }
  }

  // ------------------------------------------------------------------ the worker

  async #process(job: Job<ActionJob, ActionRecord>, token: string | undefined): Promise<ActionRecord> {
    const { action, eid, account, epoch } = job.data;
    const log = this.#logger.child({ jobId: job.id, action, eid, account, epoch });
    const jobId = job.id ?? '';
    try {
      let result = await runAction(this.#context, job.data, `${jobId}@${job.timestamp}`);
      if (result.kind === 'wait') {
        if (Date.now() - job.timestamp < this.settings.maxWaitMs) {
          log.debug({ reason: result.detail }, 'action waits');
          await job.moveToDelayed(Date.now() + this.settings.waitRetryMs, token);
          throw new DelayedError();
        }
        result = { kind: 'skipped', detail: `waited ${this.settings.maxWaitMs} ms: ${result.detail}` };
      }
      const latencyMs = Date.now() - job.timestamp;
      this.metrics.count(action, result.kind);
      if (result.kind === 'sent') this.metrics.observeLatency(action, latencyMs);
      const record: ActionRecord = {
        jobId,
        action,
        eid,
        account,
        outcome: result.kind,
        detail: result.detail,
        txHash: result.kind === 'sent' ? result.txHash : undefined,
        fee: result.kind === 'sent' ? result.fee.toString() : '0',
        latencyMs,
        keeper: this.address,
        at: Date.now(),
      };
      await this.ledger.recordOutcome(record);
      if (result.kind === 'sent') log.info({ tx: result.txHash, fee: result.fee, latencyMs, detail: result.detail }, 'action sent');
      else log.info({ reason: result.detail }, 'action skipped: not warranted any more');
      this.emit('action', record);
      // The account moved: score it again (ingest brings the store up to date meanwhile). Not after a skip:
      // a store behind the chain would queue the same skip again and again — unless the skip says the
      // score came from a stale copy (a batch another relayer committed): then the account is read whole
      // from the store again (a store still behind queues the same job only once its skipped id frees up).
      if (result.kind === 'sent' || (result.kind === 'skipped' && result.reread)) this.rescore([account]);
      // The job's return value is the record (JSON: BullMQ stores it).
      return record;
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      if (isInsufficientFunds(error)) {
        // Not the action's fault: the key must be funded. Wait without spending an attempt (100 attempts of an
        // unfunded key used to fail the job for good and block its id).
        this.metrics.count(action, 'error');
        await this.ledger.recordFailure({ jobId, action, eid, account, error: 'InsufficientFundsError', message: (error as Error).message, attempts: job.attemptsMade + 1 });
        log.warn({ retryInMs: this.settings.insufficientFundsRetryMs }, 'action waits: the key cannot pay for it; fund it');
        await job.moveToDelayed(Date.now() + this.settings.insufficientFundsRetryMs, token);
        throw new DelayedError();
      }
      const attempts = job.attemptsMade + 1;
      const lastAttempt = attempts >= (job.opts.attempts ?? this.settings.attempts);
      this.metrics.count(action, 'error');
      if (lastAttempt) this.metrics.count(action, 'failed');
      const failure = await this.ledger.recordFailure({
        jobId,
        action,
        eid,
        account,
        error: error instanceof Error ? error.name : 'unknown',
        message: error instanceof KeeperActionError ? error.shortMessage : error instanceof Error ? error.message : String(error),
        attempts,
      });
      log.warn(
        { err: error, reason: error instanceof ActionRevertedError ? error.reason : undefined, attempt: attempts, lastAttempt },
        lastAttempt ? 'action failed for good; kept in the failed set' : 'action failed; kept for retry',
      );
      this.emit('failed', failure);
      if (!(error instanceof Error)) throw new UnrecoverableError(String(error));
      throw error;
    }
  }
}
