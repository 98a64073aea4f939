// What `plan` reads before it decides: the position (getPosition), the account's basket with its
// correlations (so the vault's maths can be rerun on a hypothetical release), each remote's raw export
// limits, and every fee a step may pay — one more round trip per chain on top of getPosition's.
import { collateralVaultAbi, creditMirrorAbi } from '../abi.generated.ts';
import { CONTRACT_NAMES, MESSAGE_TYPES } from '@ballast/protocol/core';
import { type Address, erc20Abi } from 'viem';
import { type GetPositionReturnType, type RemotePosition, getPosition } from '../actions/getPosition.ts';
import { type BallastBaseClient, contractOn } from '../client.ts';
import type { LimitBasket, MaxExportParameters } from '../position/limits.ts';
import { type QueuedRead, ReadBatch } from '../position/read-batch.ts';

/** One remote as planning needs it. */
export type RemoteSnapshot = {
  position: RemotePosition;
  /** Raw limits for `maxExportDown` (the vault's `remoteConfig` and `remoteState`). */
  limits: MaxExportParameters['remote'];
  grantTtl: number;
  /** Quoted native fees, wei. */
  fees: { grant: bigint; heartbeat: bigint; release: bigint };
  /** The reference pool's token there: decimals and the account's balance (absent without a pool). */
  poolToken: { decimals: number; balance: bigint } | undefined;
  /** Credit the reference pool drew on the account's line (what repaying its loan restores). */
  poolDrawn: bigint;
};

/** Everything a plan is decided from, read at one moment. */
export type PlanSnapshot = {
  account: Address;
  position: GetPositionReturnType;
  basket: LimitBasket;
  remotes: Map<number, RemoteSnapshot>;
};

/** Reads `account`'s position and everything a route costs or is limited by. */
export async function readPlanSnapshot(client: BallastBaseClient, account: Address): Promise<PlanSnapshot> {
  const { home, remotes } = client.ballast;
  const position = await getPosition(client, { account });
  const vault = contractOn(client, home.deployment.eid, CONTRACT_NAMES.vault);
  const assets = position.collateral.map((asset) => asset.asset);

  const homeBatch = new ReadBatch(home);
  const risk = new Map<string, QueuedRead<readonly [number, number]>>();
  for (let i = 0; i < assets.length; i++) for (let j = i + 1; j < assets.length; j++) risk.set(`${i}/${j}`, homeBatch.read(vault, collateralVaultAbi, 'riskOf', [assets[i] as Address, assets[j] as Address]));
  const perRemote = remotes.map(({ deployment }) => ({
    config: homeBatch.read(vault, collateralVaultAbi, 'remoteConfig', [deployment.eid]),
    state: homeBatch.read(vault, collateralVaultAbi, 'remoteState', [deployment.eid]),
    grant: homeBatch.read(vault, collateralVaultAbi, 'quoteExport', [deployment.eid, '0x']),
    heartbeat: homeBatch.read(vault, collateralVaultAbi, 'quote', [deployment.eid, MESSAGE_TYPES.heartbeat, '0x']),
  }));
  const remoteBatches = remotes.map((connection) => {
    const batch = new ReadBatch(connection);
    const mirror = contractOn(client, connection.deployment.eid, CONTRACT_NAMES.mirror);
    const token = connection.deployment.contracts[CONTRACT_NAMES.usdc];
    const pool = connection.deployment.contracts[CONTRACT_NAMES.pool];
    return {
      connection,
      batch,
      release: batch.read(mirror, creditMirrorAbi, 'quote', [MESSAGE_TYPES.release, '0x']),
      decimals: token ? batch.read(token, erc20Abi, 'decimals', []) : undefined,
      balance: token ? batch.read(token, erc20Abi, 'balanceOf', [account]) : undefined,
      poolDrawn: pool ? batch.read(mirror, creditMirrorAbi, 'drawnBy', [pool, account]) : undefined,
    };
  });
  await Promise.all([homeBatch.run(), ...remoteBatches.map(({ batch }) => batch.run())]);

  const basket: LimitBasket = {
    assets: position.collateral.map((asset) => ({
      amount: asset.amount,
      decimals: asset.decimals,
      ltvBps: asset.ltvBps,
      liquidationThresholdBps: asset.liquidationThresholdBps,
      depthThousands: asset.depthThousands,
      price: asset.price.ok ? asset.price.price : undefined,
      liquidationPrice: asset.liquidationPriceReading.ok ? asset.liquidationPriceReading.price : undefined,
    })),
    correlation: (i, j) => (risk.get(i < j ? `${i}/${j}` : `${j}/${i}`) as QueuedRead<readonly [number, number]>).required('riskOf')[0],
  };
  const snapshots = new Map<number, RemoteSnapshot>();
  remoteBatches.forEach((reads, index) => {
    const homeReads = perRemote[index] as (typeof perRemote)[number];
    const eid = reads.connection.deployment.eid;
    const config = homeReads.config.required('remoteConfig');
    const state = homeReads.state.required('remoteState');
    snapshots.set(eid, {
      position: position.remotes.find((remote) => remote.eid === eid) as RemotePosition,
      limits: { enabled: config.enabled, creditCap: config.creditCap, maxPerWindow: config.maxPerWindow, rateWindow: config.rateWindow, exported: state.exported, usedInWindow: state.usedInWindow, windowStart: state.windowStart },
      grantTtl: config.grantTtl,
      fees: { grant: homeReads.grant.required('quoteExport').nativeFee, heartbeat: homeReads.heartbeat.required('quote').nativeFee, release: reads.release.required('quote').nativeFee },
      poolToken: reads.decimals && reads.balance ? { decimals: reads.decimals.required('decimals'), balance: reads.balance.required('balanceOf') } : undefined,
      poolDrawn: reads.poolDrawn ? reads.poolDrawn.required('drawnBy') : 0n,
    });
  });
  return { account, position, basket, remotes: snapshots };
}
