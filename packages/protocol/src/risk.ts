// The risk engine's pure maths, the same algorithm as `contracts/src/libraries/RiskMath.sol`, operation
// for operation, so both give the same result to the wei (checked by test/e2e/risk-differential.test.ts
// against the contract on anvil). Values and depths are USD with 18 decimals (bigint); haircuts and
// correlations are basis points. Rounding goes against the account: values and power down, losses up.
// The design, the proofs and worked examples are in docs/RISK.md.
import { BallastError } from './errors.ts';

/** Basis points in one (haircuts and correlations), as `RiskMath.BPS`. */
export const RISK_BPS = 10_000;

/** Most assets one computation takes, as `RiskMath.MAX_ASSETS`. */
export const RISK_MAX_ASSETS = 8;

/** Largest value that counts (USD with 18 decimals, i.e. $10^18); larger values count as this one. */
export const RISK_MAX_VALUE = 10n ** 36n;

const BPS = 10_000n;
const MAX_UINT256 = 2n ** 256n - 1n;
const MAX_UINT16 = 2 ** 16 - 1;

/** The Solidity custom errors `RiskMath` reverts with, plus `InvalidInteger` for inputs no ABI could carry. */
export type RiskMathErrorName =
  | 'RiskMath_TooManyAssets'
  | 'RiskMath_LengthMismatch'
  | 'RiskMath_CorrelationLengthMismatch'
  | 'RiskMath_HaircutOutOfBounds'
  | 'RiskMath_CorrelationOutOfBounds'
  | 'InvalidInteger';

/** Problems `correlationFromMatrix` reports, which the Solidity triangle cannot express. */
export type CorrelationMatrixErrorName = 'CorrelationMatrixNotSquare' | 'CorrelationDiagonalNotOne' | 'CorrelationNotSymmetric';

/**
 * Thrown when risk inputs are malformed. `meta` carries the Solidity error it mirrors with the same
 * arguments (as bigints, as viem decodes them), e.g. `{ error: 'RiskMath_HaircutOutOfBounds', args: [2n, 10001n] }`,
 * so a caller reports a failure the same way whichever side found it.
 */
export class RiskInputError extends BallastError {
  override name = 'RiskInputError';
  readonly error: RiskMathErrorName | CorrelationMatrixErrorName;
  readonly args: readonly bigint[];
  constructor(error: RiskMathErrorName | CorrelationMatrixErrorName, args: readonly bigint[], problem: string) {
    super(`Bad risk input: ${problem}.`, { docsPath: 'RISK.md#inputs', meta: { error, args } });
    this.error = error;
    this.args = args;
  }
}

/** Per-asset inputs shared by `baselineDown` and `stressedValueDown`. */
export type BaselineParameters = {
  /** Per asset: value, USD with 18 decimals (amount × price, rounded down by the caller). */
  values: readonly bigint[];
  /** Per asset: 10,000 − LTV (for power) or 10,000 − liquidation threshold (for health), in bps. */
  haircutBps: readonly number[];
  /** Per asset: liquidity depth, USD with 18 decimals; 0 = no size haircut. */
  depths: readonly bigint[];
};

export type StressedValueParameters = BaselineParameters & {
  /**
   * The strict upper triangle of the correlation matrix, row by row: (0,1) (0,2) … (0,n−1) (1,2) …
   * (n−2,n−1); n(n−1)/2 entries in bps, each in [0, 10,000]. See `correlationIndex`, `correlationFromMatrix`.
   */
  correlationBps: readonly number[];
};

function checkUint(field: string, index: number, value: unknown): bigint {
  if (typeof value !== 'bigint' || value < 0n || value > MAX_UINT256) {
    throw new RiskInputError('InvalidInteger', [BigInt(index)], `${field}[${index}] must be a bigint in [0, 2^256), got ${String(value)}`);
  }
  return value;
}

function checkBps(field: string, index: number, value: unknown): bigint {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_UINT16) {
    throw new RiskInputError('InvalidInteger', [BigInt(index)], `${field}[${index}] must be an integer in [0, 65535], got ${String(value)}`);
  }
  return BigInt(value);
}

/** As `RiskMath._checkLengths`: the asset count first, then one length for the per-asset arrays. */
function checkLengths({ values, haircutBps, depths }: BaselineParameters): number {
  const n = values.length;
  if (n > RISK_MAX_ASSETS) {
    throw new RiskInputError('RiskMath_TooManyAssets', [BigInt(n), BigInt(RISK_MAX_ASSETS)], `${n} assets, at most ${RISK_MAX_ASSETS}`);
  }
  if (haircutBps.length !== n || depths.length !== n) {
    throw new RiskInputError(
      'RiskMath_LengthMismatch',
      [BigInt(n), BigInt(haircutBps.length), BigInt(depths.length)],
      `${n} values but ${haircutBps.length} haircuts and ${depths.length} depths; give one of each per asset`,
    );
  }
  return n;
}

function haircutAt(haircutBps: readonly number[], index: number): bigint {
  const haircut = checkBps('haircutBps', index, haircutBps[index]);
  if (haircut > BPS) {
    throw new RiskInputError('RiskMath_HaircutOutOfBounds', [BigInt(index), haircut], `haircut of asset ${index} is ${haircut} bps, at most 10000`);
  }
  return haircut;
}

/** ⌈x / BPS⌉ for x ≥ 0. */
function ceilBps(x: bigint): bigint {
  return (x + BPS - 1n) / BPS;
}

/** ⌈√x⌉, as OpenZeppelin's `Math.sqrt(x, Rounding.Ceil)` (the integer square root is unique). */
export function sqrtUp(x: bigint): bigint {
  if (x < 0n) throw new RiskInputError('InvalidInteger', [], `square root of a negative number (${x})`);
  if (x < 2n) return x;
  // Newton's method from a power of two above √x; decreasing until it reaches ⌊√x⌋.
  let root = 1n << BigInt(Math.ceil(x.toString(2).length / 2));
  for (;;) {
    const next = (root + x / root) >> 1n;
    if (next >= root) break;
    root = next;
  }
  return root * root < x ? root + 1n : root;
}

/**
 * A position's value after the size haircut, rounded down, as `RiskMath.sizeAdjustedDown`: `value` up to
 * `depth`, then `2·depth − ⌈depth² / value⌉` (never above `2·depth`). `depth` 0 means no size haircut;
 * a value above `RISK_MAX_VALUE` counts as `RISK_MAX_VALUE`.
 *
 * @example
 * sizeAdjustedDown(3_000_000n * 10n ** 18n, 2_000_000n * 10n ** 18n) // 2_666_666.666…e18 (11.1% cut)
 */
export function sizeAdjustedDown(value: bigint, depth: bigint): bigint {
  let v = checkUint('value', 0, value);
  const d = checkUint('depth', 0, depth);
  if (v > RISK_MAX_VALUE) v = RISK_MAX_VALUE;
  if (d === 0n || v <= d) return v;
  const squared = d * d;
  return 2n * d - (squared / v + (squared % v === 0n ? 0n : 1n));
}

/**
 * The plain per-asset stressed value, rounded down, as `RiskMath.baselineDown`:
 * Σ ⌊eᵢ·(10,000 − hᵢ) / 10,000⌋ with eᵢ the size-adjusted value. With no depths this is Σ value × LTV.
 * Throws `RiskInputError` for the same inputs, with the same error, as the contract.
 */
export function baselineDown(parameters: BaselineParameters): bigint {
  const n = checkLengths(parameters);
  let stressed = 0n;
  for (let i = 0; i < n; i++) {
    const value = sizeAdjustedDown(checkUint('values', i, parameters.values[i]), checkUint('depths', i, parameters.depths[i]));
    const haircut = haircutAt(parameters.haircutBps, i);
    stressed += value - ceilBps(value * haircut);
  }
  return stressed;
}

/**
 * What the basket is worth under stress, rounded down, as `RiskMath.stressedValueDown`:
 * S = Σ eᵢ − ⌈max(√(Σᵢ Σⱼ ρᵢⱼ aᵢ aⱼ), maxᵢ Σⱼ ρᵢⱼ aⱼ)⌉ with eᵢ the size-adjusted values and
 * aᵢ = ⌈eᵢ·hᵢ / 10,000⌉. Always `baselineDown ≤ S ≤ Σ values`; equal to `baselineDown` when every
 * correlation is 10,000. Throws `RiskInputError` for the same inputs, with the same error, as the contract.
 *
 * @example
 * // $1,000 at a 20% haircut and $1,000 at 15%, uncorrelated: 2,000 − √(200² + 150²) = $1,750.
 * stressedValueDown({ values: [1000n * 10n ** 18n, 1000n * 10n ** 18n], haircutBps: [2000, 1500], depths: [0n, 0n], correlationBps: [0] })
 */
export function stressedValueDown(parameters: StressedValueParameters): bigint {
  const n = checkLengths(parameters);
  const { correlationBps } = parameters;
  const pairs = n < 2 ? 0 : (n * (n - 1)) / 2;
  if (correlationBps.length !== pairs) {
    throw new RiskInputError(
      'RiskMath_CorrelationLengthMismatch',
      [BigInt(n), BigInt(correlationBps.length), BigInt(pairs)],
      `${correlationBps.length} correlations for ${n} assets, expected the ${pairs} of the strict upper triangle`,
    );
  }

  const losses: bigint[] = [];
  const exposure: bigint[] = [];
  let total = 0n;
  let lossSum = 0n;
  for (let i = 0; i < n; i++) {
    const value = sizeAdjustedDown(checkUint('values', i, parameters.values[i]), checkUint('depths', i, parameters.depths[i]));
    const haircut = haircutAt(parameters.haircutBps, i);
    const loss = ceilBps(value * haircut);
    total += value;
    lossSum += loss;
    losses.push(loss);
    exposure.push(loss * BPS);
  }
  // One asset (or none): the loss is a₀ exactly, no square root needed.
  return total - (n < 2 ? lossSum : portfolioLossUp(losses, exposure, correlationBps));
}

/** As `RiskMath._portfolioLossUp`: ⌈max(√(aᵀρa), maxᵢ (ρa)ᵢ)⌉, with `exposure` holding 10,000·aᵢ on entry. */
function portfolioLossUp(losses: readonly bigint[], exposure: bigint[], correlationBps: readonly number[]): bigint {
  const n = losses.length;
  let quotients = 0n;
  let remainders = 0n;
  let maxExposure = 0n;
  let k = 0;
  for (let i = 0; i < n; i++) {
    const lossI = losses[i] as bigint;
    let exposureI = exposure[i] as bigint;
    for (let j = i + 1; j < n; j++) {
      const rho = checkBps('correlationBps', k, correlationBps[k]);
      const lossJ = losses[j] as bigint;
      exposure[j] = (exposure[j] as bigint) + rho * lossI;
      if (rho > BPS) {
        throw new RiskInputError(
          'RiskMath_CorrelationOutOfBounds',
          [BigInt(i), BigInt(j), rho],
          `correlation of assets ${i} and ${j} (correlationBps[${k}]) is ${rho} bps, at most 10000`,
        );
      }
      k++;
      exposureI += rho * lossJ;
    }
    const product = lossI * exposureI;
    quotients += product / BPS;
    remainders += product % BPS;
    if (exposureI > maxExposure) maxExposure = exposureI;
  }
  const quadratic = quotients + ceilBps(remainders);
  const sqrtLoss = sqrtUp(quadratic);
  const scenarioLoss = ceilBps(maxExposure);
  return sqrtLoss > scenarioLoss ? sqrtLoss : scenarioLoss;
}

/** Position of the correlation of assets `i` and `j` (i ≠ j, both < n) in the strict upper triangle, as `RiskMath.correlationIndex`. */
export function correlationIndex(i: number, j: number, n: number): number {
  const [low, high] = i < j ? [i, j] : [j, i];
  return (low * (2 * n - low - 1)) / 2 + (high - low - 1);
}

/**
 * The strict upper triangle (`correlationBps`) of a full n × n correlation matrix in bps, after checking
 * that it is square, its diagonal is 10,000, it is symmetric and every entry is in [0, 10,000].
 *
 * @example
 * correlationFromMatrix([[10000, 8000, 0], [8000, 10000, 0], [0, 0, 10000]]) // [8000, 0, 0]
 */
export function correlationFromMatrix(matrix: readonly (readonly number[])[]): number[] {
  const n = matrix.length;
  const triangle: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = matrix[i] as readonly number[];
    if (row.length !== n) {
      throw new RiskInputError('CorrelationMatrixNotSquare', [BigInt(i), BigInt(row.length), BigInt(n)], `row ${i} has ${row.length} entries, expected ${n}`);
    }
    const diagonal = checkBps(`matrix[${i}]`, i, row[i]);
    if (diagonal !== BPS) {
      throw new RiskInputError('CorrelationDiagonalNotOne', [BigInt(i), diagonal], `matrix[${i}][${i}] is ${diagonal}, the diagonal must be 10000`);
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const upper = checkBps(`matrix[${i}]`, j, (matrix[i] as readonly number[])[j]);
      const lower = checkBps(`matrix[${j}]`, i, (matrix[j] as readonly number[])[i]);
      if (upper !== lower) {
        throw new RiskInputError('CorrelationNotSymmetric', [BigInt(i), BigInt(j), upper, lower], `matrix[${i}][${j}] is ${upper} but matrix[${j}][${i}] is ${lower}`);
      }
      if (upper > BPS) {
        throw new RiskInputError('RiskMath_CorrelationOutOfBounds', [BigInt(i), BigInt(j), upper], `matrix[${i}][${j}] is ${upper} bps, at most 10000`);
      }
      triangle.push(Number(upper));
    }
  }
  return triangle;
}

/**
 * Whether the correlation matrix given by its strict upper triangle (n assets, any n) is positive
 * semidefinite, decided exactly (symmetric elimination over rationals). Every matrix estimated from
 * return data is; for one that is not, `stressedValueDown`'s scenario term binds (docs/RISK.md#consistency-the-scenario-term).
 * Risk admins should set only matrices for which this is true.
 */
export function correlationIsPositiveSemidefinite(correlationBps: readonly number[], n: number): boolean {
  const expected = n < 2 ? 0 : (n * (n - 1)) / 2;
  if (correlationBps.length !== expected) {
    throw new RiskInputError(
      'RiskMath_CorrelationLengthMismatch',
      [BigInt(n), BigInt(correlationBps.length), BigInt(expected)],
      `${correlationBps.length} correlations for ${n} assets, expected ${expected}`,
    );
  }
  // Entries as fractions num/den (den > 0), reduced; start from the integer matrix in bps.
  type Fraction = [bigint, bigint];
  const gcd = (a: bigint, b: bigint): bigint => {
    let x = a < 0n ? -a : a;
    let y = b;
    while (y !== 0n) [x, y] = [y, x % y];
    return x === 0n ? 1n : x;
  };
  const reduce = ([num, den]: Fraction): Fraction => {
    const g = gcd(num, den);
    return [num / g, den / g];
  };
  const m: Fraction[][] = [];
  for (let i = 0; i < n; i++) {
    m.push([]);
    for (let j = 0; j < n; j++) {
      const entry = i === j ? BPS : checkBps('correlationBps', correlationIndex(i, j, n), correlationBps[correlationIndex(i, j, n)]);
      (m[i] as Fraction[]).push([entry, 1n]);
    }
  }
  const at = (i: number, j: number): Fraction => (m[i] as Fraction[])[j] as Fraction;
  for (let k = 0; k < n; k++) {
    const [pn, pd] = at(k, k);
    if (pn < 0n) return false;
    if (pn === 0n) {
      for (let j = k + 1; j < n; j++) if (at(k, j)[0] !== 0n) return false;
      continue;
    }
    for (let i = k + 1; i < n; i++) {
      const [ain, aid] = at(i, k);
      if (ain === 0n) continue;
      for (let j = k + 1; j < n; j++) {
        const [akn, akd] = at(k, j);
        const [cn, cd] = at(i, j);
        // c − a·b / p with a = m[i][k], b = m[k][j], p = m[k][k].
        const subN = ain * akn * pd;
        const subD = aid * akd * pn;
        (m[i] as Fraction[])[j] = reduce([cn * subD - subN * cd, cd * subD]);
      }
    }
  }
  return true;
}
