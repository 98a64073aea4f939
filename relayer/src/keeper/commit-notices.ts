// Commit notices: how a keeper hears of a batch that another relayer process's ingest committed. A keeper
// follows the ingest of its own process directly (each applied batch with its writes patches its copy);
// with several relayers on one prefix, each batch is committed by one of them, so without notices every
// other keeper would learn of it only at its next sweep — and score price ticks from a copy missing it.
// After each commit, `CommitNoticePublisher` publishes on the prefix's channel (Redis pub/sub) which
// accounts the batch changed, which feeds answered and whether risk parameters or feeds changed; a
// rollback is published too. A keeper that hears a notice from another process's ingest re-reads those
// accounts from the store (already committed, so never older than the notice) and acts on the feeds and
// parameters as it does for its own batches. Pub/sub keeps nothing: a notice missed while a connection was
// down is made up by a sweep, which the keeper asks for when its subscription comes back.
import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { Address } from 'viem';
import { checksummed } from '../checksum-cache.ts';
import type { IngestedEvent } from '../ingest/contracts.ts';
import type { EventBatch, RollbackNotice } from '../ingest/event-source.ts';
import type { Ingest } from '../ingest/ingest.ts';
import type { StateWrite } from '../ingest/ledger.ts';
import { type Logger, silentLogger } from '../logging.ts';
import type { ReconcileStore } from '../reconcile/account-store.ts';

/** What a batch asks of a keeper beyond the accounts it changed. */
export type BatchTriggers = {
  /** Feeds whose `AnswerUpdated` is in the batch: their assets' holders are re-scored at the new price. */
  feeds: Address[];
  /**
   * `params`: a vault's risk parameters changed (every cached price and parameter is re-read, everyone
   * re-scored); `feeds`: the oracle's feeds changed (the feed → asset map is re-read too).
   */
  refresh: 'params' | 'feeds' | undefined;
};

/** The feeds, parameter and feed changes among `events` (a batch's). */
export function batchTriggers(events: readonly IngestedEvent[]): BatchTriggers {
  const feeds = new Set<Address>();
  let refresh: BatchTriggers['refresh'];
  for (const event of events) {
    if (event.contract === 'feed') {
      if (event.eventName === 'AnswerUpdated') feeds.add(checksummed(event.address));
    } else if (event.contract === 'oracle') {
      refresh = 'feeds';
    } else if (event.contract === 'vault' && (event.eventName === 'AssetConfigured' || event.eventName === 'LiquidationConfigured' || event.eventName === 'RiskUpdateApplied')) {
      refresh ??= 'params';
    }
  }
  return { feeds: [...feeds], refresh };
}

export type CommitNotice =
  | ({
      kind: 'batch';
      /** The `Ingest.id` that committed it. */
      origin: string;
      eid: number;
      /** Last block of the batch, decimal. */
      toBlock: string;
      /** Accounts whose records the batch changed. */
      accounts: Address[];
    } & BatchTriggers)
  | { kind: 'rollback'; origin: string; eid: number; toBlock: string };

/** The prefix's pub/sub channel of commit notices. */
export function commitNoticeChannel(prefix: string): string {
  return `${prefix}:reconcile:commits`;
}

/**
 * A notice as published, or undefined for a message that is not one (another publisher on the channel), or
 * `'ignored'` for one from `ignoreOrigin` (a keeper's own ingest: it follows it directly; its addresses are
 * not checked then, which is most of the work).
 */
export function parseCommitNotice(message: string, ignoreOrigin?: string): CommitNotice | 'ignored' | undefined {
  try {
    const notice = JSON.parse(message) as Partial<CommitNotice>;
    if (typeof notice.origin !== 'string' || typeof notice.eid !== 'number' || typeof notice.toBlock !== 'string') return undefined;
    if (notice.origin === ignoreOrigin) return 'ignored';
    if (notice.kind === 'rollback') return notice as CommitNotice;
    if (notice.kind !== 'batch' || !Array.isArray(notice.accounts) || !Array.isArray(notice.feeds)) return undefined;
    if (![undefined, 'params', 'feeds'].includes(notice.refresh)) return undefined;
    return { ...(notice as CommitNotice & { kind: 'batch' }), accounts: notice.accounts.map(checksummed), feeds: notice.feeds.map(checksummed) };
  } catch {
    return undefined;
  }
}

export type CommitNoticePublisherOptions = {
  /** A connection for PUBLISH (the process's shared one will do). */
  redis: Redis;
  prefix: string;
  /** The store the ingest feeds: it says which accounts a batch's writes change. */
  store: ReconcileStore;
  logger?: Logger;
};

/** Publishes a notice for every batch an ingest commits and every rollback it commits. */
export class CommitNoticePublisher {
  readonly channel: string;
  /** Notices published, and publishes that failed (logged; the sweeps of other keepers make them up). */
  published = 0;
  failed = 0;
  readonly #redis: Redis;
  readonly #store: ReconcileStore;
  readonly #logger: Logger;

  constructor({ redis, prefix, store, logger }: CommitNoticePublisherOptions) {
    this.channel = commitNoticeChannel(prefix);
    this.#redis = redis;
    this.#store = store;
    this.#logger = (logger ?? silentLogger).child({ component: 'commit-notices' });
  }

  /** Publishes `ingest`'s commits from now on; returns the function that stops it. */
  follow(ingest: Ingest): () => void {
    const applied = (batch: EventBatch, writes: readonly StateWrite[]) => {
      const accounts = [...this.#store.accountWrites(batch.eid, writes).keys()];
      const triggers = batchTriggers(batch.events);
      // A batch that changed nothing a keeper reads says nothing.
      if (accounts.length === 0 && triggers.feeds.length === 0 && triggers.refresh === undefined) return;
      this.#publish({ kind: 'batch', origin: ingest.id, eid: batch.eid, toBlock: batch.toBlock.toString(), accounts, ...triggers });
    };
    const rolledBack = (rollback: RollbackNotice) => this.#publish({ kind: 'rollback', origin: ingest.id, eid: rollback.eid, toBlock: rollback.toBlock.toString() });
    ingest.on('applied', applied);
    ingest.on('rolledBack', rolledBack);
    return () => {
      ingest.off('applied', applied);
      ingest.off('rolledBack', rolledBack);
    };
  }

  #publish(notice: CommitNotice): void {
    this.#redis.publish(this.channel, JSON.stringify(notice)).then(
      () => {
        this.published += 1;
      },
      (error: unknown) => {
        this.failed += 1;
        this.#logger.warn({ err: error, eid: notice.eid, toBlock: notice.toBlock }, 'commit notice not published; other keepers see the batch at their next sweep');
      },
    );
  }
}

export type CommitNoticeSubscription = { close(): void };

export type SubscribeCommitNoticesOptions = {
  redisUrl: string;
  /** ioredis options of the subscription's connection (TLS). */
  redisOptions?: RedisOptions;
  prefix: string;
  onNotice: (notice: CommitNotice) => void;
  /** Called when the subscription is back after its connection dropped: notices may have been missed. */
  onResubscribed: () => void;
  /** Notices of this origin are dropped unread (the subscriber's own ingest). */
  ignoreOrigin?: string;
  logger?: Logger;
};

/** Subscribes to the prefix's commit notices on a connection of its own (a subscribed connection serves nothing else). */
export function subscribeCommitNotices({ redisUrl, redisOptions = {}, prefix, onNotice, onResubscribed, ignoreOrigin, logger = silentLogger }: SubscribeCommitNoticesOptions): CommitNoticeSubscription {
  const channel = commitNoticeChannel(prefix);
  const subscriber = new Redis(redisUrl, { ...redisOptions, maxRetriesPerRequest: null, connectionName: `ballast-commit-notices-${randomUUID().slice(0, 8)}` });
  subscriber.on('error', (error) => logger.debug({ err: error }, 'commit notice subscription: connection error (reconnecting)'));
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    const notice = parseCommitNotice(message, ignoreOrigin);
    if (notice === 'ignored') return;
    if (notice) onNotice(notice);
    else logger.warn({ channel }, 'commit notice channel: a message that is not a notice; ignored');
  });
  let subscribed = false;
  // ioredis subscribes again by itself after a reconnect; what was published meanwhile is gone.
  subscriber.on('ready', () => {
    if (subscribed) onResubscribed();
  });
  let closed = false;
  subscriber.subscribe(channel).then(
    () => {
      subscribed = true;
    },
    (error: unknown) => {
      // Closed before it subscribed: nothing to follow. Refused (an ACL without SUBSCRIBE): sweeps only.
      if (closed) return;
      logger.warn({ err: error, channel }, 'commit notices: could not subscribe; this keeper sees the batches of other relayers at its sweeps only');
    },
  );
  return {
    close: () => {
      closed = true;
      subscriber.disconnect();
    },
  };
}
