// plan: turns an intent ("credit X on chain C", "borrow", "withdraw", "move credit", "close all") into
// ordered steps from one reading of every chain, weighing every feasible route by its quoted fees and
// keeping the cheapest. It sends nothing: an intent no route satisfies raises an InfeasibleIntentError
// that says what is missing. The ordering rules are docs/PROTOCOL.md's: power freed by a RELEASE exists at
// home only once the RELEASE executed there (V-7), a draw needs a fresh heartbeat (M-4) and a GRANT never
// counts as one, a GRANT must land before its deadline (M-5) and not on a flagged line (L-3), exports
// respect caps and rate windows (V-6) and a flagged account neither exports nor withdraws (L-2).
import { type Address, getAddress, isAddressEqual, keccak256, stringToHex } from 'viem';
import { type BallastBaseClient, connectionOf } from '../client.ts';
import { InvalidInputError } from '../errors/client.ts';
import {
  AccountFlaggedError,
  CreditInFlightError,
  ExportsPausedError,
  InfeasibleIntentError,
  InsufficientBalanceError,
  InsufficientCreditError,
  InsufficientPowerError,
  RateWindowExhaustedError,
  RemoteCapReachedError,
  RemoteDisabledError,
  RemotePausedError,
} from '../errors/intents.ts';
import { type Cover, type FreeSource, coversByFee, describeSources, trimCover } from '../intents/routes.ts';
import { type PlanSnapshot, type RemoteSnapshot, readPlanSnapshot } from '../intents/snapshot.ts';
import { formatUsd } from '../intents/usd.ts';
import { type Intent, type Plan, type PlanRoute, type PlanStep, type PlanWait, intentJson } from '../intents/types.ts';
import { type MaxExport, maxExportDown, weightedValueDown } from '../position/limits.ts';
import { MAX_UINT128, requireAccount, requirePositive, requireRemote } from './validate.ts';

/** An intent (`{ type: 'ensureCredit', chain, amount }`, …) and how to plan it. */
export type PlanParameters = Intent & {
  /** Whose position to plan for. @defaultValue the client's account (which must execute the plan) */
  account?: Address;
  /**
   * Seconds the plan's messages may take to land and the credit to be used: a remote whose heartbeat expires
   * sooner gets a new one, and a GRANT whose deadline is sooner cannot be sent. @defaultValue 900
   */
  tripSeconds?: number;
};

/** The plan: plain JSON, ready for `execute`. */
export type PlanReturnType = Plan;

/** Steps under construction, with the indices later steps wait on. */
class Steps {
  readonly list: PlanStep[] = [];
  add(step: PlanStep): number {
    this.list.push(step);
    return this.list.length - 1;
  }
  /** Waits for every message of type `type` sent by the steps so far. */
  waitsForAll(type: PlanWait['type']): PlanWait[] {
    return this.list.flatMap((step, index) => (step.sends.some((message) => message.type === type) ? [{ step: index, type }] : []));
  }
}

type Context = { client: BallastBaseClient; snapshot: PlanSnapshot; homeEid: number; tripSeconds: number };

function remoteOf(context: Context, eid: number): RemoteSnapshot {
  return context.snapshot.remotes.get(eid) as RemoteSnapshot;
}

function requireUnflagged(context: Context): void {
  const { position, account } = context.snapshot;
  if (position.flagged) throw new AccountFlaggedError({ account, epoch: position.epoch, where: 'on home' });
}

/** Credit needing to arrive on `eid` must be drawable there: draws not paused, the line not flagged, the GRANT able to land in time. */
function requireDrawable(context: Context, eid: number): void {
  const remote = remoteOf(context, eid);
  const { position } = remote;
  if (position.drawsPaused) throw new RemotePausedError({ eid, chain: position.name });
  if (position.epoch % 2 === 1) throw new AccountFlaggedError({ account: context.snapshot.account, epoch: position.epoch, where: `${position.name} has not heard the CLEAR yet` });
}

/** A GRANT to `eid` must be able to land before its deadline (M-5): the remote's `grantTtl` must outlast the trip. */
function requireGrantInTime(context: Context, eid: number): void {
  const { grantTtl, position } = remoteOf(context, eid);
  if (grantTtl > context.tripSeconds) return;
  throw new InfeasibleIntentError(`A GRANT to ${position.name} expires ${grantTtl} s after it is sent, within the ${context.tripSeconds} s this plan allows for the trip: it could land parked. Pass a smaller tripSeconds if messages land faster.`, {
    meta: { eid, grantTtl },
  });
}

/** Sources of credit that can come home: parked credit and undrawn lines, on every remote but `except`'s line. */
function freeSources(context: Context, { exceptLineOf }: { exceptLineOf?: number } = {}): FreeSource[] {
  return [...context.snapshot.remotes.values()].flatMap(({ position, fees }) => [
    ...(position.parked > 0n ? [{ kind: 'returnParked' as const, eid: position.eid, chain: position.name, amount: position.parked, fee: fees.release }] : []),
    ...(position.undrawn > 0n && position.eid !== exceptLineOf ? [{ kind: 'release' as const, eid: position.eid, chain: position.name, amount: position.undrawn, fee: fees.release }] : []),
  ]);
}

/** The steps that bring `sources` home; each sends a RELEASE to home. */
function addFreeing(context: Context, steps: Steps, sources: readonly FreeSource[], purpose: string): void {
  for (const source of sources) {
    const sends = [{ type: 'RELEASE' as const, to: context.homeEid, landsAs: 'CreditReleased' as const }];
    if (source.kind === 'returnParked') {
      steps.add({ chain: source.eid, call: 'returnParked', args: { eid: source.eid }, fee: source.fee.toString(), sends, waitsFor: [], why: `Send the ${formatUsd(source.amount)} parked on ${source.chain} home, ${purpose}.` });
    } else {
      steps.add({ chain: source.eid, call: 'release', args: { eid: source.eid, amount: source.amount.toString() }, fee: source.fee.toString(), sends, waitsFor: [], why: `Release ${formatUsd(source.amount)} of the undrawn line on ${source.chain}, ${purpose}.` });
    }
  }
}

/** Adds a HEARTBEAT to `eid` when its last one expires before the trip is over (M-4: only heartbeats open draws). */
function addHeartbeatIfStale(context: Context, steps: Steps, eid: number): void {
  const { position, fees } = remoteOf(context, eid);
  const openUntil = position.lastHeartbeat + BigInt(position.heartbeatPeriod);
  if (openUntil >= position.timestamp + BigInt(context.tripSeconds)) return;
  steps.add({
    chain: context.homeEid,
    call: 'sendHeartbeat',
    args: { dstEid: eid },
    fee: fees.heartbeat.toString(),
    sends: [{ type: 'HEARTBEAT', to: eid, landsAs: 'HeartbeatReceived' }],
    waitsFor: [],
    why:
      position.lastHeartbeat === 0n
        ? `${position.name} has never heard a heartbeat, and draws there need one (a GRANT does not count).`
        : `${position.name}'s last heartbeat opens draws only until ${openUntil}, sooner than the ${context.tripSeconds} s this plan allows for its messages.`,
  });
}

/** The error for an export of `needed` that even the most generous freeing leaves short, by the rule that binds. */
/** The most home would export to `eid` once `freed` credit came home, `freedOnTarget` of it from `eid` itself (the vault's own checks, V-2 and V-6). */
function maxExportAfter(context: Context, eid: number, freed: bigint, freedOnTarget: bigint): MaxExport {
  const remote = remoteOf(context, eid);
  const { position, basket } = context.snapshot;
  return maxExportDown({
    basket,
    totalExported: position.totalExported - freed,
    flagged: position.flagged,
    exportsPaused: position.exportsPaused,
    remote: { ...remote.limits, exported: remote.limits.exported - freedOnTarget },
    now: position.timestamp,
  });
}

function exportError(context: Context, eid: number, needed: bigint, freedAll: bigint, freedOnTarget: bigint, intent: string): InfeasibleIntentError {
  const remote = remoteOf(context, eid);
  const { position } = context.snapshot;
  const max = maxExportAfter(context, eid, freedAll, freedOnTarget);
  const chain = remote.position.name;
  switch (max.limitedBy) {
    case 'paused':
      return new ExportsPausedError();
    case 'disabled':
      return new RemoteDisabledError({ eid, chain });
    case 'flagged':
      return new AccountFlaggedError({ account: context.snapshot.account, epoch: position.epoch, where: 'on home' });
    case 'window':
      return new RateWindowExhaustedError({ eid, chain, needed, available: max.amount, opensAt: max.windowResetsAt });
    case 'cap':
      return new RemoteCapReachedError({ eid, chain, needed, available: max.amount });
    case 'power':
      return new InsufficientPowerError({ intent, needed, available: max.amount, hint: 'deposit more collateral, or repay drawn credit so more of it can come home.' });
  }
}

/**
 * Steps that leave `amount` of undrawn credit on `eid`: the line as it is, else an export of the rest,
 * preceded by the cheapest set of releases and parked returns that makes the export fit.
 */
function ensureCreditSteps(context: Context, steps: Steps, eid: number, amount: bigint, intent: string): { route: string; why: string; routes: PlanRoute[] } {
  requireUnflagged(context);
  requireDrawable(context, eid);
  const remote = remoteOf(context, eid);
  const { position } = context.snapshot;
  const chain = remote.position.name;
  const needed = amount > remote.position.undrawn ? amount - remote.position.undrawn : 0n;
  if (needed === 0n) {
    addHeartbeatIfStale(context, steps, eid);
    const why = `The line on ${chain} already has ${formatUsd(remote.position.undrawn)} undrawn: no credit needs to move.`;
    return { route: 'line', why, routes: [{ route: 'line', fee: '0', feasible: true, note: why }] };
  }
  // A GRANT already on its way would land on top of this plan's export: let it land first.
  if (remote.position.inFlight > 0n) throw new CreditInFlightError({ eid, chain, inFlight: remote.position.inFlight });
  requireGrantInTime(context, eid);
  const sources = freeSources(context, { exceptLineOf: eid });
  const total = (chosen: readonly FreeSource[]) => chosen.reduce((sum, source) => sum + source.amount, 0n);
  const fits = (chosen: readonly FreeSource[]) => maxExportAfter(context, eid, total(chosen), total(chosen.filter((source) => source.eid === eid))).amount >= needed;
  const covers = coversByFee(sources, fits);
  const best = covers[0];
  if (!best) {
    throw exportError(context, eid, needed, total(sources), total(sources.filter((source) => source.eid === eid)), intent);
  }
  const powerRoom = position.borrowingPower > position.totalExported ? position.borrowingPower - position.totalExported : 0n;
  // Releases are trimmed to the power short; parked credit returns whole (which is also what helps a cap).
  const shortfall = needed > powerRoom ? needed - powerRoom : 0n;
  const taken = trimCover(best, shortfall);
  addFreeing(context, steps, taken, `so home has the power to export to ${chain}`);
  const releases = steps.waitsForAll('RELEASE');
  steps.add({
    chain: context.homeEid,
    call: 'exportCredit',
    args: { dstEid: eid, amount: needed.toString() },
    fee: remote.fees.grant.toString(),
    sends: [{ type: 'GRANT', to: eid, landsAs: 'CreditGranted' }],
    waitsFor: releases,
    why: `Export ${formatUsd(needed)} to ${chain}${releases.length > 0 ? ' once the RELEASEs above have landed (freed power exists at home only then)' : ''}; its GRANT must land within ${remote.grantTtl} s or it is parked.`,
  });
  addHeartbeatIfStale(context, steps, eid);
  const routeOf = (cover: Cover) => (cover.sources.length === 0 ? 'export' : `${describeSources(cover.sources)} + export`);
  const routes: PlanRoute[] = covers.slice(0, 8).map((cover, index) => ({
    route: routeOf(cover),
    fee: (cover.fee + remote.fees.grant).toString(),
    feasible: true,
    note: index === 0 ? 'taken: the cheapest feasible route by quoted fees' : `costs ${cover.fee + remote.fees.grant - best.fee - remote.fees.grant} wei more than the route taken`,
  }));
  if (best.sources.length > 0) routes.push({ route: 'export', fee: remote.fees.grant.toString(), feasible: false, note: `home's power, cap or window alone leaves less than ${formatUsd(needed)} for ${chain}` });
  const why =
    best.sources.length === 0
      ? `The line on ${chain} has ${formatUsd(remote.position.undrawn)} undrawn; exporting the other ${formatUsd(needed)} from home is the cheapest route (${remote.fees.grant} wei quoted).`
      : `Home cannot export ${formatUsd(needed)} to ${chain} as it stands; bringing credit home first (${describeSources(taken)}) is the cheapest of ${covers.length} feasible routes (${best.fee + remote.fees.grant} wei quoted).`;
  return { route: routeOf(best), why, routes };
}

function planEnsureCredit(context: Context, steps: Steps, eid: number, amount: bigint) {
  return ensureCreditSteps(context, steps, eid, amount, `ensureCredit on ${remoteOf(context, eid).position.name}`);
}

function planBorrow(context: Context, steps: Steps, eid: number, amount: bigint) {
  const remote = remoteOf(context, eid);
  if (!remote.poolToken) throw new InvalidInputError('plan', `${remote.position.name} (${eid}) has no reference lending pool in the deployments.`);
  // P-2: the pool's token counts as $1, so a borrow draws its amount scaled to 18 decimals.
  const credit = amount * 10n ** BigInt(18 - remote.poolToken.decimals);
  const planned = ensureCreditSteps(context, steps, eid, credit, `borrow on ${remote.position.name}`);
  steps.add({
    chain: eid,
    call: 'borrow',
    args: { eid, amount: amount.toString() },
    fee: '0',
    sends: [],
    waitsFor: [...steps.waitsForAll('GRANT'), ...steps.waitsForAll('HEARTBEAT')],
    why: `Borrow from the lending pool on ${remote.position.name}, drawing ${formatUsd(credit)} of the line${steps.list.length > 0 ? ' once the credit and a fresh heartbeat have landed' : ''} (the pool is authorised as a consumer first if it is not).`,
  });
  return { ...planned, route: `${planned.route} + borrow` };
}

function planWithdraw(context: Context, steps: Steps, asset: Address, amount: bigint) {
  const { position, basket } = context.snapshot;
  const index = position.collateral.findIndex((held) => isAddressEqual(held.asset, asset));
  const held = position.collateral[index];
  if (!held) throw new InvalidInputError('plan', `the account holds no ${asset} on home.`);
  if (amount > held.amount) throw new InvalidInputError('plan', `the account holds ${held.amount} of ${held.name ?? asset}, ${amount} was asked.`);
  requireUnflagged(context);
  const powerAfter = weightedValueDown(basket, 'ltv', 'price', { index, amount: held.amount - amount });
  const shortfall = position.totalExported > powerAfter ? position.totalExported - powerAfter : 0n;
  const sources = freeSources(context);
  const covers = coversByFee(sources, (chosen) => chosen.reduce((sum, source) => sum + source.amount, 0n) >= shortfall);
  const best = covers[0];
  if (!best) {
    throw new InsufficientPowerError({
      intent: `withdraw ${amount} of ${held.name ?? asset}`,
      needed: shortfall,
      available: sources.reduce((sum, source) => sum + source.amount, 0n),
      hint: 'that much exported credit would have to come home, and the rest is drawn: repay on the remotes first, or withdraw less.',
    });
  }
  const taken = trimCover(best, shortfall);
  addFreeing(context, steps, taken, `so the power left after the withdrawal still covers what is exported`);
  const releases = steps.waitsForAll('RELEASE');
  steps.add({
    chain: context.homeEid,
    call: 'withdraw',
    args: { asset: getAddress(asset), amount: amount.toString() },
    fee: '0',
    sends: [],
    waitsFor: releases,
    why: `Withdraw ${amount} of ${held.name ?? asset}${releases.length > 0 ? ' once the RELEASEs have landed home (power freed on a remote appears at home only then)' : ''}.`,
  });
  const route = taken.length === 0 ? 'withdraw' : `${describeSources(taken)} + withdraw`;
  const why =
    taken.length === 0
      ? `Power after the withdrawal still covers the ${formatUsd(position.totalExported)} exported: nothing needs to come home.`
      : `Withdrawing leaves ${formatUsd(powerAfter)} of power under the ${formatUsd(position.totalExported)} exported; ${describeSources(taken)} brings the ${formatUsd(shortfall)} home at the lowest quoted fee of ${covers.length} feasible sets.`;
  return { route, why, routes: covers.slice(0, 8).map((cover, rank) => ({ route: cover.sources.length === 0 ? 'withdraw' : `${describeSources(cover.sources)} + withdraw`, fee: cover.fee.toString(), feasible: true, note: rank === 0 ? 'taken: the cheapest feasible route by quoted fees' : `costs ${cover.fee - best.fee} wei more than the route taken` })) };
}

function planMoveCredit(context: Context, steps: Steps, from: number, to: number, amount: bigint) {
  if (from === to) throw new InvalidInputError('plan', `moveCredit needs two different remotes, got ${from} twice.`);
  requireUnflagged(context);
  requireDrawable(context, to);
  const source = remoteOf(context, from);
  const target = remoteOf(context, to);
  if (source.position.undrawn < amount) throw new InsufficientCreditError({ eid: from, chain: source.position.name, needed: amount, available: source.position.undrawn });
  if (maxExportAfter(context, to, amount, 0n).amount < amount) throw exportError(context, to, amount, amount, 0n, `moveCredit to ${target.position.name}`);
  requireGrantInTime(context, to);
  const released = steps.add({
    chain: from,
    call: 'release',
    args: { eid: from, amount: amount.toString() },
    fee: source.fees.release.toString(),
    sends: [{ type: 'RELEASE', to: context.homeEid, landsAs: 'CreditReleased' }],
    waitsFor: [],
    why: `Release ${formatUsd(amount)} of the undrawn line on ${source.position.name}; the remote debits at once, home frees the power when the RELEASE lands.`,
  });
  steps.add({
    chain: context.homeEid,
    call: 'exportCredit',
    args: { dstEid: to, amount: amount.toString() },
    fee: target.fees.grant.toString(),
    sends: [{ type: 'GRANT', to, landsAs: 'CreditGranted' }],
    waitsFor: [{ step: released, type: 'RELEASE' }],
    why: `Export ${formatUsd(amount)} to ${target.position.name} once the RELEASE has landed home; its GRANT must land within ${target.grantTtl} s or it is parked.`,
  });
  addHeartbeatIfStale(context, steps, to);
  const fee = source.fees.release + target.fees.grant;
  const why = `Credit cannot cross between remotes directly: it goes home as a RELEASE and out again as a GRANT (${fee} wei quoted).`;
  return { route: `release on ${source.position.name} + export to ${target.position.name}`, why, routes: [{ route: 'release + export', fee: fee.toString(), feasible: true, note: 'the only route' }] };
}

/** A repay covering the debt and a little interest accrued before the step runs (the pool takes at most the debt). */
const REPAY_MARGIN_DIVISOR = 1_000n;

function planCloseAll(context: Context, steps: Steps) {
  const { position } = context.snapshot;
  requireUnflagged(context);
  for (const remote of context.snapshot.remotes.values()) {
    const { position: line } = remote;
    if (line.inFlight !== 0n) throw new CreditInFlightError({ eid: line.eid, chain: line.name, inFlight: line.inFlight });
    const drawnElsewhere = line.drawn - remote.poolDrawn;
    if (drawnElsewhere > 0n) throw new InsufficientCreditError({ eid: line.eid, chain: line.name, needed: line.line, available: line.line - drawnElsewhere });
    const debt = line.poolDebt ?? 0n;
    if (debt > 0n && remote.poolToken) {
      if (remote.poolToken.balance < debt) throw new InsufficientBalanceError({ what: `Repaying the loan on ${line.name}`, needed: debt, available: remote.poolToken.balance });
      const wanted = debt + debt / REPAY_MARGIN_DIVISOR + 1n;
      const amount = wanted < remote.poolToken.balance ? wanted : remote.poolToken.balance;
      steps.add({ chain: line.eid, call: 'repay', args: { eid: line.eid, amount: amount.toString() }, fee: '0', sends: [], waitsFor: [], why: `Repay the pool's loan on ${line.name} (${debt} units now, a little more for interest; the pool takes at most the debt), which restores the credit it drew.` });
    }
    if (line.line > 0n) {
      steps.add({
        chain: line.eid,
        call: 'release',
        args: { eid: line.eid, amount: line.line.toString() },
        fee: remote.fees.release.toString(),
        sends: [{ type: 'RELEASE', to: context.homeEid, landsAs: 'CreditReleased' }],
        waitsFor: [],
        why: `Release the whole ${formatUsd(line.line)} line on ${line.name}${debt > 0n ? ' after the repay' : ''}.`,
      });
    }
    if (line.parked > 0n) {
      steps.add({
        chain: line.eid,
        call: 'returnParked',
        args: { eid: line.eid },
        fee: remote.fees.release.toString(),
        sends: [{ type: 'RELEASE', to: context.homeEid, landsAs: 'CreditReleased' }],
        waitsFor: [],
        why: `Send the ${formatUsd(line.parked)} parked on ${line.name} home.`,
      });
    }
  }
  const releases = steps.waitsForAll('RELEASE');
  for (const held of position.collateral) {
    if (held.amount === 0n) continue;
    steps.add({
      chain: context.homeEid,
      call: 'withdraw',
      args: { asset: held.asset, amount: held.amount.toString() },
      fee: '0',
      sends: [],
      waitsFor: releases,
      why: `Withdraw all ${held.amount} of ${held.name ?? held.asset}${releases.length > 0 ? ' once every RELEASE has landed (nothing is exported then)' : ''}.`,
    });
  }
  return { route: 'repay + release + withdraw', why: 'Closing needs every loan repaid and every line home before the collateral leaves; there is one way to do it.', routes: [] };
}

/** The id of a plan: keccak256 of its JSON without the id. */
export function planId(plan: Omit<Plan, 'id'>): Plan['id'] {
  return keccak256(stringToHex(JSON.stringify(plan)));
}

/**
 * Plans `intent` for the client's account from one reading of every chain: ordered steps, each with its
 * chain, call, arguments, quoted fee, the messages it sends and waits for, and why it is there. Among feasible
 * routes the cheapest by quoted fees is taken (`plan.routes` lists what was weighed). Sends nothing; an
 * intent no route satisfies throws an `InfeasibleIntentError` (not enough power, a paused or disabled
 * remote, a flagged account, an exhausted rate window with its next opening).
 *
 * @example
 * const plan = await client.plan({ type: 'borrow', chain: 40102, amount: parseUnits('500', 6) });
 * console.log(plan.why, plan.steps.map((step) => `${step.call}: ${step.why}`));
 * await client.execute({ plan });
 */
export async function plan(client: BallastBaseClient, parameters: PlanParameters): Promise<PlanReturnType> {
  const { account: accountParameter, tripSeconds = 900, ...intent } = parameters;
  const account = accountParameter ?? requireAccount(client, 'plan');
  if (intent.type === 'ensureCredit' || intent.type === 'borrow') {
    requireRemote(client, 'plan', intent.chain);
    requirePositive('plan', 'amount', intent.amount, MAX_UINT128);
  } else if (intent.type === 'moveCredit') {
    requireRemote(client, 'plan', intent.from);
    requireRemote(client, 'plan', intent.to);
    requirePositive('plan', 'amount', intent.amount, MAX_UINT128);
  } else if (intent.type === 'withdraw') {
    requirePositive('plan', 'amount', intent.amount);
  } else if (intent.type !== 'closeAll') {
    throw new InvalidInputError('plan', `unknown intent ${JSON.stringify((intent as { type: unknown }).type)}; one of ensureCredit, borrow, withdraw, moveCredit, closeAll.`);
  }
  const snapshot = await readPlanSnapshot(client, account);
  const context: Context = { client, snapshot, homeEid: client.ballast.home.deployment.eid, tripSeconds };
  const steps = new Steps();
  const decided =
    intent.type === 'ensureCredit'
      ? planEnsureCredit(context, steps, intent.chain, intent.amount)
      : intent.type === 'borrow'
        ? planBorrow(context, steps, intent.chain, intent.amount)
        : intent.type === 'withdraw'
          ? planWithdraw(context, steps, intent.asset, intent.amount)
          : intent.type === 'moveCredit'
            ? planMoveCredit(context, steps, intent.from, intent.to, intent.amount)
            : planCloseAll(context, steps);
  for (const step of steps.list) connectionOf(client, step.chain);
  const body: Omit<Plan, 'id'> = {
    version: 1,
    intent: intentJson(intent as Intent),
    account: getAddress(account),
    plannedAt: snapshot.position.timestamp.toString(),
    route: decided.route,
    why: decided.why,
    totalFee: steps.list.reduce((sum, step) => sum + BigInt(step.fee), 0n).toString(),
    routes: decided.routes,
    steps: steps.list,
  };
  return { ...body, id: planId(body) };
}
