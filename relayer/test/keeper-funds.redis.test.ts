// A keeper whose key runs dry on home: the flag it must send fails with "insufficient funds" (the node
// caps the estimate by the balance), and the job waits for funding instead of spending its attempts —
// before, an unfunded key failed the job for good after its attempts ("TransactionExecutionError") and
// kept its id taken. Funded again, the keeper flags the account by itself.
import { devnetKeys } from '@ballast/devnet';
import { chainByEid } from '@ballast/protocol';
import { createTestClient, http, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { expect, test } from 'vitest';
import { BallastUser } from '../../test/support/ballast.ts';
import { actionJobId } from '../src/keeper/actions.ts';
import { fundedKey, keeperSuite, openPosition, readAccountBook, startKeeper, waitUntil } from './keeper-support.ts';

const suite = keeperSuite();

test('an unfunded keeper key: the flag waits without spending attempts, then is sent once the key is funded', async () => {
  const [r1] = suite.env.remotes;
  const home = chainByEid(suite.env.deployments, suite.env.home);
  const user = new BallastUser(suite.env.deployments, await fundedKey(suite.env.deployments, 45));
  await openPosition(suite.env, user, { weth: '10', exports: { [r1]: '12000' }, borrows: { [r1]: '10500' } });
  const keeperKey = await fundedKey(suite.env.deployments, 46);
  const keeperAddress = privateKeyToAccount(keeperKey).address;
  const anvil = createTestClient({ mode: 'anvil', transport: http(home.rpcUrl) });
  await anvil.setBalance({ address: keeperAddress, value: 0n });

  // Under 1 even with its undrawn credit home: a flag is due.
  await new BallastUser(suite.env.deployments, devnetKeys.users[4]).setPrice('weth', 1_200n);
  const running = startKeeper(suite.env, keeperKey, { attempts: 2, insufficientFundsRetryMs: 300, backoffMs: 100, maxBackoffMs: 400, sweepIntervalMs: 500 });
  const id = actionJobId({ action: 'flag', eid: suite.env.home, account: user.address, epoch: 0 });
  // More failed tries than its 2 attempts, each classified and none counted.
  await waitUntil('several insufficient-funds tries of the flag', async () => (running.keeper.metrics.snapshot().actions.flag.error ?? 0) >= 4 || `${running.keeper.metrics.snapshot().actions.flag.error ?? 0} tries`, 30_000);
  const failure = (await running.keeper.failures()).find((candidate) => candidate.jobId === id);
  expect(failure).toMatchObject({ error: 'InsufficientFundsError' });
  expect(failure?.message).toContain(keeperAddress);
  const job = await running.keeper.actions.job(id);
  expect(await job?.getState()).toBe('delayed');
  expect(job?.attemptsMade).toBeLessThan(2);
  expect(running.keeper.metrics.snapshot().actions.flag.failed ?? 0).toBe(0);
  expect((await readAccountBook(suite.env, user)).epoch).toBe(0);

  await anvil.setBalance({ address: keeperAddress, value: parseEther('100') });
  await waitUntil('the account flagged by the keeper', async () => (await readAccountBook(suite.env, user)).epoch === 1 || 'not yet', 30_000);
  expect(running.keeper.metrics.snapshot().actions.flag.sent).toBe(1);
  await running.stop();
});
