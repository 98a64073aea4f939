// Keeper actions refused by the chain, on the devnet: governance unwires remote 1 (the vault's peer for it
// and its mirror's peer for home set to zero), so recall, returnParked and liquidate revert there with
// `NoPeer`, while flag and clear still take effect at home, skipping the cut remote (PROTOCOL.md L-12: a cut
// remote freezes no account). Then, wired again, a keeper whose budget is 0 refuses to pay for the failed
// ones. Each time: a typed error in the failure ledger, the job kept in the queue (delayed between attempts,
// then failed), no hot loop, and the keeper keeps serving remote 2. Replayed with a working pathway and
// budget, every failed job completes, each sent exactly once.
import { collateralVaultAbi, creditMirrorAbi } from '@ballast/abi';
import { BALLAST_CONTRACTS, ChainDeployer, devnetKeys, executeThroughTimelock } from '@ballast/devnet';
import { addressToBytes32, type ChainDeployment, chainByEid } from '@ballast/protocol';
import { type Address, type Hex, encodeFunctionData, parseEther, zeroHash } from 'viem';
import { expect, test } from 'vitest';
import { BallastUser } from '../../test/support/ballast.ts';
import { actionJobId } from '../src/keeper/actions.ts';
import type { KeeperSettings } from '../src/keeper/settings.ts';
import { type RunningKeeper, credit, fundedKey, mintUsdc, openPosition, readAccountBook, startKeeper, keeperSuite, usdc, waitUntil } from './keeper-support.ts';

const suite = keeperSuite();

/** Sets the peers of home ↔ `remote` through both timelocks (zero: unwired). */
async function wire(remote: ChainDeployment, vaultPeer: Hex, mirrorPeer: Hex): Promise<void> {
  const home = chainByEid(suite.env.deployments, suite.env.home);
  const vault = home.contracts[BALLAST_CONTRACTS.vault] as Address;
  const mirror = remote.contracts[BALLAST_CONTRACTS.mirror] as Address;
  await executeThroughTimelock(new ChainDeployer(home, devnetKeys.deployer), home.governance?.timelock as Address, 'vault.setPeer', [
    { target: vault, data: encodeFunctionData({ abi: collateralVaultAbi, functionName: 'setPeer', args: [remote.eid, vaultPeer] }) },
  ]);
  await executeThroughTimelock(new ChainDeployer(remote, devnetKeys.deployer), remote.governance?.timelock as Address, 'mirror.setPeer', [
    { target: mirror, data: encodeFunctionData({ abi: creditMirrorAbi, functionName: 'setPeer', args: [suite.env.home, mirrorPeer] }) },
  ]);
}

test('a cut remote: recall, returnParked and liquidate revert — typed errors, jobs kept, no hot loop, replayed once fixed; flag and clear take effect at home', async () => {
  const [r1, r2] = suite.env.remotes;
  const remote1 = chainByEid(suite.env.deployments, r1);
  const stranger = new BallastUser(suite.env.deployments, devnetKeys.users[4]);
  const users = await Promise.all([40, 41, 42, 43, 44].map(async (index) => new BallastUser(suite.env.deployments, await fundedKey(suite.env.deployments, index))));
  const [recaller, flaggable, liquidatable, clearable, healthyPath] = users as [BallastUser, BallastUser, BallastUser, BallastUser, BallastUser];
  await openPosition(suite.env, recaller, { weth: '10', exports: { [r1]: '9500' }, borrows: { [r1]: '5000' } });
  for (const user of [flaggable, liquidatable, clearable]) await openPosition(suite.env, user, { weth: '10', exports: { [r1]: '12000' }, borrows: { [r1]: '10500' } });
  // On remote 2, which stays wired: recalled and returned while remote 1's jobs fail.
  await openPosition(suite.env, healthyPath, { weth: '10', exports: { [r2]: '9500' }, borrows: { [r2]: '5000' } });

  // The crash, then (no keeper yet) a stranger flags two accounts; their LIQUIDATABLEs park the undrawn
  // credit. One of them deposits 2 WETH: healthy again (12,240 / 12,000), so it needs a clear.
  await stranger.setPrice('weth', 1_200n);
  await suite.env.deliveries.waitFor([...(await stranger.flag(liquidatable.address)), ...(await stranger.flag(clearable.address))], 30_000);
  await clearable.deposit('weth', parseEther('2'));
  expect(await clearable.liquidationHealth()).toBeGreaterThanOrEqual(10n ** 18n);

  // Remote 1 unwired: every message to or from it now reverts with NoPeer.
  await wire(remote1, zeroHash, zeroHash);

  const keeperKey = devnetKeys.couriers[1];
  await mintUsdc(suite.env, r1, new BallastUser(suite.env.deployments, keeperKey).address, usdc('100000'));
  const base: KeeperSettings = {
    liquidator: { enabled: true, inventory: { [r1]: usdc('50000'), [r2]: usdc('50000') } },
    attempts: 4,
    backoffMs: 200,
    maxBackoffMs: 800,
    sweepIntervalMs: 500,
  };
  const ids = {
    recall: actionJobId({ action: 'recall', eid: r1, account: recaller.address, epoch: 0 }),
    flag: actionJobId({ action: 'flag', eid: suite.env.home, account: flaggable.address, epoch: 0 }),
    liquidate: actionJobId({ action: 'liquidate', eid: r1, account: liquidatable.address, epoch: 1 }),
    returnParked: actionJobId({ action: 'returnParked', eid: r1, account: liquidatable.address, epoch: 1 }),
    clear: actionJobId({ action: 'clear', eid: suite.env.home, account: clearable.address, epoch: 1 }),
    returnParkedOfCleared: actionJobId({ action: 'returnParked', eid: r1, account: clearable.address, epoch: 1 }),
  };
  // What a cut remote makes revert; flag and clear take effect at home without it.
  const failing = [ids.recall, ids.liquidate, ids.returnParked, ids.returnParkedOfCleared];
  const failedFor = async (running: RunningKeeper) => {
    const states = await Promise.all(failing.map((id) => running.keeper.actions.state(id)));
    return states.every((state) => state === 'failed') || states.join(', ');
  };

  // 1. Unwired: NoPeer at the fee quote, typed, four attempts with backoff, then parked in the failed set;
  // flag and clear complete, skipping remote 1.
  let running = startKeeper(suite.env, keeperKey, base);
  await waitUntil('every remote-1 action to fail for good', () => failedFor(running), 30_000);
  await waitUntil('flag and clear to complete at home', async () => {
    const states = await Promise.all([ids.flag, ids.clear].map((id) => running.keeper.actions.state(id)));
    return states.every((state) => state === 'completed') || states.join(', ');
  });
  expect((await readAccountBook(suite.env, flaggable)).epoch).toBe(1);
  expect((await readAccountBook(suite.env, clearable)).epoch).toBe(2);
  const failures = await running.keeper.failures();
  for (const id of failing) {
    const failure = failures.find((candidate) => candidate.jobId === id);
    expect(failure, id).toMatchObject({ error: 'ActionRevertedError', attempts: 4 });
    expect(failure?.message, id).toMatch(/reverted at quote: NoPeer\(\d+\)/);
    const job = await running.keeper.actions.job(id);
    expect(job?.attemptsMade, id).toBe(4);
    expect(job?.failedReason, id).toMatch(/NoPeer/);
  }
  // No hot loop: the failed jobs stay failed, their ids taken, while the keeper keeps scoring.
  const sweeps = running.keeper.metrics.snapshot().sweeps;
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(running.keeper.metrics.snapshot().sweeps).toBeGreaterThan(sweeps);
  for (const id of failing) expect((await running.keeper.actions.job(id))?.attemptsMade, id).toBe(4);
  const metrics = running.keeper.metrics.snapshot();
  // (The one recall sent is remote 2's.)
  expect(metrics.actions.recall).toMatchObject({ sent: 1, error: 4, failed: 1 });
  expect(metrics.actions.liquidate.failed).toBeGreaterThanOrEqual(1);
  for (const action of ['flag', 'clear'] as const) expect(metrics.actions[action], action).toMatchObject({ sent: 1, failed: 0 });
  // Remote 2 kept working meanwhile.
  await waitUntil('the remote-2 account recalled and returned', async () => (await healthyPath.totalExported()) === credit('5000'));
  expect(await recaller.totalExported()).toBe(credit('9500'));
  await running.stop();

  // 2. Wired again, but a keeper with a budget of 0 wei: the replayed jobs refuse to pay, typed, and park again.
  await wire(remote1, addressToBytes32(remote1.contracts[BALLAST_CONTRACTS.mirror] as Address), addressToBytes32(chainByEid(suite.env.deployments, suite.env.home).contracts[BALLAST_CONTRACTS.vault] as Address));
  const zero = { recall: 0, flag: 0, clear: 0, returnParked: 0, liquidate: 0 };
  running = startKeeper(suite.env, keeperKey, { ...base, maxFeeWei: zero });
  for (const id of failing) expect(await running.keeper.replay(id), id).toBe('retried');
  await waitUntil('every replayed action to fail on its budget', async () => {
    const failures = await running.keeper.failures();
    const budget = failing.every((id) => failures.find((failure) => failure.jobId === id)?.error === 'ActionBudgetExceededError');
    return (budget && (await failedFor(running))) || 'not yet';
  });
  for (const failure of await running.keeper.failures()) {
    if (failing.includes(failure.jobId)) expect(failure.message, failure.jobId).toMatch(/would cost \d+ wei, over its budget of 0 wei; not sent/);
  }
  expect(await recaller.totalExported()).toBe(credit('9500'));
  await running.stop();

  // 3. A keeper with a budget replays every failed job.
  running = startKeeper(suite.env, keeperKey, base);
  for (const id of failing) expect(await running.keeper.replay(id), id).toBe('retried');
  await waitUntil(
    'every account settled',
    async () => {
      const [recalled, liquidated, cleared] = await Promise.all([recaller, liquidatable, clearable].map((user) => readAccountBook(suite.env, user)));
      return (
        (recalled?.totalExported === credit('5000') && liquidated?.epoch === 2 && cleared?.epoch === 2 && cleared.totalExported === credit('10500')) ||
        `exported ${recalled?.totalExported}, epochs ${liquidated?.epoch}/${cleared?.epoch}, cleared exported ${cleared?.totalExported}`
      );
    },
    45_000,
  );
  const outcomes = await running.keeper.ledger.outcomes(500);
  // Each replayed action is sent exactly once. (Any later run of the same id, which BullMQ's at-least-once
  // delivery allows, re-checks the chain and completes as skipped: never a second send.)
  for (const id of failing) {
    const records = outcomes.filter((record) => record.jobId === id);
    expect(records.filter((record) => record.outcome === 'sent'), `${id}: ${JSON.stringify(records)}`).toHaveLength(1);
  }
  expect(await readAccountBook(suite.env, liquidatable)).toMatchObject({ epoch: 2, collateral: { weth: parseEther('5.40625') }, totalExported: credit('5250') });
  const left = (await running.keeper.failures()).filter((failure) => failing.includes(failure.jobId));
  expect(left).toEqual([]);
  await running.stop();
}, 120_000);
