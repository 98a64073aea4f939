// Credit in flight, on a devnet with no courier (so a GRANT stays in flight): ensureCredit on that remote and
// closeAll refuse with CreditInFlightError before any transaction, instead of counting the credit wrong.
import { BALLAST_CONTRACTS, devnetKeys } from '@ballast/devnet';
import { contractAddress, homeChain } from '@ballast/protocol';
import { parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BallastUser } from '../../../test/support/ballast.ts';
import type { Stack } from '../../../test/support/stack.ts';
import { startBallastStack } from '../../test/ballast-stack.ts';
import { createBallastClient } from '../createBallastClient.ts';
import { CreditInFlightError } from '../errors/intents.ts';

let stack: Stack;

beforeAll(async () => {
  stack = await startBallastStack({ courier: false });
});

afterAll(async () => {
  await stack?.stop();
});

test('a GRANT in flight to the remote: ensureCredit there and closeAll say to wait, and send nothing', async () => {
  const key = devnetKeys.users[1];
  const user = new BallastUser(stack.devnet.deployments, key);
  const client = createBallastClient({ deployments: stack.devnet.deployments, account: privateKeyToAccount(key) });
  const home = homeChain(stack.devnet.deployments);
  const weth = contractAddress(home, BALLAST_CONTRACTS.weth);
  await user.mint(home.eid, weth, parseEther('1'));
  await client.deposit({ asset: weth, amount: parseEther('1') });
  const [remote1, remote2] = client.ballast.remotes.map((remote) => remote.deployment.eid) as [number, number];
  await client.exportCredit({ dstEid: remote1, amount: parseEther('500') });
  const nonce = await client.ballast.home.publicClient.getTransactionCount({ address: user.address });

  const ensure = await client.plan({ type: 'ensureCredit', chain: remote1, amount: parseEther('600') }).catch((caught: unknown) => caught);
  expect(ensure).toBeInstanceOf(CreditInFlightError);
  expect(ensure).toMatchObject({ eid: remote1, inFlight: parseEther('500') });
  expect((ensure as Error).message).toMatch(/\$500\.00 of the account's credit is in flight to .* \(a GRANT on its way\): wait for it to land/);
  expect(await client.plan({ type: 'closeAll' }).catch((caught: unknown) => caught)).toBeInstanceOf(CreditInFlightError);
  // Another remote is unaffected: home has $1,100 of power left.
  const other = await client.plan({ type: 'ensureCredit', chain: remote2, amount: parseEther('1000') });
  expect(other.steps.map((step) => step.call)).toEqual(['exportCredit', 'sendHeartbeat']);
  expect(await client.ballast.home.publicClient.getTransactionCount({ address: user.address })).toBe(nonce);
});
