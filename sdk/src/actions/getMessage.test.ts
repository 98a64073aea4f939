// Message tracking on the 3-chain devnet, reading only the chains (no relayer API, no indexer): a GRANT
// goes INFLIGHT → … → DELIVERED and landed as CreditGranted; a GRANT delivered past its deadline landed as
// GrantExpired with its credit parked; a payload whose execution reverts is PAYLOAD_STORED with the reason, and
// retryMessage executes it once the receiver accepts it.
import { pingOAppAbi } from '@ballast/abi';
import { ChainDeployer, PING_OAPP, devnetKeys } from '@ballast/devnet';
import { createTestClient, decodeErrorResult, http, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BallastUser } from '../../../test/support/ballast.ts';
import type { Stack } from '../../../test/support/stack.ts';
import { startBallastStack } from '../../test/ballast-stack.ts';
import { type BallastClient, createBallastClient } from '../createBallastClient.ts';
import { MessageTrackingError } from '../errors/client.ts';
import type { MessageStatus } from './getMessage.ts';

/** The relayer's courier, as the test stack builds it. */
type Courier = ReturnType<Stack['courier']>;

let stack: Stack;
let client: BallastClient;
let courier: Courier | undefined;
const key = devnetKeys.users[1];

beforeAll(async () => {
  // GRANTs live a minute here: a test moves one remote's clock past that (and no further: the courier's
  // DVN signatures last an hour of wall-clock time, and a chain an hour ahead would refuse them).
  stack = await startBallastStack({ ballast: { grantTtl: 60 }, courier: false });
  client = createBallastClient({ deployments: stack.devnet.deployments, account: privateKeyToAccount(key), pollingInterval: 20 });
  await new BallastUser(stack.devnet.deployments, key).deposit('weth', parseEther('10'));
});

afterAll(async () => {
  await stack?.stop();
});

/**
 * Starts the one courier of this file. A failed execution is retried after 20 s, so a test can act on a
 * PAYLOAD_STORED message before the courier tries again.
 */
function startCourier(): void {
  courier = stack.courier({ backoffMs: 20_000, maxBackoffMs: 20_000 });
  courier.start();
}

test('a GRANT is INFLIGHT until a courier carries it, then DELIVERED, and landed as CreditGranted', async () => {
  const [remote] = client.ballast.remotes;
  if (!remote) throw new Error('no remote');
  const sent = await client.exportCredit({ dstEid: remote.deployment.eid, amount: parseEther('1000') });
  const before = await client.getMessage({ guid: sent.grant.guid });
  expect(before).toMatchObject({ status: 'INFLIGHT', type: 'grant', srcEid: client.ballast.home.deployment.eid, dstEid: remote.deployment.eid, sentIn: sent.transactionHash });
  // Nobody carries it: waiting times out with the status it is in.
  const timeout = await client.waitForMessage({ guid: sent.grant.guid, transactionHash: sent.transactionHash, timeout: 300 }).catch((error: unknown) => error);
  expect(timeout).toBeInstanceOf(MessageTrackingError);
  expect((timeout as MessageTrackingError).shortMessage).toMatch(/not delivered within 300 ms: it is INFLIGHT/);

  const statuses: MessageStatus[] = [];
  startCourier();
  const delivered = await client.waitForMessage({ guid: sent.grant.guid, transactionHash: sent.transactionHash, timeout: 60_000, onStatus: (message) => statuses.push(message.status) });
  expect(statuses[0]).toBe('INFLIGHT');
  expect(statuses.at(-1)).toBe('DELIVERED');
  expect(delivered.deliveredIn).toMatch(/^0x[0-9a-f]{64}$/);
  expect(delivered.arrival?.map((event) => event.eventName)).toContain('CreditGranted');
  expect(delivered.arrival?.find((event) => event.eventName === 'CreditGranted')?.args).toMatchObject({ account: client.account?.address, amount: parseEther('1000') });
  // Found again by a log scan alone (no transaction hash).
  expect((await client.getMessage({ guid: sent.grant.guid })).status).toBe('DELIVERED');
});

test('a GRANT delivered after its deadline landed as GrantExpired, its credit parked until returnParked sends it home', async () => {
  const [remote] = client.ballast.remotes;
  if (!remote) throw new Error('no remote');
  // GRANTs live a minute (on home's clock): with the remote's clock two minutes ahead, it arrives past its deadline.
  const remoteTest = createTestClient({ mode: 'anvil', transport: http(remote.deployment.rpcUrl) });
  await remoteTest.increaseTime({ seconds: 120 });
  await remoteTest.mine({ blocks: 1 });
  const sent = await client.exportCredit({ dstEid: remote.deployment.eid, amount: parseEther('500') });
  const delivered = await client.waitForMessage({ guid: sent.grant.guid, transactionHash: sent.transactionHash, timeout: 60_000 });
  const names = delivered.arrival?.map((event) => event.eventName) ?? [];
  expect(names).toContain('GrantExpired');
  expect(names).not.toContain('CreditGranted');
  // Late credit never surfaces as a line: it is parked on the remote until someone pays to send it home.
  expect(names).toContain('CreditParked');
  const position = await client.getPosition({ account: client.account?.address ?? '0x' });
  const line = position.remotes.find((candidate) => candidate.eid === remote.deployment.eid);
  expect(line).toMatchObject({ parked: parseEther('500'), line: parseEther('1000'), inFlight: 0n });
  // Anyone may send it home: the RELEASE lands and home's record drops to the line.
  const returned = await client.returnParked({ eid: remote.deployment.eid });
  const landed = await client.waitForMessage({ guid: returned.release.guid, timeout: 60_000 });
  expect(landed.arrival?.find((event) => event.eventName === 'CreditReleased')?.args).toMatchObject({ amount: parseEther('500') });
  const after = (await client.getPosition({ account: client.account?.address ?? '0x' })).remotes.find((candidate) => candidate.eid === remote.deployment.eid);
  expect(after).toMatchObject({ parked: 0n, exported: parseEther('1000'), inFlight: 0n });
  await expect(client.returnParked({ eid: remote.deployment.eid })).rejects.toMatchObject({ errorName: 'Mirror_NothingToReturn' });
});

test('a payload whose execution reverts is PAYLOAD_STORED with the reason; retryMessage executes it once it can', async () => {
  const [home, remote] = stack.devnet.deployments.chains;
  if (!home || !remote) throw new Error('devnet needs two chains');
  const owner = new ChainDeployer(remote, devnetKeys.deployer);
  const receiver = remote.contracts[PING_OAPP];
  if (!receiver) throw new Error('no PingOApp on the remote');
  await owner.write('PingOApp.setRefusing', receiver, pingOAppAbi, 'setRefusing', [true]);
  const [ping] = await (stack.pings.get(home.eid) ?? (() => { throw new Error('no ping client'); })()).send(remote.eid);
  if (!ping) throw new Error('no ping sent');
  // The courier verifies it, and its execution keeps reverting.
  const stored = await waitForStatus(ping.guid, 'PAYLOAD_STORED');
  expect(decodeErrorResult({ abi: pingOAppAbi, data: stored.revert?.data ?? '0x' })).toMatchObject({ errorName: 'PingOApp_Refused', args: [home.eid, stored.nonce] });
  // The courier tries again only 20 s after a failure: the retries below are this test's own.

  // A retry now would still revert: it says why and sends nothing.
  await expect(client.retryMessage({ guid: ping.guid, srcEid: home.eid })).rejects.toThrow();
  await owner.write('PingOApp.setRefusing', receiver, pingOAppAbi, 'setRefusing', [false]);
  const retried = await client.retryMessage({ guid: ping.guid, srcEid: home.eid });
  expect(retried.message.status).toBe('DELIVERED');
  expect(retried.message.deliveredIn).toBe(retried.transactionHash);
  // Once delivered there is nothing left to retry.
  await expect(client.retryMessage({ guid: ping.guid, srcEid: home.eid })).rejects.toThrow(/delivered already/);
});

async function waitForStatus(guid: `0x${string}`, status: MessageStatus, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const message = await client.getMessage({ guid });
    if (message.status === status) return message;
    if (Date.now() > deadline) throw new Error(`message ${guid} is ${message.status}, not ${status}, after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
