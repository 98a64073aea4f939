// Scores one account from the reconcile store's view of it: home health at liquidation prices (the
// number the vault's `flag`, `clear` and `recall` judge by, computed with @ballast/protocol's health
// maths — the vault's own, correlations and depths included), usage-aware health over Σ drawn, and the
// bucket the account is in. Prices and parameters come from the PriceBook (read once per batch of
// accounts: `pricingFor`, then `scoreAccountWith` is pure); the epoch from the store (home's
// AccountFlagged / AccountCleared).
import { type CollateralPosition, HEALTH_ONE, type HealthModel, healthDown, healthModelFor, weightedCollateralDown } from '@ballast/protocol';
import type { Address } from 'viem';
import { checksummed } from '../checksum-cache.ts';
import type { AccountState, RemoteLine } from '../reconcile/account-store.ts';
import { MissingPricingError } from './errors.ts';
import { type KeeperHealthBucket, type StoredScore, encodeScoreLine } from './ledger.ts';
import { type AssetRisk, type PriceBook, type PriceReading, correlationKey } from './prices.ts';

export type AccountScore = {
  account: Address;
  /** Home's liquidation epoch (odd: flagged). */
  epoch: number;
  bucket: KeeperHealthBucket;
  /** Home health at liquidation prices, 1e18 = 1; undefined when an asset is unpriced. */
  health: bigint | undefined;
  /** Σ weighted ÷ Σ drawn; undefined when unpriced. */
  usageHealth: bigint | undefined;
  weighted: bigint | undefined;
  totalExported: bigint;
  totalDrawn: bigint;
  /** Assets held, ascending. */
  assets: readonly Address[];
  /** The first asset the oracle refused, with its error. */
  unpriced: { asset: Address; reason: string } | undefined;
  /** The account's records as scored: the keeper's live copy, which later batches update in place (copy to keep). */
  exported: Record<number, bigint>;
  lines: Record<number, RemoteLine>;
};

export type KeeperHealthBucketParameters = {
  health: bigint | undefined;
  totalExported: bigint;
  recallHealth: bigint;
  warnHealth: bigint;
};

/**
 * The bucket of an account: `no-debt` (nothing exported), `unpriced` (an asset has no usable price),
 * `liquidatable` (health < 1), `recall` (< the vault's recall health), `watch` (< `warnHealth`), `healthy`.
 */
export function healthBucket({ health, totalExported, recallHealth, warnHealth }: KeeperHealthBucketParameters): KeeperHealthBucket {
  if (totalExported === 0n) return 'no-debt';
  if (health === undefined) return 'unpriced';
  if (health < HEALTH_ONE) return 'liquidatable';
  if (health < recallHealth) return 'recall';
  if (health < warnHealth) return 'watch';
  return 'healthy';
}

/** One asset's parameters and liquidation price, as read for a batch. */
export type PricedAsset = { risk: AssetRisk; price: PriceReading };

/** What `scoreAccountWith` reads besides the account: the vault's recall health, each asset's parameters and price, and the correlations of their pairs, resolved. */
export type Pricing = {
  recallHealth: bigint;
  assets: ReadonlyMap<Address, PricedAsset>;
  /** Correlation in force of each pair of the assets, bps, by `correlationKey`; a pair not listed is fully correlated (10,000). */
  correlations: ReadonlyMap<string, number>;
};

/** Health models by assets list, for one Pricing: accounts holding the same assets share the list, and the model. */
const modelCache = new WeakMap<Pricing, WeakMap<readonly Address[], HealthModel>>();

/** The vault's health model for an account holding `assets` (in that order) under `pricing`'s correlations. */
export function healthModelOf(pricing: Pricing, assets: readonly Address[]): HealthModel {
  let models = modelCache.get(pricing);
  if (!models) modelCache.set(pricing, (models = new WeakMap()));
  let model = models.get(assets);
  if (!model) {
    const correlationBps: number[] = [];
    for (let i = 0; i < assets.length; i++) {
      for (let j = i + 1; j < assets.length; j++) correlationBps.push(pricing.correlations.get(correlationKey(assets[i] as Address, assets[j] as Address)) ?? 10_000);
    }
    model = healthModelFor(correlationBps);
    models.set(assets, model);
  }
  return model;
}

/** The assets `state` holds (amount > 0), checksummed, ascending. */
export function heldAssets(state: AccountState): Address[] {
  return (Object.entries(state.collateral) as [Address, bigint][])
    .filter(([, amount]) => amount > 0n)
    .map(([asset]) => checksummed(asset))
    .sort();
}

/** Reads (from the PriceBook's cache, or home) the settings, parameters, prices and correlations that scoring `assets` needs. */
export async function pricingFor(prices: PriceBook, assets: Iterable<Address>): Promise<Pricing> {
  const unique = [...new Set(assets)];
  const pairs: [Address, Address][] = [];
  for (let i = 0; i < unique.length; i++) for (let j = i + 1; j < unique.length; j++) pairs.push([unique[i] as Address, unique[j] as Address]);
  const [{ recallHealth }, readings, correlations] = await Promise.all([
    prices.liquidationSettings(),
    Promise.all(unique.map(async (asset) => [asset, { risk: await prices.risk(asset), price: await prices.price(asset) }] as const)),
    Promise.all(pairs.map(async ([a, b]) => [correlationKey(a, b), await prices.correlation(a, b)] as const)),
  ]);
  return { recallHealth, assets: new Map(readings), correlations: new Map(correlations) };
}

/** What an account owes, from its position alone (prices do not move it): Σ exported and Σ drawn over the remotes (negative values, a store missing events, count as 0). */
export type PositionTotals = { totalExported: bigint; totalDrawn: bigint };

export function positionTotals(state: AccountState): PositionTotals {
  let totalExported = 0n;
  for (const eid in state.exported) {
    const amount = state.exported[Number(eid)] ?? 0n;
    if (amount > 0n) totalExported += amount;
  }
  let totalDrawn = 0n;
  for (const eid in state.lines) {
    const drawn = state.lines[Number(eid)]?.drawn ?? 0n;
    if (drawn > 0n) totalDrawn += drawn;
  }
  return { totalExported, totalDrawn };
}

export type ScoreAccountWithParameters = {
  state: AccountState;
  /** @defaultValue `state.epoch` */
  epoch?: number;
  /** Must hold every asset of `state`. */
  pricing: Pricing;
  warnHealth: bigint;
  /** `heldAssets(state)`, when the caller has it already. */
  assets?: readonly Address[];
  /** `positionTotals(state)`, when the caller has it already. */
  totals?: PositionTotals;
};

/** Scores `state` with prices already read: no I/O, so a price tick re-scores every holder in one pass. */
export function scoreAccountWith({ state, epoch = state.epoch, pricing, warnHealth, assets = heldAssets(state), totals }: ScoreAccountWithParameters): AccountScore {
  const { totalExported, totalDrawn } = totals ?? positionTotals(state);
  const positions: CollateralPosition[] = [];
  let refused: { asset: Address; reason: string } | undefined;
  for (const asset of assets) {
    const reading = pricing.assets.get(asset);
    if (!reading) throw new MissingPricingError(asset);
    if (!reading.price.ok) {
      refused ??= { asset, reason: reading.price.reason };
      continue;
    }
    const { decimals, liquidationThresholdBps, depth } = reading.risk;
    positions.push({ amount: state.collateral[asset] ?? 0n, price: reading.price.price, decimals, liquidationThresholdBps, depth });
  }
  const weighted = refused ? undefined : weightedCollateralDown(positions, healthModelOf(pricing, assets));
  const health = weighted === undefined ? undefined : healthDown(weighted, totalExported);
  return {
    account: state.account,
    epoch,
    bucket: healthBucket({ health, totalExported, recallHealth: pricing.recallHealth, warnHealth }),
    health,
    usageHealth: weighted === undefined ? undefined : healthDown(weighted, totalDrawn),
    weighted,
    totalExported,
    totalDrawn,
    assets,
    unpriced: refused,
    exported: state.exported,
    lines: state.lines,
  };
}

export type ScoreAccountParameters = Omit<ScoreAccountWithParameters, 'pricing' | 'assets'> & { prices: PriceBook };

/** Scores one account, reading the prices it needs from the PriceBook. */
export async function scoreAccount({ prices, ...parameters }: ScoreAccountParameters): Promise<AccountScore> {
  const assets = heldAssets(parameters.state);
  return scoreAccountWith({ ...parameters, assets, pricing: await pricingFor(prices, assets) });
}

/** The score as the ledger reads it back (decimal strings). */
export function storedScore(score: AccountScore, scoredAt = Date.now()): StoredScore {
  return {
    account: score.account,
    bucket: score.bucket,
    health: score.health?.toString(),
    usageHealth: score.usageHealth?.toString(),
    epoch: score.epoch,
    totalExported: score.totalExported.toString(),
    totalDrawn: score.totalDrawn.toString(),
    assets: score.assets,
    scoredAt,
  };
}

/** The score's stored line (`encodeScoreLine`): a price tick stores every holder's, so it is kept short. */
export function encodeStoredScore(score: AccountScore, scoredAt: number): string {
  return encodeScoreLine(score, scoredAt);
}
