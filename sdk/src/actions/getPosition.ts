// getPosition: an account's whole position over every chain, read in one round trip per chain (one
// Multicall3 `aggregate3` each, all chains in parallel), with what the vault would accept next computed
// by the vault's own maths (position/limits.ts). A price the oracle refuses is reported, never thrown.
import { chainlinkOracleAdapterAbi, collateralVaultAbi, creditLendingPoolAbi, creditMirrorAbi } from '../abi.generated.ts';
import { CONTRACT_NAMES, INFINITE_HEALTH, collateralValueDown, healthDown } from '@ballast/protocol/core';
import { type Address, getAddress, isAddressEqual } from 'viem';
import { type BallastBaseClient, contractOn, deployedCollateral } from '../client.ts';
import type { BallastContractError } from '../errors/contract.ts';
import { type ExportLimit, type LimitAsset, type LimitBasket, borrowingPowerDown, healthAt, liquidationPriceOf, maxExportDown, maxWithdrawDown, weightedValueDown } from '../position/limits.ts';
import { type QueuedRead, ReadBatch } from '../position/read-batch.ts';
import type { BallastContractErrorName } from '../errors/abi.ts';

export type GetPositionParameters = {
  /** The account on home (the same address owns its lines on every remote unless a GRANT named another receiver). */
  account: Address;
  /**
   * Collateral assets to read in the same round trip. @defaultValue every home contract of the deployments
   * that is not a Ballast contract, a feed or a library (the listed tokens). An asset the account holds
   * outside this list costs a second round trip on home.
   */
  assets?: readonly Address[];
};

/** A price as the oracle gave it, or why it could not. */
export type PriceReading = { ok: true; price: bigint } | { ok: false; error: BallastContractError | undefined };

/** One collateral asset of the account. */
export type AssetPosition = {
  asset: Address;
  /** Its name in the deployments file (`weth`), when it has one. */
  name: string | undefined;
  /** Amount held, in the token's units. */
  amount: bigint;
  decimals: number;
  ltvBps: number;
  liquidationThresholdBps: number;
  /** Liquidity depth, thousands of USD (0: no size haircut). */
  depthThousands: number;
  /** Fresh price (1e18 USD per token): what exports and withdrawals are judged at. */
  price: PriceReading;
  /** Liquidation price (the last good price within the vault's tolerance): what flag and clear judge by. */
  liquidationPriceReading: PriceReading;
  /** amount × fresh price (USD 1e18), `undefined` when the price cannot be read. */
  value: bigint | undefined;
  /** The most `withdraw` accepts now (token units), and the error one more unit raises. */
  maxWithdraw: bigint;
  maxWithdrawError: BallastContractErrorName | 'oracle';
  /** The highest liquidation price of this asset at which the account is liquidatable, others unchanged; `undefined` if none is. */
  liquidationPrice: bigint | undefined;
};

/** The account on one remote: home's record and the remote's line. */
export type RemotePosition = {
  eid: number;
  name: string;
  /** Credit home has exported there (`exportedTo`). */
  exported: bigint;
  /** The line on the remote, what consumers drew on it, and what is undrawn. */
  line: bigint;
  drawn: bigint;
  undrawn: bigint;
  /** Credit parked on the remote waiting to go home (`returnParked`). */
  parked: bigint;
  /** What a liquidator may still repay on the remote under the current flag. */
  repayable: bigint;
  /** Home's liquidation epoch as the remote last heard it (odd: flagged there). */
  epoch: number;
  /** Credit in flight: exported − line − parked (> 0: GRANTs on the way; < 0: RELEASEs on the way home). */
  inFlight: bigint;
  /** The account's debt in the remote's reference lending pool (its token units), `undefined` without a pool. */
  poolDebt: bigint | undefined;
  /** Home's last `USAGE` report from this remote. */
  reportedUsage: { drawn: bigint; line: bigint; seq: bigint };
  /** The most `exportCredit` to this remote accepts now, why, and the error one wei more raises. */
  maxExport: bigint;
  maxExportLimitedBy: ExportLimit;
  maxExportError: BallastContractErrorName | 'oracle';
  /** When the remote's export rate window opens again (seconds). */
  windowResetsAt: bigint;
  remoteEnabled: boolean;
  /** Draws there need a heartbeat newer than `heartbeatPeriod` seconds. */
  lastHeartbeat: bigint;
  heartbeatPeriod: number;
  drawsPaused: boolean;
  /** Timestamp of the remote block read. */
  timestamp: bigint;
};

export type GetPositionReturnType = {
  account: Address;
  /** Timestamp of the home block read. */
  timestamp: bigint;
  collateral: AssetPosition[];
  /** Assets whose fresh price cannot be read: they count for no power. */
  unpriced: Address[];
  /** Borrowing power at fresh prices (unpriced assets count for nothing, as exports and withdrawals judge). */
  borrowingPower: bigint;
  totalExported: bigint;
  /** Σ drawn over every remote. */
  totalDrawn: bigint;
  /** Home health at fresh prices (`vault.health`); `undefined` while a price cannot be read. 1e18 = 1; `INFINITE_HEALTH` with nothing exported. */
  health: bigint | undefined;
  /** Home health at liquidation prices (`vault.liquidationHealth`): under 1 the account may be flagged. */
  liquidationHealth: bigint | undefined;
  /** The same numerator over Σ drawn (ARCHITECTURE.md §6). */
  usageHealth: bigint | undefined;
  /** Liquidation epoch on home; odd while flagged. */
  epoch: number;
  flagged: boolean;
  exportsPaused: boolean;
  remotes: RemotePosition[];
};

function reading(read: QueuedRead<bigint>): PriceReading {
  const result = read.result;
  return result.ok ? { ok: true, price: result.value } : { ok: false, error: result.error };
}

type AssetReads = {
  asset: Address;
  balance: QueuedRead<bigint>;
  config: QueuedRead<{ ltvBps: number; liquidationThresholdBps: number; decimals: number; listed: boolean }>;
  price: QueuedRead<readonly [boolean, bigint, bigint]>;
  liquidationPrice: QueuedRead<bigint>;
};

/** Queues the reads of `assets` (and their pairwise risk) on a home batch. */
function queueAssets(batch: ReadBatch, vault: Address, oracle: Address, account: Address, assets: readonly Address[], tolerance: number) {
  const perAsset: AssetReads[] = assets.map((asset) => ({
    asset,
    balance: batch.read(vault, collateralVaultAbi, 'collateralOf', [account, asset]),
    config: batch.read(vault, collateralVaultAbi, 'assetConfig', [asset]),
    price: batch.read(oracle, chainlinkOracleAdapterAbi, 'tryPrice', [asset]),
    liquidationPrice: batch.read(oracle, chainlinkOracleAdapterAbi, 'liquidationPrice', [asset, BigInt(tolerance)]),
  }));
  const risk = new Map<string, QueuedRead<readonly [number, number]>>();
  for (const a of assets) for (const b of assets) if (a <= b) risk.set(`${a}/${b}`, batch.read(vault, collateralVaultAbi, 'riskOf', [a, b]));
  return { perAsset, risk };
}

/**
 * Reads `account`'s position on every chain: one round trip per chain, all chains at once.
 *
 * @example
 * const position = await getPosition(client, { account: '0x…' });
 * position.liquidationHealth;          // 1e18 = 1
 * position.remotes[0].maxExport;       // the most exportCredit accepts now
 * position.collateral[0].maxWithdraw;  // the most withdraw accepts now
 */
export async function getPosition(client: BallastBaseClient, { account, assets }: GetPositionParameters): Promise<GetPositionReturnType> {
  const { home, remotes, cache } = client.ballast;
  const vault = contractOn(client, home.deployment.eid, CONTRACT_NAMES.vault);
  const oracle = contractOn(client, home.deployment.eid, CONTRACT_NAMES.oracle);
  const candidates = (assets ?? deployedCollateral(home)).map((asset) => getAddress(asset));
  const tolerance = cache.priceTolerance ?? 0;

  // Home: the account, every candidate asset, every remote's limits, in one aggregate3.
  const homeBatch = new ReadBatch(home);
  const held = homeBatch.read(vault, collateralVaultAbi, 'assetsOf', [account]);
  const totalExportedRead = homeBatch.read(vault, collateralVaultAbi, 'totalExported', [account]);
  const epochRead = homeBatch.read(vault, collateralVaultAbi, 'epochOf', [account]);
  const pausedRead = homeBatch.read(vault, collateralVaultAbi, 'exportsPaused', []);
  const liquidationConfig = homeBatch.read(vault, collateralVaultAbi, 'liquidationConfig', []);
  const homeTime = homeBatch.blockTimestamp();
  let queued = queueAssets(homeBatch, vault, oracle, account, candidates, tolerance);
  const perRemote = remotes.map(({ deployment }) => ({
    exported: homeBatch.read(vault, collateralVaultAbi, 'exportedTo', [account, deployment.eid]),
    config: homeBatch.read(vault, collateralVaultAbi, 'remoteConfig', [deployment.eid]),
    state: homeBatch.read(vault, collateralVaultAbi, 'remoteState', [deployment.eid]),
    usage: homeBatch.read(vault, collateralVaultAbi, 'usageOf', [account, deployment.eid]),
  }));

  // Each remote: the line and what liquidation and the heartbeat add, in one aggregate3 per remote.
  const remoteBatches = remotes.map((connection) => {
    const batch = new ReadBatch(connection);
    const mirror = contractOn(client, connection.deployment.eid, CONTRACT_NAMES.mirror);
    const pool = connection.deployment.contracts.lendingPool;
    return {
      connection,
      batch,
      line: batch.read(mirror, creditMirrorAbi, 'lineOf', [account]),
      parked: batch.read(mirror, creditMirrorAbi, 'parkedOf', [account]),
      repayable: batch.read(mirror, creditMirrorAbi, 'repayableOf', [account]),
      lastHeartbeat: batch.read(mirror, creditMirrorAbi, 'lastHeartbeat', []),
      heartbeatPeriod: batch.read(mirror, creditMirrorAbi, 'heartbeatPeriod', []),
      drawsPaused: batch.read(mirror, creditMirrorAbi, 'drawsPaused', []),
      debt: pool ? batch.read(pool, creditLendingPoolAbi, 'debtOf', [account]) : undefined,
      time: batch.blockTimestamp(),
    };
  });
  await Promise.all([homeBatch.run(), ...remoteBatches.map(({ batch }) => batch.run())]);

  const config = liquidationConfig.required('liquidationConfig');
  const heldAssets = held.required('assetsOf').map((asset) => getAddress(asset));
  cache.priceTolerance = config.priceTolerance;
  // A second home round trip only when the first could not be exact: an asset held outside the candidates,
  // or a liquidation price refused at a tolerance that was not the vault's.
  const missing = heldAssets.filter((asset) => !candidates.some((candidate) => isAddressEqual(candidate, asset)));
  const refusedAtWrongTolerance = tolerance !== config.priceTolerance && queued.perAsset.some((reads) => heldAssets.includes(reads.asset) && !reads.liquidationPrice.result.ok);
  if (missing.length > 0 || refusedAtWrongTolerance) {
    const again = new ReadBatch(home);
    queued = queueAssets(again, vault, oracle, account, heldAssets, config.priceTolerance);
    await again.run();
  }

  // The basket: held assets in the vault's listing order (`assetsOf`), as the vault's maths sees them.
  const byAsset = new Map(queued.perAsset.map((reads) => [reads.asset, reads]));
  const names = new Map(Object.entries(home.deployment.contracts).map(([name, address]) => [address, name]));
  const limitAssets: LimitAsset[] = [];
  const describe: Omit<AssetPosition, 'maxWithdraw' | 'maxWithdrawError' | 'liquidationPrice'>[] = [];
  for (const asset of heldAssets) {
    const reads = byAsset.get(asset) as AssetReads;
    const assetConfig = reads.config.required('assetConfig');
    const [priceOk, freshPrice] = reads.price.required('tryPrice');
    const price: PriceReading = priceOk ? { ok: true, price: freshPrice } : { ok: false, error: undefined };
    const liquidationPriceReading = reading(reads.liquidationPrice);
    const amount = reads.balance.required('collateralOf');
    const [, depthThousands] = (queued.risk.get(`${asset}/${asset}`) as QueuedRead<readonly [number, number]>).required('riskOf');
    limitAssets.push({
      amount,
      decimals: assetConfig.decimals,
      ltvBps: assetConfig.ltvBps,
      liquidationThresholdBps: assetConfig.liquidationThresholdBps,
      depthThousands,
      price: price.ok ? price.price : undefined,
      liquidationPrice: liquidationPriceReading.ok ? liquidationPriceReading.price : undefined,
    });
    describe.push({
      asset,
      name: names.get(asset),
      amount,
      decimals: assetConfig.decimals,
      ltvBps: assetConfig.ltvBps,
      liquidationThresholdBps: assetConfig.liquidationThresholdBps,
      depthThousands,
      price,
      liquidationPriceReading,
      value: price.ok ? collateralValueDown(amount, price.price, assetConfig.decimals) : undefined,
    });
  }
  const basket: LimitBasket = {
    assets: limitAssets,
    correlation: (i, j) => {
      const [a, b] = [heldAssets[i] as Address, heldAssets[j] as Address];
      const read = queued.risk.get(a <= b ? `${a}/${b}` : `${b}/${a}`) as QueuedRead<readonly [number, number]>;
      return read.required('riskOf')[0];
    },
  };

  const totalExported = totalExportedRead.required('totalExported');
  const epoch = epochRead.required('epochOf');
  const flagged = epoch % 2 === 1;
  const exportsPaused = pausedRead.required('exportsPaused');
  const now = homeTime.required('getCurrentBlockTimestamp');

  const remotePositions: RemotePosition[] = remoteBatches.map((reads, index) => {
    const homeReads = perRemote[index] as (typeof perRemote)[number];
    const line = reads.line.required('lineOf');
    const parked = reads.parked.required('parkedOf');
    const exported = homeReads.exported.required('exportedTo');
    const remoteConfig = homeReads.config.required('remoteConfig');
    const remoteState = homeReads.state.required('remoteState');
    const usage = homeReads.usage.required('usageOf');
    const max = maxExportDown({
      basket,
      totalExported,
      flagged,
      exportsPaused,
      remote: { ...remoteConfig, exported: remoteState.exported, usedInWindow: remoteState.usedInWindow, windowStart: remoteState.windowStart },
      now,
    });
    return {
      eid: reads.connection.deployment.eid,
      name: reads.connection.deployment.name,
      exported,
      line: line.line,
      drawn: line.drawn,
      undrawn: line.line - line.drawn,
      parked,
      repayable: reads.repayable.required('repayableOf'),
      epoch: line.epoch,
      inFlight: exported - line.line - parked,
      poolDebt: reads.debt?.value,
      reportedUsage: { drawn: usage.drawn, line: usage.line, seq: usage.seq },
      maxExport: max.amount,
      maxExportLimitedBy: max.limitedBy,
      maxExportError: max.errorAbove,
      windowResetsAt: max.windowResetsAt,
      remoteEnabled: remoteConfig.enabled,
      lastHeartbeat: reads.lastHeartbeat.required('lastHeartbeat'),
      heartbeatPeriod: reads.heartbeatPeriod.required('heartbeatPeriod'),
      drawsPaused: reads.drawsPaused.required('drawsPaused'),
      timestamp: reads.time.required('getCurrentBlockTimestamp'),
    };
  });
  const totalDrawn = remotePositions.reduce((sum, remote) => sum + remote.drawn, 0n);
  const liquidationPriced = limitAssets.every((asset) => asset.liquidationPrice !== undefined);
  const liquidationWeighted = liquidationPriced ? weightedValueDown(basket, 'threshold', 'liquidationPrice') : undefined;

  return {
    account: getAddress(account),
    timestamp: now,
    collateral: describe.map((position, index) => {
      const max = maxWithdrawDown(basket, index, totalExported, flagged);
      return { ...position, maxWithdraw: max.amount, maxWithdrawError: max.errorAbove, liquidationPrice: liquidationPriceOf(basket, index, totalExported) };
    }),
    unpriced: describe.filter((position) => !position.price.ok).map((position) => position.asset),
    borrowingPower: borrowingPowerDown(basket),
    totalExported,
    totalDrawn,
    health: healthAt(basket, 'price', totalExported),
    liquidationHealth: totalExported === 0n ? INFINITE_HEALTH : liquidationWeighted === undefined ? undefined : healthDown(liquidationWeighted, totalExported),
    usageHealth: liquidationWeighted === undefined ? undefined : healthDown(liquidationWeighted, totalDrawn),
    epoch,
    flagged,
    exportsPaused,
    remotes: remotePositions,
  };
}
