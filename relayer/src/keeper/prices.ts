// What scoring needs from home besides the reconcile store: each asset's liquidation price
// (`oracle.liquidationPrice(asset, priceTolerance)`, the price `flag` uses), its risk parameters
// (`vault.assetConfig` and its liquidity depth), the correlation of each pair of assets
// (`vault.riskOf`), its feed, and the vault's liquidation settings. Prices are cached until a price
// tick of their feed (or a sweep) invalidates them; parameters until governance or the risk admin
// changes them. An asset the oracle refuses to price is reported as unpriced with the oracle's error:
// its holders are not judged (the contract would revert too).
import { chainlinkOracleAdapterAbi, collateralVaultAbi } from '@ballast/abi';
import { VAULT_DEPTH_UNIT } from '@ballast/protocol';
import { type Address, getAddress } from 'viem';
import type { ChainConnection } from '../chains.ts';
import { revertReason } from '../revert-reason.ts';

export type LiquidationSettings = { closeFactorBps: number; priceTolerance: number; recallHealth: bigint };
/** An asset's parameters: decimals, threshold and bonus (`assetConfig`), liquidity depth in USD 1e18 (0: none). */
export type AssetRisk = { decimals: number; liquidationThresholdBps: number; liquidationBonusBps: number; depth: bigint };
export type PriceReading = { ok: true; price: bigint } | { ok: false; reason: string };

/** The key of a pair of assets, whichever order they come in: the lower address first. */
export function correlationKey(assetA: Address, assetB: Address): string {
  const [a, b] = [getAddress(assetA), getAddress(assetB)];
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}

export class PriceBook {
  readonly #home: ChainConnection;
  readonly #vault: Address;
  readonly #oracle: Address;
  #settings: Promise<LiquidationSettings> | undefined;
  readonly #risks = new Map<Address, Promise<AssetRisk>>();
  readonly #correlations = new Map<string, Promise<number>>();
  readonly #prices = new Map<Address, Promise<PriceReading>>();
  readonly #feeds = new Map<Address, Address>();

  constructor(home: ChainConnection, vault: Address, oracle: Address) {
    this.#home = home;
    this.#vault = vault;
    this.#oracle = oracle;
  }

  /** `vault.liquidationConfig()`. */
  liquidationSettings(): Promise<LiquidationSettings> {
    this.#settings ??= this.#home.publicClient.readContract({ address: this.#vault, abi: collateralVaultAbi, functionName: 'liquidationConfig' }).then(
      (config) => ({ closeFactorBps: config.closeFactorBps, priceTolerance: config.priceTolerance, recallHealth: config.recallHealth }),
      (error: unknown) => {
        this.#settings = undefined;
        throw error;
      },
    );
    return this.#settings;
  }

  /** The vault's parameters of `asset` (decimals, threshold, bonus, depth). */
  risk(asset: Address): Promise<AssetRisk> {
    const key = getAddress(asset);
    let risk = this.#risks.get(key);
    if (!risk) {
      const client = this.#home.publicClient;
      risk = Promise.all([
        client.readContract({ address: this.#vault, abi: collateralVaultAbi, functionName: 'assetConfig', args: [key] }),
        client.readContract({ address: this.#vault, abi: collateralVaultAbi, functionName: 'riskOf', args: [key, key] }),
      ]).then(
        ([config, [, depthThousands]]) => ({
          decimals: config.decimals,
          liquidationThresholdBps: config.liquidationThresholdBps,
          liquidationBonusBps: config.liquidationBonusBps,
          depth: BigInt(depthThousands) * VAULT_DEPTH_UNIT,
        }),
        (error: unknown) => {
          this.#risks.delete(key);
          throw error;
        },
      );
      this.#risks.set(key, risk);
    }
    return risk;
  }

  /** The correlation in force between two different assets, bps (`vault.riskOf`; 10,000 when none is set). */
  correlation(assetA: Address, assetB: Address): Promise<number> {
    const key = correlationKey(assetA, assetB);
    let correlation = this.#correlations.get(key);
    if (!correlation) {
      correlation = this.#home.publicClient.readContract({ address: this.#vault, abi: collateralVaultAbi, functionName: 'riskOf', args: [getAddress(assetA), getAddress(assetB)] }).then(
        ([correlationBps]) => correlationBps,
        (error: unknown) => {
          this.#correlations.delete(key);
          throw error;
        },
      );
      this.#correlations.set(key, correlation);
    }
    return correlation;
  }

  /** The liquidation price of `asset` now, or why the oracle refuses it. */
  price(asset: Address): Promise<PriceReading> {
    const key = getAddress(asset);
    let reading = this.#prices.get(key);
    if (!reading) {
      reading = this.#readPrice(key);
      this.#prices.set(key, reading);
      // A transport failure is not an answer: the next call reads again.
      const pending = reading;
      pending.catch(() => {
        if (this.#prices.get(key) === pending) this.#prices.delete(key);
      });
    }
    return reading;
  }

  async #readPrice(asset: Address): Promise<PriceReading> {
    const { priceTolerance } = await this.liquidationSettings();
    const client = this.#home.publicClient;
    if (!this.#feeds.has(asset)) {
      const feed = await client.readContract({ address: this.#oracle, abi: chainlinkOracleAdapterAbi, functionName: 'feed', args: [asset] });
      this.#feeds.set(asset, getAddress(feed.aggregator));
    }
    try {
      const price = await client.readContract({ address: this.#oracle, abi: chainlinkOracleAdapterAbi, functionName: 'liquidationPrice', args: [asset, BigInt(priceTolerance)] });
      return { ok: true, price };
    } catch (error) {
      const reason = revertReason(error);
      // Only a decoded revert is the oracle's answer; anything else (RPC down) is thrown and retried.
      if (!/^Oracle_/.test(reason)) throw error;
      return { ok: false, reason };
    }
  }

  /** Assets priced by `feed` among those seen so far (empty: unknown feed). */
  assetsOfFeed(feed: Address): Address[] {
    const key = getAddress(feed);
    return [...this.#feeds].filter(([, aggregator]) => aggregator === key).map(([asset]) => asset);
  }

  /** Forgets the prices of `assets` (a price tick). */
  invalidatePrices(assets: Iterable<Address>): void {
    for (const asset of assets) this.#prices.delete(getAddress(asset));
  }

  /** Forgets every cached value (a sweep, or governance changed a parameter); `feeds` too when a feed was set or removed. */
  invalidateAll({ feeds = false }: { feeds?: boolean } = {}): void {
    this.#prices.clear();
    this.#risks.clear();
    this.#correlations.clear();
    this.#settings = undefined;
    if (feeds) this.#feeds.clear();
  }
}
