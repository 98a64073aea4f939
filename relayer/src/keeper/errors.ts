// What can go wrong with a keeper action, and what happens then. Every error here is retried by the
// `actions` queue with exponential backoff and the job stays in the queue (delayed between attempts, in
// the failed set once its attempts are spent, where `replayAction` puts it back to work): nothing is
// dropped and nothing loops hot. An action the chain no longer warrants is not an error: it completes
// as `skipped` with its reason.
import { BallastError } from '@ballast/protocol';
import type { KeeperAction } from './actions.ts';

/** The step of an action at which the chain refused. */
export type ActionStep = 'check' | 'quote' | 'simulate' | 'send' | 'approve';

/** Base of the keeper's action errors: which action, on which chain, for which account. */
export class KeeperActionError extends BallastError {
  override name = 'KeeperActionError';
  readonly action: KeeperAction;
  readonly eid: number;
  readonly account: string;
  constructor(action: KeeperAction, eid: number, account: string, shortMessage: string, parameters: { details?: string; cause?: unknown; meta?: Record<string, unknown> } = {}) {
    super(shortMessage, { ...parameters, docsPath: 'OPERATIONS.md#keeper', meta: { action, eid, account, ...parameters.meta } });
    this.action = action;
    this.eid = eid;
    this.account = account;
  }
}

/**
 * A view, a fee quote, the simulation or the transaction of an action reverted; `reason` is the decoded
 * custom error (`Vault_AccountFlagged(0x…)`, `NoPeer(40102)`, `Oracle_StalePrice(…)`). Retried: a lost race
 * (someone else flagged first) completes as skipped on the next attempt, a broken pathway or a stale feed
 * waits until it is fixed.
 */
export class ActionRevertedError extends KeeperActionError {
  override name = 'ActionRevertedError';
  readonly step: ActionStep;
  readonly reason: string;
  constructor(action: KeeperAction, eid: number, account: string, step: ActionStep, reason: string, cause?: unknown) {
    super(action, eid, account, `${action} of ${account} on chain ${eid} reverted at ${step}: ${reason}.`, {
      details: 'The job stays in the actions queue and is retried with backoff; each attempt re-reads the chain first.',
      cause,
      meta: { step, reason },
    });
    this.step = step;
    this.reason = reason;
  }
}

/** What the action would cost (messaging fee + gas × gas price, wei) exceeds its configured budget. Retried. */
export class ActionBudgetExceededError extends KeeperActionError {
  override name = 'ActionBudgetExceededError';
  readonly cost: bigint;
  readonly max: bigint;
  constructor(action: KeeperAction, eid: number, account: string, cost: bigint, max: bigint) {
    super(action, eid, account, `${action} of ${account} on chain ${eid} would cost ${cost} wei, over its budget of ${max} wei; not sent.`, {
      details: `Raise maxFeeWei.${action} in the keeper settings, or wait: the job is retried with backoff and sent once the cost fits.`,
      meta: { cost: cost.toString(), max: max.toString() },
    });
    this.cost = cost;
    this.max = max;
  }
}

/** A transaction the keeper sent earlier for this job is neither mined nor dropped yet. Retried. */
export class ActionPendingError extends KeeperActionError {
  override name = 'ActionPendingError';
}

/** Thrown by `scoreAccountWith` when its pricing lacks an asset the account holds (a caller's mistake: read it with `pricingFor`). */
export class MissingPricingError extends BallastError {
  override name = 'MissingPricingError';
  constructor(asset: string) {
    super(`No price was read for ${asset}, which the account holds.`, { details: 'Build the pricing with pricingFor(prices, assets) over every asset of the accounts scored.', meta: { asset } });
  }
}
