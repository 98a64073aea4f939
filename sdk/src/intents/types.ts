// What a caller asks for (an intent) and what `plan` answers (a plan): plain data, JSON as it stands — every
// bigint is a decimal string — so a plan can be shown, stored, sent to another process and executed there.
import type { Address, Hex } from 'viem';

/** Credit drawable on remote `chain`: at least `amount` (USD, 1e18) undrawn there, with a heartbeat fresh enough to draw. */
export type EnsureCreditIntent = { type: 'ensureCredit'; chain: number; amount: bigint };
/** Borrow `amount` (the pool token's units) from the reference lending pool on `chain`: `ensureCredit` for its value, then the borrow. */
export type BorrowIntent = { type: 'borrow'; chain: number; amount: bigint };
/** Withdraw `amount` of `asset` from home, releasing undrawn credit from remotes first when the power is tied up there. */
export type WithdrawIntent = { type: 'withdraw'; asset: Address; amount: bigint };
/** Move `amount` of undrawn credit from remote `from` to remote `to`: release on `from`, the RELEASE home, export to `to`. */
export type MoveCreditIntent = { type: 'moveCredit'; from: number; to: number; amount: bigint };
/** Repay every loan in the reference pools, bring every line and parked credit home, withdraw every asset. */
export type CloseAllIntent = { type: 'closeAll' };

/** Everything `plan` understands. */
export type Intent = EnsureCreditIntent | BorrowIntent | WithdrawIntent | MoveCreditIntent | CloseAllIntent;

/** A Ballast message type as a plan names it. */
export type PlanMessageType = 'GRANT' | 'RELEASE' | 'HEARTBEAT';

/** A message a step sends, and the receiver's event that says it took effect. */
export type PlanMessage = { type: PlanMessageType; to: number; landsAs: 'CreditGranted' | 'CreditReleased' | 'HeartbeatReceived' };

/** A message of an earlier step that must have landed, with its effect, before this step is sent. */
export type PlanWait = { step: number; type: PlanMessageType };

type StepBase = {
  /** The chain the transaction is sent on (LayerZero eid). */
  chain: number;
  /** The LayerZero fee quoted at planning, wei as a decimal string ('0' for a step that sends no message). */
  fee: string;
  /** Messages this step sends; `execute` waits for each and checks what it did on arrival. */
  sends: PlanMessage[];
  /** Messages of earlier steps that must land before this step is sent (ordering rules of docs/PROTOCOL.md). */
  waitsFor: PlanWait[];
  /** Why the step is there, in a sentence. */
  why: string;
};

/** One transaction of a plan: the SDK action it calls and that action's arguments (bigints as decimal strings). */
export type PlanStep =
  | (StepBase & { call: 'exportCredit'; args: { dstEid: number; amount: string } })
  | (StepBase & { call: 'sendHeartbeat'; args: { dstEid: number } })
  | (StepBase & { call: 'release'; args: { eid: number; amount: string } })
  | (StepBase & { call: 'returnParked'; args: { eid: number } })
  | (StepBase & { call: 'borrow'; args: { eid: number; amount: string } })
  | (StepBase & { call: 'repay'; args: { eid: number; amount: string } })
  | (StepBase & { call: 'withdraw'; args: { asset: Address; amount: string } });

/** The SDK action a step calls. */
export type PlanCall = PlanStep['call'];

/** A route that was weighed, with its quoted fees, and why it was or was not taken. */
export type PlanRoute = { route: string; fee: string; feasible: boolean; note: string };

/** An intent turned into ordered steps. Plain JSON: `JSON.stringify` it as it is. */
export type Plan = {
  version: 1;
  /** keccak256 of the plan without its id: the key of its progress record. */
  id: Hex;
  /** The intent, bigints as decimal strings. */
  intent: Record<string, string | number>;
  /** Whose position: the account that must execute it. */
  account: Address;
  /** Home's block timestamp when the plan was made. */
  plannedAt: string;
  /** The route taken and why, in a sentence. */
  route: string;
  why: string;
  /** Σ of the steps' quoted fees, wei. */
  totalFee: string;
  /** Every route weighed, cheapest feasible first. */
  routes: PlanRoute[];
  steps: PlanStep[];
};

/** An intent as JSON (bigints as decimal strings). */
export function intentJson(intent: Intent): Record<string, string | number> {
  return Object.fromEntries(Object.entries(intent).map(([key, value]) => [key, typeof value === 'bigint' ? value.toString() : (value as string | number)]));
}
