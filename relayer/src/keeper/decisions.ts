// What the keeper wants done for an account, from its score: the decision rules of docs/DECISIONS.md
// ("Recall before flag") and PROTOCOL.md L-1..L-8, as one pure function. The worker checks every
// request against the chain again just before it sends, so a stale score costs a skipped job, never a
// wrong action.
//
//   returnParked  any remote holding parked credit for the account (permissionless; only makes home safer)
//   flag          not flagged, home health < 1 and usage-aware health < 1: the account is under 1 even
//                 with all its undrawn credit home. Its undrawn credit is not recalled first: LIQUIDATABLE
//                 parks it on every remote at once (L-3).
//   recall        not flagged, home health < the vault's recallHealth, and not flagged by the rule above:
//                 the undrawn credit of every remote that has some. This covers the account under 1 at home
//                 that is healthy once its undrawn credit is home — it is recalled, never flagged (rule 5).
//   clear         flagged and home health ≥ 1
//   liquidate     flagged, home health < 1, usage-aware health < 1, liquidator on: every remote with drawn
//                 credit and inventory configured
//   flag again    flagged, home health < 1, usage-aware health < 1, collateral left, and nothing in flight
//                 by the store (every remote's line is what home exported to it, nothing parked): a vault
//                 that re-flags (epoch + 2) gives liquidators a fresh close factor. The worker sends it only
//                 once every remote's close factor at this epoch is spent.
import { HEALTH_ONE } from '@ballast/protocol';
import type { Address } from 'viem';
import type { KeeperAction } from './actions.ts';
import type { AccountScore } from './scoring.ts';

export type ActionRequest = {
  action: KeeperAction;
  /** Chain the action is sent on: home for flag and clear, the remote for the others (recall: the remote recalled from). */
  eid: number;
  account: Address;
  /** Home's liquidation epoch when the score was taken. */
  epoch: number;
  /** Why, for logs. */
  why: string;
};

export type DecideActionsParameters = {
  score: AccountScore;
  homeEid: number;
  recallHealth: bigint;
  actions: Record<Exclude<KeeperAction, 'liquidate'>, boolean>;
  /** Remotes the liquidator may liquidate on (inventory configured), or empty when it is off. */
  liquidateOn: readonly number[];
  /** The remotes' eids, ascending. @defaultValue the eids of `score.lines` */
  remotes?: readonly number[];
};

const ratio = (health: bigint | undefined) => (health === undefined ? 'unpriced' : (Number((health * 10_000n) / HEALTH_ONE) / 10_000).toString());

// Runs for every holder on every price tick: nothing is formatted for an account that needs no action
// (the reasons are built only when a request is made), and the keeper passes the remotes' eids.
export function decideActions({ score, homeEid, recallHealth, actions, liquidateOn, remotes: given }: DecideActionsParameters): ActionRequest[] {
  const { account, epoch, health, usageHealth, lines } = score;
  const requests: ActionRequest[] = [];
  const remotes = given ?? remotesOf(score);
  if (actions.returnParked) {
    for (const eid of remotes) {
      const parked = lines[eid]?.parked ?? 0n;
      if (parked > 0n) requests.push({ action: 'returnParked', eid, account, epoch, why: `${parked} credit parked` });
    }
  }
  // Unpriced: nothing is judged (the contract would revert on the same price).
  if (health === undefined || usageHealth === undefined) return requests;
  const flagged = epoch % 2 === 1;

  if (!flagged) {
    if (health < HEALTH_ONE && usageHealth < HEALTH_ONE && actions.flag) {
      requests.push({ action: 'flag', eid: homeEid, account, epoch, why: `${healthsOf(score)}: under 1 even with its undrawn credit home` });
    } else if (health < recallHealth && actions.recall) {
      for (const eid of remotes) {
        const line = lines[eid];
        if (line && line.line > line.drawn) {
          requests.push({ action: 'recall', eid, account, epoch, why: `${healthsOf(score)} < recall health ${ratio(recallHealth)}; ${line.line - line.drawn} undrawn` });
        }
      }
    }
    return requests;
  }
  if (health >= HEALTH_ONE) {
    if (actions.clear) requests.push({ action: 'clear', eid: homeEid, account, epoch, why: `flagged at epoch ${epoch}, ${healthsOf(score)}` });
    return requests;
  }
  if (usageHealth < HEALTH_ONE) {
    for (const eid of liquidateOn) {
      if ((lines[eid]?.drawn ?? 0n) > 0n) requests.push({ action: 'liquidate', eid, account, epoch, why: `flagged at epoch ${epoch}, ${healthsOf(score)}` });
    }
    const settled = remotes.every((eid) => {
      const line = lines[eid];
      return (line?.parked ?? 0n) === 0n && (line?.line ?? 0n) === (score.exported[eid] ?? 0n);
    });
    if (actions.flag && settled && score.assets.length > 0) {
      requests.push({ action: 'flag', eid: homeEid, account, epoch, why: `still under 1 at epoch ${epoch} (${healthsOf(score)}) with nothing in flight: flag again once the close factor is spent` });
    }
  }
  return requests;
}

function remotesOf(score: AccountScore): number[] {
  return Object.keys(score.lines)
    .map(Number)
    .sort((a, b) => a - b);
}

function healthsOf({ health, usageHealth }: AccountScore): string {
  return `health ${ratio(health)}, usage-aware ${ratio(usageHealth)}`;
}
