// Shared by the keeper suites (relayer/test/keeper*.test.ts): a devnet stack with Ballast and an
// in-process courier, funded account keys beyond anvil's ten, positions opened through the real
// contracts, a keeper with its own ingest and Redis connections, and reads of everything an action moves.
import { collateralVaultAbi, creditMirrorAbi, testTokenAbi } from '@ballast/abi';
import { BALLAST_CONTRACTS, deployBallast, devnetKey, liveChildren } from '@ballast/devnet';
import { type Deployments, contractAddress, homeChain } from '@ballast/protocol';
import { Redis } from 'ioredis';
import { type Address, type Hex, parseEther, parseUnits } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, expect } from 'vitest';
import { BallastUser, type CollateralAsset } from '../../test/support/ballast.ts';
import { DeliveryTracker } from '../../test/support/pings.ts';
import { type Stack, startStack } from '../../test/support/stack.ts';
import type { Courier } from '../src/courier/courier.ts';
import type { IngestChain } from '../src/ingest/event-source.ts';
import { Ingest } from '../src/ingest/ingest.ts';
import { Keeper, type KeeperOptions } from '../src/keeper/keeper.ts';
import type { KeeperSettings } from '../src/keeper/settings.ts';
import { createLogger } from '../src/logging.ts';
import type { CloseWorkerGracefullyReturnType } from '../src/ops/worker-shutdown.ts';
import { ReconcileStore } from '../src/reconcile/account-store.ts';

export const credit = (usd: string) => parseEther(usd);
export const usdc = (amount: string) => parseUnits(amount, 6);
export const ONE = 10n ** 18n;

export type KeeperStack = {
  stack: Stack;
  deployments: Deployments;
  courier: Courier;
  deliveries: DeliveryTracker;
  home: number;
  remotes: [number, number];
  stop: () => Promise<void>;
};

/** A devnet with Ballast, the courier carrying every message, and a fresh HEARTBEAT on each remote. */
export async function startKeeperStack(): Promise<KeeperStack> {
  const stack = await startStack();
  const keepers: RunningKeeper[] = [];
  running.set(stack, keepers);
  const stop = async () => {
    try {
      await Promise.all(keepers.map((keeper) => keeper.stop()));
    } finally {
      await stack.stop();
    }
  };
  try {
    await deployBallast(stack.devnet);
    const deployments = stack.devnet.deployments;
    const courier = stack.courier();
    const deliveries = new DeliveryTracker(courier);
    courier.start();
    const home = homeChain(deployments).eid;
    const remotes = deployments.chains.filter((chain) => chain.role === 'remote').map((chain) => chain.eid) as [number, number];
    const sender = new BallastUser(deployments, devnetKey(9));
    const heartbeats: Hex[] = [];
    for (const eid of remotes) heartbeats.push(await sender.sendHeartbeat(eid));
    await deliveries.waitFor(heartbeats, 30_000);
    return { stack, deployments, courier, deliveries, home, remotes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * A suite's keeper stack, started before its tests and stopped after them (no child process may be left):
 * `suite.env` in the tests.
 */
export function keeperSuite(): { env: KeeperStack } {
  const suite = {} as { env: KeeperStack };
  beforeAll(async () => {
    suite.env = await startKeeperStack();
  });
  afterAll(async () => {
    await suite.env?.stop();
    expect(liveChildren()).toEqual([]);
  });
  return suite;
}

const running = new Map<Stack, RunningKeeper[]>();

/** A devnet key past anvil's ten (index ≥ 10), given ether on every chain. */
export async function fundedKey(deployments: Deployments, index: number): Promise<Hex> {
  const key = devnetKey(index);
  const address = privateKeyToAccount(key).address;
  await Promise.all(
    deployments.chains.map((chain) => {
      const user = new BallastUser(deployments, devnetKey(0));
      return user.connection(chain.eid).publicClient.request({ method: 'anvil_setBalance', params: [address, `0x${parseEther('1000').toString(16)}`] } as never);
    }),
  );
  return key;
}

export type Position = {
  weth?: string;
  wbtc?: string;
  /** Credit exported per remote eid, USD. */
  exports: Record<number, string>;
  /** USDC borrowed per remote eid. */
  borrows: Record<number, string>;
};

/** Opens a position through the contracts: deposit, export (grants delivered), borrow. */
export async function openPosition(keeperStack: KeeperStack, user: BallastUser, position: Position): Promise<void> {
  if (position.weth) await user.deposit('weth', parseEther(position.weth));
  if (position.wbtc) await user.deposit('wbtc', parseUnits(position.wbtc, 8));
  const grants: Hex[] = [];
  for (const [eid, amount] of Object.entries(position.exports)) grants.push(await user.exportCredit(Number(eid), credit(amount)));
  await keeperStack.deliveries.waitFor(grants, 30_000);
  for (const [eid, amount] of Object.entries(position.borrows)) await user.borrow(Number(eid), usdc(amount));
}

export type RunningKeeper = { keeper: Keeper; ingest: Ingest; redis: Redis; stop: () => Promise<CloseWorkerGracefullyReturnType | undefined> };

/** A keeper with its own ingest and Redis connections on the stack's prefix (what one relayer process runs). */
export function startKeeper(keeperStack: KeeperStack, key: Hex, settings: KeeperSettings, options: Partial<KeeperOptions> = {}): RunningKeeper {
  const { stack, deployments } = keeperStack;
  const redis = new Redis(stack.redis.url, { maxRetriesPerRequest: null });
  const logger = createLogger(process.env.BALLAST_LOG_LEVEL ?? 'silent');
  const chains: IngestChain[] = deployments.chains.map((deployment) => {
    const user = new BallastUser(deployments, key);
    return { deployment, publicClient: user.connection(deployment.eid).publicClient };
  });
  const store = new ReconcileStore({ redis, chains: deployments.chains, prefix: stack.prefix });
  const ingest = new Ingest({ chains, redis, prefix: stack.prefix, consumer: store, settings: { pollIntervalMs: 20 }, logger });
  const keeper = new Keeper({ deployments, redisUrl: stack.redis.url, prefix: stack.prefix, transactorKey: key, settings, logger, ingest, store, ...options });
  ingest.start();
  keeper.start();
  let stopped = false;
  const handle: RunningKeeper = {
    keeper,
    ingest,
    redis,
    stop: async () => {
      if (stopped) return undefined;
      stopped = true;
      const outcome = await keeper.stop();
      await ingest.stop();
      redis.disconnect();
      return outcome;
    },
  };
  running.get(stack)?.push(handle);
  return handle;
}

/** Polls until a check holds (test/support/wait.ts); the keeper suites, the demo and the bench take it from here. */
export { waitUntil } from '../../test/support/wait.ts';

/** Everything a keeper action can move for one account: home epoch, collateral and exports; each remote's line. */
export type AccountBook = {
  epoch: number;
  collateral: Record<CollateralAsset, bigint>;
  totalExported: bigint;
  remotes: Record<number, { exported: bigint; line: bigint; drawn: bigint; parked: bigint; repayable: bigint; epoch: number }>;
};

export async function readAccountBook(keeperStack: KeeperStack, user: BallastUser): Promise<AccountBook> {
  const epochs = await user.epochs();
  const remotes: AccountBook['remotes'] = {};
  for (const eid of keeperStack.remotes) {
    const [position, line] = await Promise.all([user.position(eid), user.line(eid)]);
    remotes[eid] = { exported: position.exported, line: line.line, drawn: line.drawn, parked: line.parked, repayable: line.repayable, epoch: line.epoch };
  }
  return {
    epoch: epochs[keeperStack.home] as number,
    collateral: { weth: await user.collateralOf('weth'), wbtc: await user.collateralOf('wbtc') },
    totalExported: await user.totalExported(),
    remotes,
  };
}

/** Mints `amount` USDC to `address` on `eid` (devnet tokens are freely mintable). */
export async function mintUsdc(keeperStack: KeeperStack, eid: number, address: Address, amount: bigint): Promise<void> {
  const minter = new BallastUser(keeperStack.deployments, devnetKey(9));
  const token = contractAddress(minter.connection(eid).chain, BALLAST_CONTRACTS.usdc);
  await minter.write(eid, token, testTokenAbi, 'mint', [address, amount]);
}

/** Every liquidation event the vault and the mirrors emitted since the stack started, counted by a key. */
export async function liquidationEvents(keeperStack: KeeperStack): Promise<{
  notices: Map<string, number>;
  flags: Map<string, number>;
  clears: Map<string, number>;
  returned: Map<string, number>;
  liquidations: Map<string, number>;
}> {
  const reader = new BallastUser(keeperStack.deployments, devnetKey(9));
  const home = reader.connection(keeperStack.home);
  const vault = reader.contract(keeperStack.home, BALLAST_CONTRACTS.vault);
  const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  const notices = new Map<string, number>();
  const flags = new Map<string, number>();
  const clears = new Map<string, number>();
  const returned = new Map<string, number>();
  const liquidations = new Map<string, number>();
  const vaultLogs = await home.publicClient.getContractEvents({ address: vault, abi: collateralVaultAbi, fromBlock: 0n });
  for (const log of vaultLogs) {
    if (log.eventName === 'NoticeSent') count(notices, `${log.args.account}-${log.args.dstEid}-${log.args.msgType}-${log.args.epoch}`);
    if (log.eventName === 'AccountFlagged') count(flags, `${log.args.account}-${log.args.epoch}`);
    if (log.eventName === 'AccountCleared') count(clears, `${log.args.account}-${log.args.epoch}`);
  }
  for (const eid of keeperStack.remotes) {
    const remote = reader.connection(eid);
    const mirror = reader.contract(eid, BALLAST_CONTRACTS.mirror);
    const logs = await remote.publicClient.getContractEvents({ address: mirror, abi: creditMirrorAbi, fromBlock: 0n });
    for (const log of logs) {
      // returnParked sends a RELEASE with the parked credit's reason (never "voluntary", reason 0).
      if (log.eventName === 'CreditReleased' && log.args.reason !== 0) count(returned, `${log.args.account}-${eid}`);
      if (log.eventName === 'Liquidated') count(liquidations, `${log.args.account}-${eid}-${log.args.epoch}`);
    }
  }
  return { notices, flags, clears, returned, liquidations };
}
