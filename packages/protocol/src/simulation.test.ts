import { describe, expect, it } from 'vitest';
import { BallastError } from './errors.ts';
import { correlationIndex, correlationIsPositiveSemidefinite, stressedValueDown, baselineDown } from './risk.ts';
import {
  DEFAULT_SIMULATION_ASSETS,
  DEFAULT_SIMULATION_CORRELATION_BPS,
  SIMULATION_INFINITE_HEALTH,
  type SimulateLiquidationsParameters,
  type SimulateLiquidationsReturnType,
  type SimulationAccount,
  type SimulationAsset as Asset,
  type SimulationSeizure,
  SimulationParameterError,
  simulateLiquidations,
} from './simulation.ts';
import { thrown } from './test-utils.ts';

const WAD = 10n ** 18n;
const BPS = 10_000n;

/** A run with snapshots; a deep crash so that every stage (recall, flag, liquidation, write-off) happens. */
const deep = simulateLiquidations({ accounts: 300, crashBps: 6_500, seed: 11n, recordSnapshots: true });
const snapshots = deep.snapshots as SimulationAccount[][];

/** Step `step`'s price of each asset, computed here from the step's market multiplier (default assets: beta 100% or 0). */
function pricesAt(result: SimulateLiquidationsReturnType, step: number): bigint[] {
  const multiplier = step === 0 ? WAD : (result.steps[step - 1]?.priceMultiplier as bigint);
  return result.parameters.assets.map((asset) => {
    if (asset.betaBps === 0) return asset.price;
    expect(asset.betaBps).toBe(10_000);
    return (asset.price * multiplier) / WAD;
  });
}

/** Health's numerator for `account` at `prices`, written out from the risk library. */
function weightedAtThreshold(result: SimulateLiquidationsReturnType, account: SimulationAccount, prices: bigint[]): bigint {
  const { assets, correlationBps } = result.parameters;
  const held = account.assets.map((index) => assets[index] as Asset);
  const triangle: number[] = [];
  for (let i = 0; i < account.assets.length; i++) {
    for (let j = i + 1; j < account.assets.length; j++) {
      triangle.push(correlationBps[correlationIndex(account.assets[i] as number, account.assets[j] as number, assets.length)] as number);
    }
  }
  return stressedValueDown({
    values: account.amounts.map((amount, i) => (amount * (prices[account.assets[i] as number] as bigint)) / 10n ** BigInt((held[i] as Asset).decimals)),
    haircutBps: held.map((asset) => 10_000 - asset.liquidationThresholdBps),
    depths: held.map((asset) => asset.depth),
    correlationBps: triangle,
  });
}

const drawnOf = (account: SimulationAccount) => account.remotes.reduce((total, position) => total + position.drawn, 0n);
const exportedOf = (account: SimulationAccount) => account.remotes.reduce((total, position) => total + position.exported, 0n);
const health = (weighted: bigint, debt: bigint) => (debt === 0n ? SIMULATION_INFINITE_HEALTH : (weighted * WAD) / debt);

describe('simulateLiquidations', () => {
  it('the default universe is listable and its correlations are consistent', () => {
    expect(correlationIsPositiveSemidefinite(DEFAULT_SIMULATION_CORRELATION_BPS, DEFAULT_SIMULATION_ASSETS.length)).toBe(true);
    expect(deep.steps.some((step) => step.recalled > 0)).toBe(true);
    expect(deep.totals.accountsLiquidated).toBeGreaterThan(0);
    expect(deep.totals.accountsWrittenOff).toBeGreaterThan(0);
    expect(deep.totals.uncovered).toBeGreaterThan(0n);
    expect(deep.repays.some((repay) => repay.seizures.length > 1)).toBe(true);
  });

  it('is deterministic for a seed, and the accounts do not depend on the crash', () => {
    const parameters: SimulateLiquidationsParameters = { accounts: 200, crashBps: 5_000, seed: 7n };
    const first = simulateLiquidations(parameters);
    expect(simulateLiquidations(parameters)).toEqual(first);
    expect(simulateLiquidations({ ...parameters, seed: 7 })).toEqual(first);
    expect(simulateLiquidations({ ...parameters, crashBps: 1_000 }).start).toEqual(first.start);
    expect(simulateLiquidations({ ...parameters, seed: 8n }).start).not.toEqual(first.start);
  });

  it('with no crash, nothing is flagged, liquidated or written off', () => {
    for (const seed of [1n, 2n, 3n]) {
      const result = simulateLiquidations({ accounts: 500, crashBps: 0, seed });
      expect(result.totals.accountsFlagged).toBe(0);
      expect(result.totals.accountsLiquidated).toBe(0);
      expect(result.totals.badDebt).toBe(0n);
      expect(result.repays).toEqual([]);
      expect(result.writeOffs).toEqual([]);
      expect(result.steps.every((step) => step.priceMultiplier === WAD && step.flagged === 0 && step.unhealthy === 0)).toBe(true);
    }
  });

  it('a larger crash flags at least as many accounts as a smaller one, for the same seed', () => {
    for (const seed of [1n, 2n, 3n]) {
      const flagged = [1_000, 2_000, 3_500, 5_000, 7_000].map((crashBps) => simulateLiquidations({ accounts: 300, crashBps, seed }).totals.accountsFlagged);
      expect(flagged[0]).toBeGreaterThan(0);
      for (let k = 1; k < flagged.length; k++) expect(flagged[k]).toBeGreaterThanOrEqual(flagged[k - 1] as number);
    }
  });

  it('recalling on home health leaves fewer accounts to flag than recalling on usage-aware health', () => {
    for (const seed of [1n, 2n, 3n]) {
      const usageAware = simulateLiquidations({ accounts: 300, seed });
      const home = simulateLiquidations({ accounts: 300, seed, recallOn: 'home' });
      expect(home.totals.accountsRecalled).toBeGreaterThan(usageAware.totals.accountsRecalled);
      expect(home.totals.accountsFlagged).toBeLessThan(usageAware.totals.accountsFlagged);
      expect(home.totals.healthyLiquidations).toBe(0);
    }
  });

  it('the price path falls in equal multiplicative steps to 1 − crash exactly', () => {
    const result = simulateLiquidations({ accounts: 1, steps: 10, crashBps: 3_500 });
    const path = [WAD, ...result.steps.map((step) => step.priceMultiplier)];
    expect(path.at(-1)).toBe(650_000_000_000_000_000n);
    const ratios = path.slice(1).map((multiplier, k) => Number((multiplier * WAD) / (path[k] as bigint)) / 1e18);
    for (const ratio of ratios) expect(ratio).toBeCloseTo(0.65 ** 0.1, 12);
    expect(simulateLiquidations({ accounts: 1, steps: 1_000, crashBps: 9_000 }).steps.at(-1)?.priceMultiplier).toBe(WAD / 10n);
  });

  it('keeps drawn ≤ line ≤ exported on every remote after every step, and flagged accounts hold no undrawn credit', () => {
    for (const accounts of snapshots) {
      for (const account of accounts) {
        for (const position of account.remotes) {
          expect(position.drawn).toBeGreaterThanOrEqual(0n);
          expect(position.drawn <= position.line && position.line <= position.exported).toBe(true);
          if (account.flagged) expect(position.exported).toBe(position.drawn);
        }
      }
    }
  });

  it('collateral leaves only by seizure, never more than the holding, in listing order', () => {
    for (let step = 1; step < snapshots.length; step++) {
      const seized = new Map<string, bigint>();
      for (const repay of deep.repays.filter((record) => record.step === step)) {
        repay.seizures.forEach((seizure, k) => {
          expect(seizure.amount).toBeLessThanOrEqual(seizure.holding);
          // Every asset but the last one used gives all it has; the order is the listing order.
          if (k < repay.seizures.length - 1) expect(seizure.amount).toBe(seizure.holding);
          if (k > 0) expect(seizure.asset).toBeGreaterThan((repay.seizures[k - 1] as SimulationSeizure).asset);
          const key = `${repay.account}:${seizure.asset}`;
          seized.set(key, (seized.get(key) ?? 0n) + seizure.amount);
        });
      }
      const before = snapshots[step - 1] as SimulationAccount[];
      const after = snapshots[step] as SimulationAccount[];
      after.forEach((account, id) => {
        account.assets.forEach((asset, i) => {
          const previous = (before[id] as SimulationAccount).amounts[i] as bigint;
          expect(previous - (account.amounts[i] as bigint)).toBe(seized.get(`${id}:${asset}`) ?? 0n);
        });
      });
    }
  });

  it('totals the start, and drawn credit leaves only by repay or write-off', () => {
    const drawnAtStart = deep.start.reduce((total, account) => total + drawnOf(account), 0n);
    expect(drawnAtStart).toBe(deep.startTotals.drawn);
    const prices = pricesAt(deep, 0);
    const valueAtStart = (account: SimulationAccount) =>
      account.amounts.reduce((total, amount, i) => {
        const asset = account.assets[i] as number;
        return total + (amount * (prices[asset] as bigint)) / 10n ** BigInt((deep.parameters.assets[asset] as Asset).decimals);
      }, 0n);
    expect(deep.startTotals.collateral).toBe(deep.start.reduce((total, account) => total + valueAtStart(account), 0n));
    expect(deep.startTotals.exported).toBe(deep.start.reduce((total, account) => total + exportedOf(account), 0n));
    expect(drawnAtStart - deep.totals.drawn).toBe(deep.totals.debtRepaid + deep.totals.badDebt);
    expect(deep.totals.badDebt).toBe(deep.writeOffs.reduce((total, writeOff) => total + writeOff.amount, 0n));
  });

  it('never liquidates a healthy account: each repay is checked against health recomputed here', () => {
    expect(deep.repays.length).toBeGreaterThan(0);
    expect(deep.totals.healthyLiquidations).toBe(0);
    // Rebuild each account's state at each repay from the snapshot before the step and the step's earlier repays.
    const state = new Map<number, SimulationAccount>();
    let currentStep = 0;
    for (const repay of deep.repays) {
      if (repay.step !== currentStep) {
        currentStep = repay.step;
        state.clear();
      }
      const account = state.get(repay.account) ?? structuredClone((snapshots[repay.step - 1] as SimulationAccount[])[repay.account] as SimulationAccount);
      state.set(repay.account, account);
      const usageHealth = health(weightedAtThreshold(deep, account, pricesAt(deep, repay.step)), drawnOf(account));
      expect(repay.usageHealth).toBe(usageHealth);
      expect(usageHealth).toBeLessThan(WAD);
      expect(repay.health).toBeLessThan(WAD);
      const position = account.remotes.find((remote) => remote.remote === repay.remote) as SimulationAccount['remotes'][number];
      expect(repay.repaid).toBe((position.drawn * BigInt(deep.parameters.closeFactorBps)) / BPS);
      position.drawn -= repay.repaid;
      for (const seizure of repay.seizures) {
        const i = account.assets.indexOf(seizure.asset);
        expect(seizure.holding).toBe(account.amounts[i]);
        account.amounts[i] = (account.amounts[i] as bigint) - seizure.amount;
      }
    }
  });

  it('a liquidator never gets more than repaid × (1 + bonus)', () => {
    const { assets } = deep.parameters;
    for (const repay of deep.repays) {
      const prices = pricesAt(deep, repay.step);
      let covered = 0n;
      let value = 0n;
      for (const seizure of repay.seizures) {
        const asset = assets[seizure.asset] as Asset;
        expect(seizure.bonusBps).toBe(asset.liquidationBonusBps);
        expect(seizure.value).toBe((seizure.amount * (prices[seizure.asset] as bigint)) / 10n ** BigInt(asset.decimals));
        expect(seizure.value * BPS).toBeLessThanOrEqual(seizure.covered * (BPS + BigInt(asset.liquidationBonusBps)));
        covered += seizure.covered;
        value += seizure.value;
      }
      expect(covered).toBeLessThanOrEqual(repay.repaid);
      // A repay happens only while collateral is left, so something is always paid for it.
      expect(repay.seizures.length).toBeGreaterThan(0);
      const bonus = BigInt(Math.max(0, ...repay.seizures.map((seizure) => seizure.bonusBps)));
      expect(value * BPS).toBeLessThanOrEqual(repay.repaid * (BPS + bonus));
    }
  });

  it('writes debt off only when no collateral is left, and leaves no debt without collateral', () => {
    expect(deep.writeOffs.length).toBeGreaterThan(0);
    for (const writeOff of deep.writeOffs) {
      const before = (snapshots[writeOff.step - 1] as SimulationAccount[])[writeOff.account] as SimulationAccount;
      const after = (snapshots[writeOff.step] as SimulationAccount[])[writeOff.account] as SimulationAccount;
      expect(after.amounts.every((amount) => amount === 0n)).toBe(true);
      expect(drawnOf(before)).toBeGreaterThanOrEqual(writeOff.amount);
      expect(exportedOf(after)).toBe(0n);
    }
    for (const accounts of snapshots) {
      for (const account of accounts) {
        if (account.amounts.every((amount) => amount === 0n)) expect(drawnOf(account)).toBe(0n);
      }
    }
  });

  it('counts as unhealthy exactly the accounts whose home health is below 1 after the step', () => {
    deep.steps.forEach((step) => {
      const accounts = snapshots[step.step] as SimulationAccount[];
      const prices = pricesAt(deep, step.step);
      const unhealthy = accounts.filter((account) => health(weightedAtThreshold(deep, account, prices), exportedOf(account)) < WAD);
      expect(step.unhealthy).toBe(unhealthy.length);
      expect(unhealthy.every((account) => account.flagged)).toBe(true);
    });
  });

  it('the portfolio term gives every account at least its baseline, exactly it with one asset', () => {
    const result = simulateLiquidations({ accounts: 1_000, crashBps: 0 });
    const { assets, correlationBps } = result.parameters;
    for (const account of result.start) {
      const held = account.assets.map((index) => assets[index] as Asset);
      const values = account.amounts.map((amount, i) => (amount * (held[i] as Asset).price) / 10n ** BigInt((held[i] as Asset).decimals));
      const haircutBps = held.map((asset) => 10_000 - asset.ltvBps);
      const depths = held.map((asset) => asset.depth);
      const triangle = account.assets.flatMap((a, i) =>
        account.assets.slice(i + 1).map((b) => correlationBps[correlationIndex(a, b, assets.length)] as number),
      );
      expect(account.power).toBe(stressedValueDown({ values, haircutBps, depths, correlationBps: triangle }));
      expect(account.baseline).toBe(baselineDown({ values, haircutBps, depths }));
      expect(account.power).toBeGreaterThanOrEqual(account.baseline);
      if (account.assets.length === 1) expect(account.power).toBe(account.baseline);
      // Exported within power, drawn within each remote's exported.
      expect(exportedOf(account)).toBeLessThanOrEqual(account.power);
      for (const position of account.remotes) expect(position.drawn <= position.line && position.line === position.exported).toBe(true);
    }
    const { portfolioTerm } = result;
    expect(portfolioTerm.less).toBe(0);
    expect(portfolioTerm.more + portfolioTerm.equal).toBe(1_000);
    expect(portfolioTerm.equal).toBeGreaterThanOrEqual(portfolioTerm.byAssetCount.find((group) => group.assets === 1)?.accounts ?? 0);
    expect(portfolioTerm.power).toBeGreaterThan(portfolioTerm.baseline);
    expect(portfolioTerm.meanRatio).toBeGreaterThan(1);
    expect(portfolioTerm.medianRatio).toBeGreaterThanOrEqual(1);
    expect(portfolioTerm.byAssetCount.map((group) => group.assets)).toEqual([1, 2, 3, 4]);
  });

  it('runs 1,000 accounts × 10 steps well under a few seconds', () => {
    const started = performance.now();
    simulateLiquidations({ accounts: 1_000, steps: 10, crashBps: 3_500, seed: 1n });
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  describe('parameters it cannot run with (SimulationParameterError naming the parameter and what to give)', () => {
    const weth = DEFAULT_SIMULATION_ASSETS[0] as Asset;
    const cases: [string, SimulateLiquidationsParameters, string, RegExp][] = [
      ['no steps', { steps: 0 }, 'steps', /give an integer from 1 to 1,000/],
      ['a fractional account count', { accounts: 2.5 }, 'accounts', /give an integer/],
      ['a crash that takes an asset to zero', { crashBps: 10_000 }, 'crashBps', /takes WETH to zero/],
      ['a correlation triangle of the wrong length', { correlationBps: [8_000] }, 'correlationBps', /give the 6 entries of the strict upper triangle/],
      ['custom assets without correlations', { assets: DEFAULT_SIMULATION_ASSETS.slice(0, 2) }, 'correlationBps', /missing for custom assets/],
      [
        'no buffer between LTV and threshold',
        { assets: [{ ...weth, liquidationThresholdBps: 8_100 }], correlationBps: [] },
        'assets[0].liquidationThresholdBps',
        /rule V-12/,
      ],
      [
        'a bonus that pays more than the collateral',
        { assets: [{ ...weth, liquidationBonusBps: 2_000 }], correlationBps: [] },
        'assets[0].liquidationBonusBps',
        /lower the bonus/,
      ],
      ['a recall threshold below 1', { recallThreshold: WAD - 1n }, 'recallThreshold', /at least 1e18/],
      ['an unknown recall trigger', { recallOn: 'drawn' as 'home' }, 'recallOn', /give 'usage-aware' or 'home'/],
      ['an inverted share range', { drawnShareBps: [9_000, 5_000] }, 'drawnShareBps', /0 ≤ low ≤ high ≤ 10,000/],
    ];
    it.each(cases)('%s', (_, parameters, name, message) => {
      const error = thrown(() => simulateLiquidations(parameters));
      expect(error).toBeInstanceOf(SimulationParameterError);
      expect(error).toBeInstanceOf(BallastError);
      expect((error as SimulationParameterError).parameter).toBe(name);
      expect((error as SimulationParameterError).shortMessage).toMatch(message);
      expect((error as SimulationParameterError).docsPath).toBe('RISK.md#simulation');
    });
  });
});
