// Random user traffic on a Ballast devnet, for suites that check an observer (ingest, reconcile)
// against the chains: deposits, withdrawals, exports, borrows, repays, releases and price moves by a
// few users, one at a time, each sized from what the chains allow at that moment. An operation the
// contracts refuse (a withdrawal that would break power, …) is recorded as refused, not retried.
// Deterministic choices for a seed (outcomes also depend on delivery timing). Messages leave through
// the courier; `guids` lists them for a DeliveryTracker to wait for.
import { collateralVaultAbi, creditMirrorAbi } from '@ballast/abi';
import { BALLAST_CONTRACTS } from '@ballast/devnet';
import { type ChainDeployment, type Deployments, homeChain } from '@ballast/protocol';
import type { Hex } from 'viem';
import { SeededRandom } from '../../packages/protocol/src/risk-random.ts';
import { BallastUser } from './ballast.ts';

export const OPERATION_KINDS = ['deposit', 'withdraw', 'export', 'borrow', 'repay', 'release', 'price'] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];
export type OperationOutcome = 'done' | 'refused' | 'skipped';
export type OperationRecord = { index: number; kind: OperationKind; user: number; outcome: OperationOutcome; detail?: string };

/** Relative frequency of each operation. */
const WEIGHTS: Record<OperationKind, number> = { deposit: 24, withdraw: 10, export: 20, borrow: 16, repay: 10, release: 12, price: 8 };
/** Feed answers move within ±5% of these (8 decimals). */
const BASE_PRICES = { wethFeed: 2_000n * 10n ** 8n, wbtcFeed: 60_000n * 10n ** 8n } as const;
/** One USDC unit (6 decimals) in credit (18 decimals). */
const CREDIT_PER_USDC_UNIT = 10n ** 12n;
const REFUSAL = /Vault_|Mirror_|Pool_|Oracle_/;

export class RandomOperations {
  readonly users: BallastUser[];
  readonly home: ChainDeployment;
  readonly remotes: ChainDeployment[];
  /** GUIDs of every message the operations sent (GRANTs, RELEASEs). */
  readonly guids: Hex[] = [];
  readonly records: OperationRecord[] = [];
  readonly #random: SeededRandom;

  constructor(deployments: Deployments, userKeys: readonly Hex[], seed: bigint) {
    this.users = userKeys.map((key) => new BallastUser(deployments, key));
    this.home = homeChain(deployments);
    this.remotes = deployments.chains.filter((chain) => chain.role === 'remote');
    this.#random = new SeededRandom(seed);
  }

  /** Runs `count` operations one after another; `onEach` runs after each (e.g. a checkpoint). */
  async run(count: number, onEach?: (record: OperationRecord) => Promise<void>): Promise<OperationRecord[]> {
    const done: OperationRecord[] = [];
    for (let index = 0; index < count; index++) {
      const kind = this.#pickKind();
      const user = this.#random.int(this.users.length);
      const record = await this.#runOne(this.records.length, kind, user);
      this.records.push(record);
      done.push(record);
      await onEach?.(record);
    }
    return done;
  }

  #pickKind(): OperationKind {
    const total = OPERATION_KINDS.reduce((sum, kind) => sum + WEIGHTS[kind], 0);
    let roll = this.#random.int(total);
    for (const kind of OPERATION_KINDS) {
      roll -= WEIGHTS[kind];
      if (roll < 0) return kind;
    }
    return 'deposit';
  }

  /** `value × [lowPercent, highPercent]%`, rounded down. */
  #share(value: bigint, lowPercent: number, highPercent: number): bigint {
    return (value * this.#random.between(BigInt(lowPercent), BigInt(highPercent))) / 100n;
  }

  async #runOne(index: number, kind: OperationKind, userIndex: number): Promise<OperationRecord> {
    const user = this.users[userIndex] as BallastUser;
    const record = (outcome: OperationOutcome, detail?: string): OperationRecord => ({ index, kind, user: userIndex, outcome, ...(detail ? { detail } : {}) });
    try {
      const outcome = await this.#operate(kind, user);
      return record(outcome);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const refusal = REFUSAL.exec(message);
      if (!refusal) throw error;
      return record('refused', message.slice(refusal.index, refusal.index + 60).split(/[\s(]/)[0]);
    }
  }

  async #operate(kind: OperationKind, user: BallastUser): Promise<OperationOutcome> {
    const home = this.home.eid;
    const vault = user.contract(home, BALLAST_CONTRACTS.vault);
    const read = user.connection(home).publicClient;
    switch (kind) {
      case 'deposit': {
        const asset = this.#random.pick(['weth', 'wbtc'] as const);
        // 0.1–5 WETH or 0.001–0.08 WBTC.
        const amount = asset === 'weth' ? this.#random.between(100n, 5_000n) * 10n ** 15n : this.#random.between(100n, 8_000n) * 10n ** 3n;
        await user.deposit(asset, amount);
        return 'done';
      }
      case 'withdraw': {
        const held = await Promise.all((['weth', 'wbtc'] as const).map(async (asset) => ({ asset, amount: await user.collateralOf(asset) })));
        const candidates = held.filter(({ amount }) => amount > 0n);
        if (candidates.length === 0) return 'skipped';
        const { asset, amount: balance } = this.#random.pick(candidates);
        const amount = this.#share(balance, 5, 100);
        if (amount === 0n) return 'skipped';
        await user.withdraw(asset, amount);
        return 'done';
      }
      case 'export': {
        const remote = this.#random.pick(this.remotes);
        const [power, exported] = await Promise.all([
          read.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'borrowingPower', args: [user.address] }),
          read.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'totalExported', args: [user.address] }),
        ]);
        const amount = power > exported ? this.#share(power - exported, 5, 60) : 0n;
        if (amount === 0n) return 'skipped';
        this.guids.push(await user.exportCredit(remote.eid, amount));
        return 'done';
      }
      case 'borrow': {
        const [remote, undrawn] = await this.#pickRemote((remote) => this.#undrawn(user, remote));
        const amount = this.#share(undrawn, 10, 90) / CREDIT_PER_USDC_UNIT;
        if (amount === 0n) return 'skipped';
        await user.borrow(remote.eid, amount);
        return 'done';
      }
      case 'repay': {
        const [remote, debt] = await this.#pickRemote((remote) => user.debtOf(remote.eid));
        if (debt === 0n) return 'skipped';
        if (this.#random.chance(0.5)) {
          await user.repayAll(remote.eid);
          return 'done';
        }
        const amount = this.#share(debt, 10, 90);
        if (amount === 0n) return 'skipped';
        await user.mint(remote.eid, user.contract(remote.eid, BALLAST_CONTRACTS.usdc), amount);
        await user.client.repay({ eid: remote.eid, amount });
        return 'done';
      }
      case 'release': {
        const [remote, undrawn] = await this.#pickRemote((remote) => this.#undrawn(user, remote));
        const amount = this.#share(undrawn, 10, 100);
        if (amount === 0n) return 'skipped';
        this.guids.push(await user.release(remote.eid, amount));
        return 'done';
      }
      case 'price': {
        const feed = this.#random.pick(['wethFeed', 'wbtcFeed'] as const);
        const answer = this.#share(BASE_PRICES[feed], 95, 105);
        await user.setAnswer(user.contract(home, BALLAST_CONTRACTS[feed]), answer);
        return 'done';
      }
    }
  }

  /** A random remote among those where `measure` is positive (any remote if none is), with its measure. */
  async #pickRemote(measure: (remote: ChainDeployment) => Promise<bigint>): Promise<[ChainDeployment, bigint]> {
    const measured = await Promise.all(this.remotes.map(async (remote) => [remote, await measure(remote)] as [ChainDeployment, bigint]));
    const positive = measured.filter(([, value]) => value > 0n);
    return this.#random.pick(positive.length > 0 ? positive : measured);
  }

  async #undrawn(user: BallastUser, remote: ChainDeployment): Promise<bigint> {
    const mirror = user.contract(remote.eid, BALLAST_CONTRACTS.mirror);
    const line = await user.connection(remote.eid).publicClient.readContract({ address: mirror, abi: creditMirrorAbi, functionName: 'lineOf', args: [user.address] });
    return line.line - line.drawn;
  }
}
