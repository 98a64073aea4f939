import { describe, expect, it } from 'vitest';
import { BallastError } from './errors.ts';
import {
  type BaselineParameters,
  RISK_MAX_VALUE,
  RiskInputError,
  type StressedValueParameters,
  baselineDown,
  correlationFromMatrix,
  correlationIndex,
  correlationIsPositiveSemidefinite,
  sizeAdjustedDown,
  sqrtUp,
  stressedValueDown,
} from './risk.ts';
import { SeededRandom, randomCorrelations, randomPortfolio } from './risk-random.ts';

const E18 = 10n ** 18n;
const BPS = 10_000n;
const usd = (dollars: number | bigint) => BigInt(dollars) * E18;

function pair(value0: bigint, value1: bigint, haircut0: number, haircut1: number, rho: number): StressedValueParameters {
  return { values: [value0, value1], haircutBps: [haircut0, haircut1], depths: [0n, 0n], correlationBps: [rho] };
}

function uniform(n: number, value: bigint, haircut: number, rho: number): StressedValueParameters {
  return {
    values: Array(n).fill(value),
    haircutBps: Array(n).fill(haircut),
    depths: Array(n).fill(0n),
    correlationBps: Array(n < 2 ? 0 : (n * (n - 1)) / 2).fill(rho),
  };
}

function riskError(run: () => unknown): RiskInputError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(RiskInputError);
    return error as RiskInputError;
  }
  throw new Error('expected a RiskInputError');
}

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
const capped = (value: bigint) => (value > RISK_MAX_VALUE ? RISK_MAX_VALUE : value);
const rhoAt = (p: StressedValueParameters, i: number, j: number) =>
  i === j ? BPS : BigInt(p.correlationBps[correlationIndex(i, j, p.values.length)] as number);

/** The formula of docs/RISK.md written out naively (full double sum, no row tricks), in exact integers. */
function naiveStressedValue(p: StressedValueParameters): bigint {
  const n = p.values.length;
  const e = p.values.map((value, i) => {
    const v = capped(value);
    const d = p.depths[i] as bigint;
    return d === 0n || v <= d ? v : 2n * d - ceilDiv(d * d, v);
  });
  const a = e.map((value, i) => ceilDiv(value * BigInt(p.haircutBps[i] as number), BPS));
  let scaled = 0n; // 10,000 · aᵀρa
  let maxRow = 0n; // 10,000 · maxᵢ (ρa)ᵢ
  for (let i = 0; i < n; i++) {
    let row = 0n;
    for (let j = 0; j < n; j++) row += rhoAt(p, i, j) * (a[j] as bigint);
    scaled += (a[i] as bigint) * row;
    if (row > maxRow) maxRow = row;
  }
  // ⌈√(scaled / 10,000)⌉: the least L with 10,000·L² ≥ scaled, by bisection.
  let low = 0n;
  let high = 1n << 130n;
  while (low < high) {
    const mid = (low + high) / 2n;
    if (mid * mid * BPS >= scaled) high = mid;
    else low = mid + 1n;
  }
  const loss = low > ceilDiv(maxRow, BPS) ? low : ceilDiv(maxRow, BPS);
  return e.reduce((sum, value) => sum + value, 0n) - loss;
}

/**
 * The real-number stressed value (docs/RISK.md, before any rounding), in units of 10^-30 wei, to within a
 * few of those units: S* = Σ ẽᵢ − max(√(ãᵀρã), maxᵢ (ρã)ᵢ) with ẽ the exact size-adjusted values.
 */
const PRECISION = 10n ** 30n;
function realStressedValueScaled(p: StressedValueParameters): bigint {
  const n = p.values.length;
  const e = p.values.map((value, i) => {
    const v = capped(value);
    const d = p.depths[i] as bigint;
    return d === 0n || v <= d ? v * PRECISION : 2n * d * PRECISION - ceilDiv(d * d * PRECISION, v);
  });
  const a = e.map((value, i) => (value * BigInt(p.haircutBps[i] as number)) / BPS);
  let quadratic = 0n;
  let maxRow = 0n;
  for (let i = 0; i < n; i++) {
    let row = 0n;
    for (let j = 0; j < n; j++) row += (rhoAt(p, i, j) * (a[j] as bigint)) / BPS;
    quadratic += (a[i] as bigint) * row;
    if (row > maxRow) maxRow = row;
  }
  let root = sqrtUp(quadratic);
  if (root * root > quadratic) root -= 1n;
  return e.reduce((sum, value) => sum + value, 0n) - (root > maxRow ? root : maxRow);
}

describe('worked examples (docs/RISK.md#worked-examples)', () => {
  it('1: one asset is its own per-asset value: $1,000 at LTV 80% → $800', () => {
    const p = { values: [usd(1000)], haircutBps: [2000], depths: [0n], correlationBps: [] };
    expect(stressedValueDown(p)).toBe(usd(800));
    expect(baselineDown(p)).toBe(usd(800));
  });

  it('2: $1,000 at 20% and $1,000 at 15%, uncorrelated: 2,000 − √(200² + 150²) = $1,750', () => {
    expect(stressedValueDown(pair(usd(1000), usd(1000), 2000, 1500, 0))).toBe(usd(1750));
    expect(baselineDown(pair(usd(1000), usd(1000), 2000, 1500, 0))).toBe(usd(1650));
  });

  it('3: the same pair at ρ = 0.8 keeps $1,667.584597228106771953', () => {
    expect(stressedValueDown(pair(usd(1000), usd(1000), 2000, 1500, 8000))).toBe(1_667_584_597_228_106_771_953n);
  });

  it('4: the same pair at ρ = 1 is exactly the baseline, $1,650', () => {
    expect(stressedValueDown(pair(usd(1000), usd(1000), 2000, 1500, 10_000))).toBe(usd(1650));
  });

  it('5: ETH $10,000 (20%), WBTC $5,000 (25%), USDC $20,000 (10%); ρ 0.8 / 0.1 / 0.1', () => {
    const p = {
      values: [usd(10_000), usd(5000), usd(20_000)],
      haircutBps: [2000, 2500, 1000],
      depths: [0n, 0n, 0n],
      correlationBps: [8000, 1000, 1000],
    };
    expect(stressedValueDown(p)).toBe(31_144_808_694_759_752_911_283n);
    expect(baselineDown(p)).toBe(usd(29_750));
    expect(correlationIsPositiveSemidefinite(p.correlationBps, 3)).toBe(true);
  });

  it('6: the size-haircut table for a depth of $2M', () => {
    const depth = usd(2_000_000);
    const table: [number, bigint][] = [
      [1_000_000, usd(1_000_000)],
      [2_000_000, usd(2_000_000)],
      [2_500_000, usd(2_400_000)],
      [3_000_000, 2_666_666_666_666_666_666_666_666n],
      [4_000_000, usd(3_000_000)],
      [6_000_000, 3_333_333_333_333_333_333_333_333n],
      [10_000_000, usd(3_600_000)],
      [20_000_000, usd(3_800_000)],
      [200_000_000, usd(3_980_000)],
    ];
    for (const [value, adjusted] of table) expect(sizeAdjustedDown(usd(value), depth)).toBe(adjusted);
    expect(sizeAdjustedDown(usd(200_000_000), 0n)).toBe(usd(200_000_000));
  });

  it('7: $3M of a token (30%, depth $2M) with $1M USDC (10%), ρ = 0.2', () => {
    const p = { ...pair(usd(3_000_000), usd(1_000_000), 3000, 1000, 2000), depths: [usd(2_000_000), 0n] };
    expect(stressedValueDown(p)).toBe(2_840_833_753_784_163_539_193_109n);
    expect(baselineDown(p)).toBe(2_766_666_666_666_666_666_666_666n);
  });

  it('8: an inconsistent matrix (ρ₀₁ = ρ₀₂ = 1, ρ₁₂ = 0): the scenario term binds', () => {
    const p = { ...uniform(3, usd(1000), 2000, 0), correlationBps: [10_000, 10_000, 0] };
    expect(correlationIsPositiveSemidefinite(p.correlationBps, 3)).toBe(false);
    expect(stressedValueDown(p)).toBe(usd(2400));
    expect(stressedValueDown({ ...p, values: [0n, usd(1000), usd(1000)] })).toBe(usd(1600));
    expect(stressedValueDown(pair(usd(1000), usd(1000), 2000, 2000, 0))).toBe(1_717_157_287_525_380_990_239n);
    expect(stressedValueDown({ ...p, haircutBps: [10_000, 2000, 2000] })).toBe(usd(1600));
  });

  it('rounds every loss up: 1 wei at 1 bps is worth 0; two 10,001-wei positions at 100% keep 5,858 wei', () => {
    expect(stressedValueDown({ values: [1n], haircutBps: [1], depths: [0n], correlationBps: [] })).toBe(0n);
    expect(stressedValueDown(pair(10_001n, 10_001n, 10_000, 10_000, 0))).toBe(5858n);
  });

  it('rounds aᵀρa up once, not per row: losses (2, 2) at ρ = 0.1 give ⌈8.8⌉ = 9, L = 3, S = 1 wei', () => {
    expect(stressedValueDown(pair(2n, 2n, 10_000, 10_000, 1000))).toBe(1n);
  });

  it('does not overflow at the largest values, and counts a larger value as the largest', () => {
    expect(stressedValueDown(uniform(8, RISK_MAX_VALUE, 10_000, 10_000))).toBe(0n);
    expect(stressedValueDown(uniform(8, RISK_MAX_VALUE, 5000, 10_000))).toBe(4n * 10n ** 36n);
    expect(stressedValueDown(uniform(8, RISK_MAX_VALUE, 5000, 0))).toBe(6_585_786_437_626_904_951_198_311_275_790_301_921n);
    expect(stressedValueDown(uniform(8, 2n ** 256n - 1n, 5000, 5000))).toBe(5n * 10n ** 36n);
    expect(sizeAdjustedDown(2n ** 256n - 1n, RISK_MAX_VALUE / 2n)).toBe((RISK_MAX_VALUE * 3n) / 4n);
  });

  it('an empty portfolio is worth nothing', () => {
    expect(stressedValueDown({ values: [], haircutBps: [], depths: [], correlationBps: [] })).toBe(0n);
  });
});

describe('errors (each mirrors the RiskMath.sol revert, checked in the same order)', () => {
  it('more than 8 assets: RiskMath_TooManyAssets(count, 8)', () => {
    const error = riskError(() => stressedValueDown(uniform(9, E18, 1000, 5000)));
    expect(error.meta).toEqual({ error: 'RiskMath_TooManyAssets', args: [9n, 8n] });
    expect(error).toBeInstanceOf(BallastError);
    expect(error.docsPath).toBe('RISK.md#inputs');
    expect(riskError(() => baselineDown(uniform(9, E18, 1000, 5000))).error).toBe('RiskMath_TooManyAssets');
  });

  it('per-asset arrays of different lengths: RiskMath_LengthMismatch(values, haircuts, depths)', () => {
    const p = uniform(3, E18, 1000, 5000);
    expect(riskError(() => stressedValueDown({ ...p, haircutBps: [1, 2] })).meta).toEqual({ error: 'RiskMath_LengthMismatch', args: [3n, 2n, 3n] });
    expect(riskError(() => baselineDown({ ...p, depths: [0n, 0n, 0n, 0n] })).args).toEqual([3n, 3n, 4n]);
  });

  it('a triangle of the wrong length (a full matrix is not one): RiskMath_CorrelationLengthMismatch(n, length, expected)', () => {
    const p = uniform(3, E18, 1000, 5000);
    expect(riskError(() => stressedValueDown({ ...p, correlationBps: Array(9).fill(5000) })).args).toEqual([3n, 9n, 3n]);
    expect(riskError(() => stressedValueDown({ ...uniform(1, E18, 1000, 0), correlationBps: [0] })).args).toEqual([1n, 1n, 0n]);
  });

  it('a haircut above 10,000 (before any correlation): RiskMath_HaircutOutOfBounds(index, haircut)', () => {
    const p = uniform(4, E18, 1000, 5000);
    const haircutBps = [1000, 1000, 10_001, 1000];
    const correlationBps = [...p.correlationBps];
    correlationBps[5] = 10_001;
    expect(riskError(() => stressedValueDown({ ...p, haircutBps, correlationBps })).meta).toEqual({
      error: 'RiskMath_HaircutOutOfBounds',
      args: [2n, 10_001n],
    });
    expect(riskError(() => baselineDown({ ...p, haircutBps })).error).toBe('RiskMath_HaircutOutOfBounds');
  });

  it('a correlation above 10,000: RiskMath_CorrelationOutOfBounds(i, j, correlation)', () => {
    const p = uniform(4, E18, 1000, 5000);
    const correlationBps = [...p.correlationBps];
    correlationBps[correlationIndex(1, 3, 4)] = 65_535;
    expect(riskError(() => stressedValueDown({ ...p, correlationBps })).meta).toEqual({
      error: 'RiskMath_CorrelationOutOfBounds',
      args: [1n, 3n, 65_535n],
    });
  });

  it('accepts 0 and 10,000 for haircuts and correlations', () => {
    expect(stressedValueDown(pair(E18, E18, 0, 10_000, 0))).toBe(E18);
    expect(stressedValueDown(pair(E18, E18, 10_000, 10_000, 10_000))).toBe(0n);
  });

  it('inputs no ABI could carry (negative, not a bigint, not a uint16) are InvalidInteger, naming the field', () => {
    const p = uniform(2, E18, 1000, 5000);
    expect(riskError(() => stressedValueDown({ ...p, values: [E18, -1n] })).message).toContain('values[1]');
    expect(riskError(() => stressedValueDown({ ...p, depths: [0n, 2n ** 256n] })).error).toBe('InvalidInteger');
    expect(riskError(() => baselineDown({ ...p, values: [1 as unknown as bigint, E18] } as BaselineParameters)).error).toBe('InvalidInteger');
    expect(riskError(() => stressedValueDown({ ...p, haircutBps: [1.5, 0] })).message).toContain('haircutBps[0]');
    expect(riskError(() => stressedValueDown({ ...p, correlationBps: [70_000] })).error).toBe('InvalidInteger');
    expect(riskError(() => sizeAdjustedDown(-5n, 0n)).error).toBe('InvalidInteger');
  });
});

describe('properties (docs/RISK.md#properties)', () => {
  const CASES = 3000;

  it('R-1: one asset is worth ⌊e(10,000 − h) / 10,000⌋, its baseline', () => {
    const random = new SeededRandom(1n);
    for (let c = 0; c < CASES; c++) {
      const p = randomPortfolio(random, 1);
      const e = sizeAdjustedDown(p.values[0] as bigint, p.depths[0] as bigint);
      expect(stressedValueDown(p)).toBe((e * (BPS - BigInt(p.haircutBps[0] as number))) / BPS);
      expect(stressedValueDown(p)).toBe(baselineDown(p));
    }
  });

  it('R-2: with every correlation at 10,000, S is exactly the baseline (1 to 8 assets)', () => {
    const random = new SeededRandom(2n);
    for (let c = 0; c < CASES; c++) {
      const p = randomPortfolio(random, 1 + random.int(8));
      expect(stressedValueDown({ ...p, correlationBps: p.correlationBps.map(() => 10_000) })).toBe(baselineDown(p));
    }
  });

  it('R-3: two uncorrelated assets whose losses are at least 2 wei keep strictly more than the baseline', () => {
    const random = new SeededRandom(3n);
    for (let c = 0; c < CASES; c++) {
      const p = pair(random.between(E18, RISK_MAX_VALUE), random.between(E18, RISK_MAX_VALUE), 1 + random.int(10_000), 1 + random.int(10_000), 0);
      expect(stressedValueDown(p)).toBeGreaterThan(baselineDown(p));
    }
    // At the edge: losses 1 and 5 gain nothing (⌈√26⌉ = 6), losses 2 and 5 gain a wei (⌈√29⌉ = 6 < 7).
    expect(stressedValueDown(pair(1n, 5n, 10_000, 10_000, 0))).toBe(0n);
    expect(stressedValueDown(pair(2n, 5n, 10_000, 10_000, 0))).toBe(1n);
  });

  it('R-4 and R-5: baseline ≤ S ≤ Σ eᵢ ≤ Σ vᵢ for any admissible matrix', () => {
    const random = new SeededRandom(4n);
    for (let c = 0; c < CASES; c++) {
      const p = randomPortfolio(random, 1 + random.int(8));
      const stressed = stressedValueDown(p);
      const adjusted = p.values.reduce((sum, value, i) => sum + sizeAdjustedDown(value, p.depths[i] as bigint), 0n);
      expect(stressed).toBeGreaterThanOrEqual(baselineDown(p));
      expect(stressed).toBeLessThanOrEqual(adjusted);
      expect(adjusted).toBeLessThanOrEqual(p.values.reduce((sum, value) => sum + value, 0n));
    }
  });

  it('R-6: adding value to any asset never lowers S, to the wei (random steps and wei-by-wei walks)', () => {
    const random = new SeededRandom(5n);
    for (let c = 0; c < CASES; c++) {
      const p = randomPortfolio(random, 1 + random.int(8));
      const index = random.int(p.values.length);
      const values = [...p.values];
      values[index] = (values[index] as bigint) + (random.chance(0.5) ? random.between(1n, 1000n) : random.below(10n ** 36n));
      expect(stressedValueDown({ ...p, values })).toBeGreaterThanOrEqual(stressedValueDown(p));
    }
    for (let c = 0; c < 200; c++) {
      const p = randomPortfolio(random, 2 + random.int(7));
      const index = random.int(p.values.length);
      const values = [...p.values];
      const depths = [...p.depths];
      values[index] = random.below(100_000n);
      depths[index] = random.chance(0.5) ? 0n : random.between(1n, 50_000n);
      let previous = stressedValueDown({ ...p, values, depths });
      for (let step = 0; step < 300; step++) {
        values[index] = (values[index] as bigint) + 1n;
        const current = stressedValueDown({ ...p, values, depths });
        expect(current).toBeGreaterThanOrEqual(previous);
        previous = current;
      }
    }
  });

  it('R-7: the size haircut is continuous, non-decreasing, never above v or 2D, and its share grows with v', () => {
    const random = new SeededRandom(6n);
    for (let c = 0; c < CASES; c++) {
      const depth = random.chance(0.1) ? 0n : random.between(1n, 10n ** 30n);
      const value = random.chance(0.5) ? random.below(depth * 20n + 2n) : random.below(RISK_MAX_VALUE);
      const adjusted = sizeAdjustedDown(value, depth);
      const next = sizeAdjustedDown(value + 1n, depth);
      expect(next - adjusted === 0n || next - adjusted === 1n).toBe(true);
      expect(adjusted).toBeLessThanOrEqual(value);
      if (depth === 0n || value <= depth) expect(adjusted).toBe(value);
      else expect(adjusted).toBeLessThanOrEqual(2n * depth);
      const larger = value + random.below(RISK_MAX_VALUE - value + 1n);
      const adjustedLarger = sizeAdjustedDown(larger, depth);
      expect(adjustedLarger).toBeGreaterThanOrEqual(adjusted);
      // (cut(v) − 1)/v ≤ cut(v′)/v′: the share cut grows with size, up to e's 1-wei rounding.
      const cut = value - adjusted;
      if (cut > 0n) expect((cut - 1n) * larger).toBeLessThanOrEqual((larger - adjustedLarger) * value);
    }
  });

  it('R-8: for a positive semidefinite matrix the scenario term never exceeds the square-root term', () => {
    const random = new SeededRandom(7n);
    let psd = 0;
    for (let c = 0; c < CASES; c++) {
      const n = 2 + random.int(7);
      const p = randomPortfolio(random, n);
      if (!correlationIsPositiveSemidefinite(p.correlationBps, n)) continue;
      psd++;
      const a = p.values.map((value, i) => ceilDiv(sizeAdjustedDown(value, p.depths[i] as bigint) * BigInt(p.haircutBps[i] as number), BPS));
      const rows = a.map((_, i) => a.reduce((sum, aj, j) => sum + rhoAt(p, i, j) * aj, 0n));
      const scaled = rows.reduce((sum, row, i) => sum + (a[i] as bigint) * row, 0n);
      // Cauchy–Schwarz: (ρa)ᵢ² ≤ aᵀρa, i.e. rowᵢ² ≤ 10,000 · Σ aₖ rowₖ, exactly.
      for (const row of rows) expect(row * row).toBeLessThanOrEqual(BPS * scaled);
    }
    expect(psd).toBeGreaterThan(CASES / 3);
  });

  it('matches the formula written out naively (full double sum, exact ceilings), to the wei', () => {
    const random = new SeededRandom(8n);
    for (let c = 0; c < CASES; c++) {
      const p = randomPortfolio(random, random.int(9));
      expect(stressedValueDown(p)).toBe(naiveStressedValue(p));
    }
  });
});

describe('rounding bound (docs/RISK.md#rounding)', () => {
  it('0 ≤ S_real − S < k + m + 1 wei (k: assets whose depth binds, m: assets with 0 < h < 100%)', () => {
    const random = new SeededRandom(9n);
    const TOLERANCE = 1000n; // the reference's own error, in 10^-30 wei
    let worst = 0n;
    for (let c = 0; c < 3000; c++) {
      const p = randomPortfolio(random, 1 + random.int(8));
      const real = realStressedValueScaled(p);
      const stressed = stressedValueDown(p) * PRECISION;
      const k = p.values.filter((value, i) => (p.depths[i] as bigint) > 0n && capped(value) > (p.depths[i] as bigint)).length;
      const m = p.haircutBps.filter((h) => h > 0 && h < 10_000).length;
      expect(stressed).toBeLessThanOrEqual(real + TOLERANCE);
      expect(real - stressed).toBeLessThan(BigInt(k + m + 1) * PRECISION + TOLERANCE);
      if (real - stressed > worst) worst = real - stressed;
    }
    expect(worst).toBeGreaterThan(0n);
  });
});

describe('sqrtUp', () => {
  it('is the least r with r² ≥ x', () => {
    for (let x = 0n; x < 5000n; x++) {
      const r = sqrtUp(x);
      expect(r * r >= x && (r === 0n || (r - 1n) * (r - 1n) < x)).toBe(true);
    }
    const random = new SeededRandom(10n);
    for (let c = 0; c < 1000; c++) {
      const root = random.below(2n ** 128n);
      for (const x of [root * root - 1n, root * root, root * root + 1n]) {
        if (x < 0n) continue;
        const r = sqrtUp(x);
        expect(r * r >= x && (r === 0n || (r - 1n) * (r - 1n) < x)).toBe(true);
      }
    }
  });
});

describe('correlation matrices', () => {
  it('correlationIndex lays the strict upper triangle out row by row', () => {
    let k = 0;
    for (let i = 0; i < 8; i++) for (let j = i + 1; j < 8; j++) expect(correlationIndex(i, j, 8)).toBe(k++);
    expect(correlationIndex(2, 1, 3)).toBe(2);
  });

  it('correlationFromMatrix packs a valid matrix and names what is wrong with a bad one', () => {
    expect(correlationFromMatrix([[10_000, 8000, 0], [8000, 10_000, 100], [0, 100, 10_000]])).toEqual([8000, 0, 100]);
    expect(correlationFromMatrix([])).toEqual([]);
    expect(riskError(() => correlationFromMatrix([[10_000, 0], [0]])).error).toBe('CorrelationMatrixNotSquare');
    expect(riskError(() => correlationFromMatrix([[10_000, 0], [0, 9999]])).meta).toEqual({ error: 'CorrelationDiagonalNotOne', args: [1n, 9999n] });
    expect(riskError(() => correlationFromMatrix([[10_000, 10], [20, 10_000]])).meta).toEqual({
      error: 'CorrelationNotSymmetric',
      args: [0n, 1n, 10n, 20n],
    });
    expect(riskError(() => correlationFromMatrix([[10_000, 10_001], [10_001, 10_000]])).error).toBe('RiskMath_CorrelationOutOfBounds');
  });

  it('correlationIsPositiveSemidefinite agrees with all principal minors ≥ 0 (exact, n ≤ 5)', () => {
    const determinant = (m: bigint[][]): bigint => {
      // Bareiss elimination with row swaps, exact over integers.
      const a = m.map((row) => [...row]);
      const size = a.length;
      let sign = 1n;
      let previous = 1n;
      for (let k = 0; k < size - 1; k++) {
        let pivot = k;
        while (pivot < size && (a[pivot] as bigint[])[k] === 0n) pivot++;
        if (pivot === size) return 0n;
        if (pivot !== k) {
          [a[k], a[pivot]] = [a[pivot] as bigint[], a[k] as bigint[]];
          sign = -sign;
        }
        for (let i = k + 1; i < size; i++) {
          for (let j = k + 1; j < size; j++) {
            const rowI = a[i] as bigint[];
            const rowK = a[k] as bigint[];
            rowI[j] = ((rowI[j] as bigint) * (rowK[k] as bigint) - (rowI[k] as bigint) * (rowK[j] as bigint)) / previous;
          }
        }
        previous = (a[k] as bigint[])[k] as bigint;
      }
      return size === 0 ? 1n : sign * ((a[size - 1] as bigint[])[size - 1] as bigint);
    };
    const random = new SeededRandom(11n);
    let seen = { psd: 0, not: 0 };
    for (let c = 0; c < 1500; c++) {
      const n = 1 + random.int(5);
      const triangle = randomCorrelations(random, n);
      const full = Array.from({ length: n }, (_, i) =>
        Array.from({ length: n }, (_, j) => (i === j ? BPS : BigInt(triangle[correlationIndex(i, j, n)] as number))),
      );
      let minorsNonNegative = true;
      for (let mask = 1; mask < 1 << n; mask++) {
        const index = [...Array(n).keys()].filter((i) => mask & (1 << i));
        const minor = index.map((i) => index.map((j) => (full[i] as bigint[])[j] as bigint));
        if (determinant(minor) < 0n) minorsNonNegative = false;
      }
      const psd = correlationIsPositiveSemidefinite(triangle, n);
      expect(psd).toBe(minorsNonNegative);
      seen = psd ? { ...seen, psd: seen.psd + 1 } : { ...seen, not: seen.not + 1 };
    }
    expect(seen.psd).toBeGreaterThan(100);
    expect(seen.not).toBeGreaterThan(100);
    // Singular but positive semidefinite: all ones; and a rank-deficient block.
    expect(correlationIsPositiveSemidefinite(Array(28).fill(10_000), 8)).toBe(true);
    expect(correlationIsPositiveSemidefinite([10_000, 0, 0], 3)).toBe(true);
    expect(correlationIsPositiveSemidefinite([10_000, 10_000, 0], 3)).toBe(false);
  });
});
