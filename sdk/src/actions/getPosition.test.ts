// getPosition on the 3-chain devnet with the courier: after random operations by several users it equals
// the contracts' own views; it costs one round trip per chain (counted by a transport wrapper); its max
// export and max withdraw are exact (the amount passes, one wei more reverts with the error it predicted);
// a price the oracle refuses is reported, not thrown.
import { collateralVaultAbi, creditMirrorAbi } from '@ballast/abi';
import { BALLAST_CONTRACTS, ChainDeployer, devnetKeys, executeThroughTimelock } from '@ballast/devnet';
import { INFINITE_HEALTH, contractAddress, homeChain } from '@ballast/protocol';
import { type Address, createTestClient, encodeFunctionData, erc20Abi, http, parseEther, parseUnits } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BallastUser } from '../../../test/support/ballast.ts';
import { DeliveryTracker } from '../../../test/support/pings.ts';
import { RandomOperations } from '../../../test/support/random-operations.ts';
import type { Stack } from '../../../test/support/stack.ts';
import { startBallastStack } from '../../test/ballast-stack.ts';
import { type RequestCounter, countingClient } from '../../test/counting-transport.ts';
import type { BallastClient } from '../createBallastClient.ts';
import { BallastContractError } from '../errors/contract.ts';
import type { GetPositionReturnType } from './getPosition.ts';

/** The relayer's courier, as the test stack builds it. */
type Courier = ReturnType<Stack['courier']>;

let stack: Stack;
let courier: Courier;
let deliveries: DeliveryTracker;
const RANDOM_USERS = [devnetKeys.users[1], devnetKeys.users[2], devnetKeys.users[3]] as const;

beforeAll(async () => {
  stack = await startBallastStack({ courier: false });
  courier = stack.courier();
  deliveries = new DeliveryTracker(courier);
  courier.start();
});

afterAll(async () => {
  await stack?.stop();
});

/** A client for `key` whose every chain counts its requests. */
function countedClient(key: `0x${string}`): { client: BallastClient; counters: Map<number, RequestCounter> } {
  return countingClient(stack.devnet.deployments, privateKeyToAccount(key));
}

/** The contracts' own views for `account`, to compare with the SDK's position. */
async function contractViews(account: Address) {
  const { deployments } = stack.devnet;
  const home = homeChain(deployments);
  const reader = new BallastUser(deployments, devnetKeys.users[0]).connection(home.eid).publicClient;
  const vault = contractAddress(home, BALLAST_CONTRACTS.vault);
  const assets = await reader.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'assetsOf', args: [account] });
  const collateral = await Promise.all(assets.map((asset) => reader.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'collateralOf', args: [account, asset] })));
  const remotes = await Promise.all(
    deployments.chains
      .filter((chain) => chain.role === 'remote')
      .map(async (remote) => {
        const remoteReader = new BallastUser(deployments, devnetKeys.users[0]).connection(remote.eid).publicClient;
        const mirror = contractAddress(remote, BALLAST_CONTRACTS.mirror);
        const [exported, line, parked, repayable] = await Promise.all([
          reader.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'exportedTo', args: [account, remote.eid] }),
          remoteReader.readContract({ address: mirror, abi: creditMirrorAbi, functionName: 'lineOf', args: [account] }),
          remoteReader.readContract({ address: mirror, abi: creditMirrorAbi, functionName: 'parkedOf', args: [account] }),
          remoteReader.readContract({ address: mirror, abi: creditMirrorAbi, functionName: 'repayableOf', args: [account] }),
        ]);
        return { eid: remote.eid, exported, line: line.line, drawn: line.drawn, parked, repayable, epoch: line.epoch };
      }),
  );
  return {
    assets,
    collateral,
    totalExported: await reader.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'totalExported', args: [account] }),
    borrowingPower: await reader.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'borrowingPower', args: [account] }),
    health: await reader.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'health', args: [account] }),
    liquidationHealth: await reader.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'liquidationHealth', args: [account] }),
    remotes,
  };
}

function sdkView(position: GetPositionReturnType) {
  return {
    assets: position.collateral.map((asset) => asset.asset),
    collateral: position.collateral.map((asset) => asset.amount),
    totalExported: position.totalExported,
    borrowingPower: position.borrowingPower,
    health: position.health,
    liquidationHealth: position.liquidationHealth,
    remotes: position.remotes.map(({ eid, exported, line, drawn, parked, repayable, epoch }) => ({ eid, exported, line, drawn, parked, repayable, epoch })),
  };
}

/** `VaultRisk.RISK_UPDATE_DELAY`: the devnet's timelock delay is 0, so the vault's own floor of 3 days applies. */
const RISK_UPDATE_DELAY_SECONDS = 3 * 86_400;

/**
 * Names the deployer the vault's risk admin (through the timelock), queues `update`, moves home past the
 * risk delay, answers the feeds again (the wait made them stale; a first depth is checked against the
 * vault's holdings at a fresh price) and applies it.
 */
async function applyRiskUpdate(
  update: { correlations: { assetA: Address; assetB: Address; correlationBps: number }[]; depths: { asset: Address; depthThousands: number }[] },
  refreshFeeds: () => Promise<void>,
) {
  const home = homeChain(stack.devnet.deployments);
  const deployer = new ChainDeployer(home, devnetKeys.deployer);
  const vault = contractAddress(home, BALLAST_CONTRACTS.vault);
  const setRiskAdmin = encodeFunctionData({ abi: collateralVaultAbi, functionName: 'setRiskAdmin', args: [deployer.account.address] });
  await executeThroughTimelock(deployer, home.governance?.timelock as Address, 'setRiskAdmin', [{ target: vault, data: setRiskAdmin }]);
  await deployer.write('vault.queueRiskUpdate', vault, collateralVaultAbi, 'queueRiskUpdate', [update]);
  const test = createTestClient({ mode: 'anvil', transport: http(home.rpcUrl) });
  await test.increaseTime({ seconds: RISK_UPDATE_DELAY_SECONDS + 1 });
  await test.mine({ blocks: 1 });
  await refreshFeeds();
  await deployer.write('vault.applyRiskUpdate', vault, collateralVaultAbi, 'applyRiskUpdate', [update]);
}

/**
 * Checks every limit of `user`'s position against the vault, each from the same state (home is snapshot
 * before and restored after): max withdraw of each asset passes and one unit more reverts with the
 * predicted error; max export to each remote likewise; at each asset's liquidation price the account is
 * liquidatable and one feed step above it is not.
 */
async function expectExactLimits(client: BallastClient, user: BallastUser): Promise<void> {
  const homeTest = createTestClient({ mode: 'anvil', transport: http(client.ballast.home.deployment.rpcUrl) });
  const fresh = () => client.getPosition({ account: user.address });
  const assetCount = (await fresh()).collateral.length;
  for (let index = 0; index < assetCount; index++) {
    const snapshot = await homeTest.snapshot();
    const asset = (await fresh()).collateral[index];
    if (!asset) throw new Error(`no asset ${index}`);
    expect(asset.maxWithdraw).toBeGreaterThan(0n);
    expect(asset.maxWithdraw).toBeLessThan(asset.amount);
    const tooMuch = await client.withdraw({ asset: asset.asset, amount: asset.maxWithdraw + 1n }).catch((error: unknown) => error);
    expect(tooMuch).toBeInstanceOf(BallastContractError);
    expect((tooMuch as BallastContractError).errorName).toBe(asset.maxWithdrawError);
    await client.withdraw({ asset: asset.asset, amount: asset.maxWithdraw });
    expect(await user.collateralOf(asset.name as 'weth' | 'wbtc')).toBe(asset.amount - asset.maxWithdraw);
    expect(sdkView(await fresh())).toEqual(await contractViews(user.address));
    await homeTest.revert({ id: snapshot });
  }
  for (const remote of client.ballast.remotes) {
    const snapshot = await homeTest.snapshot();
    const limit = (await fresh()).remotes.find((candidate) => candidate.eid === remote.deployment.eid);
    if (!limit) throw new Error(`no remote ${remote.deployment.eid}`);
    expect(limit.maxExport).toBeGreaterThan(0n);
    const over = await client.exportCredit({ dstEid: remote.deployment.eid, amount: limit.maxExport + 1n }).catch((error: unknown) => error);
    expect((over as BallastContractError).errorName).toBe(limit.maxExportError);
    await client.exportCredit({ dstEid: remote.deployment.eid, amount: limit.maxExport });
    await homeTest.revert({ id: snapshot });
  }
  // Feeds answer with 8 decimals: a = ⌊L / 1e10⌋ prices at or under L (liquidatable), a + 1 above it (not).
  const home = homeChain(stack.devnet.deployments);
  const vault = contractAddress(home, BALLAST_CONTRACTS.vault);
  const reader = user.connection(home.eid).publicClient;
  for (const asset of (await fresh()).collateral) {
    if (asset.liquidationPrice === undefined) continue;
    const feed = contractAddress(home, asset.name === 'weth' ? BALLAST_CONTRACTS.wethFeed : BALLAST_CONTRACTS.wbtcFeed);
    const snapshot = await homeTest.snapshot();
    const answer = asset.liquidationPrice / 10n ** 10n;
    await user.setAnswer(feed, answer);
    expect(await reader.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'liquidationHealth', args: [user.address] })).toBeLessThan(10n ** 18n);
    expect((await fresh()).liquidationHealth).toBeLessThan(10n ** 18n);
    await user.setAnswer(feed, answer + 1n);
    expect(await reader.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'liquidationHealth', args: [user.address] })).toBeGreaterThanOrEqual(10n ** 18n);
    await homeTest.revert({ id: snapshot });
  }
}

describe('getPosition', () => {
  test('equals the contracts\' views after random operations, in one round trip per chain', async () => {
    const operations = new RandomOperations(stack.devnet.deployments, RANDOM_USERS, 20_261_207n);
    const records = await operations.run(40);
    expect(records.filter((record) => record.outcome === 'done').length).toBeGreaterThan(15);
    await deliveries.waitFor(operations.guids, 120_000);

    let withExports = 0;
    for (const key of RANDOM_USERS) {
      const account = privateKeyToAccount(key).address;
      const { client, counters } = countedClient(key);
      const position = await client.getPosition({ account });
      // One aggregate3 per chain: the home chain and each remote.
      for (const [eid, counter] of counters) expect({ eid, requests: counter.total, methods: [...counter.byMethod.keys()] }).toEqual({ eid, requests: 1, methods: ['eth_call'] });
      expect(sdkView(position)).toEqual(await contractViews(account));
      if (position.totalExported > 0n) withExports++;
      // Nothing in flight once every message landed: exported = line + parked on each remote.
      for (const remote of position.remotes) expect(remote.inFlight).toBe(0n);
      expect(position.totalDrawn).toBe(position.remotes.reduce((sum, remote) => sum + remote.drawn, 0n));
      // A second read is one round trip per chain again.
      for (const counter of counters.values()) counter.reset();
      await client.getPosition({ account });
      for (const counter of counters.values()) expect(counter.total).toBe(1);
    }
    expect(withExports).toBeGreaterThan(0);
  });

  test('max export and max withdraw are exact: the amount passes, one wei more reverts with the predicted error', async () => {
    const key = devnetKeys.users[4];
    const user = new BallastUser(stack.devnet.deployments, key);
    const { client } = countedClient(key);
    const [remote1, remote2] = client.ballast.remotes;
    if (!remote1 || !remote2) throw new Error('devnet needs two remotes');
    await user.deposit('weth', parseEther('3.3'));
    await user.deposit('wbtc', parseUnits('0.0123', 8));
    await deliveries.waitFor([(await client.exportCredit({ dstEid: remote1.deployment.eid, amount: parseEther('1234.5') })).grant.guid], 60_000);

    let position = await client.getPosition({ account: user.address });
    const remote = position.remotes.find((candidate) => candidate.eid === remote2.deployment.eid);
    if (!remote) throw new Error('no remote2 in the position');
    expect(remote.maxExportLimitedBy).toBe('power');
    expect(remote.maxExport).toBe((await contractViews(user.address)).borrowingPower - position.totalExported);
    const over = await client.exportCredit({ dstEid: remote2.deployment.eid, amount: remote.maxExport + 1n }).catch((error: unknown) => error);
    expect(over).toBeInstanceOf(BallastContractError);
    expect((over as BallastContractError).errorName).toBe(remote.maxExportError);
    const { grant } = await client.exportCredit({ dstEid: remote2.deployment.eid, amount: remote.maxExport });
    await deliveries.waitFor([grant.guid], 60_000);

    // Power is used up: withdrawing anything is refused, and the SDK says so.
    position = await client.getPosition({ account: user.address });
    for (const asset of position.collateral) {
      expect(asset.maxWithdrawError).toBe('Vault_WithdrawExceedsPower');
      const tooMuch = await client.withdraw({ asset: asset.asset, amount: asset.maxWithdraw + 1n }).catch((error: unknown) => error);
      expect((tooMuch as BallastContractError).errorName).toBe('Vault_WithdrawExceedsPower');
    }
    expect(position.remotes.every((candidate) => candidate.maxExport === 0n)).toBe(true);

    // Release part of one line: once the RELEASE lands home, some of each asset may go, exactly.
    const { release } = await client.release({ eid: remote1.deployment.eid, amount: parseEther('400') });
    await deliveries.waitFor([release.guid], 60_000);
    await expectExactLimits(client, user);
  });

  test("with correlations and a liquidity depth in force (the vault's portfolio maths) every figure is still exact", async () => {
    const key = devnetKeys.users[4];
    const user = new BallastUser(stack.devnet.deployments, key);
    const { client } = countedClient(key);
    const home = homeChain(stack.devnet.deployments);
    const [weth, wbtc] = [contractAddress(home, BALLAST_CONTRACTS.weth), contractAddress(home, BALLAST_CONTRACTS.wbtc)];
    const refreshFeeds = async () => {
      await user.setPrice('weth', 2_000n);
      await user.setPrice('wbtc', 60_000n);
    };
    // WETH and WBTC 50% correlated (one update moves a correlation at most ×2 from 100%); WETH's depth
    // brought to $5,000, below what the account holds (a size haircut): a first depth must be at least half
    // the vault's WETH value, and each later update may at most halve it.
    const heldWeth = await user.connection(home.eid).publicClient.readContract({ address: weth, abi: erc20Abi, functionName: 'balanceOf', args: [contractAddress(home, BALLAST_CONTRACTS.vault)] });
    let depth = Math.max(5, Number((heldWeth + 10n ** 18n - 1n) / 10n ** 18n));
    await applyRiskUpdate({ correlations: [{ assetA: weth, assetB: wbtc, correlationBps: 5_000 }], depths: [{ asset: weth, depthThousands: depth }] }, refreshFeeds);
    while (depth > 5) {
      depth = Math.max(5, Math.ceil(depth / 2));
      await applyRiskUpdate({ correlations: [], depths: [{ asset: weth, depthThousands: depth }] }, refreshFeeds);
    }
    await refreshFeeds();
    const position = await client.getPosition({ account: user.address });
    expect(position.collateral.map((asset) => asset.depthThousands)).toEqual([5, 0]);
    expect(sdkView(position)).toEqual(await contractViews(user.address));
    await expectExactLimits(client, user);
  });

  test('a price the oracle refuses is reported, not thrown, and costs no extra round trip', async () => {
    const key = devnetKeys.users[4];
    const { client, counters } = countedClient(key);
    const account = privateKeyToAccount(key).address;
    await client.getPosition({ account });
    // Past every feed's one-day heartbeat and the vault's one-hour liquidation tolerance.
    for (const chain of stack.devnet.deployments.chains) {
      const test = createTestClient({ mode: 'anvil', transport: http(chain.rpcUrl) });
      await test.increaseTime({ seconds: 86_400 + 3_601 });
      await test.mine({ blocks: 1 });
    }
    for (const counter of counters.values()) counter.reset();
    const position = await client.getPosition({ account });
    for (const counter of counters.values()) expect(counter.total).toBe(1);
    expect(position.unpriced).toHaveLength(2);
    for (const asset of position.collateral) {
      expect(asset.price.ok).toBe(false);
      expect(asset.value).toBeUndefined();
      expect(asset.liquidationPriceReading).toMatchObject({ ok: false });
      const reading = asset.liquidationPriceReading;
      if (!reading.ok) expect(reading.error?.errorName).toBe('Oracle_StalePrice');
    }
    expect(position.health).toBeUndefined();
    expect(position.liquidationHealth).toBeUndefined();
    expect(position.borrowingPower).toBe(0n);
    expect(position.remotes.every((remote) => remote.maxExport === 0n && remote.maxExportError === 'oracle')).toBe(true);
    expect(position.totalExported).toBeGreaterThan(0n);
    expect(INFINITE_HEALTH).toBeGreaterThan(0n);
  });
});
