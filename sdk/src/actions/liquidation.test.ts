// The SDK's liquidation writes on the 3-chain devnet with the courier, each landing with the effect it
// should: consumer authorisation, recall (its RELEASE comes home), a price crash, flag (LIQUIDATABLE on the
// line), returnParked (the parked credit comes home), liquidate (home pays the liquidator collateral with its
// bonus), clear (the line hears CLEAR); then a dust account: flag, reportBadDebt (the pool writes the loan
// off) and claim (the reporter takes the dust). Every message-sending write is checked against the
// endpoint: the fee the send library charged (its executor and DVN fee events) equals the SDK's quote, and
// the payer's balance moves by exactly gas + fee — also when a write pays more than the quote, whose rest
// the endpoint (or the vault, or the pool) refunds to the caller.
import { creditMirrorAbi } from '@ballast/abi';
import { BALLAST_CONTRACTS, devnetKeys } from '@ballast/devnet';
import { contractAddress, homeChain } from '@ballast/protocol';
import { type Address, type Hex, parseEther, parseGwei, parseUnits } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BallastUser } from '../../../test/support/ballast.ts';
import type { Stack } from '../../../test/support/stack.ts';
import { startBallastStack } from '../../test/ballast-stack.ts';
import { expectPaidQuote } from '../../test/fees.ts';
import { type BallastClient, createBallastClient } from '../createBallastClient.ts';
import { InvalidInputError } from '../errors/client.ts';
import { type PreparedWrite, sendPrepared } from '../messages/prepare.ts';
import type { WriteReturnType } from '../messages/send.ts';
import { prepareClear } from './clear.ts';
import { prepareRecall } from './recall.ts';
import { prepareReportBadDebt } from './reportBadDebt.ts';
import { prepareReturnParked } from './returnParked.ts';

let stack: Stack;

beforeAll(async () => {
  stack = await startBallastStack();
});

afterAll(async () => {
  await stack?.stop();
});

/** What a write overpays in the refund cases: the rest must come back to the caller. */
const OVERPAY = parseGwei('1000000');

/** Sends `prepared` paying `OVERPAY` above its quote; checks the quote was charged and the rest refunded. */
async function sendOverpaying(client: BallastClient, prepared: PreparedWrite): Promise<WriteReturnType> {
  const result = await sendPrepared(client, { ...prepared, value: prepared.value + OVERPAY });
  await expectPaidQuote(client, result, prepared.value, prepared.value + OVERPAY);
  return result;
}

/** Waits for `guid` to execute on its destination; returns the names of the receiver's events on arrival. */
async function landed(client: BallastClient, guid: Hex): Promise<string[]> {
  const message = await client.waitForMessage({ guid, timeout: 60_000 });
  return (message.arrival ?? []).map((event) => event.eventName);
}

test('recall, flag, returnParked, liquidate, clear, reportBadDebt and claim land with their effects, each paying exactly its quote', async () => {
  const { deployments } = stack.devnet;
  const clientOf = (key: Hex) => createBallastClient({ deployments, account: privateKeyToAccount(key), pollingInterval: 20 });
  const alice = clientOf(devnetKeys.users[0]);
  const stranger = clientOf(devnetKeys.users[1]);
  const liquidator = clientOf(devnetKeys.users[2]);
  const dusty = clientOf(devnetKeys.users[3]);
  const helper = new BallastUser(deployments, devnetKeys.users[1]);
  const aliceAddress = privateKeyToAccount(devnetKeys.users[0]).address;
  const dustyAddress = privateKeyToAccount(devnetKeys.users[3]).address;
  const home = homeChain(deployments);
  const [remote1, remote2] = alice.ballast.remotes.map((remote) => remote.deployment);
  if (!remote1 || !remote2) throw new Error('devnet needs two remotes');
  const weth = contractAddress(home, BALLAST_CONTRACTS.weth);
  const wbtc = contractAddress(home, BALLAST_CONTRACTS.wbtc);
  const pool1 = contractAddress(remote1, BALLAST_CONTRACTS.pool);
  const usdc1 = contractAddress(remote1, BALLAST_CONTRACTS.usdc);
  const lineOn = async (account: Address, eid: number) => {
    const position = await alice.getPosition({ account });
    const line = position.remotes.find((remote) => remote.eid === eid);
    if (!line) throw new Error(`no remote ${eid} in the position`);
    return line;
  };

  // Bad input is refused before any transaction.
  await expect(alice.recall({ dstEid: home.eid, amount: 1n })).rejects.toBeInstanceOf(InvalidInputError);
  await expect(alice.recall({ dstEid: remote1.eid, amount: 0n })).rejects.toBeInstanceOf(InvalidInputError);
  await expect(stranger.flag({ account: '0x1234' as Address })).rejects.toBeInstanceOf(InvalidInputError);
  await expect(stranger.reportBadDebt({ account: aliceAddress, dstEid: 7 })).rejects.toBeInstanceOf(InvalidInputError);
  await expect(liquidator.liquidate({ eid: remote1.eid, account: aliceAddress, amount: 0n, collateral: weth })).rejects.toBeInstanceOf(InvalidInputError);
  await expect(stranger.claim({ asset: weth })).rejects.toThrow(/nothing of .* is claimable/);
  await expect(alice.setConsumerAuthorization({ eid: home.eid, consumer: pool1, authorized: true })).rejects.toBeInstanceOf(InvalidInputError);

  // Alice: 10 WETH at $2,000 (power 16,000), 10,000 to remote 1 and 2,000 to remote 2, 8,000 USDC drawn on remote 1.
  await helper.setPrice('weth', 2_000n);
  await helper.setPrice('wbtc', 60_000n);
  await new BallastUser(deployments, devnetKeys.users[0]).mint(home.eid, weth, parseEther('10'));
  await alice.deposit({ asset: weth, amount: parseEther('10') });
  const grants = [await alice.exportCredit({ dstEid: remote1.eid, amount: parseEther('10000') }), await alice.exportCredit({ dstEid: remote2.eid, amount: parseEther('2000') })];
  const heartbeat = await alice.sendHeartbeat({ dstEid: remote1.eid });
  for (const [result, fee] of [...grants.map((grant) => [grant, grant.fee] as const), [heartbeat, heartbeat.fee] as const]) await expectPaidQuote(alice, result, fee);
  for (const guid of [...grants.map((grant) => grant.grant.guid), heartbeat.heartbeat.guid]) await landed(alice, guid);

  // setConsumerAuthorization: the pool may draw once authorised, and borrow finds it so.
  const isAuthorized = () => alice.ballast.chains.get(remote1.eid)?.publicClient.readContract({ address: contractAddress(remote1, BALLAST_CONTRACTS.mirror), abi: creditMirrorAbi, functionName: 'isConsumerAuthorized', args: [aliceAddress, pool1] });
  expect(await isAuthorized()).toBe(false);
  expect((await alice.setConsumerAuthorization({ eid: remote1.eid, consumer: pool1, authorized: true })).messages).toEqual([]);
  expect(await isAuthorized()).toBe(true);
  expect((await alice.borrow({ eid: remote1.eid, amount: parseUnits('8000', 6) })).authorization).toBeUndefined();
  await alice.setConsumerAuthorization({ eid: remote1.eid, consumer: pool1, authorized: false });
  expect(await isAuthorized()).toBe(false);
  await alice.setConsumerAuthorization({ eid: remote1.eid, consumer: pool1, authorized: true });

  // recall (the account's own, paying more than the quote): remote 2 parks the 2,000; returnParked (a stranger,
  // overpaying too) sends it home, where its RELEASE frees alice's export to remote 2.
  await expect(stranger.recall({ dstEid: remote2.eid, amount: parseEther('2000'), account: aliceAddress })).rejects.toMatchObject({ errorName: 'Vault_RecallNotAllowed' });
  const recalled = await sendOverpaying(alice, await prepareRecall(alice, { dstEid: remote2.eid, amount: parseEther('2000') }));
  expect(await landed(alice, recalled.messages[0]?.guid as Hex)).toContain('CreditParked');
  expect(await lineOn(aliceAddress, remote2.eid)).toMatchObject({ line: 0n, parked: parseEther('2000'), exported: parseEther('2000') });
  const returnedHome = await sendOverpaying(stranger, await prepareReturnParked(stranger, { eid: remote2.eid, account: aliceAddress }));
  expect(await landed(stranger, returnedHome.messages[0]?.guid as Hex)).toContain('CreditReleased');
  expect(await lineOn(aliceAddress, remote2.eid)).toMatchObject({ parked: 0n, exported: 0n });

  // The crash: WETH at $1,000 puts alice's home health at 0.85. A stranger flags her: remote 1 hears it.
  await helper.setPrice('weth', 1_000n);
  const flagged = await stranger.flag({ account: aliceAddress });
  await expectPaidQuote(stranger, flagged, flagged.fee);
  expect(flagged.notices.map((notice) => notice.dstEid)).toEqual([remote1.eid]);
  expect(await landed(stranger, flagged.notices[0]?.guid as Hex)).toContain('LineFlagged');
  expect(await lineOn(aliceAddress, remote1.eid)).toMatchObject({ epoch: 1, parked: parseEther('2000'), line: parseEther('8000') });

  // liquidate: 1,000 USDC of alice's loan; home pays the liquidator 1.05 WETH (5% bonus at $1,000: she is still under 1).
  const liquidatorWallet = new BallastUser(deployments, devnetKeys.users[2]);
  await liquidatorWallet.mint(remote1.eid, usdc1, parseUnits('1000', 6));
  const wethBefore = await liquidatorWallet.balanceOf(home.eid, weth);
  const liquidated = await liquidator.liquidate({ eid: remote1.eid, account: aliceAddress, amount: parseUnits('1000', 6), collateral: weth });
  expect(liquidated.approval).toMatch(/^0x/);
  await expectPaidQuote(liquidator, liquidated, liquidated.fee);
  expect(await landed(liquidator, liquidated.seize.guid)).toContain('SeizeApplied');
  expect((await liquidatorWallet.balanceOf(home.eid, weth)) - wethBefore).toBe(parseEther('1.05'));
  expect(liquidated.seize).toMatchObject({ srcEid: remote1.eid, dstEid: home.eid });

  // returnParked: the 2,000 the flag parked on remote 1 goes home (7,000 exported now).
  const returned = await stranger.returnParked({ eid: remote1.eid, account: aliceAddress });
  await expectPaidQuote(stranger, returned, returned.fee);
  expect(await landed(stranger, returned.release.guid)).toContain('CreditReleased');
  expect(await lineOn(aliceAddress, remote1.eid)).toMatchObject({ parked: 0n, exported: parseEther('7000') });

  // clear (a stranger, overpaying): 8.95 WETH at $1,000 against 7,000 exported is health 1.09; remote 1 hears CLEAR.
  const cleared = await sendOverpaying(stranger, await prepareClear(stranger, { account: aliceAddress }));
  expect(await landed(stranger, cleared.messages[0]?.guid as Hex)).toContain('LineCleared');
  expect(await lineOn(aliceAddress, remote1.eid)).toMatchObject({ epoch: 2 });

  // A dust account: 1,000 sats of WBTC ($0.60) backing 0.40 of credit, all drawn; WBTC halves: flagged, its debt written off.
  await new BallastUser(deployments, devnetKeys.users[3]).mint(home.eid, wbtc, 1_000n);
  await dusty.deposit({ asset: wbtc, amount: 1_000n });
  await landed(dusty, (await dusty.exportCredit({ dstEid: remote1.eid, amount: parseEther('0.4') })).grant.guid);
  await dusty.borrow({ eid: remote1.eid, amount: parseUnits('0.4', 6) });
  await helper.setPrice('wbtc', 30_000n);
  await expect(stranger.reportBadDebt({ account: dustyAddress, dstEid: remote1.eid })).rejects.toMatchObject({ errorName: 'Vault_NoBadDebt' });
  const dustFlag = await stranger.flag({ account: dustyAddress });
  await landed(stranger, dustFlag.notices[0]?.guid as Hex);
  const reported = await sendOverpaying(stranger, await prepareReportBadDebt(stranger, { account: dustyAddress, dstEid: remote1.eid }));
  expect(await landed(stranger, reported.messages[0]?.guid as Hex)).toContain('BadDebtWrittenOff');
  expect(await lineOn(dustyAddress, remote1.eid)).toMatchObject({ drawn: 0n });

  // claim: the reporter takes the swept dust.
  const wbtcBefore = await helper.balanceOf(home.eid, wbtc);
  const claimed = await stranger.claim({ asset: wbtc });
  expect(claimed.amount).toBe(1_000n);
  expect((await helper.balanceOf(home.eid, wbtc)) - wbtcBefore).toBe(1_000n);
});
