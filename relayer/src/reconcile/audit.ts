// Reconcile's periodic audit: every `intervalMs`, one relayer of the prefix compares every account in
// the reconcile store with the chains (`accountDifferences`: each chain read at the block the store has
// applied, so messages in flight never show) and REPORTS what differs — a warn log line per value, the
// last pass in Redis for `status` and every process's /metrics. It never writes the store: a difference
// means an event was missed or misread (a start block after the account's first event, a bug), and
// overwriting would hide exactly what an operator needs to see. The runbook (OPERATIONS.md#drift) says
// how to rebuild the store from the chain once the cause is known.
import { randomUUID } from 'node:crypto';
import type { BallastBaseClient } from '@ballast/sdk';
import type { Redis } from 'ioredis';
import type { Address } from 'viem';
import type { IngestLedger } from '../ingest/ledger.ts';
import { type Logger, silentLogger } from '../logging.ts';
import type { ReconcileStore } from './account-store.ts';
import { type AccountDifference, accountDifferences } from './differences.ts';

/** The kind of a difference's field, for metrics: `collateral`, `exported`, `epoch`, `line`, `drawn` or `parked`. */
export function differenceKind(difference: Pick<AccountDifference, 'field'>): string {
  return difference.field.split(':')[0] ?? difference.field;
}

/** One finished audit pass, as kept in Redis (amounts as decimal strings). */
export type AuditReport = {
  /** Who ran it (the auditor's id) and when it started and finished, ms since the epoch. */
  auditor: string;
  startedAt: number;
  finishedAt: number;
  /** Accounts compared. */
  accounts: number;
  /** Accounts with at least one difference. */
  driftedAccounts: number;
  /** Values that differ, by eid and kind (`<eid>:<kind>` → count). */
  differencesByKind: Record<string, number>;
  /** The first differences (at most `REPORTED_DIFFERENCES`), for `status`. */
  differences: { account: Address; eid: number; field: string; stored: string; onChain: string; block: string }[];
};

/** How many differences a report keeps in full (every one is logged). */
export const REPORTED_DIFFERENCES = 20;

/** Redis keys of the audit under `prefix` (one hash tag: a cluster keeps them on one node). */
export function auditKeys(prefix: string): { lock: string; last: string } {
  return { lock: `${prefix}:{audit}:lock`, last: `${prefix}:{audit}:last` };
}

/** The last audit pass any relayer of `prefix` finished, if one has. */
export async function lastAuditReport(redis: Redis, prefix: string): Promise<AuditReport | undefined> {
  const text = await redis.get(auditKeys(prefix).last);
  return text ? (JSON.parse(text) as AuditReport) : undefined;
}

export type DriftAuditOptions = {
  store: ReconcileStore;
  ledger: IngestLedger;
  /** The SDK client the chains are read through: a read-only one (`readOnlySdk`) does. */
  sdk: BallastBaseClient;
  /** Shared connection (non-blocking commands). */
  redis: Redis;
  /** Redis key prefix of the relayers that share the audit. @defaultValue 'ballast' */
  prefix?: string;
  /** How often the prefix's relayers audit, together: one pass per interval. 0: never on a timer (`run` still works). @defaultValue 300_000 */
  intervalMs?: number;
  /** Accounts compared per store snapshot (and per burst of RPC reads). @defaultValue 100 */
  batchSize?: number;
  logger?: Logger;
};

/**
 * Compares the store with the chains on a timer, one relayer of the prefix per interval (a Redis lock
 * with the interval as its expiry), and reports drift without correcting it.
 */
export class DriftAudit {
  readonly id = randomUUID();
  readonly #store: ReconcileStore;
  readonly #ledger: IngestLedger;
  readonly #sdk: BallastBaseClient;
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #intervalMs: number;
  readonly #batchSize: number;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<AuditReport | undefined> | undefined;
  #claimRefused = false;
  /** Passes this process ran and passes that failed (for metrics). */
  runs = 0;
  failures = 0;

  constructor({ store, ledger, sdk, redis, prefix = 'ballast', intervalMs = 300_000, batchSize = 100, logger = silentLogger }: DriftAuditOptions) {
    this.#store = store;
    this.#ledger = ledger;
    this.#sdk = sdk;
    this.#redis = redis;
    this.#prefix = prefix;
    this.#intervalMs = intervalMs;
    this.#batchSize = batchSize;
    this.#logger = logger.child({ component: 'audit' });
  }

  keys(): { lock: string; last: string } {
    return auditKeys(this.#prefix);
  }

  /**
   * One full pass over every account the store has seen, now: logs each difference, keeps the report in
   * Redis and returns it. Reads only; the store is never written.
   */
  async run(): Promise<AuditReport> {
    const startedAt = Date.now();
    const accounts = await this.#store.accounts();
    const differences: AccountDifference[] = [];
    for (let start = 0; start < accounts.length; start += this.#batchSize) {
      const batch = accounts.slice(start, start + this.#batchSize);
      differences.push(...(await accountDifferences({ store: this.#store, ledger: this.#ledger, sdk: this.#sdk, accounts: batch })));
    }
    for (const difference of differences) {
      this.#logger.warn(
        { event: 'reconcile.drift', account: difference.account, eid: difference.eid, field: difference.field, stored: String(difference.stored), onChain: String(difference.onChain), block: String(difference.block) },
        'the reconcile store differs from the chain (not overwritten; see OPERATIONS.md#drift)',
      );
    }
    const differencesByKind: Record<string, number> = {};
    for (const difference of differences) {
      const key = `${difference.eid}:${differenceKind(difference)}`;
      differencesByKind[key] = (differencesByKind[key] ?? 0) + 1;
    }
    const report: AuditReport = {
      auditor: this.id,
      startedAt,
      finishedAt: Date.now(),
      accounts: accounts.length,
      driftedAccounts: new Set(differences.map((difference) => difference.account)).size,
      differencesByKind,
      differences: differences.slice(0, REPORTED_DIFFERENCES).map((difference) => ({
        account: difference.account,
        eid: difference.eid,
        field: difference.field,
        stored: String(difference.stored),
        onChain: String(difference.onChain),
        block: String(difference.block),
      })),
    };
    await this.#redis.set(this.keys().last, JSON.stringify(report));
    const level = report.driftedAccounts > 0 ? 'warn' : 'info';
    this.#logger[level](
      { event: 'reconcile.audit', accounts: report.accounts, driftedAccounts: report.driftedAccounts, differences: differences.length, durationMs: report.finishedAt - startedAt },
      report.driftedAccounts > 0 ? 'audit found drift' : 'audit: store and chains agree',
    );
    return report;
  }

  /** The last pass any relayer of the prefix finished, if one has. */
  lastReport(): Promise<AuditReport | undefined> {
    return lastAuditReport(this.#redis, this.#prefix);
  }

  /**
   * Runs a pass if no relayer of the prefix has started one within the interval (claims the turn with
   * SET NX PX); resolves with the report, or undefined when another relayer has the turn.
   */
  async runIfDue(): Promise<AuditReport | undefined> {
    if (this.#running) return this.#running;
    this.#running = (async () => {
      // The claim is a write like any other: Redis may refuse it (OOM, READONLY, WRONGPASS). That is an
      // outage to ride out until the next tick, never a rejection that escapes the timer.
      let claimed: string | null;
      try {
        claimed = await this.#redis.set(this.keys().lock, this.id, 'PX', Math.max(1, this.#intervalMs), 'NX');
      } catch (error) {
        // Once per outage: the tick comes every few seconds.
        if (!this.#claimRefused) this.#logger.warn({ event: 'reconcile.audit', err: error }, 'cannot claim the audit turn (Redis refused); trying again at each tick');
        this.#claimRefused = true;
        return undefined;
      }
      this.#claimRefused = false;
      if (claimed !== 'OK') return undefined;
      this.runs += 1;
      try {
        return await this.run();
      } catch (error) {
        this.failures += 1;
        this.#logger.error({ event: 'reconcile.audit', err: error }, 'audit pass failed; the next interval tries again');
        return undefined;
      }
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Audits every interval (the first check at once); no-op when `intervalMs` is 0. */
  start(): void {
    if (this.#intervalMs === 0 || this.#timer) return;
    const tick = () => {
      void this.runIfDue().finally(() => {
        if (this.#timer) this.#timer = setTimeout(tick, Math.min(this.#intervalMs, 5_000)).unref();
      });
    };
    this.#timer = setTimeout(tick, 0).unref();
  }

  /** Stops the timer and waits for a pass in progress (a pass only reads, so nothing is left half done). */
  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
