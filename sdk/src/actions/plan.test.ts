// Infeasible intents on the 3-chain devnet: not enough power, a remote whose draws are paused, exports
// paused on home, a remote governance disabled, a flagged account, an exhausted rate window — each raises its typed error saying
// what is missing, and no transaction leaves the planning client (its requests and the account's nonces
// on every chain are counted).
import { collateralVaultAbi, creditMirrorAbi } from '@ballast/abi';
import { BALLAST_CONTRACTS, ChainDeployer, devnetKeys, executeThroughTimelock } from '@ballast/devnet';
import { type ChainDeployment, contractAddress, homeChain } from '@ballast/protocol';
import { type Address, type Hex, encodeFunctionData, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BallastUser } from '../../../test/support/ballast.ts';
import type { Stack } from '../../../test/support/stack.ts';
import { startBallastStack } from '../../test/ballast-stack.ts';
import { countingTransport } from '../../test/counting-transport.ts';
import { type BallastClient, createBallastClient } from '../createBallastClient.ts';
import { InvalidInputError } from '../errors/client.ts';
import { AccountFlaggedError, ExportsPausedError, InsufficientCreditError, InsufficientPowerError, RateWindowExhaustedError, RemoteDisabledError, RemotePausedError } from '../errors/intents.ts';
import type { PlanParameters } from './plan.ts';

let stack: Stack;
let home: ChainDeployment;
let remote1: ChainDeployment;
let remote2: ChainDeployment;
let weth: Address;

const DEVNET_REMOTE = { enabled: true, grantTtl: 3_600, rateWindow: 86_400, creditCap: 10n ** 28n, maxPerWindow: 10n ** 28n };

beforeAll(async () => {
  stack = await startBallastStack();
  home = homeChain(stack.devnet.deployments);
  [remote1, remote2] = stack.devnet.deployments.chains.filter((chain) => chain.role === 'remote') as [ChainDeployment, ChainDeployment];
  weth = contractAddress(home, BALLAST_CONTRACTS.weth);
});

afterAll(async () => {
  await stack?.stop();
});

/** A client for `key` with 1 WETH deposited. */
async function depositor(key: Hex): Promise<{ user: BallastUser; client: BallastClient }> {
  const user = new BallastUser(stack.devnet.deployments, key);
  const client = createBallastClient({ deployments: stack.devnet.deployments, account: privateKeyToAccount(key), pollingInterval: 20 });
  await user.mint(home.eid, weth, parseEther('1'));
  await client.deposit({ asset: weth, amount: parseEther('1') });
  return { user, client };
}

/** Plans `intent` for `key` through counting transports; returns the error and proves nothing was sent. */
async function refused(key: Hex, intent: PlanParameters): Promise<unknown> {
  const counted = stack.devnet.deployments.chains.map((chain) => [chain.eid, countingTransport(chain.rpcUrl)] as const);
  const client = createBallastClient({ deployments: stack.devnet.deployments, account: privateKeyToAccount(key), transports: Object.fromEntries(counted.map(([eid, { transport }]) => [eid, transport])) });
  const address = privateKeyToAccount(key).address;
  const nonces = () => Promise.all(client.ballast.remotes.concat(client.ballast.home).map((chain) => chain.publicClient.getTransactionCount({ address, blockTag: 'pending' })));
  const before = await nonces();
  const error = await client.plan(intent).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(await nonces()).toEqual(before);
  for (const [, { counter }] of counted) {
    expect(counter.byMethod.get('eth_sendRawTransaction') ?? 0).toBe(0);
    expect(counter.byMethod.get('eth_sendTransaction') ?? 0).toBe(0);
  }
  expect(error).toBeDefined();
  return error;
}

function governor(chain: ChainDeployment): { deployer: ChainDeployer; timelock: Address } {
  if (!chain.governance) throw new Error(`no governance on ${chain.name}`);
  return { deployer: new ChainDeployer(chain, devnetKeys.deployer), timelock: chain.governance.timelock };
}

async function configureRemote(eid: number, config: typeof DEVNET_REMOTE): Promise<void> {
  const { deployer, timelock } = governor(home);
  const vault = contractAddress(home, BALLAST_CONTRACTS.vault);
  await executeThroughTimelock(deployer, timelock, 'configureRemote', [{ target: vault, data: encodeFunctionData({ abi: collateralVaultAbi, functionName: 'configureRemote', args: [eid, config] }) }]);
}

test('bad input is refused with an InvalidInputError, sending nothing', async () => {
  const key = devnetKeys.users[1];
  expect(await refused(key, { type: 'ensureCredit', chain: home.eid, amount: 1n })).toBeInstanceOf(InvalidInputError);
  expect(await refused(key, { type: 'ensureCredit', chain: remote1.eid, amount: 0n })).toBeInstanceOf(InvalidInputError);
  expect(await refused(key, { type: 'moveCredit', from: remote1.eid, to: remote1.eid, amount: 1n })).toBeInstanceOf(InvalidInputError);
  expect(await refused(key, { type: 'withdraw', asset: weth, amount: 1n })).toBeInstanceOf(InvalidInputError);
});

test('not enough power: the error gives what is needed and what can be had', async () => {
  const key = devnetKeys.users[1];
  await depositor(key);
  // 1 WETH at $2,000 and 80% LTV: $1,600.
  const error = await refused(key, { type: 'ensureCredit', chain: remote1.eid, amount: parseEther('5000') });
  expect(error).toBeInstanceOf(InsufficientPowerError);
  expect(error).toMatchObject({ needed: parseEther('5000'), available: parseEther('1600') });
  expect((error as Error).message).toMatch(/needs \$5,000\.00 of credit but at most \$1,600\.00/);
  const borrow = await refused(key, { type: 'borrow', chain: remote1.eid, amount: 2_000n * 10n ** 6n });
  expect(borrow).toMatchObject({ name: 'InsufficientPowerError', needed: parseEther('2000') });
  expect(await refused(key, { type: 'moveCredit', from: remote1.eid, to: remote2.eid, amount: parseEther('1') })).toBeInstanceOf(InsufficientCreditError);
});

test('a remote whose draws are paused, exports paused on home, and a remote governance disabled are refused by name', async () => {
  const key = devnetKeys.users[1];
  const { deployer, timelock } = governor(remote2);
  const mirror = contractAddress(remote2, BALLAST_CONTRACTS.mirror);
  await deployer.write('mirror.pauseDraws', mirror, creditMirrorAbi, 'pauseDraws', []);
  const paused = await refused(key, { type: 'ensureCredit', chain: remote2.eid, amount: parseEther('100') });
  expect(paused).toBeInstanceOf(RemotePausedError);
  expect(paused).toMatchObject({ eid: remote2.eid });
  await executeThroughTimelock(deployer, timelock, 'unpauseDraws', [{ target: mirror, data: encodeFunctionData({ abi: creditMirrorAbi, functionName: 'unpauseDraws' }) }]);

  // The guardian pauses every export on home: nothing can be sent to any remote.
  const homeGovernor = governor(home);
  const vault = contractAddress(home, BALLAST_CONTRACTS.vault);
  await homeGovernor.deployer.write('vault.pauseExports', vault, collateralVaultAbi, 'pauseExports', []);
  expect(await refused(key, { type: 'ensureCredit', chain: remote1.eid, amount: parseEther('100') })).toBeInstanceOf(ExportsPausedError);
  await executeThroughTimelock(homeGovernor.deployer, homeGovernor.timelock, 'unpauseExports', [{ target: vault, data: encodeFunctionData({ abi: collateralVaultAbi, functionName: 'unpauseExports' }) }]);

  await configureRemote(remote2.eid, { ...DEVNET_REMOTE, enabled: false });
  const disabled = await refused(key, { type: 'ensureCredit', chain: remote2.eid, amount: parseEther('100') });
  expect(disabled).toBeInstanceOf(RemoteDisabledError);
  await configureRemote(remote2.eid, DEVNET_REMOTE);
});

test('an exhausted rate window: the error says when the window opens again', async () => {
  const key = devnetKeys.users[2];
  const { client } = await depositor(key);
  await configureRemote(remote1.eid, { ...DEVNET_REMOTE, maxPerWindow: parseEther('1000') });
  const { receipt, grant } = await client.exportCredit({ dstEid: remote1.eid, amount: parseEther('1000') });
  await client.waitForMessage({ guid: grant.guid });
  const block = await client.ballast.home.publicClient.getBlock({ blockNumber: receipt.blockNumber });
  // The line has $1,000, home has $600 of power left, but the window has no room.
  const error = await refused(key, { type: 'ensureCredit', chain: remote1.eid, amount: parseEther('1500') });
  expect(error).toBeInstanceOf(RateWindowExhaustedError);
  // The window started at or before this export (the first export to remote 1 on this devnet) and lasts a day.
  expect((error as RateWindowExhaustedError).opensAt).toBeLessThanOrEqual(block.timestamp + 86_400n);
  expect((error as RateWindowExhaustedError).opensAt).toBeGreaterThan(block.timestamp);
  expect(error).toMatchObject({ eid: remote1.eid, available: 0n });
  expect((error as Error).message).toMatch(/opens again at \d{4}-\d\d-\d\dT/);
  await configureRemote(remote1.eid, DEVNET_REMOTE);
});

test('a flagged account can neither ensure credit nor withdraw', async () => {
  const key = devnetKeys.users[3];
  const { user, client } = await depositor(key);
  await client.exportCredit({ dstEid: remote2.eid, amount: parseEther('1500') });
  // WETH at $1,000: liquidation health 1,000 × 85% / 1,500 < 1; flagged, then the price comes back.
  await user.setPrice('weth', 1_000n);
  await user.flag(user.address);
  await user.setPrice('weth', 2_000n);
  const ensure = await refused(key, { type: 'ensureCredit', chain: remote1.eid, amount: parseEther('10') });
  expect(ensure).toBeInstanceOf(AccountFlaggedError);
  expect((ensure as AccountFlaggedError).epoch % 2).toBe(1);
  expect(await refused(key, { type: 'withdraw', asset: weth, amount: 1n })).toBeInstanceOf(AccountFlaggedError);
  expect(await refused(key, { type: 'closeAll' })).toBeInstanceOf(AccountFlaggedError);
});
