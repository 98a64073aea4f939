// The keeper's actions, one job each on the `actions` queue: what each checks on chain just before it
// sends, what it sends, and what it records. Every check reads the chain, not the reconcile store, and
// home health is the vault's own view (`liquidationHealth`), so a job built from a stale score is
// skipped, never sent wrongly. A job that already submitted its transaction (a crash, a stalled lock) finds
// it recorded and does not send again. The calls themselves are the SDK's (`prepare…`: the quote, the
// typed call, its simulation as the keeper's key, the decoded refusal; `sentMessages`: the GUIDs): this
// file owns the decisions and sends through the keeper's transactor, never building a call by hand.
//
//   recall        home: not flagged, vault.liquidationHealth < recallHealth, and not under 1 even with its
//                 undrawn credit home (then it is flag's: skipped, and the keeper reads the account again);
//                 remote: undrawn > 0 and no RECALL still in flight (ours by the ledger; any, by the chains,
//                 sent in the last RECALL_LOOKBACK_BLOCKS) → vault.recall(account, remote, undrawn) with the quoted fee
//   flag          home: the job's epoch, liquidationHealth < 1, usage-aware health (drawn read on every
//                 remote) < 1 → vault.flag(account) with msg.value = quoteNotices(LIQUIDATABLE). At an odd epoch
//                 (flag again) only once every remote heard it, its close factor is spent and nothing is in
//                 flight; a vault that refuses to re-flag makes it a skip.
//   clear         home: epoch odd, liquidationHealth ≥ 1 → vault.clear(account) with quoteNotices(CLEAR)
//   returnParked  remote: parkedOf > 0 → mirror.returnParked(account) with the RELEASE fee
//   liquidate     home: epoch odd (the job's), liquidationHealth < 1, usage-aware < 1; remote: the line heard
//                 that epoch (else wait for the LIQUIDATABLE), repayableOf > 0 → pool.liquidate(account,
//                 min(repayable, principal, inventory left, balance), home address, largest collateral)
import { collateralVaultAbi, creditLendingPoolAbi, creditMirrorAbi } from '@ballast/abi';
import { type Deployments, HEALTH_ONE, INFINITE_HEALTH, MESSAGE_TYPES, contractAddress, decodePacket, homeChain } from '@ballast/protocol';
import {
  type BallastBaseClient,
  BallastContractError,
  type PreparedWrite,
  createBallastClient,
  decodeBallastError,
  locatePacket,
  prepareClear,
  prepareFlag,
  prepareLiquidate,
  prepareRecall,
  prepareReturnParked,
  readInboundState,
  sentMessages,
  sentPackets,
} from '@ballast/sdk';
import {
  type Address,
  BaseError,
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  type Hash,
  type Hex,
  type TransactionReceipt,
  encodeFunctionData,
  erc20Abi,
  getAddress,
  getContract,
  maxUint256,
  parseEventLogs,
} from 'viem';
import type { ChainConnection, Chains } from '../chains.ts';
import { INGEST_CONTRACT_NAMES } from '../ingest/contracts.ts';
import { revertReason } from '../revert-reason.ts';
import { InsufficientFundsError, isUnderfunded } from '../transactions.ts';
import { ActionBudgetExceededError, ActionPendingError, ActionRevertedError, type ActionStep } from './errors.ts';
import type { KeeperLedger } from './ledger.ts';
import type { PriceBook } from './prices.ts';
import type { ResolvedKeeperSettings } from './settings.ts';

export const KEEPER_ACTIONS = ['recall', 'flag', 'clear', 'returnParked', 'liquidate'] as const;
export type KeeperAction = (typeof KEEPER_ACTIONS)[number];

/** An action job's data (JSON: no bigints). */
export type ActionJob = {
  action: KeeperAction;
  /** Chain the action is sent on (home for flag and clear; the remote for recall, returnParked, liquidate). */
  eid: number;
  account: Address;
  /** Home's liquidation epoch when the action was decided: part of the job id. */
  epoch: number;
  /** Why the scorer wants it (for logs). */
  why: string;
  /** Transactor address of the keeper that queued it. */
  queuedBy: Address;
};

/**
 * The job id of an action: `<action>-<eid>-<account>-<epoch>`, so every keeper process queues the same
 * action once, whoever scores the account first. (Dashes, like the courier's `deliver-<guid>`: BullMQ
 * refuses custom ids with `:` unless they have exactly three parts.)
 */
export function actionJobId({ action, eid, account, epoch }: Pick<ActionJob, 'action' | 'eid' | 'account' | 'epoch'>): string {
  return `${action}-${eid}-${getAddress(account)}-${epoch}`;
}

export type ActionResult =
  | { kind: 'sent'; txHash: Hash; fee: bigint; detail: string; resumed: boolean }
  /** Not warranted on chain; `reread`: the score that queued it was taken from a stale copy, read the account again. */
  | { kind: 'skipped'; detail: string; reread?: true }
  /** Not yet (a notice this action needs is still in flight): look again shortly, without counting an attempt. */
  | { kind: 'wait'; detail: string };

/** Where the Ballast contracts are, from the deployments file. */
export type KeeperContracts = {
  homeEid: number;
  vault: Address;
  oracle: Address;
  mirrors: ReadonlyMap<number, Address>;
  /** The reference lending pool per remote (the liquidator's consumer), where deployed. */
  pools: ReadonlyMap<number, Address>;
};

export function keeperContracts(deployments: Deployments): KeeperContracts {
  const home = homeChain(deployments);
  const remotes = deployments.chains.filter((chain) => chain.role === 'remote');
  return {
    homeEid: home.eid,
    vault: contractAddress(home, INGEST_CONTRACT_NAMES.vault),
    oracle: contractAddress(home, INGEST_CONTRACT_NAMES.oracle),
    mirrors: new Map(remotes.map((remote) => [remote.eid, contractAddress(remote, INGEST_CONTRACT_NAMES.mirror)])),
    pools: new Map(remotes.flatMap((remote) => (remote.contracts[INGEST_CONTRACT_NAMES.pool] ? [[remote.eid, remote.contracts[INGEST_CONTRACT_NAMES.pool] as Address] as const] : []))),
  };
}

/** The SDK client the keeper's actions prepare their calls with: the keeper's chains' transports, its key as the account. */
export function keeperSdk(deployments: Deployments, chains: Chains, homeEid: number): BallastBaseClient {
  return createBallastClient({
    deployments,
    account: chains.get(homeEid).sender.account,
    transports: Object.fromEntries(chains.all().map((chain) => [chain.deployment.eid, chain.transport])),
    pollingInterval: 50,
  });
}

export type ActionContext = {
  chains: Chains;
  /** The SDK over the same chains, as the keeper's key: it quotes, builds and simulates every call the keeper sends. */
  sdk: BallastBaseClient;
  contracts: KeeperContracts;
  ledger: KeeperLedger;
  prices: PriceBook;
  settings: ResolvedKeeperSettings;
  /** Where home pays a liquidation's collateral. */
  homeLiquidator: Address;
  /** False once the keeper handed its in-flight jobs back (stopping): nothing may be submitted then. */
  maySubmit: () => boolean;
};

/** What an action sends once its checks pass, and what it does with the receipt. */
type Prepared = {
  /** The call as the SDK checked, quoted and simulated it; `value` is the LayerZero fee. */
  write: PreparedWrite;
  detail: string;
  /** Kept with the sent record, for `after` on a resumed job. */
  meta?: Record<string, string>;
};

type Definition = {
  prepare(run: ActionRun): Promise<Prepared | Extract<ActionResult, { kind: 'skipped' | 'wait' }>>;
  /** A reason the chain gave (simulation) that means "not warranted" rather than an error: the skip's detail. */
  refused?(run: ActionRun, reason: string): string | undefined;
  /** Records what the mined transaction started (a RECALL in flight, a pending SEIZE); returns a detail for the log. */
  after?(run: ActionRun, receipt: TransactionReceipt, meta: Record<string, string>): Promise<string | undefined>;
};

/** Whether `error` is the chain refusing (a revert), rather than the transport failing. */
function isRevert(error: unknown): boolean {
  if (!(error instanceof BaseError)) return false;
  return (
    error.walk((cause) => cause instanceof ContractFunctionRevertedError) !== null ||
    error.walk((cause) => (cause as { name?: string }).name === 'ExecutionRevertedError') !== null ||
    error.walk((cause) => (cause as { name?: string }).name === 'RawContractError') !== null
  );
}

/** One run of one job: its context, and the reads and sends of its action, each turning a revert into a typed error. */
export class ActionRun {
  readonly context: ActionContext;
  readonly job: ActionJob;
  /** Identifies this job instance (id and creation time) for its sent record. */
  readonly key: string;

  constructor(context: ActionContext, job: ActionJob, key: string) {
    this.context = context;
    this.job = job;
    this.key = key;
  }

  get home(): ChainConnection {
    return this.context.chains.get(this.context.contracts.homeEid);
  }

  chain(eid = this.job.eid): ChainConnection {
    return this.context.chains.get(eid);
  }

  mirror(eid = this.job.eid): Address {
    const mirror = this.context.contracts.mirrors.get(eid);
    if (!mirror) throw new ActionRevertedError(this.job.action, eid, this.job.account, 'check', `no creditMirror on chain ${eid} in the deployments`);
    return mirror;
  }

  /** Awaits a view call on chain `eid`; a revert becomes `ActionRevertedError` at the `check` step. */
  async check<result>(eid: number, read: Promise<result>): Promise<result> {
    try {
      return await read;
    } catch (error) {
      if (isRevert(error)) throw new ActionRevertedError(this.job.action, eid, this.job.account, 'check', revertReason(error), error);
      throw error;
    }
  }

  /** The vault, typed, on home. */
  get vault() {
    return getContract({ address: this.context.contracts.vault, abi: collateralVaultAbi, client: this.home.publicClient });
  }

  /** The mirror on `eid`, typed. */
  mirrorOn(eid = this.job.eid) {
    return getContract({ address: this.mirror(eid), abi: creditMirrorAbi, client: this.chain(eid).publicClient });
  }

  /** A view of the vault; a revert becomes `ActionRevertedError`. */
  onHome<result>(read: Promise<result>): Promise<result> {
    return this.check(this.context.contracts.homeEid, read);
  }

  /** Home's view of the account: epoch, the vault's own liquidation health, total exported. */
  async homeView(): Promise<{ epoch: number; health: bigint; totalExported: bigint }> {
    const { account } = this.job;
    const [epoch, health, totalExported] = await Promise.all([
      this.onHome(this.vault.read.epochOf([account])),
      this.onHome(this.vault.read.liquidationHealth([account])),
      this.onHome(this.vault.read.totalExported([account])),
    ]);
    return { epoch, health, totalExported };
  }

  /**
   * Usage-aware health from the vault's health and Σ drawn read on every remote, rounded up: the vault's
   * health is rounded down, so (health + 1) × exported ÷ drawn is above the true value. Judging "< 1" on
   * it never acts on an account that is healthy once its undrawn credit is home.
   */
  async usageHealthUp(health: bigint, totalExported: bigint): Promise<bigint> {
    const lines = await Promise.all(
      [...this.context.contracts.mirrors.keys()].map((eid) => this.check(eid, this.mirrorOn(eid).read.lineOf([this.job.account]))),
    );
    const drawn = lines.reduce((sum, line) => sum + line.drawn, 0n);
    if (drawn === 0n || health === INFINITE_HEALTH) return INFINITE_HEALTH;
    return ((health + 1n) * totalExported + drawn - 1n) / drawn;
  }

  /**
   * The SDK's prepared call for this action (checked, quoted, simulated as the keeper's key), its refusals
   * typed: an unfunded key is `InsufficientFundsError`, a revert `ActionRevertedError` at `quote` or `simulate`.
   */
  async prepare(eid: number, prepare: () => Promise<PreparedWrite>): Promise<PreparedWrite> {
    try {
      return await prepare();
    } catch (error) {
      const chain = this.chain(eid);
      // A node caps an estimate by the balance: an unfunded key looks like a revert here.
      if (await isUnderfunded(error, chain.publicClient)) throw new InsufficientFundsError(chain.sender.account.address, chain.chain.id, error);
      const decoded = decodeBallastError(error);
      if (decoded || isRevert(error)) throw new ActionRevertedError(this.job.action, eid, this.job.account, failedStep(error), decoded ? contractErrorReason(decoded) : revertReason(error), error);
      throw error;
    }
  }

  /** Estimates, checks the budget, submits through the keeper's transactor (recording the hash before waiting), and waits for success. */
  async send(prepared: Prepared): Promise<TransactionReceipt> {
    const { write } = prepared;
    const { action, account } = this.job;
    const chain = this.chain(write.eid);
    const client = chain.publicClient;
    const from = chain.sender.account;
    let gas: bigint;
    try {
      gas = await client.estimateGas({ account: from, to: write.to, data: write.data, value: write.value });
    } catch (error) {
      if (await isUnderfunded(error, client)) throw new InsufficientFundsError(from.address, chain.chain.id, error);
      if (isRevert(error) || decodeBallastError(error)) throw new ActionRevertedError(action, write.eid, account, 'simulate', revertReason(error), error);
      throw error;
    }
    const gasPrice = await client.getGasPrice();
    const cost = write.value + gas * gasPrice;
    const max = this.context.settings.maxFeeWei[action];
    if (cost > max) throw new ActionBudgetExceededError(action, write.eid, account, cost, max);
    if (!this.context.maySubmit()) throw new ActionPendingError(action, write.eid, account, `${action} of ${account} not sent: the keeper is stopping and handed the job back.`);
    // A quarter more than estimated: state may move a little between the estimate and inclusion.
    const hash = await chain.sender.submit({ to: write.to, data: write.data, value: write.value, gas: (gas * 5n) / 4n });
    await this.context.ledger.recordSent(this.key, { eid: write.eid, txHash: hash, meta: prepared.meta ?? {} });
    // The sender replaces it (same nonce, higher fees) if it goes unmined past its receipt timeout.
    const receipt = await chain.sender.receipt(hash);
    if (receipt.status !== 'success') {
      await this.context.ledger.forgetSent(this.key);
      throw new ActionRevertedError(action, write.eid, account, 'send', `transaction ${hash} reverted on chain`);
    }
    return receipt;
  }
}

/** `Name(arg, …)`: a decoded contract error as the keeper logs and matches it. */
function contractErrorReason(error: BallastContractError): string {
  return `${error.errorName}(${(error.args as readonly unknown[]).map(String).join(', ')})`;
}

/** The step a preparation failed at: the fee quote (a `quote…` view) or the simulation of the call itself. */
function failedStep(error: unknown): ActionStep {
  const viemError = error instanceof BallastContractError ? error.cause : error;
  if (!(viemError instanceof BaseError)) return 'simulate';
  const call = viemError.walk((cause) => cause instanceof ContractFunctionExecutionError);
  return call instanceof ContractFunctionExecutionError && call.functionName.startsWith('quote') ? 'quote' : 'simulate';
}

// ------------------------------------------------------------------ the actions

const recall: Definition = {
  async prepare(run) {
    const { account, eid, epoch } = run.job;
    const { contracts, ledger, prices } = run.context;
    const [view, { recallHealth }] = await Promise.all([run.homeView(), prices.liquidationSettings()]);
    if (view.epoch % 2 === 1) return { kind: 'skipped', detail: `flagged at epoch ${view.epoch}: its LIQUIDATABLE parks the undrawn credit` };
    if (view.epoch !== epoch) return { kind: 'skipped', detail: `epoch moved from ${epoch} to ${view.epoch}` };
    if (view.health >= recallHealth) return { kind: 'skipped', detail: `health ${view.health} is not under the recall health ${recallHealth}` };
    // Flag's rule, judged as flag judges it: a keeper whose copy missed a draw (committed by another
    // relayer's ingest) sees usage-aware health ≥ 1 and asks for a recall the decision rules forbid.
    if (view.health < HEALTH_ONE && (await run.usageHealthUp(view.health, view.totalExported)) < HEALTH_ONE) {
      return { kind: 'skipped', detail: `under 1 even with its undrawn credit home (health ${view.health}): flag, not recall`, reread: true };
    }
    const inflight = await ledger.inflightRecall(eid, account);
    if (inflight) {
      const state = await readInboundState(run.chain(eid), decodePacket(inflight.encodedPacket));
      if (state.kind !== 'executed') return { kind: 'skipped', detail: `a RECALL (${inflight.guid}) is still in flight` };
      await ledger.clearInflightRecall(eid, account);
    }
    const unrecorded = await recallInFlightOnChain(run);
    if (unrecorded) return { kind: 'skipped', detail: `a RECALL (${unrecorded}) is still in flight (found on chain)` };
    const undrawn = await run.check(eid, run.mirrorOn(eid).read.undrawn([account]));
    if (undrawn === 0n) return { kind: 'skipped', detail: 'nothing undrawn on the line' };
    return {
      write: await run.prepare(contracts.homeEid, () => prepareRecall(run.context.sdk, { account, dstEid: eid, amount: undrawn })),
      detail: `recalled ${undrawn} undrawn credit at health ${view.health}`,
    };
  },
  async after(run, receipt) {
    const [sent] = sentPackets(run.context.sdk, run.context.contracts.homeEid, receipt);
    if (!sent) return undefined;
    const { message, encodedPacket } = sent;
    await run.context.ledger.recordInflightRecall(run.job.eid, run.job.account, {
      guid: message.guid,
      encodedPacket,
      txHash: receipt.transactionHash,
      sentAt: Date.now(),
    });
    return `RECALL ${message.guid}`;
  },
};

/**
 * How many home blocks back a recall looks on chain for a RECALL of the same account and remote that has not
 * executed yet. The ledger's in-flight record covers the usual case; the chain covers a record never written
 * (the process died between the send and the record, or the send's reply was lost) or lost with Redis's data.
 * 2,000: a getLogs range providers serve (the courier's and ingest's default range too).
 */
export const RECALL_LOOKBACK_BLOCKS = 2_000n;

/** The GUID of a RECALL of the job's account to its remote, sent in the last `RECALL_LOOKBACK_BLOCKS` home blocks and not executed there yet. */
async function recallInFlightOnChain(run: ActionRun): Promise<Hex | undefined> {
  const { account, eid } = run.job;
  const client = run.home.publicClient;
  const head = await client.getBlockNumber({ cacheTime: 0 });
  const notices = await client.getContractEvents({
    address: run.context.contracts.vault,
    abi: collateralVaultAbi,
    eventName: 'NoticeSent',
    args: { account, dstEid: eid, msgType: MESSAGE_TYPES.recall },
    fromBlock: head > RECALL_LOOKBACK_BLOCKS ? head - RECALL_LOOKBACK_BLOCKS : 0n,
    toBlock: head,
    strict: true,
  });
  for (const notice of notices.reverse()) {
    const { packet } = await locatePacket(run.context.sdk, { guid: notice.args.guid, srcEid: run.context.contracts.homeEid, transactionHash: notice.transactionHash });
    if ((await readInboundState(run.chain(eid), packet)).kind !== 'executed') return notice.args.guid;
  }
  return undefined;
}

const flag: Definition = {
  async prepare(run) {
    const { account, epoch } = run.job;
    const view = await run.homeView();
    if (view.epoch !== epoch) return { kind: 'skipped', detail: `epoch is ${view.epoch} (queued at ${epoch}): flagged or cleared by someone else` };
    if (view.health >= HEALTH_ONE) return { kind: 'skipped', detail: `healthy at home (health ${view.health})` };
    const usage = await run.usageHealthUp(view.health, view.totalExported);
    if (usage >= HEALTH_ONE) return { kind: 'skipped', detail: `healthy once its undrawn credit is home (usage-aware health ≥ ${usage}): recall, not flag` };
    if (epoch % 2 === 1) {
      const waiting = await reflagBlocker(run, epoch);
      if (waiting) return waiting;
    }
    return {
      write: await run.prepare(run.context.contracts.homeEid, () => prepareFlag(run.context.sdk, { account })),
      detail: `${epoch % 2 === 1 ? 'flagged again' : 'flagged'} at health ${view.health}`,
    };
  },
  refused(run, reason) {
    // A vault without re-flagging refuses a flagged account; a first flag that lost a race is an error (retried, then skipped).
    return run.job.epoch % 2 === 1 && reason.startsWith('Vault_AccountFlagged') ? 'this vault does not flag a flagged account again' : undefined;
  },
  async after(run, receipt) {
    const notices = sentMessages(run.context.sdk, run.context.contracts.homeEid, receipt);
    return `LIQUIDATABLE ${notices.map((notice) => `${notice.dstEid}:${notice.guid}`).join(', ')}`;
  },
};

/**
 * Why a flagged account is not flagged again yet: a remote has not heard this epoch (wait), a liquidator
 * may still repay there (skip), or a message between it and home is in flight (wait: a SEIZE may heal it).
 * Undefined when every remote's close factor at `epoch` is spent and the books agree.
 */
async function reflagBlocker(run: ActionRun, epoch: number): Promise<Extract<ActionResult, { kind: 'skipped' | 'wait' }> | undefined> {
  const { account } = run.job;
  const assets = await run.onHome(run.vault.read.assetsOf([account]));
  if (assets.length === 0) return { kind: 'skipped', detail: 'no collateral left: nothing a liquidation could pay' };
  for (const eid of run.context.contracts.mirrors.keys()) {
    const exported = await run.onHome(run.vault.read.exportedTo([account, eid]));
    if (exported === 0n) continue;
    const [line, parked, repayable] = await Promise.all([
      run.check(eid, run.mirrorOn(eid).read.lineOf([account])),
      run.check(eid, run.mirrorOn(eid).read.parkedOf([account])),
      run.check(eid, run.mirrorOn(eid).read.repayableOf([account])),
    ]);
    if (line.epoch < epoch) return { kind: 'wait', detail: `the LIQUIDATABLE of epoch ${epoch} has not reached chain ${eid}` };
    if (repayable > 0n) return { kind: 'skipped', detail: `liquidators may still repay ${repayable} on chain ${eid} at epoch ${epoch}` };
    if (line.line + parked !== exported) return { kind: 'wait', detail: `credit in flight between chain ${eid} and home (exported ${exported}, line ${line.line}, parked ${parked})` };
  }
  return undefined;
}

const clear: Definition = {
  async prepare(run) {
    const { account, epoch } = run.job;
    const view = await run.homeView();
    if (view.epoch !== epoch || view.epoch % 2 === 0) return { kind: 'skipped', detail: `epoch is ${view.epoch} (queued at ${epoch}): not flagged, or cleared by someone else` };
    if (view.health < HEALTH_ONE) return { kind: 'skipped', detail: `still unhealthy (health ${view.health})` };
    return {
      write: await run.prepare(run.context.contracts.homeEid, () => prepareClear(run.context.sdk, { account })),
      detail: `cleared at health ${view.health}`,
    };
  },
};

const returnParked: Definition = {
  async prepare(run) {
    const { account, eid } = run.job;
    const parked = await run.check(eid, run.mirrorOn(eid).read.parkedOf([account]));
    if (parked === 0n) return { kind: 'skipped', detail: 'nothing parked' };
    return {
      write: await run.prepare(eid, () => prepareReturnParked(run.context.sdk, { eid, account })),
      detail: `returned ${parked} parked credit`,
    };
  },
};

const liquidate: Definition = {
  async prepare(run) {
    const { account, eid, epoch } = run.job;
    const { contracts, settings, ledger, prices, homeLiquidator } = run.context;
    const pool = contracts.pools.get(eid);
    const budget = settings.liquidator.inventory[String(eid)];
    if (!settings.liquidator.enabled || !pool || budget === undefined) return { kind: 'skipped', detail: `no liquidator inventory configured on chain ${eid}` };
    const view = await run.homeView();
    if (view.epoch !== epoch) return { kind: 'skipped', detail: `epoch moved from ${epoch} to ${view.epoch}` };
    if (view.epoch % 2 === 0) return { kind: 'skipped', detail: 'not flagged' };
    if (view.health >= HEALTH_ONE) return { kind: 'skipped', detail: `healthy at home (health ${view.health}): to be cleared, not liquidated` };
    const usage = await run.usageHealthUp(view.health, view.totalExported);
    if (usage >= HEALTH_ONE) return { kind: 'skipped', detail: `healthy once its undrawn credit is home (usage-aware health ≥ ${usage})` };
    const line = await run.check(eid, run.mirrorOn(eid).read.lineOf([account]));
    if (line.epoch < epoch) return { kind: 'wait', detail: `the LIQUIDATABLE of epoch ${epoch} has not reached chain ${eid} (line at epoch ${line.epoch})` };
    if (line.epoch > epoch) return { kind: 'skipped', detail: `the line moved on to epoch ${line.epoch}` };
    const remote = run.chain(eid);
    const keeper = remote.sender.account.address;
    const [repayable, drawnByPool, token] = await Promise.all([
      run.check(eid, run.mirrorOn(eid).read.repayableOf([account])),
      run.check(eid, run.mirrorOn(eid).read.drawnBy([pool, account])),
      run.check(eid, remote.publicClient.readContract({ address: pool, abi: creditLendingPoolAbi, functionName: 'asset' })),
    ]);
    if (repayable === 0n) return { kind: 'skipped', detail: `nothing repayable at epoch ${epoch} (close factor used up)` };
    const [decimals, balance, spent] = await Promise.all([
      run.check(eid, remote.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'decimals' })),
      run.check(eid, remote.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [keeper] })),
      ledger.inventorySpent(keeper, eid),
    ]);
    const creditPerUnit = 10n ** BigInt(18 - decimals);
    // Paid in the account's most valuable collateral first; never repay more than the collateral left can pay
    // with its bonus (a liquidation past that would pay the keeper less than it repaid).
    const assets = await run.onHome(run.vault.read.assetsOf([account]));
    let collateral: Address | undefined;
    let best = -1n;
    let totalValue = 0n;
    let maxBonusBps = 0n;
    for (const asset of assets) {
      const [held, risk, price] = await Promise.all([run.onHome(run.vault.read.collateralOf([account, asset])), prices.risk(asset), prices.price(asset)]);
      if (!price.ok) throw new ActionRevertedError('liquidate', contracts.homeEid, account, 'check', price.reason);
      const value = (held * price.price) / 10n ** BigInt(risk.decimals);
      totalValue += value;
      if (BigInt(risk.liquidationBonusBps) > maxBonusBps) maxBonusBps = BigInt(risk.liquidationBonusBps);
      if (value > best) [best, collateral] = [value, asset];
    }
    const payable = (totalValue * 10_000n) / (10_000n + maxBonusBps);
    const credit = [repayable, drawnByPool, payable].reduce((low, value) => (value < low ? value : low));
    const left = budget > spent ? budget - spent : 0n;
    const amount = [credit / creditPerUnit, left, balance].reduce((low, value) => (value < low ? value : low));
    if (!collateral || payable === 0n) return { kind: 'skipped', detail: 'no collateral left to pay a liquidation' };
    if (amount === 0n) return { kind: 'skipped', detail: `no inventory left on chain ${eid} (budget ${budget}, spent ${spent}, balance ${balance})` };
    const allowance = await run.check(eid, remote.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'allowance', args: [keeper, pool] }));
    if (allowance < amount) {
      try {
        const data = encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [pool, maxUint256] });
        await remote.sender.send({ to: token, data }, `approve ${pool} on chain ${eid}`);
      } catch (error) {
        throw new ActionRevertedError('liquidate', eid, account, 'approve', revertReason(error), error);
      }
    }
    const homeBlock = await run.home.publicClient.getBlockNumber({ cacheTime: 0 });
    return {
      write: await run.prepare(eid, () => prepareLiquidate(run.context.sdk, { eid, account, amount, homeLiquidator, collateral })),
      detail: `repaid ${amount} of ${token} (repayable ${repayable} credit), paid in ${collateral} at ${homeLiquidator}`,
      meta: { homeBlock: homeBlock.toString(), creditPerUnit: creditPerUnit.toString() },
    };
  },
  async after(run, receipt, meta) {
    const [event] = parseEventLogs({ abi: creditMirrorAbi, logs: receipt.logs, eventName: 'Liquidated' });
    if (!event) return undefined;
    const { eid, account } = run.job;
    const keeper = run.chain(eid).sender.account.address;
    const creditPerUnit = BigInt(meta.creditPerUnit ?? '1');
    const repaidTokens = event.args.amount / creditPerUnit;
    await run.context.ledger.addInventorySpent(keeper, eid, repaidTokens);
    await run.context.ledger.recordPendingSeize({
      srcEid: eid,
      seizeId: event.args.seizeId.toString(),
      account,
      liquidator: event.args.liquidator,
      repaid: event.args.amount.toString(),
      repaidTokens: repaidTokens.toString(),
      homeFromBlock: meta.homeBlock ?? '0',
      txHash: receipt.transactionHash,
      sentAt: Date.now(),
    });
    return `SEIZE ${event.args.guid} (seize id ${event.args.seizeId})`;
  },
};

const DEFINITIONS: Record<KeeperAction, Definition> = { recall, flag, clear, returnParked, liquidate };

/**
 * Runs one action job: resumes a transaction this job instance already submitted, or checks the chain
 * and sends. Throws `ActionRevertedError`, `ActionBudgetExceededError` or `ActionPendingError` for the
 * queue to retry; a transport error is thrown as is (retried too).
 */
export async function runAction(context: ActionContext, job: ActionJob, key: string): Promise<ActionResult> {
  const run = new ActionRun(context, job, key);
  const definition = DEFINITIONS[job.action];
  const sent = await context.ledger.sent(key);
  if (sent) {
    const chain = run.chain(sent.eid);
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash: sent.txHash, pollingInterval: 50, timeout: 30_000 }).catch(() => undefined);
    if (!receipt) {
      const known = await chain.publicClient.getTransaction({ hash: sent.txHash }).catch(() => undefined);
      if (known) throw new ActionPendingError(job.action, job.eid, job.account, `${job.action} transaction ${sent.txHash} is still pending; waiting for it before anything else.`);
      // Dropped: nothing was sent; start over.
      await context.ledger.forgetSent(key);
    } else if (receipt.status === 'success') {
      const detail = await definition.after?.(run, receipt, sent.meta);
      return { kind: 'sent', txHash: receipt.transactionHash, fee: 0n, detail: `resumed: ${detail ?? 'already mined'}`, resumed: true };
    } else {
      await context.ledger.forgetSent(key);
    }
  }
  const prepared = await definition.prepare(run);
  if ('kind' in prepared) return prepared;
  let receipt: TransactionReceipt;
  try {
    receipt = await run.send(prepared);
  } catch (error) {
    const refused = error instanceof ActionRevertedError && error.step === 'simulate' ? definition.refused?.(run, error.reason) : undefined;
    if (refused) return { kind: 'skipped', detail: `${refused} (${(error as ActionRevertedError).reason})` };
    throw error;
  }
  const detail = await definition.after?.(run, receipt, prepared.meta ?? {});
  return { kind: 'sent', txHash: receipt.transactionHash, fee: prepared.write.value, detail: detail ? `${prepared.detail}; ${detail}` : prepared.detail, resumed: false };
}
