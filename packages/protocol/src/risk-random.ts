// Seeded random portfolios for the risk tests: `risk.test.ts` (properties, rounding bound) and
// test/e2e/risk-differential.test.ts (TypeScript against the contract). Deterministic for a seed, so a
// failure names its case and reproduces. Test support only: not exported from the package. The generator
// itself is `seeded-random.ts` (shared with the liquidation simulation), re-exported here for the tests.
import { RISK_MAX_VALUE, type StressedValueParameters } from './risk.ts';
import { SeededRandom } from './seeded-random.ts';

export { SeededRandom };

/**
 * A value as the vault computes one: amount × price / 10^decimals for a token of 6, 8 or 18 decimals, up
 * to 10^12 whole tokens at $0.0001 to $1,000,000 each; now and then 0, a few wei, near or above the cap.
 */
export function randomValue(random: SeededRandom): bigint {
  const kind = random.int(32);
  if (kind === 0) return 0n;
  if (kind === 1) return random.between(1n, 1_000_000n);
  if (kind === 2) return RISK_MAX_VALUE - random.below(10n ** 30n);
  if (kind === 3) return RISK_MAX_VALUE + random.between(1n, 2n ** 255n);
  const decimals = random.pick([6n, 8n, 18n]);
  const wholeTokens = 10n ** BigInt(random.int(13));
  const amount = random.below(wholeTokens * 10n ** decimals + 1n);
  const price = random.between(10n ** 14n, 10n ** 24n);
  return (amount * price) / 10n ** decimals;
}

/** A liquidity depth for `value`: none (most often), far below, near, far above it, or unrelated. */
export function randomDepth(random: SeededRandom, value: bigint): bigint {
  const capped = value > RISK_MAX_VALUE ? RISK_MAX_VALUE : value;
  switch (random.int(6)) {
    case 0:
    case 1:
      return 0n;
    case 2:
      return random.between(1n, capped / 10n + 1n);
    case 3:
      return capped / 2n + random.below(capped + 1n);
    case 4:
      return capped * 10n + 1n;
    default:
      return random.between(1n, 10n ** 30n);
  }
}

/** A haircut in bps: 0, 10,000, a typical one (5% to 50%) or any. */
export function randomHaircut(random: SeededRandom): number {
  switch (random.int(6)) {
    case 0:
      return 0;
    case 1:
      return 10_000;
    case 2:
    case 3:
      return 500 + random.int(4501);
    default:
      return random.int(10_001);
  }
}

/**
 * The strict upper triangle of a random admissible correlation matrix: all ones, all zeros, one common
 * correlation, or independent entries (some 0 or 10,000) — the last usually not positive semidefinite.
 */
export function randomCorrelations(random: SeededRandom, n: number): number[] {
  const pairs = n < 2 ? 0 : (n * (n - 1)) / 2;
  const kind = random.int(6);
  const common = random.int(10_001);
  return Array.from({ length: pairs }, () => {
    if (kind === 0) return 10_000;
    if (kind === 1) return 0;
    if (kind === 2) return common;
    const entry = random.int(8);
    return entry === 0 ? 0 : entry === 1 ? 10_000 : random.int(10_001);
  });
}

/** A valid portfolio of `n` assets (0 to 8). */
export function randomPortfolio(random: SeededRandom, n: number): StressedValueParameters {
  const values = Array.from({ length: n }, () => randomValue(random));
  return {
    values,
    haircutBps: values.map(() => randomHaircut(random)),
    depths: values.map((value) => randomDepth(random, value)),
    correlationBps: randomCorrelations(random, n),
  };
}

/**
 * A portfolio the contract must reject, with one of its custom errors: more than 8 assets, arrays of
 * different lengths, a triangle of the wrong length, a haircut or a correlation above 10,000 (but within
 * uint16, so the ABI can carry it).
 */
export function randomInvalidPortfolio(random: SeededRandom): StressedValueParameters {
  const kind = random.int(5);
  const n = kind === 0 ? 9 + random.int(3) : 1 + random.int(8);
  const portfolio = randomPortfolio(random, n);
  const outOfBounds = () => 10_001 + random.int(65_535 - 10_000);
  switch (kind) {
    case 0:
      return portfolio;
    case 1:
      return random.chance(0.5)
        ? { ...portfolio, haircutBps: [...portfolio.haircutBps, 100] }
        : { ...portfolio, depths: portfolio.depths.slice(1) };
    case 2:
      return { ...portfolio, correlationBps: [...portfolio.correlationBps, 5000] };
    case 3: {
      const haircutBps = [...portfolio.haircutBps];
      haircutBps[random.int(n)] = outOfBounds();
      return { ...portfolio, haircutBps };
    }
    default: {
      const m = Math.max(n, 2);
      const valid = randomPortfolio(random, m);
      const correlationBps = [...valid.correlationBps];
      correlationBps[random.int(correlationBps.length)] = outOfBounds();
      return { ...valid, correlationBps };
    }
  }
}
