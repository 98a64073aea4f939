import { describe, expect, it } from 'vitest';
import {
  type CollateralPosition,
  HEALTH_ONE,
  HealthInputError,
  INFINITE_HEALTH,
  collateralValueDown,
  PER_ASSET_HEALTH,
  healthDown,
  healthModelFor,
  liquidationHealthDown,
  usageHealthDown,
  weightedCollateralDown,
} from './health.ts';
import { baselineDown, stressedValueDown } from './risk.ts';
import { SeededRandom } from './seeded-random.ts';
import { thrown } from './test-utils.ts';

const E18 = 10n ** 18n;
const usd = (dollars: bigint) => dollars * E18;
const weth = (amount: bigint, price: bigint): CollateralPosition => ({ amount, price: usd(price), decimals: 18, liquidationThresholdBps: 8_500 });
const wbtc = (amount: bigint, price: bigint): CollateralPosition => ({ amount, price: usd(price), decimals: 8, liquidationThresholdBps: 7_500 });

describe('liquidationHealthDown', () => {
  it('is Σ value × threshold × 1e18 ÷ exported, as the devnet liquidation suite computes it', () => {
    // 10 WETH at $1,200 (85%) and 0.1 WBTC at $60,000 (75%): 10,200 + 4,500 = 14,700 over 20,000.
    const positions = [weth(10n * E18, 1_200n), wbtc(10_000_000n, 60_000n)];
    expect(weightedCollateralDown(positions)).toBe(usd(14_700n));
    expect(liquidationHealthDown({ positions, totalExported: usd(20_000n) })).toBe((usd(14_700n) * E18) / usd(20_000n));
    expect(liquidationHealthDown({ positions, totalExported: usd(14_700n) })).toBe(HEALTH_ONE);
  });

  it('rounds each step down like VaultLogic: value, then threshold, then the quotient', () => {
    // One satoshi of WBTC at $60,000.01: its value is rounded down before the threshold is applied.
    const price = 60_000n * E18 + 10n ** 16n;
    const position: CollateralPosition = { amount: 1n, price, decimals: 8, liquidationThresholdBps: 7_500 };
    const value = (1n * price) / 10n ** 8n;
    expect(collateralValueDown(1n, price, 8)).toBe(value);
    expect(weightedCollateralDown([position])).toBe((value * 7_500n) / 10_000n);
    expect(healthDown(2n, 3n)).toBe((2n * E18) / 3n);
  });

  it('is infinite with nothing exported, and usage-aware health uses Σ drawn', () => {
    const positions = [weth(10n * E18, 1_200n)];
    expect(liquidationHealthDown({ positions, totalExported: 0n })).toBe(INFINITE_HEALTH);
    expect(usageHealthDown({ positions, totalDrawn: usd(6_000n) })).toBe(17n * 10n ** 17n);
  });

  it('the per-asset model is the risk library baseline; the portfolio model is its stressed value', () => {
    const positions = [weth(3n * E18, 2_000n), wbtc(25_000_000n, 60_000n)];
    const values = positions.map((p) => collateralValueDown(p.amount, p.price, p.decimals));
    const haircutBps = [1_500, 2_500];
    expect(weightedCollateralDown(positions)).toBe(baselineDown({ values, haircutBps, depths: [0n, 0n] }));
    const portfolio = weightedCollateralDown(positions, { kind: 'portfolio', correlationBps: [8_000] });
    expect(portfolio).toBe(stressedValueDown({ values, haircutBps, depths: [0n, 0n], correlationBps: [8_000] }));
    expect(portfolio).toBeGreaterThan(weightedCollateralDown(positions));
    // Perfect correlation: no diversification benefit, the two models agree.
    expect(weightedCollateralDown(positions, { kind: 'portfolio', correlationBps: [10_000] })).toBe(weightedCollateralDown(positions));
  });

  it('per-asset with depths is the stressed value of a fully correlated basket, exactly (2,000 random baskets)', () => {
    const random = new SeededRandom(7n);
    for (let run = 0; run < 2_000; run++) {
      const n = 1 + random.int(8);
      const positions: CollateralPosition[] = Array.from({ length: n }, () => {
        const decimals = [6, 8, 18][random.int(3)] as number;
        return {
          amount: random.between(0n, 10n ** BigInt(decimals + 6)),
          price: random.between(1n, 100_000n * E18),
          decimals,
          liquidationThresholdBps: random.int(10_001),
          depth: random.int(2) === 0 ? 0n : random.between(1n, 10n ** 24n),
        };
      });
      const correlationBps = Array.from({ length: (n * (n - 1)) / 2 }, () => 10_000);
      const values = positions.map((p) => collateralValueDown(p.amount, p.price, p.decimals));
      const inputs = { values, haircutBps: positions.map((p) => 10_000 - p.liquidationThresholdBps), depths: positions.map((p) => p.depth ?? 0n) };
      const perAsset = weightedCollateralDown(positions);
      expect(perAsset).toBe(baselineDown(inputs));
      expect(perAsset).toBe(stressedValueDown({ ...inputs, correlationBps }));
      expect(healthModelFor(correlationBps)).toBe(PER_ASSET_HEALTH);
    }
    expect(healthModelFor([10_000, 9_999, 10_000])).toEqual({ kind: 'portfolio', correlationBps: [10_000, 9_999, 10_000] });
  });

  it('refuses inputs no vault holds, naming the position', () => {
    const error = thrown(() => weightedCollateralDown([weth(E18, 1n), { ...weth(E18, 1n), liquidationThresholdBps: 10_001 }]));
    expect(error).toBeInstanceOf(HealthInputError);
    expect((error as HealthInputError).shortMessage).toMatch(/positions\[1\]\.liquidationThresholdBps/);
    expect(thrown(() => healthDown(-1n, 1n))).toBeInstanceOf(HealthInputError);
  });
});
