// What the vault would accept next, computed with the vault's own maths (packages/protocol's risk and
// health library, tied to RiskMath by differential tests), since no contract view gives it: the most an
// account may export to a remote, the most it may withdraw of each asset, and the price of each asset at
// which it becomes liquidatable. Pure: no I/O, so a caller can recompute after a hypothetical change.
import type { BallastContractErrorName } from '../errors/abi.ts';
import { type CollateralPosition, INFINITE_HEALTH, VAULT_DEPTH_UNIT, healthDown, healthModelFor, weightedCollateralDown } from '@ballast/protocol/core';

/** One held asset as the limits need it. `price` undefined: the oracle refused it (it then counts for nothing). */
export type LimitAsset = {
  amount: bigint;
  decimals: number;
  ltvBps: number;
  liquidationThresholdBps: number;
  /** Vault depth in thousands of USD (`riskOf(asset, asset)`); 0 = no size haircut. */
  depthThousands: number;
  /** Fresh price (`tryPrice`), what exports and withdrawals are judged at. */
  price: bigint | undefined;
  /** Liquidation price (`liquidationPrice` with the vault's tolerance), what flag and clear judge by. */
  liquidationPrice: bigint | undefined;
};

/** The assets an account holds, in the vault's listing order, and their pairwise correlations. */
export type LimitBasket = {
  assets: readonly LimitAsset[];
  /** `correlation(i, j)` for i < j: `riskOf(asset i, asset j)`'s correlation in bps. */
  correlation: (i: number, j: number) => number;
};

type Weight = 'ltv' | 'threshold';
type PriceKind = 'price' | 'liquidationPrice';

/**
 * Σ-weighted value of the priced assets, as `VaultRisk.portfolioValue` / `VaultLogic.weightedValue`: an
 * asset without a price is left out (rule V-2a), the correlations are those of the assets that take part.
 * `amounts` overrides the held amounts (a withdrawal in prospect); `prices` overrides prices.
 */
export function weightedValueDown(basket: LimitBasket, weight: Weight, kind: PriceKind, override?: { index: number; amount?: bigint; price?: bigint }): bigint {
  const positions: CollateralPosition[] = [];
  const indices: number[] = [];
  basket.assets.forEach((asset, index) => {
    const price = override?.index === index && override.price !== undefined ? override.price : asset[kind];
    if (price === undefined) return;
    const amount = override?.index === index && override.amount !== undefined ? override.amount : asset.amount;
    positions.push({
      amount,
      price,
      decimals: asset.decimals,
      // The health library's weight field: LTV for power, the liquidation threshold for health (haircut 10,000 − weight).
      liquidationThresholdBps: weight === 'ltv' ? asset.ltvBps : asset.liquidationThresholdBps,
      depth: BigInt(asset.depthThousands) * VAULT_DEPTH_UNIT,
    });
    indices.push(index);
  });
  const correlations: number[] = [];
  for (let i = 0; i < indices.length; i++) for (let j = i + 1; j < indices.length; j++) correlations.push(basket.correlation(indices[i] as number, indices[j] as number));
  return weightedCollateralDown(positions, healthModelFor(correlations));
}

/** Borrowing power at fresh prices, unpriced assets counting for nothing (what `exportCredit` and `withdraw` check). */
export function borrowingPowerDown(basket: LimitBasket): bigint {
  return weightedValueDown(basket, 'ltv', 'price');
}

/** Health at `kind` prices over `debt` (`INFINITE_HEALTH` for no debt; `undefined` when a price is missing, as the vault's view reverts). */
export function healthAt(basket: LimitBasket, kind: PriceKind, debt: bigint): bigint | undefined {
  if (debt === 0n) return INFINITE_HEALTH;
  if (basket.assets.some((asset) => asset[kind] === undefined)) return undefined;
  return healthDown(weightedValueDown(basket, 'threshold', kind), debt);
}

/** Why `maxExport` is what it is: the first rule of `CollateralVault._debitExport` that binds. */
export type ExportLimit = 'paused' | 'disabled' | 'cap' | 'window' | 'flagged' | 'power';

export type MaxExportParameters = {
  basket: LimitBasket;
  totalExported: bigint;
  flagged: boolean;
  exportsPaused: boolean;
  remote: { enabled: boolean; creditCap: bigint; maxPerWindow: bigint; rateWindow: number; exported: bigint; usedInWindow: bigint; windowStart: number };
  /** Timestamp of the block the state was read at. */
  now: bigint;
};

export type MaxExport = {
  /** The most `exportCredit` accepts now (credit, 1e18 USD). */
  amount: bigint;
  limitedBy: ExportLimit;
  /** The error one wei more raises (`oracle` when an unpriced asset hides the power error behind the oracle's). */
  errorAbove: BallastContractErrorName | 'oracle';
  /** When the rate window opens again (seconds), for `Vault_RateLimited`. */
  windowResetsAt: bigint;
};

const MAX_UINT128 = 2n ** 128n - 1n;

/** The most `exportCredit` to one remote accepts now, in the vault's order of checks. */
export function maxExportDown({ basket, totalExported, flagged, exportsPaused, remote, now }: MaxExportParameters): MaxExport {
  const windowResetsAt = BigInt(remote.windowStart) + BigInt(remote.rateWindow);
  const zero = (limitedBy: ExportLimit, errorAbove: BallastContractErrorName): MaxExport => ({ amount: 0n, limitedBy, errorAbove, windowResetsAt });
  if (exportsPaused) return zero('paused', 'Vault_ExportsPaused');
  if (!remote.enabled) return zero('disabled', 'Vault_RemoteDisabled');
  const unpriced = basket.assets.some((asset) => asset.price === undefined);
  const power = borrowingPowerDown(basket);
  const candidates: [ExportLimit, bigint, BallastContractErrorName | 'oracle'][] = [
    ['cap', remote.creditCap > remote.exported ? remote.creditCap - remote.exported : 0n, 'Vault_RemoteCapExceeded'],
    ['window', now >= windowResetsAt ? remote.maxPerWindow : remote.maxPerWindow > remote.usedInWindow ? remote.maxPerWindow - remote.usedInWindow : 0n, 'Vault_RateLimited'],
  ];
  if (flagged) candidates.push(['flagged', 0n, 'Vault_AccountFlagged']);
  candidates.push(['power', power > totalExported ? power - totalExported : 0n, unpriced ? 'oracle' : 'Vault_ExportExceedsPower']);
  // The vault checks in this order, so on a tie the earlier rule is the one that raises.
  let best = candidates[0] as (typeof candidates)[number];
  for (const candidate of candidates) if (candidate[1] < best[1]) best = candidate;
  const amount = best[1] > MAX_UINT128 ? MAX_UINT128 : best[1];
  return { amount, limitedBy: best[0], errorAbove: best[2], windowResetsAt };
}

export type MaxWithdraw = {
  /** The most `withdraw` of this asset accepts now, in the token's units. */
  amount: bigint;
  /** The error one wei more raises. */
  errorAbove: BallastContractErrorName | 'oracle';
};

/**
 * The most of asset `index` the account may withdraw, as `VaultLogic.withdraw` checks: all of it with
 * nothing exported; else the largest amount that leaves power ≥ total exported (found by bisection: power
 * never falls as an amount grows).
 */
export function maxWithdrawDown(basket: LimitBasket, index: number, totalExported: bigint, flagged: boolean): MaxWithdraw {
  const asset = basket.assets[index];
  if (!asset) throw new RangeError(`maxWithdrawDown: no asset ${index} in a basket of ${basket.assets.length}`);
  const insufficient: MaxWithdraw = { amount: asset.amount, errorAbove: 'Vault_InsufficientCollateral' };
  if (asset.amount === 0n) return insufficient;
  if (flagged) return { amount: 0n, errorAbove: 'Vault_AccountFlagged' };
  if (totalExported === 0n) return insufficient;
  const unpriced = basket.assets.some((candidate) => candidate.price === undefined);
  const powerError = unpriced ? 'oracle' : 'Vault_WithdrawExceedsPower';
  const fits = (withdrawn: bigint) => weightedValueDown(basket, 'ltv', 'price', { index, amount: asset.amount - withdrawn }) >= totalExported;
  if (fits(asset.amount)) return insufficient;
  if (!fits(0n)) return { amount: 0n, errorAbove: powerError };
  let low = 0n;
  let high = asset.amount;
  // Invariant: fits(low), !fits(high).
  while (high - low > 1n) {
    const middle = (low + high) / 2n;
    if (fits(middle)) low = middle;
    else high = middle;
  }
  return { amount: low, errorAbove: powerError };
}

/**
 * The highest liquidation price of asset `index` (1e18 USD per token) at which the account's health is below 1
 * with every other price where it is; `undefined` with nothing exported, with another price missing, or
 * when no price of this asset alone brings health under 1.
 */
export function liquidationPriceOf(basket: LimitBasket, index: number, totalExported: bigint): bigint | undefined {
  if (totalExported === 0n) return undefined;
  if (basket.assets.some((asset, other) => other !== index && asset.liquidationPrice === undefined)) return undefined;
  // Health < 1 ⇔ ⌊weighted × 1e18 / exported⌋ < 1e18 ⇔ weighted < exported.
  const liquidatable = (price: bigint) => weightedValueDown(basket, 'threshold', 'liquidationPrice', { index, price }) < totalExported;
  if (!liquidatable(0n)) return undefined;
  let low = 0n;
  let high = 1n;
  while (liquidatable(high)) {
    low = high;
    high *= 2n;
    if (high > MAX_UINT128) return undefined;
  }
  // Invariant: liquidatable(low), !liquidatable(high).
  while (high - low > 1n) {
    const middle = (low + high) / 2n;
    if (liquidatable(middle)) low = middle;
    else high = middle;
  }
  return low;
}
