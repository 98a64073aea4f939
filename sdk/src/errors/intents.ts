// Errors of intents, plans and execution. `plan` raises an `InfeasibleIntentError` subclass before any
// transaction, naming what is missing (power, a paused or disabled remote, a flag, a rate window and when it
// opens); `execute` raises the others when a message did not do what the plan needed, or a resume cannot
// tell whether a transaction went out.
import { BallastError } from '@ballast/protocol/core';
import { formatUsd } from '../intents/usd.ts';

/** An intent no route can satisfy now; the subclass says which rule stands in the way. Raised before any transaction. */
export class InfeasibleIntentError extends BallastError {
  override name = 'InfeasibleIntentError';
}

/** An infeasible intent for want of an amount: `needed` against the `available` the binding rule leaves. */
export class ShortfallError extends InfeasibleIntentError {
  override name = 'ShortfallError';
  readonly needed: bigint;
  readonly available: bigint;
  constructor(message: string, { needed, available, ...meta }: { needed: bigint; available: bigint } & Record<string, unknown>, docsPath?: string) {
    super(message, { docsPath, meta: { needed, available, ...meta } });
    this.needed = needed;
    this.available = available;
  }
}

/** The account's borrowing power (after freeing everything a route may free) is short of what the intent needs. */
export class InsufficientPowerError extends ShortfallError {
  override name = 'InsufficientPowerError';
  constructor({ intent, needed, available, hint }: { intent: string; needed: bigint; available: bigint; hint: string }) {
    super(`${intent} needs ${formatUsd(needed)} of credit but at most ${formatUsd(available)} can be had: ${hint}`, { needed, available });
  }
}

/** Undrawn credit on a remote is short of what the intent moves or uses. */
export class InsufficientCreditError extends ShortfallError {
  override name = 'InsufficientCreditError';
  readonly eid: number;
  constructor({ eid, chain, needed, available }: { eid: number; chain: string; needed: bigint; available: bigint }) {
    super(`The line on ${chain} (${eid}) has ${formatUsd(available)} undrawn, ${formatUsd(needed)} is needed: repay what consumers drew there, or ask for less.`, { eid, needed, available });
    this.eid = eid;
  }
}

/** Draws on the remote are paused by its guardian: credit there cannot be drawn until governance unpauses. */
export class RemotePausedError extends InfeasibleIntentError {
  override name = 'RemotePausedError';
  readonly eid: number;
  constructor({ eid, chain }: { eid: number; chain: string }) {
    super(`Draws on ${chain} (${eid}) are paused by its guardian: credit sent there could not be drawn. Wait for governance to unpause the mirror, or pick another chain.`, { meta: { eid } });
    this.eid = eid;
  }
}

/** Governance has disabled exports to the remote (its `RemoteConfig.enabled` is false). */
export class RemoteDisabledError extends InfeasibleIntentError {
  override name = 'RemoteDisabledError';
  readonly eid: number;
  constructor({ eid, chain }: { eid: number; chain: string }) {
    super(`Exports to ${chain} (${eid}) are disabled by governance: no credit can be sent there. Pick another chain.`, { meta: { eid } });
    this.eid = eid;
  }
}

/** The vault's guardian paused every export. */
export class ExportsPausedError extends InfeasibleIntentError {
  override name = 'ExportsPausedError';
  constructor() {
    super('Exports are paused on home by the guardian: no credit can be sent to any remote until governance unpauses them. Use credit already on the remotes.');
  }
}

/** The account is flagged for liquidation (on home, or a remote has not heard the CLEAR yet). */
export class AccountFlaggedError extends InfeasibleIntentError {
  override name = 'AccountFlaggedError';
  readonly epoch: number;
  constructor({ account, epoch, where }: { account: string; epoch: number; where: string }) {
    super(`Account ${account} is flagged for liquidation (epoch ${epoch}, ${where}): it can neither export nor withdraw, and a GRANT to a flagged line is parked. Bring health back above 1 and clear the account first.`, {
      docsPath: 'PROTOCOL.md#liquidation',
      meta: { account, epoch },
    });
    this.epoch = epoch;
  }
}

/** The remote's export rate window has no room left for the amount; it opens again at `opensAt`. */
export class RateWindowExhaustedError extends ShortfallError {
  override name = 'RateWindowExhaustedError';
  readonly eid: number;
  /** When the window opens again (unix seconds, home's clock). */
  readonly opensAt: bigint;
  constructor({ eid, chain, needed, available, opensAt }: { eid: number; chain: string; needed: bigint; available: bigint; opensAt: bigint }) {
    super(
      `The export rate window of ${chain} (${eid}) has ${formatUsd(available)} left, ${formatUsd(needed)} is needed: it opens again at ${new Date(Number(opensAt) * 1000).toISOString()} (${opensAt}). Plan again then, or ask for less.`,
      { eid, needed, available, opensAt },
      'PROTOCOL.md#collateralvault-home',
    );
    this.eid = eid;
    this.opensAt = opensAt;
  }
}

/** The remote's credit cap (over every account) leaves too little room. */
export class RemoteCapReachedError extends ShortfallError {
  override name = 'RemoteCapReachedError';
  readonly eid: number;
  constructor({ eid, chain, needed, available }: { eid: number; chain: string; needed: bigint; available: bigint }) {
    super(`${chain} (${eid}) is within ${formatUsd(available)} of its credit cap, ${formatUsd(needed)} is needed: pick another chain or wait for credit to come home from it.`, { eid, needed, available });
    this.eid = eid;
  }
}

/** Credit of the account is in flight between home and a remote (a GRANT on its way, or a RELEASE on its way home): a plan made now would count it wrong. */
export class CreditInFlightError extends InfeasibleIntentError {
  override name = 'CreditInFlightError';
  readonly eid: number;
  /** exported − line − parked on that remote: above 0 a GRANT is on its way, below 0 a RELEASE. */
  readonly inFlight: bigint;
  constructor({ eid, chain, inFlight }: { eid: number; chain: string; inFlight: bigint }) {
    super(
      `${formatUsd(inFlight > 0n ? inFlight : -inFlight)} of the account's credit is in flight ${inFlight > 0n ? `to ${chain} (a GRANT on its way)` : `from ${chain} (a RELEASE on its way home)`}: wait for it to land (waitForMessage, or getPosition until inFlight is 0) and plan again.`,
      { meta: { eid, inFlight } },
    );
    this.eid = eid;
    this.inFlight = inFlight;
  }
}

/** The account lacks the tokens a step pays with (a repay). */
export class InsufficientBalanceError extends ShortfallError {
  override name = 'InsufficientBalanceError';
  constructor({ what, needed, available }: { what: string; needed: bigint; available: bigint }) {
    super(`${what}: ${needed} token units are needed, the account holds ${available}. Fund it and plan again.`, { needed, available });
  }
}

/** A message a plan sent landed without the effect the plan needs (a GRANT parked, a RELEASE that freed nothing). */
export class MessageEffectError extends BallastError {
  override name = 'MessageEffectError';
}

/** A plan cannot be executed or resumed as given: another account's plan, a changed plan under the same record, or a transaction whose hash was never recorded. */
export class PlanExecutionError extends BallastError {
  override name = 'PlanExecutionError';
}
