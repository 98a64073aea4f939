// The liquidation simulation (issue 4): seeded random accounts, a price path, and the protocol's loop of
// ARCHITECTURE.md §7 — recall, flag, liquidate, clear, write off — replayed step by step with the risk
// library (risk.ts) for power and health. Every amount is a bigint with the contracts' units and rounding
// (`CreditMath`: values down; `CollateralVault.health`: weighted × 1e18 / debt), so the numbers are what
// the vault would compute. The result is plain data; `pnpm simulate` (test/bench/simulate.ts) prints it.
// The model and a default run are in docs/RISK.md#simulation.
import { BallastError } from './errors.ts';
import { RISK_BPS, RISK_MAX_ASSETS, baselineDown, correlationIndex, stressedValueDown } from './risk.ts';
import { SeededRandom } from './seeded-random.ts';

const WAD = 10n ** 18n;
const BPS = BigInt(RISK_BPS);

/** Health of an account with nothing owed, as the vault's `INFINITE_HEALTH` (`type(uint256).max`). */
export const SIMULATION_INFINITE_HEALTH = 2n ** 256n - 1n;

/** Least gap between an asset's LTV and its liquidation threshold, as `CollateralVault.MIN_LIQUIDATION_BUFFER_BPS` (rule V-12). */
export const SIMULATION_MIN_LIQUIDATION_BUFFER_BPS = 200;

/** Most price steps one run takes. */
export const SIMULATION_MAX_STEPS = 1_000;

/** Most accounts one run takes. */
export const SIMULATION_MAX_ACCOUNTS = 100_000;

/** One listed collateral asset, with the vault's per-asset parameters. */
export type SimulationAsset = {
  symbol: string;
  /** The token's decimals (0 to 36, as the vault accepts). */
  decimals: number;
  /** Price at the start of the path: USD with 18 decimals per whole token. */
  price: bigint;
  /** Loan-to-value, bps: the share of value that counts for borrowing power. */
  ltvBps: number;
  /** Liquidation threshold, bps: the share of value that counts for health; at least LTV + 2%. */
  liquidationThresholdBps: number;
  /** Liquidation bonus, bps: a liquidator gets collateral worth repaid × (1 + bonus). */
  liquidationBonusBps: number;
  /** Liquidity depth, USD with 18 decimals (docs/RISK.md#the-size-haircut); 0 = no size haircut. */
  depth: bigint;
  /** Share of the crash the asset takes, bps: 10,000 falls with the market, 0 is a stable asset. */
  betaBps: number;
};

const usd = (dollars: number) => BigInt(dollars) * WAD;

/**
 * The default universe: WETH, WBTC, stETH (95% correlated with WETH) and USDC, at round prices, with depths
 * of a few million dollars so that the largest random positions are cut for size. USDC has no depth (deep
 * enough for any position) and does not fall.
 */
export const DEFAULT_SIMULATION_ASSETS: readonly SimulationAsset[] = [
  { symbol: 'WETH', decimals: 18, price: usd(3_000), ltvBps: 8_000, liquidationThresholdBps: 8_500, liquidationBonusBps: 500, depth: usd(20e6), betaBps: 10_000 },
  { symbol: 'WBTC', decimals: 8, price: usd(60_000), ltvBps: 7_500, liquidationThresholdBps: 8_200, liquidationBonusBps: 600, depth: usd(10e6), betaBps: 10_000 },
  { symbol: 'stETH', decimals: 18, price: usd(3_000), ltvBps: 7_500, liquidationThresholdBps: 8_200, liquidationBonusBps: 600, depth: usd(5e6), betaBps: 10_000 },
  { symbol: 'USDC', decimals: 6, price: usd(1), ltvBps: 8_500, liquidationThresholdBps: 9_000, liquidationBonusBps: 400, depth: 0n, betaBps: 0 },
];

/**
 * Correlations of `DEFAULT_SIMULATION_ASSETS`, the strict upper triangle in bps: WETH–WBTC 0.80,
 * WETH–stETH 0.95, WBTC–stETH 0.76, USDC 0 with each (positive semidefinite).
 */
export const DEFAULT_SIMULATION_CORRELATION_BPS: readonly number[] = [8_000, 9_500, 0, 7_600, 0, 0];

export type SimulateLiquidationsParameters = {
  /** Random accounts. @defaultValue 1,000 */
  accounts?: number;
  /** Price steps; the crash is spread over them in equal multiplicative steps. @defaultValue 10 */
  steps?: number;
  /** Total fall of an asset with beta 10,000 over the path, bps. @defaultValue 3,500 (−35%) */
  crashBps?: number;
  /** Seed of the random accounts; the same seed gives the same accounts whatever the crash. @defaultValue 1 */
  seed?: bigint | number;
  /** Listed assets, in listing order (at most 8). @defaultValue `DEFAULT_SIMULATION_ASSETS` */
  assets?: readonly SimulationAsset[];
  /** Strict upper triangle of the assets' correlation matrix, bps. @defaultValue `DEFAULT_SIMULATION_CORRELATION_BPS` */
  correlationBps?: readonly number[];
  /** Remote chains; each account exports to 1 or 2 of them. @defaultValue 2 */
  remotes?: number;
  /** Most assets one account holds; each holds 1 to this many, uniformly. @defaultValue 4 (or fewer if fewer are listed) */
  maxAssetsPerAccount?: number;
  /** Range of one position's value at the start, USD with 18 decimals, drawn log-uniformly. @defaultValue [$100, $50,000,000] */
  positionValue?: readonly [bigint, bigint];
  /** Range of exported credit as a share of power, bps, drawn uniformly. @defaultValue [3,000, 10,000] */
  exportedShareBps?: readonly [number, number];
  /** Range of drawn credit as a share of the remote's exported credit, bps, drawn uniformly. @defaultValue [5,000, 10,000] */
  drawnShareBps?: readonly [number, number];
  /** Share of what is drawn on a remote one liquidation may repay, bps (`LIQUIDATABLE.closeFactorBps`). @defaultValue 5,000 */
  closeFactorBps?: number;
  /** Health below which undrawn credit is recalled, 1e18 = 1. @defaultValue 1.10e18 */
  recallThreshold?: bigint;
  /**
   * Which health the recall watches: `'usage-aware'` (Σ drawn, ARCHITECTURE.md §7) or `'home'` (Σ exported,
   * the one `flag` uses). @defaultValue 'usage-aware'
   */
  recallOn?: 'usage-aware' | 'home';
  /** Keep every account's state after every step in `snapshots` (for tests; large). @defaultValue false */
  recordSnapshots?: boolean;
};

/** One account's credit on one remote: drawn ≤ line ≤ exported (ARCHITECTURE.md §5 rules 1, 2). */
export type SimulationRemotePosition = {
  remote: number;
  /** Exported to this remote, as home records it. USD 1e18. */
  exported: bigint;
  /** The remote's credit line. USD 1e18. */
  line: bigint;
  /** Drawn by consumers on the remote. USD 1e18. */
  drawn: bigint;
};

/** An account's state. */
export type SimulationAccount = {
  id: number;
  /** Listing indices of the assets it holds, ascending. */
  assets: number[];
  /** Per held asset (same order as `assets`): amount in the token's own decimals. */
  amounts: bigint[];
  /** Its remotes, ascending. */
  remotes: SimulationRemotePosition[];
  /** Flagged liquidatable on home. */
  flagged: boolean;
};

/** An account at the start, with its borrowing power with and without the portfolio term. */
export type SimulationAccountAtStart = SimulationAccount & {
  /** `stressedValueDown` at 10,000 − LTV: power with the portfolio term. USD 1e18. */
  power: bigint;
  /** `baselineDown` at 10,000 − LTV: the per-asset baseline (size haircut included). USD 1e18. */
  baseline: bigint;
};

/** Collateral of one asset paid to a liquidator for (part of) one repay. */
export type SimulationSeizure = {
  /** Listing index. */
  asset: number;
  /** What the account held of it just before, token units. */
  holding: bigint;
  /** Paid to the liquidator, token units (≤ holding). */
  amount: bigint;
  /** Its value at the step's price, USD 1e18, rounded down. */
  value: bigint;
  /** The part of the repay this asset pays for, USD 1e18: value ≤ covered × (1 + bonus). */
  covered: bigint;
  bonusBps: number;
};

/** One liquidator repay on one remote and the collateral home paid for it. */
export type SimulationRepay = {
  step: number;
  account: number;
  remote: number;
  /** Home health just before the repay, 1e18 = 1 (always below 1: the repay is refused otherwise). */
  health: bigint;
  /** Usage-aware health just before (Σ drawn): rule 5 judges by it; ≥ 1e18 would be a liquidation of a healthy account. */
  usageHealth: bigint;
  /** Credit repaid on the remote: ⌊drawn × closeFactor⌋. USD 1e18. */
  repaid: bigint;
  /** In listing order, until `repaid` is covered or the collateral runs out. */
  seizures: SimulationSeizure[];
};

/** Debt written off for an account with no collateral left. */
export type SimulationWriteOff = { step: number; account: number; amount: bigint };

/** What happened at one step. Accounts are counted, amounts are USD with 18 decimals. */
export type SimulationStep = {
  step: number;
  /** Price of an asset with beta 10,000 against the start, 1e18 = unchanged. */
  priceMultiplier: bigint;
  /** Accounts whose undrawn credit was recalled (usage-aware health below the recall threshold). */
  recalled: number;
  /** Undrawn credit released: by recalls, and by the remotes on `LIQUIDATABLE`. */
  creditReleased: bigint;
  /** Accounts newly flagged (home health below 1). */
  flagged: number;
  /** Accounts with at least one repay. */
  liquidated: number;
  /** Value of the collateral paid to liquidators, at the step's prices. */
  collateralSeized: bigint;
  debtRepaid: bigint;
  /** Repaid credit that no collateral paid for (the account ran out mid-repay). */
  uncovered: bigint;
  /** Flagged accounts healthy again, un-flagged. */
  cleared: number;
  /** Debt written off for accounts with no collateral left. */
  badDebt: bigint;
  writtenOff: number;
  /** Accounts whose home health is below 1 at the end of the step. */
  unhealthy: number;
};

/** How the portfolio term changed borrowing power against the per-asset baseline, at the start. */
export type SimulationPortfolioTerm = {
  /** Σ power with the portfolio term. USD 1e18. */
  power: bigint;
  /** Σ per-asset baseline. USD 1e18. */
  baseline: bigint;
  /** Accounts with more power than their baseline, as much, and less (never, by R-4). */
  more: number;
  equal: number;
  less: number;
  /** Mean and median of power / baseline over the accounts with a baseline above 0. */
  meanRatio: number;
  medianRatio: number;
  /** The same by the number of assets held. */
  byAssetCount: { assets: number; accounts: number; power: bigint; baseline: bigint; meanRatio: number }[];
};

export type SimulateLiquidationsReturnType = {
  /** The parameters used, defaults filled in. */
  parameters: Required<Omit<SimulateLiquidationsParameters, 'seed'>> & { seed: bigint };
  /** Every account at the start. */
  start: SimulationAccountAtStart[];
  /** Totals at the start. USD 1e18. */
  startTotals: { collateral: bigint; power: bigint; exported: bigint; drawn: bigint };
  portfolioTerm: SimulationPortfolioTerm;
  steps: SimulationStep[];
  totals: {
    /** Distinct accounts recalled, flagged, liquidated, written off over the whole path. */
    accountsRecalled: number;
    accountsFlagged: number;
    accountsLiquidated: number;
    accountsWrittenOff: number;
    collateralSeized: bigint;
    debtRepaid: bigint;
    uncovered: bigint;
    badDebt: bigint;
    /** Repays on an account whose usage-aware health was ≥ 1 (rule 5 forbids them: must be 0). */
    healthyLiquidations: number;
    /** Σ drawn at the end. */
    drawn: bigint;
  };
  /** Every repay, in order. */
  repays: SimulationRepay[];
  writeOffs: SimulationWriteOff[];
  /** With `recordSnapshots`: every account before the first step (index 0) and after each step. */
  snapshots: SimulationAccount[][] | undefined;
};

/** Thrown for a parameter the simulation cannot run with; the message names it and says what to give. */
export class SimulationParameterError extends BallastError {
  override name = 'SimulationParameterError';
  readonly parameter: string;
  constructor(parameter: string, problem: string, remedy: string) {
    super(`Bad simulation parameter \`${parameter}\`: ${problem}; ${remedy}.`, { docsPath: 'RISK.md#simulation', meta: { parameter } });
    this.parameter = parameter;
  }
}

export type SimulateLiquidationsErrorType = SimulationParameterError;

/**
 * Replays a price crash over seeded random accounts. At each step, in this order: (1) recall — an account
 * whose usage-aware health (or home health, with `recallOn: 'home'`) is below `recallThreshold` has its
 * undrawn credit released; (2) flag — an account whose home health is below 1 is flagged, and its remotes
 * release its undrawn credit (as on `LIQUIDATABLE`); (3) liquidate — on each remote of a flagged account,
 * while home health is still below 1 and collateral is left, a liquidator repays ⌊drawn × closeFactor⌋ and
 * home pays it collateral worth repaid × (1 + bonus) in listing order, rounded down, capped by the
 * holding; (4) clear — a flagged account healthy again is un-flagged; (5) write off — an account with no
 * collateral left writes off what is drawn.
 * Deterministic for a seed. Throws `SimulationParameterError` for a parameter it cannot run with.
 *
 * @example
 * const result = simulateLiquidations({ accounts: 1_000, steps: 10, crashBps: 3_500, seed: 1n });
 * result.totals.badDebt // USD with 18 decimals
 */
export function simulateLiquidations(parameters: SimulateLiquidationsParameters = {}): SimulateLiquidationsReturnType {
  const resolved = resolveParameters(parameters);
  const { assets, steps, closeFactorBps, recallThreshold } = resolved;
  const recallOnHome = resolved.recallOn === 'home';
  const closeFactor = BigInt(closeFactorBps);
  const prices = pricePath(assets, steps, resolved.crashBps);
  const marketPath = multiplierPath(RISK_BPS, resolved.crashBps, steps);
  const accounts = randomAccounts(resolved);

  let collateralAtStart = 0n;
  const start = accounts.map((account) => {
    const values = valuesOf(account, prices[0] as bigint[]);
    collateralAtStart += values.reduce((total, value) => total + value, 0n);
    return { ...copyAccount(account.state), power: account.stressed(values, 'ltv'), baseline: account.baseline(values) };
  });
  const snapshots = resolved.recordSnapshots ? [accounts.map((account) => copyAccount(account.state))] : undefined;
  const repays: SimulationRepay[] = [];
  const writeOffs: SimulationWriteOff[] = [];
  const everRecalled = new Set<number>();
  const everFlagged = new Set<number>();
  const everLiquidated = new Set<number>();
  let healthyLiquidations = 0;
  const stepRecords: SimulationStep[] = [];

  for (let step = 1; step <= steps; step++) {
    const stepPrices = prices[step] as bigint[];
    const record: SimulationStep = {
      step,
      priceMultiplier: marketPath[step] as bigint,
      recalled: 0,
      creditReleased: 0n,
      flagged: 0,
      liquidated: 0,
      collateralSeized: 0n,
      debtRepaid: 0n,
      uncovered: 0n,
      cleared: 0,
      badDebt: 0n,
      writtenOff: 0,
      unhealthy: 0,
    };
    // Health's numerator changes only when prices move (here) or collateral leaves (a seizure).
    const numerator = new Map<number, bigint>();
    const weighted = (account: SimulatedAccount) => {
      let value = numerator.get(account.state.id);
      if (value === undefined) {
        value = account.stressed(valuesOf(account, stepPrices), 'threshold');
        numerator.set(account.state.id, value);
      }
      return value;
    };

    // (1) Recall: the relayer releases undrawn credit before an account nears 1.
    for (const account of accounts) {
      const drawn = account.drawn();
      if (drawn === 0n || healthOf(weighted(account), recallOnHome ? account.exported() : drawn) >= recallThreshold) continue;
      const released = releaseUndrawn(account.state);
      if (released === 0n) continue;
      record.recalled++;
      record.creditReleased += released;
      everRecalled.add(account.state.id);
    }

    // (2) Flag: home health below 1. `LIQUIDATABLE` makes each remote release the undrawn rest.
    for (const account of accounts) {
      if (account.state.flagged || healthOf(weighted(account), account.exported()) >= WAD) continue;
      account.state.flagged = true;
      record.flagged++;
      everFlagged.add(account.state.id);
      record.creditReleased += releaseUndrawn(account.state);
    }

    // (3) Liquidate: one repay per remote, each after checking that the account is still unhealthy.
    for (const account of accounts) {
      if (!account.state.flagged) continue;
      let repaidAny = false;
      for (const position of account.state.remotes) {
        if (position.drawn === 0n) continue;
        if (!account.hasCollateral()) break; // nothing left to seize: the rest is bad debt
        const health = healthOf(weighted(account), account.exported());
        if (health >= WAD) break;
        const repaid = (position.drawn * closeFactor) / BPS;
        if (repaid === 0n) continue;
        const usageHealth = healthOf(weighted(account), account.drawn());
        if (usageHealth >= WAD) healthyLiquidations++;
        const seizures = seize(account, stepPrices, repaid);
        numerator.delete(account.state.id);
        position.drawn -= repaid;
        position.line -= repaid;
        position.exported -= repaid;
        repaidAny = true;
        const covered = seizures.reduce((sum, seizure) => sum + seizure.covered, 0n);
        record.debtRepaid += repaid;
        record.uncovered += repaid - covered;
        record.collateralSeized += seizures.reduce((sum, seizure) => sum + seizure.value, 0n);
        repays.push({ step, account: account.state.id, remote: position.remote, health, usageHealth, repaid, seizures });
      }
      if (repaidAny) {
        record.liquidated++;
        everLiquidated.add(account.state.id);
      }
    }

    // (4) Clear: a flagged account healthy again is un-flagged (`CLEAR`).
    for (const account of accounts) {
      if (!account.state.flagged || healthOf(weighted(account), account.exported()) < WAD) continue;
      account.state.flagged = false;
      record.cleared++;
    }

    // (5) Bad debt: no collateral left, debt remains: written off (`BAD_DEBT`), the account closes.
    for (const account of accounts) {
      const drawn = account.drawn();
      if (drawn === 0n || account.hasCollateral()) continue;
      for (const position of account.state.remotes) {
        position.drawn = 0n;
        position.line = 0n;
        position.exported = 0n;
      }
      account.state.flagged = false;
      numerator.delete(account.state.id);
      record.badDebt += drawn;
      record.writtenOff++;
      writeOffs.push({ step, account: account.state.id, amount: drawn });
    }

    for (const account of accounts) {
      if (healthOf(weighted(account), account.exported()) < WAD) record.unhealthy++;
    }
    stepRecords.push(record);
    snapshots?.push(accounts.map((account) => copyAccount(account.state)));
  }

  const sum = (pick: (step: SimulationStep) => bigint) => stepRecords.reduce((total, step) => total + pick(step), 0n);
  return {
    parameters: resolved,
    start,
    startTotals: {
      collateral: collateralAtStart,
      power: start.reduce((total, account) => total + account.power, 0n),
      exported: start.reduce((total, account) => total + account.remotes.reduce((a, position) => a + position.exported, 0n), 0n),
      drawn: start.reduce((total, account) => total + account.remotes.reduce((a, position) => a + position.drawn, 0n), 0n),
    },
    portfolioTerm: portfolioTerm(start),
    steps: stepRecords,
    totals: {
      accountsRecalled: everRecalled.size,
      accountsFlagged: everFlagged.size,
      accountsLiquidated: everLiquidated.size,
      accountsWrittenOff: writeOffs.length,
      collateralSeized: sum((step) => step.collateralSeized),
      debtRepaid: sum((step) => step.debtRepaid),
      uncovered: sum((step) => step.uncovered),
      badDebt: sum((step) => step.badDebt),
      healthyLiquidations,
      drawn: accounts.reduce((total, account) => total + account.drawn(), 0n),
    },
    repays,
    writeOffs,
    snapshots,
  };
}

// ------------------------------------------------------------------ accounts

type ResolvedParameters = SimulateLiquidationsReturnType['parameters'];

/** An account's state plus what the risk library needs for it, fixed at creation: haircuts, depths, correlations. */
class SimulatedAccount {
  readonly state: SimulationAccount;
  private readonly ltvHaircuts: number[];
  private readonly thresholdHaircuts: number[];
  private readonly depths: bigint[];
  private readonly correlationBps: number[];
  readonly decimals: bigint[];
  readonly bonusBps: number[];

  constructor(state: SimulationAccount, assets: readonly SimulationAsset[], correlationBps: readonly number[]) {
    this.state = state;
    const held = state.assets.map((index) => assets[index] as SimulationAsset);
    this.ltvHaircuts = held.map((asset) => RISK_BPS - asset.ltvBps);
    this.thresholdHaircuts = held.map((asset) => RISK_BPS - asset.liquidationThresholdBps);
    this.depths = held.map((asset) => asset.depth);
    this.decimals = held.map((asset) => 10n ** BigInt(asset.decimals));
    this.bonusBps = held.map((asset) => asset.liquidationBonusBps);
    // The held assets' own triangle, cut from the listing's.
    this.correlationBps = [];
    for (let i = 0; i < state.assets.length; i++) {
      for (let j = i + 1; j < state.assets.length; j++) {
        this.correlationBps.push(correlationBps[correlationIndex(state.assets[i] as number, state.assets[j] as number, assets.length)] as number);
      }
    }
  }

  /** Power (`'ltv'`) or health's numerator (`'threshold'`): `stressedValueDown` over the held assets. */
  stressed(values: bigint[], haircut: 'ltv' | 'threshold'): bigint {
    const haircutBps = haircut === 'ltv' ? this.ltvHaircuts : this.thresholdHaircuts;
    return stressedValueDown({ values, haircutBps, depths: this.depths, correlationBps: this.correlationBps });
  }

  /** The per-asset baseline of power: `baselineDown` at 10,000 − LTV. */
  baseline(values: bigint[]): bigint {
    return baselineDown({ values, haircutBps: this.ltvHaircuts, depths: this.depths });
  }

  exported(): bigint {
    return this.state.remotes.reduce((total, position) => total + position.exported, 0n);
  }

  drawn(): bigint {
    return this.state.remotes.reduce((total, position) => total + position.drawn, 0n);
  }

  hasCollateral(): boolean {
    return this.state.amounts.some((amount) => amount > 0n);
  }
}

/** Values of the held assets at `prices`, as `CreditMath.valueDown`: amount × price / 10^decimals, rounded down. */
function valuesOf(account: SimulatedAccount, prices: readonly bigint[]): bigint[] {
  return account.state.amounts.map((amount, i) => (amount * (prices[account.state.assets[i] as number] as bigint)) / (account.decimals[i] as bigint));
}

/** As `CollateralVault.health`: weighted × 1e18 / debt, rounded down; infinite with no debt. */
function healthOf(weighted: bigint, debt: bigint): bigint {
  return debt === 0n ? SIMULATION_INFINITE_HEALTH : (weighted * WAD) / debt;
}

/** Releases every remote's undrawn credit (line and exported down to drawn); returns how much. */
function releaseUndrawn(account: SimulationAccount): bigint {
  let released = 0n;
  for (const position of account.remotes) {
    released += position.exported - position.drawn;
    position.exported = position.drawn;
    position.line = position.drawn;
  }
  return released;
}

/**
 * Pays a liquidator for `repaid`, asset by asset in listing order: from each, collateral worth what is left
 * to cover × (1 + bonus), rounded down twice (value, then amount) in the account's favour; an asset that
 * holds less gives all it has and covers ⌈value / (1 + bonus)⌉ of the repay, so the liquidator never gets
 * more than covered × (1 + bonus) of any asset.
 */
function seize(account: SimulatedAccount, prices: readonly bigint[], repaid: bigint): SimulationSeizure[] {
  const seizures: SimulationSeizure[] = [];
  let remaining = repaid;
  const { state } = account;
  for (let i = 0; i < state.assets.length && remaining > 0n; i++) {
    const holding = state.amounts[i] as bigint;
    if (holding === 0n) continue;
    const asset = state.assets[i] as number;
    const price = prices[asset] as bigint;
    const scale = account.decimals[i] as bigint;
    const bonusBps = account.bonusBps[i] as number;
    const withBonus = BPS + BigInt(bonusBps);
    const owed = (remaining * withBonus) / BPS;
    const wanted = (owed * scale) / price; // `CreditMath.amountDown`
    let amount: bigint;
    let covered: bigint;
    if (wanted <= holding) {
      amount = wanted;
      covered = remaining;
    } else {
      amount = holding;
      const value = (holding * price) / scale;
      // value < owed ≤ remaining × (1 + bonus), so this never exceeds `remaining`.
      covered = (value * BPS + withBonus - 1n) / withBonus;
    }
    state.amounts[i] = holding - amount;
    remaining -= covered;
    seizures.push({ asset, holding, amount, value: (amount * price) / scale, covered, bonusBps });
  }
  return seizures;
}

function copyAccount(account: SimulationAccount): SimulationAccount {
  return {
    id: account.id,
    assets: [...account.assets],
    amounts: [...account.amounts],
    remotes: account.remotes.map((position) => ({ ...position })),
    flagged: account.flagged,
  };
}

/**
 * The random accounts: 1 to `maxAssetsPerAccount` distinct assets, each a log-uniform value in
 * `positionValue` converted to a token amount (rounded down); exported = power × U(exportedShare), split at
 * a uniform point over 1 or 2 remotes; drawn = exported × U(drawnShare) per remote; line = exported.
 */
function randomAccounts(parameters: ResolvedParameters): SimulatedAccount[] {
  const { assets, correlationBps, remotes, maxAssetsPerAccount, positionValue, exportedShareBps, drawnShareBps } = parameters;
  const random = new SeededRandom(parameters.seed);
  const [lowValue, highValue] = positionValue;
  const valueSpan = Number(highValue) / Number(lowValue);
  const share = (range: readonly [number, number]) => random.between(BigInt(range[0]), BigInt(range[1]));
  const accounts: SimulatedAccount[] = [];
  for (let id = 0; id < parameters.accounts; id++) {
    const held = choose(random, assets.length, 1 + random.int(maxAssetsPerAccount));
    const amounts = held.map((index) => {
      const asset = assets[index] as SimulationAsset;
      // Log-uniform to a millionth of the range's low end; the float only picks the point, amounts stay exact.
      const value = (lowValue * BigInt(Math.floor(valueSpan ** random.unit() * 1e6))) / 1_000_000n;
      return (value * 10n ** BigInt(asset.decimals)) / asset.price;
    });
    const account = new SimulatedAccount({ id, assets: held, amounts, remotes: [], flagged: false }, assets, correlationBps);
    const power = account.stressed(valuesOf(account, assets.map((asset) => asset.price)), 'ltv');
    const exported = (power * share(exportedShareBps)) / BPS;
    const used = choose(random, remotes, 1 + random.int(Math.min(2, remotes)));
    const first = used.length === 1 ? exported : (exported * random.between(1n, BPS - 1n)) / BPS;
    account.state.remotes = used.map((remote, k) => {
      const onRemote = k === 0 ? first : exported - first;
      return { remote, exported: onRemote, line: onRemote, drawn: (onRemote * share(drawnShareBps)) / BPS };
    });
    accounts.push(account);
  }
  return accounts;
}

/** `count` distinct integers from [0, n), ascending (a partial Fisher–Yates shuffle). */
function choose(random: SeededRandom, n: number, count: number): number[] {
  const pool = Array.from({ length: n }, (_, i) => i);
  for (let k = 0; k < count; k++) {
    const swap = k + random.int(n - k);
    [pool[k], pool[swap]] = [pool[swap] as number, pool[k] as number];
  }
  return pool.slice(0, count).sort((a, b) => a - b);
}

// ------------------------------------------------------------------ prices

/** Prices per step (index 0 = start) per asset: the start price × the asset's multiplier, rounded down. */
function pricePath(assets: readonly SimulationAsset[], steps: number, crashBps: number): bigint[][] {
  const paths = assets.map((asset) => multiplierPath(asset.betaBps, crashBps, steps));
  return Array.from({ length: steps + 1 }, (_, step) => assets.map((asset, i) => (asset.price * ((paths[i] as bigint[])[step] as bigint)) / WAD));
}

/**
 * Price multipliers (1e18 = unchanged) of an asset with `betaBps`, before the first step and after each:
 * the path ends at 1 − crash × beta, in equal multiplicative steps of f = ⌊(1 − crash × beta)^(1/steps)⌋
 * (1e18 fixed point), each rounded down; the last step lands on the end exactly.
 */
function multiplierPath(betaBps: number, crashBps: number, steps: number): bigint[] {
  const end = WAD - BigInt(crashBps) * BigInt(betaBps) * 10n ** 10n;
  const factor = rootDown(end * WAD ** BigInt(steps - 1), steps, (Number(end) / 1e18) ** (1 / steps) * 1e18);
  const path = [WAD];
  for (let step = 1; step < steps; step++) path.push(((path[step - 1] as bigint) * factor) / WAD);
  path.push(end);
  return path;
}

/**
 * ⌊x^(1/n)⌋ by Newton's method, which decreases to the root from any start above it; `estimate`
 * (a float near the root) makes that start close, so it takes a few iterations even for large n.
 */
function rootDown(x: bigint, n: number, estimate: number): bigint {
  if (n === 1 || x === 0n) return x;
  const degree = BigInt(n);
  let margin = 1n << 20n;
  let root = BigInt(Math.ceil(estimate)) + margin;
  while (root ** degree < x) {
    margin <<= 1n;
    root += margin;
  }
  for (;;) {
    const next = ((degree - 1n) * root + x / root ** (degree - 1n)) / degree;
    if (next >= root) return root;
    root = next;
  }
}

// ------------------------------------------------------------------ report

function portfolioTerm(start: readonly SimulationAccountAtStart[]): SimulationPortfolioTerm {
  const ratio = (power: bigint, baseline: bigint) => Number((power * 1_000_000_000n) / baseline) / 1e9;
  const mean = (values: readonly number[]) => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);
  const ratios: number[] = [];
  let more = 0;
  let equal = 0;
  let less = 0;
  const byCount = new Map<number, { accounts: number; power: bigint; baseline: bigint; ratios: number[] }>();
  for (const account of start) {
    if (account.power > account.baseline) more++;
    else if (account.power === account.baseline) equal++;
    else less++;
    const group = byCount.get(account.assets.length) ?? { accounts: 0, power: 0n, baseline: 0n, ratios: [] };
    group.accounts++;
    group.power += account.power;
    group.baseline += account.baseline;
    if (account.baseline > 0n) {
      const r = ratio(account.power, account.baseline);
      ratios.push(r);
      group.ratios.push(r);
    }
    byCount.set(account.assets.length, group);
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length === 0 ? 0 : sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return {
    power: start.reduce((total, account) => total + account.power, 0n),
    baseline: start.reduce((total, account) => total + account.baseline, 0n),
    more,
    equal,
    less,
    meanRatio: mean(ratios),
    medianRatio: median,
    byAssetCount: [...byCount.entries()]
      .sort(([a], [b]) => a - b)
      .map(([assets, group]) => ({ assets, accounts: group.accounts, power: group.power, baseline: group.baseline, meanRatio: mean(group.ratios) })),
  };
}

// ------------------------------------------------------------------ parameters

function resolveParameters(parameters: SimulateLiquidationsParameters): ResolvedParameters {
  const assets = parameters.assets ?? DEFAULT_SIMULATION_ASSETS;
  if (assets.length < 1 || assets.length > RISK_MAX_ASSETS) {
    throw new SimulationParameterError('assets', `${assets.length} assets`, `list 1 to ${RISK_MAX_ASSETS} (the most one account may hold)`);
  }
  assets.forEach(checkAsset);
  const crashBps = integerIn('crashBps', parameters.crashBps ?? 3_500, 0, RISK_BPS);
  for (const asset of assets) {
    if (crashBps * asset.betaBps >= RISK_BPS * RISK_BPS) {
      throw new SimulationParameterError(
        'crashBps',
        `a ${crashBps} bps crash at beta ${asset.betaBps} bps takes ${asset.symbol} to zero`,
        'give a smaller crash (or a smaller beta), so that every price stays above 0',
      );
    }
  }
  const pairs = (assets.length * (assets.length - 1)) / 2;
  const correlationBps = parameters.correlationBps ?? (parameters.assets === undefined ? DEFAULT_SIMULATION_CORRELATION_BPS : undefined);
  const triangleRemedy = `give the ${pairs} entries of the strict upper triangle (correlationFromMatrix packs a full matrix)`;
  if (correlationBps === undefined) throw new SimulationParameterError('correlationBps', 'missing for custom assets', triangleRemedy);
  if (correlationBps.length !== pairs) {
    throw new SimulationParameterError('correlationBps', `${correlationBps.length} entries for ${assets.length} assets`, triangleRemedy);
  }
  correlationBps.forEach((rho, k) => integerIn(`correlationBps[${k}]`, rho, 0, RISK_BPS));
  const seed = parameters.seed ?? 1n;
  if (typeof seed === 'number' && !Number.isSafeInteger(seed)) {
    throw new SimulationParameterError('seed', `${seed} is not an integer`, 'give an integer or a bigint');
  }
  const positionValue = parameters.positionValue ?? [usd(100), usd(50_000_000)];
  if (positionValue[0] <= 0n || positionValue[1] < positionValue[0]) {
    throw new SimulationParameterError(
      'positionValue',
      `[${positionValue[0]}, ${positionValue[1]}]`,
      'give [low, high] in USD with 18 decimals, 0 < low ≤ high',
    );
  }
  const recallThreshold = parameters.recallThreshold ?? 11n * 10n ** 17n;
  if (recallThreshold < WAD) {
    throw new SimulationParameterError(
      'recallThreshold',
      `${recallThreshold} is below 1e18`,
      'give a health of at least 1e18, so that undrawn credit is recalled before an account is flagged',
    );
  }
  return {
    accounts: integerIn('accounts', parameters.accounts ?? 1_000, 1, SIMULATION_MAX_ACCOUNTS),
    steps: integerIn('steps', parameters.steps ?? 10, 1, SIMULATION_MAX_STEPS),
    crashBps,
    seed: BigInt(seed),
    assets,
    correlationBps,
    remotes: integerIn('remotes', parameters.remotes ?? 2, 1, 64),
    maxAssetsPerAccount: integerIn('maxAssetsPerAccount', parameters.maxAssetsPerAccount ?? Math.min(4, assets.length), 1, assets.length),
    positionValue,
    exportedShareBps: bpsRange('exportedShareBps', parameters.exportedShareBps ?? [3_000, 10_000]),
    drawnShareBps: bpsRange('drawnShareBps', parameters.drawnShareBps ?? [5_000, 10_000]),
    closeFactorBps: integerIn('closeFactorBps', parameters.closeFactorBps ?? 5_000, 1, RISK_BPS),
    recallThreshold,
    recallOn: recallOn(parameters.recallOn ?? 'usage-aware'),
    recordSnapshots: parameters.recordSnapshots ?? false,
  };
}

function recallOn(value: string): 'usage-aware' | 'home' {
  if (value !== 'usage-aware' && value !== 'home') throw new SimulationParameterError('recallOn', `got "${value}"`, "give 'usage-aware' or 'home'");
  return value;
}

function integerIn(parameter: string, value: number, low: number, high: number): number {
  if (!Number.isInteger(value) || value < low || value > high) {
    throw new SimulationParameterError(parameter, `got ${value}`, `give an integer from ${low.toLocaleString('en-US')} to ${high.toLocaleString('en-US')}`);
  }
  return value;
}

function bpsRange(parameter: string, range: readonly [number, number]): readonly [number, number] {
  const [low, high] = range;
  if (!Number.isInteger(low) || !Number.isInteger(high) || low < 0 || high > RISK_BPS || low > high) {
    throw new SimulationParameterError(parameter, `[${low}, ${high}]`, 'give [low, high] in bps, 0 ≤ low ≤ high ≤ 10,000');
  }
  return range;
}

/** The vault's listing rules (PROTOCOL.md V-12) plus what the simulation needs to price the asset. */
function checkAsset(asset: SimulationAsset, index: number): void {
  const name = `assets[${index}]`;
  integerIn(`${name}.decimals`, asset.decimals, 0, 36);
  if (asset.price <= 0n) throw new SimulationParameterError(`${name}.price`, `${asset.price}`, 'give a price above 0 (USD with 18 decimals per whole token)');
  if (asset.depth < 0n) throw new SimulationParameterError(`${name}.depth`, `${asset.depth}`, 'give a depth of at least 0 (0 = no size haircut)');
  integerIn(`${name}.ltvBps`, asset.ltvBps, 0, RISK_BPS);
  integerIn(`${name}.liquidationThresholdBps`, asset.liquidationThresholdBps, 0, RISK_BPS);
  integerIn(`${name}.liquidationBonusBps`, asset.liquidationBonusBps, 0, RISK_BPS);
  integerIn(`${name}.betaBps`, asset.betaBps, 0, RISK_BPS);
  if (asset.liquidationThresholdBps < asset.ltvBps + SIMULATION_MIN_LIQUIDATION_BUFFER_BPS) {
    throw new SimulationParameterError(
      `${name}.liquidationThresholdBps`,
      `${asset.symbol}'s threshold ${asset.liquidationThresholdBps} bps is less than 2% above its LTV ${asset.ltvBps} bps`,
      'raise the threshold or lower the LTV (rule V-12)',
    );
  }
  if (asset.liquidationThresholdBps * (RISK_BPS + asset.liquidationBonusBps) >= RISK_BPS * RISK_BPS) {
    throw new SimulationParameterError(
      `${name}.liquidationBonusBps`,
      `${asset.symbol}'s threshold × (1 + bonus) is not below 100%`,
      'lower the bonus or the threshold (rule V-12)',
    );
  }
}
