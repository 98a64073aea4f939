// The whole life of a Ballast position on three real anvil chains, every message carried by the
// courier through LayerZero v2's production contracts: deposit on home → export to both remotes →
// borrow from the lending pool on each → repay → release → withdraw, with balances, exports and
// lines checked on every chain after every hop. Then governance as deployed: each chain's timelock
// owns its contracts, the deployer can only go through it, the guardian only pauses.
import { chainlinkOracleAdapterAbi, collateralVaultAbi, creditMirrorAbi, endpointV2Abi, testTokenAbi } from '@ballast/abi';
import { BALLAST_CONTRACTS, ChainDeployer, deployBallast, devnetKeys, executeThroughTimelock, liveChildren } from '@ballast/devnet';
import { loadDeployments } from '@ballast/protocol';
import type { Courier } from '@ballast/relayer';
import { type Address, encodeFunctionData, parseEther, parseUnits, zeroAddress, zeroHash } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BallastUser } from '../support/ballast.ts';
import { DeliveryTracker } from '../support/pings.ts';
import { type Stack, startStack } from '../support/stack.ts';

let stack: Stack;
let courier: Courier;
let deliveries: DeliveryTracker;

beforeAll(async () => {
  stack = await startStack();
  await deployBallast(stack.devnet);
  courier = stack.courier();
  deliveries = new DeliveryTracker(courier);
  courier.start();
});

afterAll(async () => {
  await stack?.stop();
  expect(liveChildren()).toEqual([]);
});

const credit = (usd: string) => parseEther(usd);

test('deposit → export to two remotes → borrow on each → repay → release → withdraw', async () => {
  const [home, remote1, remote2] = stack.devnet.deployments.chains;
  if (!home || !remote1 || !remote2) throw new Error('devnet needs three chains');
  const alice = new BallastUser(stack.devnet.deployments, devnetKeys.users[1]);
  const weth = alice.contract(home.eid, BALLAST_CONTRACTS.weth);
  const vault = alice.contract(home.eid, BALLAST_CONTRACTS.vault);

  // Deposit 10 WETH ($20,000; power $16,000).
  await alice.deposit('weth', parseEther('10'));
  expect(await alice.collateralOf('weth')).toBe(parseEther('10'));
  expect(await alice.balanceOf(home.eid, weth)).toBe(0n);

  // Export: debited on home at once, credited on each remote when the courier delivers the GRANT.
  const grants = [await alice.exportCredit(remote1.eid, credit('6000')), await alice.exportCredit(remote2.eid, credit('4000'))];
  expect((await alice.position(remote1.eid)).exported).toBe(credit('6000'));
  expect((await alice.position(remote2.eid)).exported).toBe(credit('4000'));
  await deliveries.waitFor(grants, 30_000);
  expect(await alice.position(remote1.eid)).toEqual({ exported: credit('6000'), line: credit('6000'), drawn: 0n });
  expect(await alice.position(remote2.eid)).toEqual({ exported: credit('4000'), line: credit('4000'), drawn: 0n });

  // Draws need a recent HEARTBEAT from home on each remote (a GRANT does not count).
  await deliveries.waitFor([await alice.sendHeartbeat(remote1.eid), await alice.sendHeartbeat(remote2.eid)], 30_000);

  // Borrow on each remote against its line.
  await alice.borrow(remote1.eid, parseUnits('5000', 6));
  await alice.borrow(remote2.eid, parseUnits('1000', 6));
  expect(await alice.balanceOf(remote1.eid, alice.contract(remote1.eid, BALLAST_CONTRACTS.usdc))).toBe(parseUnits('5000', 6));
  expect(await alice.balanceOf(remote2.eid, alice.contract(remote2.eid, BALLAST_CONTRACTS.usdc))).toBe(parseUnits('1000', 6));
  expect((await alice.position(remote1.eid)).drawn).toBe(credit('5000'));
  expect((await alice.position(remote2.eid)).drawn).toBe(credit('1000'));

  // Withdrawing everything is refused while credit is out.
  await expect(alice.withdraw('weth', parseEther('10'))).rejects.toThrow(/Vault_WithdrawExceedsPower/);

  // Repay both loans in full: drawn goes back to zero, the lines stay.
  await alice.repayAll(remote1.eid);
  await alice.repayAll(remote2.eid);
  expect(await alice.debtOf(remote1.eid)).toBe(0n);
  expect(await alice.debtOf(remote2.eid)).toBe(0n);
  expect(await alice.position(remote1.eid)).toEqual({ exported: credit('6000'), line: credit('6000'), drawn: 0n });

  // Release both lines: the remote debits first, home only when the RELEASE lands.
  const releases = [await alice.release(remote1.eid, credit('6000')), await alice.release(remote2.eid, credit('4000'))];
  expect((await alice.position(remote1.eid)).line).toBe(0n);
  await deliveries.waitFor(releases, 30_000);
  expect(await alice.position(remote1.eid)).toEqual({ exported: 0n, line: 0n, drawn: 0n });
  expect(await alice.position(remote2.eid)).toEqual({ exported: 0n, line: 0n, drawn: 0n });

  // Withdraw everything.
  await alice.withdraw('weth', parseEther('10'));
  expect(await alice.collateralOf('weth')).toBe(0n);
  expect(await alice.balanceOf(home.eid, weth)).toBe(parseEther('10'));
  expect(await alice.connection(home.eid).publicClient.readContract({ address: weth, abi: testTokenAbi, functionName: 'balanceOf', args: [vault] })).toBe(0n);
  expect(await courier.failures()).toEqual([]);
});

test('governance: each chain\'s timelock owns its contracts; the deployer must go through it; the guardian only pauses', async () => {
  const { chains } = stack.devnet.deployments;
  const deployerAddress = privateKeyToAccount(devnetKeys.deployer).address;
  // Recorded in the deployments file, not only in memory.
  const saved = await loadDeployments(stack.devnet.deploymentsPath);
  expect(saved.chains.map((chain) => chain.governance)).toEqual(chains.map((chain) => chain.governance));

  for (const chain of chains) {
    const { governance } = chain;
    if (!governance) throw new Error(`no governance recorded on ${chain.name}`);
    const read = new ChainDeployer(chain, devnetKeys.deployer).publicClient;
    expect(governance).toMatchObject({ minDelay: 0, guardian: deployerAddress });
    const governed: { address: Address; abi: typeof collateralVaultAbi | typeof creditMirrorAbi | typeof chainlinkOracleAdapterAbi }[] =
      chain.role === 'home'
        ? [
            { address: chain.contracts[BALLAST_CONTRACTS.vault] as Address, abi: collateralVaultAbi },
            { address: chain.contracts[BALLAST_CONTRACTS.oracle] as Address, abi: chainlinkOracleAdapterAbi },
          ]
        : [{ address: chain.contracts[BALLAST_CONTRACTS.mirror] as Address, abi: creditMirrorAbi }];
    for (const { address, abi } of governed) {
      expect(await read.readContract({ address, abi, functionName: 'owner' })).toBe(governance.timelock);
      expect(await read.readContract({ address, abi, functionName: 'pendingOwner' })).toBe(zeroAddress);
    }
    // The timelock is also the OApp's delegate: the deployer cannot touch its LayerZero configuration.
    const oapp = governed[0]?.address as Address;
    expect(await read.readContract({ address: chain.layerZero.endpoint, abi: endpointV2Abi, functionName: 'delegates', args: [oapp] })).toBe(governance.timelock);
  }

  const home = chains.find((chain) => chain.role === 'home');
  const remote = chains.find((chain) => chain.role === 'remote');
  if (!home?.governance || !remote) throw new Error('devnet needs a home and a remote');
  const deployer = new ChainDeployer(home, devnetKeys.deployer);
  const vault = home.contracts[BALLAST_CONTRACTS.vault] as Address;
  const mirror = remote.contracts[BALLAST_CONTRACTS.mirror] as Address;
  const remoteDeployer = new ChainDeployer(remote, devnetKeys.deployer);

  // A direct admin call from the former owner reverts, on home and on a remote.
  await expect(
    deployer.publicClient.simulateContract({ account: deployer.account, address: vault, abi: collateralVaultAbi, functionName: 'unpauseExports' }),
  ).rejects.toThrow(/OwnableUnauthorizedAccount/);
  await expect(
    remoteDeployer.publicClient.simulateContract({ account: remoteDeployer.account, address: mirror, abi: creditMirrorAbi, functionName: 'setHeartbeatPeriod', args: [1] }),
  ).rejects.toThrow(/OwnableUnauthorizedAccount/);
  // Sent without a simulation, it is mined and reverts.
  const hash = await deployer.walletClient.writeContract({ address: vault, abi: collateralVaultAbi, functionName: 'setPeer', args: [remote.eid, zeroHash], gas: 200_000n });
  expect((await deployer.publicClient.waitForTransactionReceipt({ hash })).status).toBe('reverted');

  // The guardian (the deployer key on the devnet) pauses at once; only the timelock unpauses.
  await deployer.write('vault.pauseExports', vault, collateralVaultAbi, 'pauseExports', []);
  expect(await deployer.publicClient.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'exportsPaused' })).toBe(true);
  await executeThroughTimelock(deployer, home.governance.timelock, 'unpauseExports', [
    { target: vault, data: encodeFunctionData({ abi: collateralVaultAbi, functionName: 'unpauseExports' }) },
  ]);
  expect(await deployer.publicClient.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'exportsPaused' })).toBe(false);
});
