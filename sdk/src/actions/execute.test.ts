// Intents planned and executed on the 3-chain devnet with the courier: a borrow on a remote (export, heartbeat,
// borrow), credit moved from one remote to the other by the cheapest route, moveCredit, a withdrawal that needs
// credit home first, closeAll — and plans whose process is SIGKILLed after a hash is on record (a step's
// only transaction; the first of a borrow's two), resumed from their file in this process: every step's effect
// happens exactly once on chain. Also: a resume that cannot account for a sent transaction refuses to send, and
// a GRANT parked on arrival is reported with what to do.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collateralVaultAbi, creditMirrorAbi } from '@ballast/abi';
import { BALLAST_CONTRACTS, ChainDeployer, devnetKeys, executeThroughTimelock, repoRoot } from '@ballast/devnet';
import { contractAddress, homeChain } from '@ballast/protocol';
import { type Address, type Hex, createTestClient, encodeFunctionData, http, parseEther, parseUnits } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BallastUser } from '../../../test/support/ballast.ts';
import type { Stack } from '../../../test/support/stack.ts';
import { startBallastStack } from '../../test/ballast-stack.ts';
import { connectionOf } from '../client.ts';
import { type BallastClient, createBallastClient } from '../createBallastClient.ts';
import { fileStore } from '../node.ts';
import { MessageEffectError, PlanExecutionError } from '../errors/intents.ts';
import { memoryStore } from '../intents/store.ts';
import { type ExecuteProgress, progressKey } from './execute.ts';

let stack: Stack;
let weth: Address;
let remote1: number;
let remote2: number;

beforeAll(async () => {
  stack = await startBallastStack();
  weth = contractAddress(homeChain(stack.devnet.deployments), BALLAST_CONTRACTS.weth);
  const remotes = stack.devnet.deployments.chains.filter((chain) => chain.role === 'remote');
  [remote1, remote2] = remotes.map((chain) => chain.eid) as [number, number];
});

afterAll(async () => {
  await stack?.stop();
});

async function funded(key: Hex, collateral: bigint): Promise<{ user: BallastUser; client: BallastClient }> {
  const user = new BallastUser(stack.devnet.deployments, key);
  const client = createBallastClient({ deployments: stack.devnet.deployments, account: privateKeyToAccount(key), pollingInterval: 20 });
  await user.mint(user.home.eid, weth, collateral);
  await client.deposit({ asset: weth, amount: collateral });
  return { user, client };
}

function lineOn(position: Awaited<ReturnType<BallastClient['getPosition']>>, eid: number) {
  const line = position.remotes.find((remote) => remote.eid === eid);
  if (!line) throw new Error(`no remote ${eid}`);
  return line;
}

test('borrow: export, heartbeat and borrow in one plan of plain JSON; then ensureCredit on the same line needs no heartbeat', async () => {
  const { user, client } = await funded(devnetKeys.users[1], parseEther('5'));
  const planned = await client.plan({ type: 'borrow', chain: remote1, amount: parseUnits('1000', 6) });
  expect(planned.steps.map((step) => step.call)).toEqual(['exportCredit', 'sendHeartbeat', 'borrow']);
  expect(planned.steps[0]).toMatchObject({ chain: user.home.eid, args: { dstEid: remote1, amount: parseEther('1000').toString() }, sends: [{ type: 'GRANT', to: remote1 }] });
  expect(planned.steps[2]?.waitsFor).toEqual([
    { step: 0, type: 'GRANT' },
    { step: 1, type: 'HEARTBEAT' },
  ]);
  expect(BigInt(planned.totalFee)).toBe(BigInt(planned.steps[0]?.fee ?? 0) + BigInt(planned.steps[1]?.fee ?? 0));
  expect(BigInt(planned.steps[0]?.fee ?? 0)).toBeGreaterThan(0n);
  // Plain data: through JSON and back it is the same plan, and it executes as such.
  const json = JSON.parse(JSON.stringify(planned));
  expect(json).toEqual(planned);

  const events: ExecuteProgress[] = [];
  const executed = await client.execute({ plan: json, onProgress: (event) => events.push(event) });
  expect(executed.steps.map((step) => step.transactionHashes.length)).toEqual([1, 1, 2]); // the borrow authorised the pool first
  expect(events.filter((event) => event.type === 'message-landed').map((event) => (event as { message: string }).message)).toEqual(['GRANT', 'HEARTBEAT']);
  expect(events.at(-1)).toEqual({ type: 'done', planId: planned.id });
  const position = await client.getPosition({ account: user.address });
  expect(lineOn(position, remote1)).toMatchObject({ line: parseEther('1000'), drawn: parseEther('1000') });
  expect(await user.debtOf(remote1)).toBeGreaterThanOrEqual(parseUnits('1000', 6));

  const more = await client.plan({ type: 'ensureCredit', chain: remote1, amount: parseEther('500') });
  expect(more.steps.map((step) => step.call)).toEqual(['exportCredit']);
  expect(more.route).toBe('export');
  await client.execute({ plan: more });
  expect(lineOn(await client.getPosition({ account: user.address }), remote1).undrawn).toBe(parseEther('500'));
});

test('ensureCredit moves credit from one remote to the other when home has no power left, and moveCredit moves it back', async () => {
  const { user, client } = await funded(devnetKeys.users[2], parseEther('1'));
  // 1 WETH at $2,000 and 80% LTV: $1,600 of power; $1,500 of it goes to remote 1.
  await client.exportCredit({ dstEid: remote1, amount: parseEther('1500') }).then(({ grant }) => client.waitForMessage({ guid: grant.guid }));
  const planned = await client.plan({ type: 'ensureCredit', chain: remote2, amount: parseEther('1000') });
  expect(planned.steps.map((step) => `${step.call}@${step.chain}`)).toEqual([`release@${remote1}`, `exportCredit@${user.home.eid}`, `sendHeartbeat@${user.home.eid}`]);
  // Only the $900 home is short is released; the export waits for that RELEASE to land home.
  expect(planned.steps[0]?.args).toEqual({ eid: remote1, amount: parseEther('900').toString() });
  expect(planned.steps[1]?.waitsFor).toEqual([{ step: 0, type: 'RELEASE' }]);
  expect(planned.route).toMatch(/^release on .+ \+ export$/);
  expect(planned.routes[0]?.feasible).toBe(true);
  expect(planned.routes.find((route) => route.route === 'export')).toMatchObject({ feasible: false });

  await client.execute({ plan: planned });
  let position = await client.getPosition({ account: user.address });
  expect(lineOn(position, remote1)).toMatchObject({ line: parseEther('600'), exported: parseEther('600'), inFlight: 0n });
  expect(lineOn(position, remote2)).toMatchObject({ line: parseEther('1000'), exported: parseEther('1000'), inFlight: 0n });

  const moved = await client.plan({ type: 'moveCredit', from: remote2, to: remote1, amount: parseEther('300') });
  expect(moved.steps.map((step) => step.call)).toEqual(['release', 'exportCredit']); // remote 1's heartbeat is fresh
  await client.execute({ plan: moved });
  position = await client.getPosition({ account: user.address });
  expect(lineOn(position, remote1).line).toBe(parseEther('900'));
  expect(lineOn(position, remote2).line).toBe(parseEther('700'));
});

test('withdraw that needs credit home first releases the cheapest set of lines, waits for the RELEASE, then withdraws', async () => {
  const user = new BallastUser(stack.devnet.deployments, devnetKeys.users[2]);
  const client = createBallastClient({ deployments: stack.devnet.deployments, account: privateKeyToAccount(devnetKeys.users[2]), pollingInterval: 20 });
  // From the test above: 1 WETH, $900 on remote 1, $700 on remote 2: all $1,600 of power is out.
  const before = await client.getPosition({ account: user.address });
  expect(before.collateral[0]?.maxWithdraw).toBe(0n);
  const planned = await client.plan({ type: 'withdraw', asset: weth, amount: parseEther('0.5') });
  // Half the WETH leaves $800 of power under $1,600 exported: $800 must come home, one line is enough.
  expect(planned.steps.map((step) => step.call)).toEqual(['release', 'withdraw']);
  expect(planned.steps[0]?.args).toEqual({ eid: remote1, amount: parseEther('800').toString() });
  expect(planned.steps[1]?.waitsFor).toEqual([{ step: 0, type: 'RELEASE' }]);
  const balance = await user.balanceOf(user.home.eid, weth);
  await client.execute({ plan: planned });
  expect(await user.balanceOf(user.home.eid, weth)).toBe(balance + parseEther('0.5'));
  const after = await client.getPosition({ account: user.address });
  expect(after.totalExported).toBe(parseEther('800'));
  expect(after.collateral[0]?.amount).toBe(parseEther('0.5'));
});

test('closeAll repays the loan, releases every line and withdraws everything', async () => {
  const user = new BallastUser(stack.devnet.deployments, devnetKeys.users[1]);
  const client = createBallastClient({ deployments: stack.devnet.deployments, account: privateKeyToAccount(devnetKeys.users[1]), pollingInterval: 20 });
  const usdc = contractAddress(connectionOf(client, remote1).deployment, BALLAST_CONTRACTS.usdc);
  await user.mint(remote1, usdc, parseUnits('10', 6)); // the loan's interest: the borrowed 1,000 is still there
  const planned = await client.plan({ type: 'closeAll' });
  expect(planned.steps.map((step) => step.call)).toEqual(['repay', 'release', 'withdraw']);
  expect(planned.steps[2]?.waitsFor).toEqual([{ step: 1, type: 'RELEASE' }]);
  await client.execute({ plan: planned });
  const position = await client.getPosition({ account: user.address });
  expect(position.totalExported).toBe(0n);
  expect(position.collateral).toEqual([]);
  expect(lineOn(position, remote1)).toMatchObject({ line: 0n, drawn: 0n, poolDebt: 0n });
  expect(await user.balanceOf(user.home.eid, weth)).toBe(parseEther('5'));
});

/** Starts `sdk/test/execute-plan.ts` on `plan` with a file store; resolves with the child once it printed a line matching `until`. */
function executeInChild(key: Hex, planPath: string, storePath: string, until: RegExp): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'sdk/test/execute-plan.ts'], {
    cwd: repoRoot,
    // The child freezes once it printed the matching line, so the kill lands exactly there.
    env: { ...process.env, BALLAST_DEPLOYMENTS: stack.devnet.deploymentsPath, BALLAST_KEY: key, BALLAST_PLAN: planPath, BALLAST_STORE: storePath, BALLAST_FREEZE_AT: until.source },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n').find((candidate) => until.test(candidate));
      if (line) resolve({ child, line });
    });
    child.on('exit', (code) => reject(new Error(`execute-plan exited (${code}) before printing ${until}:\n${buffered}`)));
  });
}

test('a plan SIGKILLed after its first step was sent resumes from its file: every step happens exactly once', async () => {
  const key = devnetKeys.users[3];
  const { user, client } = await funded(key, parseEther('1'));
  await client.exportCredit({ dstEid: remote1, amount: parseEther('1000') }).then(({ grant }) => client.waitForMessage({ guid: grant.guid }));
  const planned = await client.plan({ type: 'moveCredit', from: remote1, to: remote2, amount: parseEther('400') });
  expect(planned.steps.map((step) => step.call)).toEqual(['release', 'exportCredit']); // remote 2's heartbeat is fresh from the test above
  const directory = mkdtempSync(join(tmpdir(), 'ballast-plan-'));
  const planPath = join(directory, 'plan.json');
  const storePath = join(directory, 'progress.json');
  writeFileSync(planPath, JSON.stringify(planned));
  const home = client.ballast.home;
  const homeBlock = (await home.publicClient.getBlockNumber()) + 1n;
  const remoteBlock = (await connectionOf(client, remote1).publicClient.getBlockNumber()) + 1n;

  const { child, line } = await executeInChild(key, planPath, storePath, /^step-sent 0 0x/);
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  const sentHash = line.split(' ')[2];
  expect(line.split(' ')[3]).toBe('release');
  const stored = JSON.parse(fileStore(storePath).get(`ballast:plan:${planned.id}`) as string);
  expect(stored.steps[0]).toMatchObject({ state: 'sending', sent: [{ action: 'release', transactionHash: sentHash }] });
  expect(stored.steps[1]).toMatchObject({ state: 'pending', sent: [] });

  const events: ExecuteProgress[] = [];
  const resumed = await client.execute({ plan: planned, store: fileStore(storePath), onProgress: (event) => events.push(event) });
  expect(resumed.resumed).toBe(true);
  expect(resumed.steps[0]?.transactionHashes).toEqual([sentHash]);
  expect(events[0]).toMatchObject({ type: 'step-mined', step: 0, transactionHash: sentHash, resumed: true });

  // Exactly once: one RELEASE left remote 1 and landed home, one GRANT left home and landed on remote 2.
  const mirror1 = contractAddress(connectionOf(client, remote1).deployment, BALLAST_CONTRACTS.mirror);
  const mirror2 = contractAddress(connectionOf(client, remote2).deployment, BALLAST_CONTRACTS.mirror);
  const vault = contractAddress(home.deployment, BALLAST_CONTRACTS.vault);
  const released = await connectionOf(client, remote1).publicClient.getContractEvents({ address: mirror1, abi: creditMirrorAbi, eventName: 'CreditReleased', args: { account: user.address }, fromBlock: remoteBlock });
  const releasedHome = await home.publicClient.getContractEvents({ address: vault, abi: collateralVaultAbi, eventName: 'CreditReleased', args: { account: user.address }, fromBlock: homeBlock });
  const exported = await home.publicClient.getContractEvents({ address: vault, abi: collateralVaultAbi, eventName: 'CreditExported', args: { account: user.address }, fromBlock: homeBlock });
  const granted = await connectionOf(client, remote2).publicClient.getContractEvents({ address: mirror2, abi: creditMirrorAbi, eventName: 'CreditGranted', args: { account: user.address }, fromBlock: 0n });
  expect(released.map((event) => event.args.amount)).toEqual([parseEther('400')]);
  expect(releasedHome.map((event) => event.args.amount)).toEqual([parseEther('400')]);
  expect(exported.map((event) => [event.args.dstEid, event.args.amount])).toEqual([[remote2, parseEther('400')]]);
  expect(granted.map((event) => event.args.amount)).toEqual([parseEther('400')]);
  const position = await client.getPosition({ account: user.address });
  expect(lineOn(position, remote1).line).toBe(parseEther('600'));
  expect(lineOn(position, remote2).line).toBe(parseEther('400'));

  // Executing the finished plan again with its record sends nothing.
  const nonce = await home.publicClient.getTransactionCount({ address: user.address });
  const again = await client.execute({ plan: planned, store: fileStore(storePath) });
  expect(again.resumed).toBe(true);
  expect(await home.publicClient.getTransactionCount({ address: user.address })).toBe(nonce);
});

test('a borrow SIGKILLed after authorising the pool resumes with the borrow alone: one authorisation, one draw', async () => {
  const key = devnetKeys.users[0];
  const { user, client } = await funded(key, parseEther('1'));
  const planned = await client.plan({ type: 'borrow', chain: remote2, amount: parseUnits('100', 6) });
  expect(planned.steps.at(-1)?.call).toBe('borrow');
  const directory = mkdtempSync(join(tmpdir(), 'ballast-plan-'));
  const planPath = join(directory, 'plan.json');
  const storePath = join(directory, 'progress.json');
  writeFileSync(planPath, JSON.stringify(planned));
  const remote = connectionOf(client, remote2).publicClient;
  const fromBlock = (await remote.getBlockNumber()) + 1n;

  // The borrow step sends two transactions; the process dies once the first (the authorisation, which borrow
  // sends as the setConsumerAuthorization action) is on record.
  const { child } = await executeInChild(key, planPath, storePath, /^step-sent \d+ 0x\S+ setConsumerAuthorization$/);
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  const resumed = await client.execute({ plan: planned, store: fileStore(storePath) });
  expect(resumed.steps.at(-1)?.transactionHashes).toHaveLength(2);

  const mirror = contractAddress(connectionOf(client, remote2).deployment, BALLAST_CONTRACTS.mirror);
  const authorised = await remote.getContractEvents({ address: mirror, abi: creditMirrorAbi, eventName: 'ConsumerAuthorized', args: { account: user.address }, fromBlock });
  const drawn = await remote.getContractEvents({ address: mirror, abi: creditMirrorAbi, eventName: 'Drawn', args: { account: user.address }, fromBlock });
  expect(authorised).toHaveLength(1);
  expect(drawn.map((event) => event.args.amount)).toEqual([parseEther('100')]);
  expect(lineOn(await client.getPosition({ account: user.address }), remote2)).toMatchObject({ line: parseEther('100'), drawn: parseEther('100') });
});

test('a step on record as sending, with no hash but the account\'s nonce moved, is refused instead of sent again', async () => {
  const key = devnetKeys.users[3];
  const client = createBallastClient({ deployments: stack.devnet.deployments, account: privateKeyToAccount(key), pollingInterval: 20 });
  const address = privateKeyToAccount(key).address;
  const planned = await client.plan({ type: 'ensureCredit', chain: remote1, amount: parseEther('700') });
  expect(planned.steps.map((step) => step.call)).toEqual(['exportCredit']);
  // As if a process had sent step 0 and died before its hash was written: the nonce it noted is behind.
  const home = client.ballast.home.publicClient;
  const nonce = await home.getTransactionCount({ address, blockTag: 'pending' });
  const store = memoryStore();
  store.set(progressKey(planned.id), JSON.stringify({ planId: planned.id, steps: [{ state: 'sending', nonce: nonce - 1, sent: [], messages: [], landed: [] }], done: false }));
  const exported = (await client.getPosition({ account: address })).totalExported;
  const error = await client.execute({ plan: planned, store }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(PlanExecutionError);
  expect((error as Error).message).toMatch(/may have sent a transaction whose hash was not recorded/);
  expect(await home.getTransactionCount({ address, blockTag: 'pending' })).toBe(nonce);
  expect((await client.getPosition({ account: address })).totalExported).toBe(exported);
});

test('a GRANT that lands after its deadline is parked, execute says so, and the next plan returns it before exporting', async () => {
  const { client } = await funded(devnetKeys.users[4], parseEther('1'));
  // A minute to live for GRANTs to remote 2, whose clock runs ten minutes ahead: the GRANT arrives expired (M-5).
  const home = homeChain(stack.devnet.deployments);
  const vault = contractAddress(home, BALLAST_CONTRACTS.vault);
  const configure = (grantTtl: number) =>
    executeThroughTimelock(new ChainDeployer(home, devnetKeys.deployer), home.governance?.timelock as Address, 'configureRemote', [
      { target: vault, data: encodeFunctionData({ abi: collateralVaultAbi, functionName: 'configureRemote', args: [remote2, { enabled: true, grantTtl, rateWindow: 86_400, creditCap: 10n ** 28n, maxPerWindow: 10n ** 28n }] }) },
    ]);
  await configure(60);
  const planned = await client.plan({ type: 'ensureCredit', chain: remote2, amount: parseEther('100'), tripSeconds: 30 });
  expect(planned.steps[0]?.call).toBe('exportCredit');
  const { chain, deployment } = connectionOf(client, remote2);
  const anvil = createTestClient({ mode: 'anvil', chain, transport: http(deployment.rpcUrl) });
  await anvil.increaseTime({ seconds: 600 });
  await anvil.mine({ blocks: 1 });
  const error = await client.execute({ plan: planned }).catch((caught: unknown) => caught);
  await configure(3_600);
  expect(error).toBeInstanceOf(MessageEffectError);
  expect((error as Error).message).toMatch(/landed parked on .* \(it arrived after its deadline\): call returnParked\(\{ eid: \d+ \}\)/);
  const address = privateKeyToAccount(devnetKeys.users[4]).address;
  expect(lineOn(await client.getPosition({ account: address }), remote2)).toMatchObject({ line: 0n, parked: parseEther('100') });

  // The parked $100 still counts as exported: $1,550 on remote 1 needs it home first (power $1,600).
  const more = await client.plan({ type: 'ensureCredit', chain: remote1, amount: parseEther('1550') });
  expect(more.steps.slice(0, 2).map((step) => `${step.call}@${step.chain}`)).toEqual([`returnParked@${remote2}`, `exportCredit@${home.eid}`]);
  expect(more.steps[1]?.waitsFor).toEqual([{ step: 0, type: 'RELEASE' }]);
  await client.execute({ plan: more });
  let position = await client.getPosition({ account: address });
  expect(lineOn(position, remote2)).toMatchObject({ parked: 0n, exported: 0n });
  expect(lineOn(position, remote1)).toMatchObject({ line: parseEther('1550'), inFlight: 0n });

  // And everything home again.
  const closing = await client.plan({ type: 'closeAll' });
  expect(closing.steps.map((step) => step.call)).toEqual(['release', 'withdraw']);
  await client.execute({ plan: closing });
  position = await client.getPosition({ account: address });
  expect(position.totalExported).toBe(0n);
  expect(position.collateral).toEqual([]);
});
