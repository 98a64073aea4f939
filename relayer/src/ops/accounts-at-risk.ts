// `ballast-relayer accounts [--at-risk]`: accounts with their home health and health bucket, lowest
// first. Where the keeper has stored its scores (`<prefix>:keeper:accounts`, one JSON score per
// account), those are listed as stored. Otherwise — the reconcile store keeps collateral and exported
// credit per account but no health — health is computed here as the vault's `liquidationHealth`
// computes it, with @ballast/protocol's `collateralValueDown`, `weightedCollateralDown` and `healthDown`
// (the maths the keeper scores with; nothing of it is written again here): RiskMath's stressed value of the
// priced assets (value = amount × price ÷ 10^decimals rounded down, cut above the asset's liquidity
// depth, haircut 10,000 − liquidation threshold, combined through the correlations in force) ÷
// exported, from the store's amounts at the home block ingest has applied and the oracle adapter's
// liquidation prices and the vault's asset settings, depths and correlations (`riskOf`) read at that
// same block. The report says which in `source` and `basis`.
import { chainlinkOracleAdapterAbi, collateralVaultAbi } from '@ballast/abi';
import {
  BallastError,
  type CollateralPosition,
  HEALTH_ONE,
  type Deployments,
  RISK_BPS,
  VAULT_DEPTH_UNIT,
  collateralValueDown,
  contractAddress,
  healthDown,
  healthModelFor,
  homeChain,
  weightedCollateralDown,
} from '@ballast/protocol';
import type { Redis } from 'ioredis';
import { type Address, erc20Abi, formatUnits } from 'viem';
import { chainPublicClient } from '../chains.ts';
import { INGEST_CONTRACT_NAMES } from '../ingest/contracts.ts';
import { IngestLedger } from '../ingest/ledger.ts';
import { KeeperLedger, type StoredScore, keeperKey } from '../keeper/ledger.ts';
import { type AccountState, ReconcileStore } from '../reconcile/account-store.ts';
import { revertReason } from '../revert-reason.ts';

/** Ingest has not applied any home block under the prefix: there is nothing to compute health from. */
export class NoIngestedStateError extends BallastError {
  override name = 'NoIngestedStateError';
}

/**
 * The keeper's buckets: `no-debt` (nothing exported), `unpriced` (a held asset has no usable price, so
 * nobody can flag it), `liquidatable` (health < 1, the vault's flag line), `recall` (< `recallHealth`),
 * `watch` (< `atRiskHealth`), `healthy`. Every bucket but `healthy` and `no-debt` is at risk.
 */
export type AccountHealthBucket = 'no-debt' | 'healthy' | 'watch' | 'recall' | 'liquidatable' | 'unpriced';

const AT_RISK: readonly AccountHealthBucket[] = ['watch', 'recall', 'liquidatable', 'unpriced'];

export type HealthThresholds = { recallHealth: bigint; atRiskHealth: bigint };

/** Where the keeper keeps its latest score per account (its ledger's `accounts` hash). */
export function keeperScoresKey(prefix: string): string {
  return keeperKey(prefix, 'accounts');
}

export type AccountCollateral = {
  asset: Address;
  symbol: string;
  /** Token units, decimal. */
  amount: string;
  /** USD, decimal; null when the asset has no usable price (it then counts for nothing). */
  valueUsd: string | null;
};

export type AccountRisk = {
  account: Address;
  /** Health factor, decimal (1.0 = the flag line); "infinite" with nothing exported. */
  health: string;
  bucket: AccountHealthBucket;
  /** What the collateral counts for at liquidation (Σ value × liquidation threshold, after the size haircut and the portfolio term), USD. */
  weightedCollateralUsd: string;
  collateralUsd: string;
  exportedUsd: string;
  /** Exported credit per remote eid, USD. */
  exported: Record<number, string>;
  /** Drawn credit per remote eid, USD (as each remote's ingest has it). */
  drawn: Record<number, string>;
  collateral: AccountCollateral[];
  /** What makes this account's figures doubtful (unpriced assets, negative amounts from missing events). */
  warnings?: string[];
};

export type AssetPricing = {
  asset: Address;
  symbol: string;
  decimals: number;
  liquidationThresholdBps: number;
  /** Liquidity depth, USD, decimal ("0": no size haircut). */
  depthUsd: string;
  /** USD per token (1e18 fixed point), decimal; null when the oracle refuses. */
  priceUsd: string | null;
  priceError?: string;
};

/** Accounts with health computed here from the reconcile store (no stored scores yet). */
export type ComputedAccountsReport = {
  source: 'computed';
  /** What the health figures are computed from. */
  basis: string;
  healthStored: false;
  homeEid: number;
  /** The home block the store's amounts and the prices are at. */
  homeBlock: string;
  thresholds: { recallHealth: string; atRiskHealth: string; vaultRecallHealth: string };
  /** `at-risk`: only accounts in an at-risk bucket; `all`: every account the store has seen. */
  listed: 'at-risk' | 'all';
  /** Accounts the store has seen (before filtering). */
  accountsSeen: number;
  assets: AssetPricing[];
  accounts: AccountRisk[];
};

/** Accounts as the keeper last scored them. */
export type StoredAccountsReport = {
  source: 'keeper-scores';
  basis: string;
  healthStored: true;
  listed: 'at-risk' | 'all';
  accountsSeen: number;
  accounts: (Omit<StoredScore, 'health' | 'usageHealth' | 'totalExported' | 'totalDrawn'> & {
    health: string;
    usageHealth: string;
    exportedUsd: string;
    drawnUsd: string;
    scoredAgoMs: number;
  })[];
};

export type AccountsReport = ComputedAccountsReport | StoredAccountsReport;

export type AccountsReportParameters = {
  redis: Redis;
  prefix: string;
  deployments: Deployments;
  thresholds: HealthThresholds;
  /** Only accounts in an at-risk bucket (or, with `below`, under that health). @defaultValue false */
  atRiskOnly?: boolean;
  /** With `atRiskOnly`: list accounts under this health instead of by bucket. */
  below?: bigint;
  /** @defaultValue 5_000 */
  rpcTimeoutMs?: number;
};

/** Health factor with `digits` decimals, rounded down. */
function formatHealth(health: bigint | undefined, digits = 4): string {
  if (health === undefined) return 'infinite';
  const scale = 10n ** BigInt(18 - digits);
  return formatUnits((health / scale) * scale, 18);
}

function bucketOf(health: bigint | undefined, unpriced: boolean, { recallHealth, atRiskHealth }: HealthThresholds): AccountHealthBucket {
  if (health === undefined) return 'no-debt';
  if (unpriced) return 'unpriced';
  if (health < HEALTH_ONE) return 'liquidatable';
  if (health < recallHealth) return 'recall';
  if (health < atRiskHealth) return 'watch';
  return 'healthy';
}

/** Orders healths lowest first; undefined (no debt, or unpriced in stored scores) as given by `undefinedFirst`. */
function byHealth(a: bigint | undefined, b: bigint | undefined, undefinedFirst: boolean): number {
  if (a === b) return 0;
  if (a === undefined) return undefinedFirst ? -1 : 1;
  if (b === undefined) return undefinedFirst ? 1 : -1;
  return a < b ? -1 : 1;
}

/** Accounts with their home health, lowest first: the keeper's stored scores if any, else computed from the reconcile store. */
export async function accountsReport(parameters: AccountsReportParameters): Promise<AccountsReport> {
  const stored = await new KeeperLedger(parameters.redis, parameters.prefix).scores();
  if (stored.length > 0) return storedReport(parameters, stored);
  return computedReport(parameters);
}

function storedReport({ prefix, atRiskOnly = false, below }: AccountsReportParameters, scores: StoredScore[]): StoredAccountsReport {
  const now = Date.now();
  const healthOf = (score: StoredScore) => (score.health === undefined ? undefined : BigInt(score.health));
  const listed = scores
    .filter((score) => {
      if (!atRiskOnly) return true;
      if (below === undefined) return AT_RISK.includes(score.bucket);
      const health = healthOf(score);
      return score.bucket === 'unpriced' || (health !== undefined && health < below);
    })
    .sort((a, b) => byHealth(healthOf(a), healthOf(b), a.bucket === 'unpriced' || b.bucket === 'unpriced') || a.account.localeCompare(b.account));
  return {
    source: 'keeper-scores',
    basis: `The keeper's stored scores (${keeperScoresKey(prefix)}): home health at liquidation prices as the vault computes it, and the same over Σ drawn (usageHealth), as of each score's scoredAt.`,
    healthStored: true,
    listed: atRiskOnly ? 'at-risk' : 'all',
    accountsSeen: scores.length,
    accounts: listed.map(({ health, usageHealth, totalExported, totalDrawn, ...score }) => ({
      ...score,
      health: formatHealth(health === undefined ? undefined : BigInt(health)),
      usageHealth: formatHealth(usageHealth === undefined ? undefined : BigInt(usageHealth)),
      exportedUsd: formatUnits(BigInt(totalExported), 18),
      drawnUsd: formatUnits(BigInt(totalDrawn), 18),
      scoredAgoMs: now - score.scoredAt,
    })),
  };
}

async function computedReport({ redis, prefix, deployments, thresholds, atRiskOnly = false, below, rpcTimeoutMs = 5_000 }: AccountsReportParameters): Promise<ComputedAccountsReport> {
  const home = homeChain(deployments);
  const store = new ReconcileStore({ redis, chains: deployments.chains, prefix });
  const snapshot = await store.snapshot(new IngestLedger(redis, prefix));
  const homeBlock = snapshot.blocks.get(home.eid);
  if (homeBlock === undefined) {
    throw new NoIngestedStateError(`Ingest has not applied any block of the home chain ${home.name} (eid ${home.eid}) under prefix "${prefix}": there is nothing to compute health from.`, {
      details: 'Run a relayer with the ingest role (roles includes "ingest") on this prefix and let it catch up; `ballast-relayer status` shows its cursor per chain.',
      docsPath: 'OPERATIONS.md#accounts-at-risk',
    });
  }

  const client = chainPublicClient(home, { timeoutMs: rpcTimeoutMs });
  const vault = contractAddress(home, INGEST_CONTRACT_NAMES.vault);
  const oracle = contractAddress(home, INGEST_CONTRACT_NAMES.oracle);
  const at = { blockNumber: homeBlock } as const;
  const liquidation = await client.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'liquidationConfig', ...at });
  const assetAddresses = [...new Set(snapshot.accounts.flatMap((account) => Object.keys(account.collateral) as Address[]))].sort();
  const assets = await Promise.all(
    assetAddresses.map(async (asset): Promise<Priced> => {
      const [config, [, depthThousands], symbol, price] = await Promise.all([
        client.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'assetConfig', args: [asset], ...at }),
        client.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'riskOf', args: [asset, asset], ...at }),
        client.readContract({ address: asset, abi: erc20Abi, functionName: 'symbol', ...at }).catch(() => asset.slice(0, 10)),
        client
          .readContract({ address: oracle, abi: chainlinkOracleAdapterAbi, functionName: 'liquidationPrice', args: [asset, BigInt(liquidation.priceTolerance)], ...at })
          .then(
            (value) => ({ value }),
            (error: unknown) => ({ error: revertReason(error) }),
          ),
      ]);
      return {
        asset,
        symbol,
        decimals: config.decimals,
        liquidationThresholdBps: config.liquidationThresholdBps,
        depth: BigInt(depthThousands) * VAULT_DEPTH_UNIT,
        depthUsd: formatUnits(BigInt(depthThousands) * VAULT_DEPTH_UNIT, 18),
        price: 'value' in price ? price.value : undefined,
        priceUsd: 'value' in price ? formatUnits(price.value, 18) : null,
        ...('error' in price ? { priceError: price.error } : {}),
      };
    }),
  );
  const byAsset = new Map(assets.map((asset) => [asset.asset, asset]));
  // Correlations in force between the assets held (10,000 = fully correlated, the default).
  const pairs = assetAddresses.flatMap((a, i) => assetAddresses.slice(i + 1).map((b) => [a, b] as const));
  const correlations = new Map(
    await Promise.all(
      pairs.map(async ([a, b]) => [`${a}:${b}`, (await client.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'riskOf', args: [a, b], ...at }))[0]] as const),
    ),
  );

  const effective = below === undefined ? thresholds : { ...thresholds, atRiskHealth: below };
  const risks = snapshot.accounts.map((account) => assess(account, byAsset, correlations, effective));
  risks.sort((a, b) => byHealth(a.sortKey, b.sortKey, false) || a.risk.account.localeCompare(b.risk.account));
  const listed = risks.filter(({ risk }) => !atRiskOnly || AT_RISK.includes(risk.bucket)).map(({ risk }) => risk);

  return {
    source: 'computed',
    basis:
      `Computed for this report (the reconcile store keeps no health yet): home health = what the collateral counts for at liquidation ÷ exported credit, ` +
      `as the vault's liquidationHealth (RiskMath's stressed value: size haircut above each asset's depth, haircut 10,000 − liquidation threshold, correlations in force), ` +
      `with @ballast/protocol weightedCollateralDown; collateral and exported credit from the reconcile store at home block ${homeBlock} ` +
      `(what ingest has applied under prefix "${prefix}"); liquidation prices (oracle adapter, tolerance ${liquidation.priceTolerance} s), asset settings ` +
      `(vault.assetConfig), liquidity depths and correlations (vault.riskOf) read at that block. Credit in flight and blocks not yet ingested are not reflected; an unpriced asset counts for nothing.`,
    healthStored: false,
    homeEid: home.eid,
    homeBlock: homeBlock.toString(),
    thresholds: {
      recallHealth: formatUnits(effective.recallHealth, 18),
      atRiskHealth: formatUnits(effective.atRiskHealth, 18),
      vaultRecallHealth: formatUnits(liquidation.recallHealth, 18),
    },
    listed: atRiskOnly ? 'at-risk' : 'all',
    accountsSeen: snapshot.accounts.length,
    assets: assets.map(({ price: _price, depth: _depth, ...asset }) => asset),
    accounts: listed,
  };
}

type Priced = AssetPricing & { price: bigint | undefined; depth: bigint };

function assess(
  account: AccountState,
  assets: ReadonlyMap<Address, Priced>,
  correlations: ReadonlyMap<string, number>,
  thresholds: HealthThresholds,
): { risk: AccountRisk; sortKey: bigint | undefined } {
  const warnings: string[] = [];
  let unpriced = false;
  const collateral: AccountCollateral[] = [];
  const positions: (CollateralPosition & { asset: Address })[] = [];
  let collateralUsd = 0n;
  for (const [asset, stored] of Object.entries(account.collateral) as [Address, bigint][]) {
    const pricing = assets.get(asset);
    if (!pricing) continue;
    if (stored < 0n) warnings.push(`collateral of ${pricing.symbol} is ${stored} in the store (events missing before the start block); counted as 0`);
    const amount = stored < 0n ? 0n : stored;
    const value = pricing.price === undefined ? undefined : collateralValueDown(amount, pricing.price, pricing.decimals);
    if (value === undefined && amount > 0n) unpriced = true;
    if (value === undefined && amount > 0n) warnings.push(`${pricing.symbol} has no usable price (${pricing.priceError ?? 'oracle refused'}); counted as 0`);
    collateral.push({ asset, symbol: pricing.symbol, amount: formatUnits(stored, pricing.decimals), valueUsd: value === undefined ? null : formatUnits(value, 18) });
    if (value === undefined || value === 0n) continue;
    collateralUsd += value;
    positions.push({ asset, amount, price: pricing.price as bigint, decimals: pricing.decimals, liquidationThresholdBps: pricing.liquidationThresholdBps, depth: pricing.depth });
  }
  // The vault values the priced assets together (an unpriced one counts for nothing here; the vault
  // would refuse to judge the account at all), in any order: the stressed value is symmetric.
  positions.sort((a, b) => (a.asset < b.asset ? -1 : 1));
  const correlationBps: number[] = [];
  positions.forEach((a, i) => {
    for (const b of positions.slice(i + 1)) correlationBps.push(correlations.get(`${a.asset}:${b.asset}`) ?? RISK_BPS);
  });
  const weighted = weightedCollateralDown(positions, healthModelFor(correlationBps));
  let exportedTotal = 0n;
  const exported: Record<number, string> = {};
  for (const [eid, amount] of Object.entries(account.exported)) {
    if (amount < 0n) warnings.push(`exported credit to ${eid} is ${amount} in the store (events missing); counted as 0`);
    exportedTotal += amount < 0n ? 0n : amount;
    exported[Number(eid)] = formatUnits(amount, 18);
  }
  const drawn: Record<number, string> = {};
  for (const [eid, line] of Object.entries(account.lines)) drawn[Number(eid)] = formatUnits(line.drawn, 18);
  const health = exportedTotal === 0n ? undefined : healthDown(weighted, exportedTotal);
  return {
    sortKey: health,
    risk: {
      account: account.account,
      health: formatHealth(health),
      bucket: bucketOf(health, unpriced, thresholds),
      weightedCollateralUsd: formatUnits(weighted, 18),
      collateralUsd: formatUnits(collateralUsd, 18),
      exportedUsd: formatUnits(exportedTotal, 18),
      exported,
      drawn,
      collateral,
      ...(warnings.length > 0 ? { warnings } : {}),
    },
  };
}
