// The SDK's writes on the 3-chain devnet with the courier: bad input is refused with a typed error before
// any request that could send a transaction; then a whole position's life through the SDK alone —
// deposit (approving first), export, heartbeat, borrow (authorising the pool), repay (approving), release,
// an operator approved and revoked, withdraw — each returning the GUIDs it sent, the caller paying exactly the quoted fee plus gas.
import { BALLAST_CONTRACTS, devnetKeys } from '@ballast/devnet';
import { contractAddress, homeChain } from '@ballast/protocol';
import { type Address, parseEther, parseUnits } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BallastUser } from '../../../test/support/ballast.ts';
import type { Stack } from '../../../test/support/stack.ts';
import { startBallastStack } from '../../test/ballast-stack.ts';
import { countingTransport } from '../../test/counting-transport.ts';
import { expectPaidQuote } from '../../test/fees.ts';
import { createBallastClient } from '../createBallastClient.ts';
import { InvalidInputError, MissingAccountError } from '../errors/client.ts';
import { BallastContractError } from '../errors/contract.ts';

let stack: Stack;

beforeAll(async () => {
  stack = await startBallastStack();
});

afterAll(async () => {
  await stack?.stop();
});

test('bad input is refused with a typed error before anything is sent', async () => {
  const counted = stack.devnet.deployments.chains.map((chain) => [chain.eid, countingTransport(chain.rpcUrl)] as const);
  const client = createBallastClient({ deployments: stack.devnet.deployments, account: privateKeyToAccount(devnetKeys.users[3]), transports: Object.fromEntries(counted.map(([eid, { transport }]) => [eid, transport])) });
  const [home, remote] = stack.devnet.deployments.chains;
  if (!home || !remote) throw new Error('devnet needs two chains');
  const weth = contractAddress(home, BALLAST_CONTRACTS.weth);
  await expect(client.exportCredit({ dstEid: remote.eid, amount: 0n })).rejects.toBeInstanceOf(InvalidInputError);
  await expect(client.exportCredit({ dstEid: home.eid, amount: 1n })).rejects.toThrow(/is not a remote chain/);
  await expect(client.exportCredit({ dstEid: 1, amount: 1n })).rejects.toThrow(/eid 1 is not a remote chain/);
  await expect(client.exportCredit({ dstEid: remote.eid, amount: 2n ** 128n })).rejects.toThrow(/at most/);
  await expect(client.release({ eid: remote.eid, amount: -1n })).rejects.toBeInstanceOf(InvalidInputError);
  await expect(client.borrow({ eid: home.eid, amount: 1n })).rejects.toBeInstanceOf(InvalidInputError);
  await expect(client.withdraw({ asset: weth, amount: 0n })).rejects.toBeInstanceOf(InvalidInputError);
  await expect(client.sendHeartbeat({ dstEid: 99 })).rejects.toBeInstanceOf(InvalidInputError);
  // A refusal by the contract comes back typed from the simulation: nothing is signed or sent.
  const refused = await client.exportCredit({ dstEid: remote.eid, amount: 1n }).catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(BallastContractError);
  expect((refused as BallastContractError).errorName).toBe('Vault_ExportExceedsPower');
  for (const [, { counter }] of counted) {
    expect(counter.byMethod.get('eth_sendRawTransaction') ?? 0).toBe(0);
    expect(counter.byMethod.get('eth_sendTransaction') ?? 0).toBe(0);
  }
  const readOnly = createBallastClient({ deployments: stack.devnet.deployments });
  await expect(readOnly.deposit({ asset: weth, amount: 1n })).rejects.toBeInstanceOf(MissingAccountError);
});

test('a position\'s whole life through the SDK: each write returns its GUIDs and pays exactly the quoted fee', async () => {
  const key = devnetKeys.users[2];
  const user = new BallastUser(stack.devnet.deployments, key);
  const client = createBallastClient({ deployments: stack.devnet.deployments, account: privateKeyToAccount(key), pollingInterval: 20 });
  const home = homeChain(stack.devnet.deployments);
  const [remote] = client.ballast.remotes;
  if (!remote) throw new Error('no remote');
  const eid = remote.deployment.eid;
  const weth = contractAddress(home, BALLAST_CONTRACTS.weth);
  await user.mint(home.eid, weth, parseEther('5'));

  const deposited = await client.deposit({ asset: weth, amount: parseEther('5') });
  expect(deposited.approval).toMatch(/^0x/);
  expect(deposited.messages).toEqual([]);
  expect(await user.collateralOf('weth')).toBe(parseEther('5'));

  // The caller pays the quoted fee and the gas, nothing more: the endpoint took exactly the quote.
  const exported = await client.exportCredit({ dstEid: eid, amount: parseEther('3000') });
  await expectPaidQuote(client, exported, exported.fee);
  expect(exported.grant).toMatchObject({ srcEid: home.eid, dstEid: eid });
  const heartbeat = await client.sendHeartbeat({ dstEid: eid });
  await expectPaidQuote(client, heartbeat, heartbeat.fee);
  for (const guid of [exported.grant.guid, heartbeat.heartbeat.guid]) await client.waitForMessage({ guid, timeout: 60_000 });
  expect((await client.getMessage({ guid: heartbeat.heartbeat.guid })).arrival?.map((event) => event.eventName)).toContain('HeartbeatReceived');

  const borrowed = await client.borrow({ eid, amount: parseUnits('1000', 6) });
  expect(borrowed.authorization).toMatch(/^0x/);
  expect((await user.position(eid)).drawn).toBe(parseEther('1000'));
  // Again: the pool is authorised already, no second authorisation.
  expect((await client.borrow({ eid, amount: parseUnits('500', 6) })).authorization).toBeUndefined();

  const debt = await user.debtOf(eid);
  const usdc = contractAddress(remote.deployment, BALLAST_CONTRACTS.usdc);
  await user.mint(eid, usdc, debt);
  const repaid = await client.repay({ eid, amount: debt + parseUnits('1', 6) });
  expect(repaid.approval).toMatch(/^0x/);
  expect(await user.debtOf(eid)).toBe(0n);

  const position = await client.getPosition({ account: user.address });
  const line = position.remotes.find((candidate) => candidate.eid === eid);
  expect(line).toMatchObject({ line: parseEther('3000'), drawn: 0n, undrawn: parseEther('3000') });
  const released = await client.release({ eid, amount: parseEther('3000') });
  expect(released.release).toMatchObject({ srcEid: eid, dstEid: home.eid });
  await expectPaidQuote(client, released, released.fee);
  const landed = await client.waitForMessage({ guid: released.release.guid, timeout: 60_000 });
  expect(landed.arrival?.map((event) => event.eventName)).toContain('CreditReleased');

  // An operator may act for the account once approved, and not after it is revoked.
  const operatorKey = devnetKeys.users[4];
  const operator = createBallastClient({ deployments: stack.devnet.deployments, account: privateKeyToAccount(operatorKey), pollingInterval: 20 });
  const operatorAddress = privateKeyToAccount(operatorKey).address;
  await expect(operator.withdraw({ asset: weth, amount: 1n, account: user.address })).rejects.toMatchObject({ errorName: 'Vault_Unauthorized' });
  await client.setOperator({ operator: operatorAddress, approved: true });
  await operator.withdraw({ asset: weth, amount: 1n, account: user.address, receiver: user.address });
  await client.setOperator({ operator: operatorAddress, approved: false });
  await expect(operator.withdraw({ asset: weth, amount: 1n, account: user.address })).rejects.toMatchObject({ errorName: 'Vault_Unauthorized' });

  const all = (await client.getPosition({ account: user.address })).collateral[0];
  expect(all?.maxWithdraw).toBe(parseEther('5') - 1n);
  await client.withdraw({ asset: weth, amount: parseEther('5') - 1n });
  expect(await user.balanceOf(home.eid, weth as Address)).toBe(parseEther('5'));
});
