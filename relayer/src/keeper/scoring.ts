// Scores one account from the reconcile store's view of it: home health at liquidation prices (the
// number the vault's `flag`, `clear` and `recall` judge by, computed with @ballast/protocol's
// `liquidationHealthDown`, the vault's own maths), usage-aware health over Σ drawn, and the bucket the
// account is in. Prices and parameters come from the PriceBook; the epoch from home.
import { type CollateralPosition, HEALTH_ONE, type HealthModel, PER_ASSET_HEALTH, healthDown, weightedCollateralDown } from '@ballast/protocol';
import { type Address, getAddress } from 'viem';
import type { AccountState, RemoteLine } from '../reconcile/account-store.ts';
import type { KeeperHealthBucket, StoredScore } from './ledger.ts';
import type { PriceBook } from './prices.ts';

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
  assets: Address[];
  /** The first asset the oracle refused, with its error. */
  unpriced: { asset: Address; reason: string } | undefined;
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

export type ScoreAccountParameters = {
  state: AccountState;
  epoch: number;
  prices: PriceBook;
  warnHealth: bigint;
  /** @defaultValue `PER_ASSET_HEALTH` (the vault today) */
  model?: HealthModel;
};

export async function scoreAccount({ state, epoch, prices, warnHealth, model = PER_ASSET_HEALTH }: ScoreAccountParameters): Promise<AccountScore> {
  const assets = (Object.entries(state.collateral) as [Address, bigint][])
    .filter(([, amount]) => amount > 0n)
    .map(([asset]) => getAddress(asset))
    .sort();
  const totalExported = Object.values(state.exported).reduce((sum, amount) => sum + (amount > 0n ? amount : 0n), 0n);
  const totalDrawn = Object.values(state.lines).reduce((sum, line) => sum + (line.drawn > 0n ? line.drawn : 0n), 0n);
  const [{ recallHealth }, readings] = await Promise.all([
    prices.liquidationSettings(),
    Promise.all(assets.map(async (asset) => ({ asset, risk: await prices.risk(asset), price: await prices.price(asset) }))),
  ]);
  const refused = readings.find((reading) => !reading.price.ok);
  let weighted: bigint | undefined;
  if (!refused) {
    const positions: CollateralPosition[] = readings.map(({ asset, risk, price }) => ({
      amount: state.collateral[asset] ?? 0n,
      price: price.ok ? price.price : 0n,
      decimals: risk.decimals,
      liquidationThresholdBps: risk.liquidationThresholdBps,
    }));
    weighted = weightedCollateralDown(positions, model);
  }
  const health = weighted === undefined ? undefined : healthDown(weighted, totalExported);
  return {
    account: state.account,
    epoch,
    bucket: healthBucket({ health, totalExported, recallHealth, warnHealth }),
    health,
    usageHealth: weighted === undefined ? undefined : healthDown(weighted, totalDrawn),
    weighted,
    totalExported,
    totalDrawn,
    assets,
    unpriced: refused && !refused.price.ok ? { asset: refused.asset, reason: refused.price.reason } : undefined,
    exported: state.exported,
    lines: state.lines,
  };
}

/** The score as the ledger stores it (JSON, decimal strings). */
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
