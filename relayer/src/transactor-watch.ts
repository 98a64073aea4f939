// Watches the keys a role sends transactions with, on every chain: their native balance (read every
// `refreshMs`, never on a scrape's or a probe's request, so neither costs RPC calls), and their pending
// transactions. It says, for `/healthz`, when a key runs low or a transaction has waited too long, and
// exports both as metrics. Running out of funds is then seen before the jobs start to wait.
import type { Address } from 'viem';
import type { Chains } from './chains.ts';
import { type Logger, silentLogger } from './logging.ts';
import type { MetricsRegistry } from './ops/metrics.ts';

export type TransactorWatchOptions = {
  /** The role whose keys these are (`courier`, `keeper`, `liquidator`), for labels. */
  role: string;
  chains: Chains;
  /** A balance under this warns; per eid overrides. */
  lowBalanceWei: bigint;
  lowBalanceWeiByEid?: ReadonlyMap<number, bigint>;
  /** A pending transaction older than this warns. */
  pendingWarnAfterMs: number;
  /** @defaultValue 15_000 */
  refreshMs?: number;
  logger?: Logger;
};

export type TransactorState = {
  role: string;
  eid: number;
  chain: string;
  address: Address;
  /** Undefined until the first read answers. */
  balanceWei: bigint | undefined;
  lowBalanceWei: bigint;
  pendingCount: number;
  oldestPendingAgeMs: number;
  replacements: number;
};

export class TransactorWatch {
  readonly role: string;
  readonly #options: TransactorWatchOptions;
  readonly #balances = new Map<number, bigint>();
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #low = new Set<number>();

  constructor(options: TransactorWatchOptions) {
    this.role = options.role;
    this.#options = options;
    this.#logger = (options.logger ?? silentLogger).child({ component: 'transactor-watch', role: options.role });
  }

  /** Reads every balance now, then every `refreshMs`. */
  start(): void {
    if (this.#timer) return;
    const tick = () => {
      void this.refresh().finally(() => {
        if (!this.#timer) return;
        this.#timer = setTimeout(tick, this.#options.refreshMs ?? 15_000);
        this.#timer.unref();
      });
    };
    this.#timer = setTimeout(tick, 0);
    this.#timer.unref();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Reads each key's balance (a chain that does not answer keeps its last value). */
  async refresh(): Promise<void> {
    await Promise.all(
      this.#options.chains.all().map(async ({ deployment, publicClient, sender }) => {
        try {
          const balance = await publicClient.getBalance({ address: sender.account.address });
          this.#balances.set(deployment.eid, balance);
          const low = balance < this.#threshold(deployment.eid);
          if (low && !this.#low.has(deployment.eid)) this.#logger.warn({ eid: deployment.eid, chain: deployment.name, address: sender.account.address, balanceWei: balance.toString() }, 'transactor key is low on funds; top it up');
          if (low) this.#low.add(deployment.eid);
          else this.#low.delete(deployment.eid);
        } catch {
          // The RPC probe reports a chain that does not answer.
        }
      }),
    );
  }

  states(now = Date.now()): TransactorState[] {
    return this.#options.chains.all().map(({ deployment, sender }) => {
      const pending = sender.pendingState(now);
      return {
        role: this.role,
        eid: deployment.eid,
        chain: deployment.name,
        address: sender.account.address,
        balanceWei: this.#balances.get(deployment.eid),
        lowBalanceWei: this.#threshold(deployment.eid),
        pendingCount: pending.count,
        oldestPendingAgeMs: pending.oldestAgeMs,
        replacements: pending.replacements,
      };
    });
  }

  /** One sentence per key that is low on funds or has a transaction pending too long. */
  warnings(now = Date.now()): string[] {
    const warnings: string[] = [];
    for (const state of this.states(now)) {
      const who = `${state.role} key ${state.address} on chain ${state.chain} (eid ${state.eid})`;
      if (state.balanceWei !== undefined && state.balanceWei < state.lowBalanceWei) warnings.push(`${who}: balance ${state.balanceWei} wei is under ${state.lowBalanceWei} wei; fund it`);
      if (state.oldestPendingAgeMs > this.#options.pendingWarnAfterMs) {
        warnings.push(`${who}: a transaction has been pending for ${(state.oldestPendingAgeMs / 1000).toFixed(0)} s (${state.pendingCount} pending, ${state.replacements} replaced so far)`);
      }
    }
    return warnings;
  }

  #threshold(eid: number): bigint {
    return this.#options.lowBalanceWeiByEid?.get(eid) ?? this.#options.lowBalanceWei;
  }
}

/** Exports a watch's balances and pending transactions (one collector per role). */
export function registerTransactorMetrics(metrics: MetricsRegistry, watch: TransactorWatch): void {
  const labelNames = ['role', 'eid', 'chain', 'address'] as const;
  const balance = metrics.gauge({ name: 'ballast_transactor_balance_wei', help: "Native balance of each role's transactor key per chain, read every funds.balanceRefreshMs.", labelNames });
  const pending = metrics.gauge({ name: 'ballast_transactor_pending_transactions', help: 'Transactions sent and not yet mined, per key and chain.', labelNames });
  const oldest = metrics.gauge({ name: 'ballast_transactor_oldest_pending_seconds', help: 'Age of the oldest transaction sent and not yet mined (0: none); past transactions.pendingWarnAfterMs it warns on /healthz.', labelNames });
  const replaced = metrics.counter({ name: 'ballast_transactor_replacements_total', help: 'Stuck transactions replaced with the same nonce and higher fees.', labelNames });
  metrics.collect(`transactors-${watch.role}`, () => {
    for (const state of watch.states()) {
      const at = { role: state.role, eid: state.eid, chain: state.chain, address: state.address };
      if (state.balanceWei !== undefined) balance.set(at, Number(state.balanceWei));
      pending.set(at, state.pendingCount);
      oldest.set(at, state.oldestPendingAgeMs / 1000);
      replaced.setTotal(at, state.replacements);
    }
  });
}
