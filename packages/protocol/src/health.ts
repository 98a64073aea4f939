// Home health, the number `flag`, `clear`, `recall` and a `SEIZE` judge by, computed exactly as the vault
// does (`VaultLogic.liquidationHealth` → `VaultRisk.portfolioValue`): RiskMath's stressed value of the
// account's assets at liquidation prices — each value ⌊amount × price / 10^decimals⌋ after the size haircut
// against the asset's liquidity depth, haircut 10,000 − liquidation threshold, combined through the
// correlations in force (docs/RISK.md) — × 1e18 ÷ totalExported, every step rounded as the contract does.
// The relayer's keeper scores accounts with it and the SDK can show it; `test/e2e` and
// `relayer/test/keeper*.test.ts` check it against the contract's own view.
//
// The numerator ("weighted collateral") has two models that give the same number where both apply:
// `per-asset` — Σ ⌊size-adjusted value × threshold / 10,000⌋, RiskMath's baseline, which is its stressed
// value whenever every pair of the assets is fully correlated (no correlation set: the vault's default) —
// and `portfolio`, the stressed value with the pairs' correlations. `healthModelFor` picks the cheap one
// when it is exact.
import { BallastError } from './errors.ts';
import { RISK_BPS, sizeAdjustedDown, stressedValueDown } from './risk.ts';

/** A depth the vault stores is in thousands of USD: × this gives USD 1e18 (`VaultRisk.DEPTH_UNIT`). */
export const VAULT_DEPTH_UNIT = 10n ** 21n;

/** Health 1 (1e18), as `VaultLogic.ONE`. */
export const HEALTH_ONE = 10n ** 18n;

/** Health of an account that owes nothing, as `VaultLogic.INFINITE_HEALTH` (`type(uint256).max`). */
export const INFINITE_HEALTH = 2n ** 256n - 1n;

const BPS = BigInt(RISK_BPS);

/** One collateral asset an account holds, with the vault's parameters for it. */
export type CollateralPosition = {
  /** Amount in the token's own decimals. */
  amount: bigint;
  /** Liquidation price: 1e18 USD per whole token (`IOracleAdapter.liquidationPrice`). */
  price: bigint;
  /** The token's decimals (`assetConfig(asset).decimals`). */
  decimals: number;
  /** Share of value that counts for health, bps (`assetConfig(asset).liquidationThresholdBps`). */
  liquidationThresholdBps: number;
  /** Liquidity depth, USD 1e18 (`vault.riskOf(asset, asset)` × `VAULT_DEPTH_UNIT`): value above it is cut; 0 or absent = none. */
  depth?: bigint;
};

/**
 * How the numerator is computed. `per-asset`: Σ size-adjusted value × threshold (exact when every pair is
 * fully correlated). `portfolio`: the risk library's stressed value at haircut 10,000 − threshold, with the
 * positions' correlations (the strict upper triangle, in the positions' order; see `correlationIndex`).
 */
export type HealthModel = { kind: 'per-asset' } | { kind: 'portfolio'; correlationBps: readonly number[] };

/** The per-asset model: the vault's health for one asset, or for assets with no correlation below 100% in force. */
export const PER_ASSET_HEALTH: HealthModel = { kind: 'per-asset' };

/**
 * The model that gives the vault's health for positions whose pairwise correlations are `correlationBps`
 * (strict upper triangle, 10,000 = fully correlated, what `vault.riskOf(a, b)` returns): the per-asset sum
 * when every pair is fully correlated (it is then exactly the stressed value, and far cheaper), else the
 * portfolio model.
 */
export function healthModelFor(correlationBps: readonly number[]): HealthModel {
  return correlationBps.every((rho) => rho === RISK_BPS) ? PER_ASSET_HEALTH : { kind: 'portfolio', correlationBps };
}

/** Thrown for a position no vault could hold (negative amount or price, bad decimals or threshold). */
export class HealthInputError extends BallastError {
  override name = 'HealthInputError';
}

/** 10^decimals by decimals, filled on first use (a keeper values every holder's assets on each price tick). */
const TOKEN_UNITS: bigint[] = [];

/** USD value (1e18) of `amount` at `price`, rounded down, as `CreditMath.valueDown`. */
export function collateralValueDown(amount: bigint, price: bigint, decimals: number): bigint {
  const unit = (TOKEN_UNITS[decimals] ??= 10n ** BigInt(decimals));
  return (amount * price) / unit;
}

function check(position: CollateralPosition, index: number): void {
  const { amount, price, decimals, liquidationThresholdBps } = position;
  if (amount < 0n || price < 0n) throw new HealthInputError(`positions[${index}]: amount and price must be ≥ 0 (got ${amount}, ${price}).`);
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 255) throw new HealthInputError(`positions[${index}].decimals must be an integer in [0, 255], got ${decimals}.`);
  if (!Number.isInteger(liquidationThresholdBps) || liquidationThresholdBps < 0 || liquidationThresholdBps > RISK_BPS) {
    throw new HealthInputError(`positions[${index}].liquidationThresholdBps must be an integer in [0, 10000], got ${liquidationThresholdBps}.`);
  }
}

/**
 * Health's numerator: what the collateral counts for at liquidation, USD 1e18, rounded down. With the
 * default model, Σ ⌊e × threshold / 10,000⌋ with e = ⌊amount × price / 10^decimals⌋ after the size
 * haircut (`sizeAdjustedDown`; none without a depth) — the vault's number for one asset, or for several
 * with no correlation below 100% in force.
 *
 * @example
 * // 10 WETH at $1,200, threshold 85%: $10,200.
 * weightedCollateralDown([{ amount: 10n * 10n ** 18n, price: 1_200n * 10n ** 18n, decimals: 18, liquidationThresholdBps: 8_500 }])
 */
export function weightedCollateralDown(positions: readonly CollateralPosition[], model: HealthModel = PER_ASSET_HEALTH): bigint {
  positions.forEach(check);
  if (model.kind === 'per-asset') {
    let weighted = 0n;
    for (const { amount, price, decimals, liquidationThresholdBps, depth } of positions) {
      const value = collateralValueDown(amount, price, decimals);
      weighted += ((depth ? sizeAdjustedDown(value, depth) : value) * BigInt(liquidationThresholdBps)) / BPS;
    }
    return weighted;
  }
  return stressedValueDown({
    values: positions.map(({ amount, price, decimals }) => collateralValueDown(amount, price, decimals)),
    haircutBps: positions.map(({ liquidationThresholdBps }) => RISK_BPS - liquidationThresholdBps),
    depths: positions.map(({ depth }) => depth ?? 0n),
    correlationBps: model.correlationBps,
  });
}

/** `weighted` × 1e18 ÷ `debt`, rounded down (`Math.mulDiv`); `INFINITE_HEALTH` when nothing is owed. */
export function healthDown(weighted: bigint, debt: bigint): bigint {
  if (weighted < 0n || debt < 0n) throw new HealthInputError(`weighted and debt must be ≥ 0 (got ${weighted}, ${debt}).`);
  return debt === 0n ? INFINITE_HEALTH : (weighted * HEALTH_ONE) / debt;
}

export type LiquidationHealthParameters = {
  positions: readonly CollateralPosition[];
  /** Σ credit exported to every remote, USD 1e18 (`vault.totalExported(account)`). */
  totalExported: bigint;
  /** @defaultValue `PER_ASSET_HEALTH` */
  model?: HealthModel;
};

/**
 * Home health at liquidation prices, as `vault.liquidationHealth(account)` (1e18 = 1): below 1 the account
 * may be flagged, below the vault's `recallHealth` anyone may recall its undrawn credit.
 *
 * @example
 * liquidationHealthDown({ positions, totalExported: 12_000n * 10n ** 18n }) // 0.85e18 for the example above
 */
export function liquidationHealthDown({ positions, totalExported, model }: LiquidationHealthParameters): bigint {
  return healthDown(weightedCollateralDown(positions, model), totalExported);
}

/**
 * Usage-aware health: the same numerator over Σ drawn on every remote (ARCHITECTURE.md §6). It is at
 * least home health (drawn ≤ line ≤ exported) and is what home health becomes once undrawn credit is home.
 */
export function usageHealthDown({ positions, totalDrawn, model }: { positions: readonly CollateralPosition[]; totalDrawn: bigint; model?: HealthModel }): bigint {
  return healthDown(weightedCollateralDown(positions, model), totalDrawn);
}
