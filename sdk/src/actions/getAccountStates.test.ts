// getAccountStates on the 3-chain devnet with the courier: the records of several accounts equal the
// contracts' own views at the blocks named, in one eth_call per chain (counted by a transport wrapper);
// a past block reads the past; an asset outside `assets` costs home one more round trip; `readsPerCall`
// cuts a read into several calls with the same result; only the chains named are read; bad input is
// refused before any request.
import { collateralVaultAbi, creditMirrorAbi } from '@ballast/abi';
import { BALLAST_CONTRACTS, devnetKeys } from '@ballast/devnet';
import { DeploymentsError, contractAddress, homeChain } from '@ballast/protocol';
import { type Address, getAddress, parseEther, parseUnits } from 'viem';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BallastUser } from '../../../test/support/ballast.ts';
import { DeliveryTracker } from '../../../test/support/pings.ts';
import type { Stack } from '../../../test/support/stack.ts';
import { startBallastStack } from '../../test/ballast-stack.ts';
import { type RequestCounter, countingClient } from '../../test/counting-transport.ts';
import { InvalidInputError } from '../errors/client.ts';
import type { AccountState } from './getAccountStates.ts';

let stack: Stack;
let users: BallastUser[];
/** Each chain's block once the accounts' state is settled, by eid. */
let settled: Record<number, bigint>;

beforeAll(async () => {
  stack = await startBallastStack({ courier: false });
  const courier = stack.courier();
  const deliveries = new DeliveryTracker(courier);
  courier.start();
  const { deployments } = stack.devnet;
  const [remote1, remote2] = deployments.chains.filter((chain) => chain.role === 'remote');
  if (!remote1 || !remote2) throw new Error('devnet needs two remotes');
  users = [devnetKeys.users[1], devnetKeys.users[2], devnetKeys.users[3]].map((key) => new BallastUser(deployments, key));
  const [alice, bob] = users as [BallastUser, BallastUser, BallastUser];
  // Alice holds both assets with credit on both remotes, Bob holds WETH only, Carol nothing.
  await alice.deposit('weth', parseEther('2'));
  await alice.deposit('wbtc', parseUnits('0.05', 8));
  await bob.deposit('weth', parseEther('1'));
  await deliveries.waitFor([await alice.exportCredit(remote1.eid, parseEther('1000')), await alice.exportCredit(remote2.eid, parseEther('250'))], 60_000);
  settled = Object.fromEntries(await Promise.all(deployments.chains.map(async (chain) => [chain.eid, await alice.connection(chain.eid).publicClient.getBlockNumber({ cacheTime: 0 })] as const)));
});

afterAll(async () => {
  await stack?.stop();
});

/** The contracts' own views of `account`, each chain at its block in `blocks`, shaped as `getAccountStates` returns them. */
async function contractViews(account: Address, blocks: Record<number, bigint>, assets: readonly Address[]): Promise<AccountState> {
  const { deployments } = stack.devnet;
  const home = homeChain(deployments);
  const reader = (eid: number) => (users[0] as BallastUser).connection(eid).publicClient;
  const vault = contractAddress(home, BALLAST_CONTRACTS.vault);
  const at = { blockNumber: blocks[home.eid] as bigint };
  const held = await reader(home.eid).readContract({ address: vault, abi: collateralVaultAbi, functionName: 'assetsOf', args: [account], ...at });
  const state: AccountState = { account, collateral: {}, exported: {}, epoch: await reader(home.eid).readContract({ address: vault, abi: collateralVaultAbi, functionName: 'epochOf', args: [account], ...at }), lines: {} };
  for (const asset of new Set([...assets, ...held].map((address) => getAddress(address)))) {
    state.collateral[asset] = await reader(home.eid).readContract({ address: vault, abi: collateralVaultAbi, functionName: 'collateralOf', args: [account, asset], ...at });
  }
  for (const remote of deployments.chains.filter((chain) => chain.role === 'remote')) {
    state.exported[remote.eid] = await reader(home.eid).readContract({ address: vault, abi: collateralVaultAbi, functionName: 'exportedTo', args: [account, remote.eid], ...at });
    const mirror = contractAddress(remote, BALLAST_CONTRACTS.mirror);
    const line = await reader(remote.eid).readContract({ address: mirror, abi: creditMirrorAbi, functionName: 'lineOf', args: [account], blockNumber: blocks[remote.eid] as bigint });
    const parked = await reader(remote.eid).readContract({ address: mirror, abi: creditMirrorAbi, functionName: 'parkedOf', args: [account], blockNumber: blocks[remote.eid] as bigint });
    state.lines[remote.eid] = { line: line.line, drawn: line.drawn, parked, epoch: line.epoch };
  }
  return state;
}

function requests(counters: Map<number, RequestCounter>) {
  return Object.fromEntries([...counters].map(([eid, counter]) => [eid, Object.fromEntries(counter.byMethod)]));
}

describe('getAccountStates', () => {
  test("equals the contracts' views at the blocks named, in one eth_call per chain", async () => {
    const { client, counters } = countingClient(stack.devnet.deployments);
    const accounts = users.map((user) => user.address);
    const { accounts: states, blockNumbers } = await client.getAccountStates({ accounts, blockNumbers: settled });
    expect(requests(counters)).toEqual(Object.fromEntries([...counters.keys()].map((eid) => [eid, { eth_call: 1 }])));
    expect(blockNumbers).toEqual(settled);
    const weth = getAddress(contractAddress(client.ballast.home.deployment, BALLAST_CONTRACTS.weth));
    const wbtc = getAddress(contractAddress(client.ballast.home.deployment, BALLAST_CONTRACTS.wbtc));
    for (const [index, account] of accounts.entries()) expect(states[index]).toEqual(await contractViews(account, settled, [weth, wbtc]));
    const [alice, bob, carol] = states as [AccountState, AccountState, AccountState];
    const [remote1, remote2] = client.ballast.remotes.map((remote) => remote.deployment.eid) as [number, number];
    expect(alice.collateral).toEqual({ [weth]: parseEther('2'), [wbtc]: parseUnits('0.05', 8) });
    expect(alice.exported).toEqual({ [remote1]: parseEther('1000'), [remote2]: parseEther('250') });
    expect(alice.lines).toEqual({ [remote1]: { line: parseEther('1000'), drawn: 0n, parked: 0n, epoch: 0 }, [remote2]: { line: parseEther('250'), drawn: 0n, parked: 0n, epoch: 0 } });
    expect(bob.collateral).toEqual({ [weth]: parseEther('1'), [wbtc]: 0n });
    expect(carol.collateral).toEqual({ [weth]: 0n, [wbtc]: 0n });
  });

  test('a past block reads the past; without blocks every chain is read at its head, fixed first', async () => {
    const [alice] = users as [BallastUser, ...BallastUser[]];
    const home = homeChain(stack.devnet.deployments);
    const weth = getAddress(contractAddress(home, BALLAST_CONTRACTS.weth));
    await alice.deposit('weth', parseEther('0.5'));
    const { client, counters } = countingClient(stack.devnet.deployments);
    const [past] = (await client.getAccountStates({ accounts: [alice.address], blockNumbers: settled })).accounts;
    expect(past?.collateral[weth]).toBe(parseEther('2'));
    for (const counter of counters.values()) counter.reset();
    const now = await client.getAccountStates({ accounts: [alice.address] });
    expect(requests(counters)).toEqual(Object.fromEntries([...counters.keys()].map((eid) => [eid, { eth_blockNumber: 1, eth_call: 1 }])));
    expect(now.accounts[0]?.collateral[weth]).toBe(parseEther('2.5'));
    expect(now.blockNumbers[home.eid]).toBeGreaterThan(settled[home.eid] as bigint);
    expect(now.accounts[0]).toEqual(await contractViews(alice.address, now.blockNumbers, []));
  });

  test('an asset outside `assets` costs home one more round trip; `readsPerCall` cuts a read into several calls with the same result', async () => {
    const { deployments } = stack.devnet;
    const home = homeChain(deployments);
    const accounts = users.map((user) => user.address);
    const whole = await countingClient(deployments).client.getAccountStates({ accounts, blockNumbers: settled });

    // No assets named: each holder's assets come from `assetsOf`, read again for them only.
    const bare = countingClient(deployments);
    const found = await bare.client.getAccountStates({ accounts, blockNumbers: settled, assets: [] });
    expect(bare.counters.get(home.eid)?.byMethod.get('eth_call')).toBe(2);
    const held = (state: AccountState) => Object.fromEntries(Object.entries(state.collateral).filter(([, amount]) => amount > 0n));
    expect(found.accounts.map(held)).toEqual(whole.accounts.map(held));
    expect(found.accounts[2]?.collateral).toEqual({});

    // Home reads 6 values per account (assetsOf, 2 assets, 2 exports, epochOf), a remote 2: at 4 reads per
    // call, 18 reads are 5 calls on home and 6 are 2 on each remote.
    const cut = countingClient(deployments);
    expect(await cut.client.getAccountStates({ accounts, blockNumbers: settled, readsPerCall: 4 })).toEqual(whole);
    for (const chain of deployments.chains) expect(cut.counters.get(chain.eid)?.byMethod.get('eth_call'), chain.name).toBe(chain.role === 'home' ? 5 : 2);
  });

  test('only the chains named are read; bad input is refused before any request', async () => {
    const { deployments } = stack.devnet;
    const home = homeChain(deployments);
    const { client, counters } = countingClient(deployments);
    const [alice] = (await client.getAccountStates({ accounts: [(users[0] as BallastUser).address], blockNumbers: { [home.eid]: settled[home.eid] as bigint } })).accounts;
    expect(alice?.lines).toEqual({});
    expect(alice?.epoch).toBe(0);
    expect(requests(counters)).toEqual(Object.fromEntries([...counters.keys()].map((eid) => [eid, eid === home.eid ? { eth_call: 1 } : {}])));

    const remote = deployments.chains.find((chain) => chain.role === 'remote');
    const [remoteOnly] = (await client.getAccountStates({ accounts: [(users[0] as BallastUser).address], blockNumbers: { [remote?.eid as number]: settled[remote?.eid as number] as bigint } })).accounts;
    expect(remoteOnly).toMatchObject({ collateral: {}, exported: {}, epoch: undefined, lines: { [remote?.eid as number]: { line: parseEther('1000') } } });

    for (const counter of counters.values()) counter.reset();
    await expect(client.getAccountStates({ accounts: [], readsPerCall: 0 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(client.getAccountStates({ accounts: [], blockNumbers: { 1: 1n } })).rejects.toBeInstanceOf(DeploymentsError);
    for (const counter of counters.values()) expect(counter.total).toBe(0);
  });
});
