// Ingest on three real anvil chains with Ballast deployed and the courier carrying every message, and
// the reconcile store it feeds, checked against the chains with `accountDifferences` (each chain read
// at the block ingest applied up to): after random user traffic, across a reorg, across a restart with
// two processes racing, and over an RPC that fails 30% of calls; the periodic audit that reports
// drift; and a comparison that reads home's head while home mines the next block. Each test uses its
// own Redis prefix, so it ingests the whole history from the deployment's start block.
//
// BALLAST_INGEST_OPERATIONS sets the number of random operations of the first test (default 500, the issue's
// number: a random sequence of 500 user operations on 3 chains, compared account by account).
import { collateralVaultAbi, mockAggregatorAbi, testTokenAbi } from '@ballast/abi';
import { BALLAST_CONTRACTS, deployBallast, devnetChain, devnetClients, devnetKeys, liveChildren } from '@ballast/devnet';
import { type Deployments, homeChain } from '@ballast/protocol';
import { type BallastBaseClient, type GetPositionReturnType, createBallastClient } from '@ballast/sdk';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { type Address, type Hex, type Transport, createPublicClient, encodeFunctionData, getAddress, http, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { BallastUser } from '../../test/support/ballast.ts';
import { flakyTransport } from '../../test/support/flaky-transport.ts';
import { DeliveryTracker } from '../../test/support/pings.ts';
import { RandomOperations } from '../../test/support/random-operations.ts';
import { type Stack, startStack } from '../../test/support/stack.ts';
import type { Courier } from '../src/courier/courier.ts';
import { followedContracts, type IngestedEvent } from '../src/ingest/contracts.ts';
import type { EventBatch, IngestChain, RollbackNotice } from '../src/ingest/event-source.ts';
import { Ingest, type IngestConsumer } from '../src/ingest/ingest.ts';
import { ReorgTooDeepError } from '../src/ingest/errors.ts';
import { type IngestLedger, chainKey } from '../src/ingest/ledger.ts';
import type { IngestSettings } from '../src/ingest/settings.ts';
import { readOnlySdk } from '../src/chains.ts';
import { createLogger } from '../src/logging.ts';
import { type AccountState, ReconcileStore, type RemoteLine } from '../src/reconcile/account-store.ts';
import { DriftAudit, auditKeys, lastAuditReport } from '../src/reconcile/audit.ts';
import { accountDifferences } from '../src/reconcile/differences.ts';
import { relayerStatus } from '../src/ops/status.ts';

const OPERATIONS = Number(process.env.BALLAST_INGEST_OPERATIONS ?? 500);
const CHECK_EVERY = 25;
const USERS = [devnetKeys.users[1], devnetKeys.users[2], devnetKeys.users[3]];

let stack: Stack;
let deployments: Deployments;
let courier: Courier;
let deliveries: DeliveryTracker;
let redis: Redis;
let chains: IngestChain[];
/** What the comparisons read the chains through. */
let sdk: BallastBaseClient;
const running: Ingest[] = [];

beforeAll(async () => {
  stack = await startStack();
  await deployBallast(stack.devnet);
  deployments = stack.devnet.deployments;
  courier = stack.courier();
  deliveries = new DeliveryTracker(courier);
  courier.start();
  redis = new Redis(stack.redis.url, { maxRetriesPerRequest: null });
  chains = deployments.chains.map((deployment) => ({ deployment, publicClient: devnetClients(deployment, devnetKeys.deployer).publicClient }));
  sdk = readOnlySdk(deployments);
  // Draws need a fresh HEARTBEAT on each remote.
  const sender = new BallastUser(deployments, devnetKeys.users[4]);
  const heartbeats: Hex[] = [];
  for (const chain of deployments.chains) if (chain.role === 'remote') heartbeats.push(await sender.sendHeartbeat(chain.eid));
  await deliveries.waitFor(heartbeats, 30_000);
});

afterAll(async () => {
  await Promise.all(running.map((ingest) => ingest.stop()));
  redis?.disconnect();
  await stack?.stop();
  expect(liveChildren()).toEqual([]);
});

type Instance = { ingest: Ingest; store: ReconcileStore };

function ingestWith(name: string, options: { chains?: IngestChain[]; settings?: IngestSettings; consumer?: (store: ReconcileStore) => IngestConsumer } = {}): Instance {
  const prefix = `${stack.prefix}:${name}`;
  const store = new ReconcileStore({ redis, chains: deployments.chains, prefix });
  const ingest = new Ingest({
    chains: options.chains ?? chains,
    redis,
    prefix,
    consumer: options.consumer?.(store) ?? store,
    settings: { pollIntervalMs: 20, maxBlockRange: 50, ...options.settings },
    logger: createLogger(process.env.BALLAST_LOG_LEVEL ?? 'silent'),
  });
  running.push(ingest);
  return { ingest, store };
}

/** Waits until `ledger` has applied every chain up to its head as of now. */
async function caughtUp(ledger: IngestLedger, timeoutMs = 20_000): Promise<void> {
  const heads = await Promise.all(chains.map((chain) => chain.publicClient.getBlockNumber({ cacheTime: 0 })));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const cursors = await Promise.all(chains.map((chain) => ledger.cursor(chain.deployment.eid)));
    if (cursors.every((cursor, index) => cursor !== undefined && cursor.block >= (heads[index] as bigint))) return;
    if (Date.now() > deadline) throw new Error(`ingest did not reach heads ${heads.join(', ')} within ${timeoutMs} ms (at ${cursors.map((cursor) => cursor?.block).join(', ')})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What both the SDK's position and the reconcile store record of an account, zeros left out. */
type Book = { collateral: Record<string, bigint>; exported: Record<number, bigint>; lines: Record<number, RemoteLine>; epoch: number };

const nonZero = <value>(entries: [string | number, value][], isZero: (value: value) => boolean) => Object.fromEntries(entries.filter(([, value]) => !isZero(value)));
const isZeroLine = (line: RemoteLine) => line.line === 0n && line.drawn === 0n && line.parked === 0n;

function positionBook(position: GetPositionReturnType): Book {
  return {
    collateral: nonZero(position.collateral.map((asset) => [getAddress(asset.asset), asset.amount]), (amount) => amount === 0n),
    exported: nonZero(position.remotes.map((remote) => [remote.eid, remote.exported]), (amount) => amount === 0n),
    lines: nonZero(position.remotes.map(({ eid, line, drawn, parked }) => [eid, { line, drawn, parked }]), isZeroLine),
    epoch: position.epoch,
  };
}

function storeBook(state: AccountState): Book {
  return {
    collateral: nonZero(Object.entries(state.collateral).map(([asset, amount]) => [getAddress(asset), amount]), (amount) => amount === 0n),
    exported: nonZero(Object.entries(state.exported).map(([eid, amount]) => [Number(eid), amount]), (amount) => amount === 0n),
    lines: nonZero(Object.entries(state.lines).map(([eid, line]) => [Number(eid), { line: line.line, drawn: line.drawn, parked: line.parked }]), isZeroLine),
    epoch: state.epoch,
  };
}

function differences({ ingest, store }: Instance) {
  return accountDifferences({ store, ledger: ingest.ledger, sdk });
}

/**
 * For a failed comparison: the logs of each differing account's chain that name the account (any
 * topic), up to the compared block, against the events ingest applied — which were never applied, which
 * were applied more than once (matched by block hash and log index, so an event applied from a fork the
 * chain left counts as not applied), and which applied events naming the account the chain does not have.
 */
async function explain(found: Awaited<ReturnType<typeof differences>>, applied: readonly IngestedEvent[]): Promise<string> {
  const lines: string[] = [];
  for (const difference of found) {
    const chain = chains.find((candidate) => candidate.deployment.eid === difference.eid) as IngestChain;
    const topic = `0x${difference.account.slice(2).toLowerCase().padStart(64, '0')}`;
    const logs = await chain.publicClient.getLogs({ address: followedContracts(chain.deployment).map((contract) => contract.address), fromBlock: BigInt(chain.deployment.startBlock), toBlock: difference.block });
    const named = logs.filter((log) => log.topics.slice(1).includes(topic as Hex));
    const position = (log: { blockHash: Hex | null; logIndex: number | null }) => `${log.blockHash}:${log.logIndex}`;
    const onChain = new Set(named.map(position));
    const ours = applied.filter((event) => event.eid === difference.eid && event.blockNumber <= difference.block);
    const times = (log: (typeof named)[number]) => ours.filter((event) => position(event) === position(log)).length;
    const odd = named.filter((log) => times(log) !== 1).map((log) => `block ${log.blockNumber} log ${log.logIndex} topic0 ${log.topics[0]} applied ${times(log)}×`);
    const foreign = ours
      .filter((event) => Object.values(event.args).includes(difference.account) && !onChain.has(position(event)))
      .map((event) => `${event.eventName} block ${event.blockNumber} (${event.blockHash.slice(0, 10)}) log ${event.logIndex}`);
    lines.push(
      `${difference.field} on ${difference.eid}: ${named.length} logs name the account up to block ${difference.block}; not applied once: ${odd.join('; ') || 'none'}; applied but not on the chain: ${foreign.join('; ') || 'none'}`,
    );
  }
  return lines.join('\n');
}

test(`ingest and the reconcile store agree with every chain after ${OPERATIONS} random operations`, async () => {
  const instance = ingestWith('random');
  // Every event ingest applies (rollbacks drop theirs), for `explain`.
  const applied: IngestedEvent[] = [];
  instance.ingest.on('applied', (batch) => applied.push(...batch.events));
  instance.ingest.on('rolledBack', (notice) => {
    const kept = applied.filter((event) => event.eid !== notice.eid || event.blockNumber <= notice.toBlock);
    applied.splice(0, applied.length, ...kept);
  });
  instance.ingest.start();
  const operations = new RandomOperations(deployments, USERS, 1n);
  await operations.run(OPERATIONS, async (record) => {
    if ((record.index + 1) % CHECK_EVERY !== 0) return;
    // Mid-run, with messages in flight: each chain is compared at the block ingest reached on it. (On a
    // difference, ingest's counters say whether a rollback, a conflict or a failed poll preceded it.)
    await caughtUp(instance.ingest.ledger);
    const found = await differences(instance);
    const why = found.length > 0 ? `after operation ${record.index + 1}; ingest: ${JSON.stringify(instance.ingest.metrics.snapshot())}\n${await explain(found, applied)}` : undefined;
    expect(found, why).toEqual([]);
  });
  await deliveries.waitFor(operations.guids, 30_000);
  await caughtUp(instance.ingest.ledger);
  expect(await differences(instance)).toEqual([]);
  // The SDK's position of each user equals the store's (which equals the chains, just above): one record
  // of collateral, exports, lines and epochs, read three ways.
  for (const user of operations.users) {
    const [position, state] = await Promise.all([user.getPosition(), instance.store.account(user.address)]);
    expect(positionBook(position), user.address).toEqual(storeBook(state));
  }

  // The run exercised every kind of state on every chain.
  const done = (kind: string) => operations.records.filter((record) => record.kind === kind && record.outcome === 'done').length;
  for (const kind of ['deposit', 'withdraw', 'export', 'borrow', 'repay', 'release', 'price']) expect(done(kind), kind).toBeGreaterThan(0);
  const users = operations.users.map((user) => user.address).sort();
  expect(await instance.store.accounts()).toEqual(users);
  const states = await Promise.all(users.map((user) => instance.store.account(user)));
  expect(states.some((state) => Object.values(state.lines).some((line) => line.drawn > 0n))).toBe(true);

  // Feeds: the latest AnswerUpdated of each is the feed's latest round.
  const home = homeChain(deployments);
  const homeRead = chains.find((chain) => chain.deployment.eid === home.eid)?.publicClient;
  const feeds = await instance.store.feeds();
  const block = (await instance.ingest.ledger.cursor(home.eid))?.block;
  for (const name of [BALLAST_CONTRACTS.wethFeed, BALLAST_CONTRACTS.wbtcFeed]) {
    const feed = home.contracts[name] as Address;
    const [roundId, answer, , updatedAt] = (await homeRead?.readContract({ address: feed, abi: mockAggregatorAbi, functionName: 'latestRoundData', blockNumber: block })) ?? [];
    expect(feeds[feed]).toEqual({ answer, roundId, updatedAt });
  }
  const metrics = instance.ingest.metrics.snapshot();
  expect(metrics.every((chain) => chain.reorgs === 0 && chain.headLag === 0)).toBe(true);
  expect(metrics.reduce((sum, chain) => sum + chain.eventsIngested, 0)).toBeGreaterThan(OPERATIONS);
  await instance.ingest.stop();
}, 60_000);

test('a reorg of depth 3 on home is detected, rolled back to the last common block and re-applied', async () => {
  const home = homeChain(deployments);
  const homeChainRead = chains.find((chain) => chain.deployment.eid === home.eid) as IngestChain;
  const instance = ingestWith('reorg', { settings: { confirmations: 0, reorgDepth: 8 } });
  // A second ingest that keeps too short a window: it must refuse to guess, not corrupt its state.
  const shallow = ingestWith('reorg-shallow', { settings: { confirmations: 0, reorgDepth: 1 } });
  const rollbacks: RollbackNotice[] = [];
  instance.ingest.on('rolledBack', (notice) => rollbacks.push(notice));
  instance.ingest.start();
  const stepShallow = async () => {
    while ((await shallow.ingest.step(home.eid)).kind !== 'idle');
  };

  const user = new BallastUser(deployments, USERS[0] as Hex);
  const weth = user.contract(home.eid, BALLAST_CONTRACTS.weth);
  const vault = user.contract(home.eid, BALLAST_CONTRACTS.vault);
  await user.mint(home.eid, weth, parseEther('100'));
  await user.write(home.eid, weth, testTokenAbi, 'approve', [vault, parseEther('100')]);
  await caughtUp(instance.ingest.ledger);
  const before = (await instance.store.account(user.address)).collateral[weth] ?? 0n;

  // Four deposits, one block each; the last three will leave the chain.
  const amounts = [parseEther('1'), parseEther('2'), parseEther('3'), parseEther('4')];
  let nonceOfSecond = 0;
  for (const [index, amount] of amounts.entries()) {
    if (index === 1) nonceOfSecond = await user.connection(home.eid).publicClient.getTransactionCount({ address: user.address, blockTag: 'pending' });
    await user.write(home.eid, vault, collateralVaultAbi, 'deposit', [user.address, weth, amount]);
    await stepShallow();
  }
  const head = await homeChainRead.publicClient.getBlockNumber({ cacheTime: 0 });
  await caughtUp(instance.ingest.ledger);
  expect((await instance.store.account(user.address)).collateral[weth]).toBe(before + parseEther('10'));

  // Replace the last three blocks: the first new one carries a different deposit (same nonce as the second).
  const account = privateKeyToAccount(USERS[0] as Hex);
  const fees = await homeChainRead.publicClient.estimateFeesPerGas();
  const replacement = await account.signTransaction({
    chainId: home.chainId,
    type: 'eip1559',
    to: vault,
    nonce: nonceOfSecond,
    gas: 300_000n,
    maxFeePerGas: fees.maxFeePerGas * 2n,
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    data: encodeFunctionData({ abi: collateralVaultAbi, functionName: 'deposit', args: [user.address, weth, parseEther('7')] }),
  });
  const replacedHash = (await homeChainRead.publicClient.getBlock({ blockNumber: head })).hash;
  // anvil_reorg(depth, [[transaction, offset in the new blocks]]): not in viem's test actions.
  await homeChainRead.publicClient.request({ method: 'anvil_reorg', params: [3, [[replacement, 0]]] } as never);
  expect((await homeChainRead.publicClient.getBlock({ blockNumber: head })).hash).not.toBe(replacedHash);

  const deadline = Date.now() + 20_000;
  while (rollbacks.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(rollbacks).toHaveLength(1);
  expect(rollbacks[0]).toMatchObject({ eid: home.eid, fromBlock: head, toBlock: head - 3n });
  expect(rollbacks[0]?.restored.map(({ field }) => field)).toContain(`collateral:${weth}`);
  await caughtUp(instance.ingest.ledger);
  expect((await instance.ingest.ledger.cursor(home.eid))?.hash).toBe((await homeChainRead.publicClient.getBlock({ blockNumber: head })).hash);
  expect((await instance.store.account(user.address)).collateral[weth]).toBe(before + parseEther('1') + parseEther('7'));
  expect(await differences(instance)).toEqual([]);
  expect(instance.ingest.metrics.chain(home.eid)).toMatchObject({ reorgs: 1, blocksRolledBack: 3 });

  // The shallow window held only replaced blocks: a typed error, and its state untouched. (The reorg kept
  // the height: a caught-up ingest re-checks the applied hash at least once a second, so it sees it then.)
  const refused = await (async () => {
    const deadline = Date.now() + 5_000;
    for (;;) {
      try {
        await shallow.ingest.step(home.eid);
      } catch (error) {
        return error;
      }
      if (Date.now() > deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  expect(refused).toBeInstanceOf(ReorgTooDeepError);
  expect((await shallow.ingest.ledger.cursor(home.eid))?.block).toBe(head);
  await instance.ingest.stop();
}, 60_000);

test('a restarted ingest resumes from the Redis cursor, and two racing instances apply every batch once', async () => {
  const first = ingestWith('restart');
  first.ingest.start();
  const operations = new RandomOperations(deployments, USERS, 3n);
  await operations.run(15);
  await caughtUp(first.ingest.ledger);
  await first.ingest.stop();
  const stoppedAt = new Map<number, bigint>();
  for (const chain of chains) stoppedAt.set(chain.deployment.eid, (await first.ingest.ledger.cursor(chain.deployment.eid))?.block ?? -1n);

  // Traffic while no ingest runs.
  await operations.run(15);
  await deliveries.waitFor(operations.guids, 30_000);

  // Two processes on the same prefix; the first one's first batch fails after its writes were computed
  // (a crash between apply and commit), so that batch is read again.
  let crashed = false;
  const crashOnce = (store: ReconcileStore): IngestConsumer => ({
    apply: async (batch: EventBatch) => {
      const writes = await store.apply(batch);
      if (!crashed && writes.length > 0) {
        crashed = true;
        throw new Error('simulated crash between apply and commit');
      }
      return writes;
    },
  });
  const second = ingestWith('restart', { consumer: crashOnce });
  const third = ingestWith('restart');
  const firstBatches = new Map<number, bigint>();
  for (const instance of [second, third]) {
    instance.ingest.on('applied', (batch) => {
      if (!firstBatches.has(batch.eid)) firstBatches.set(batch.eid, batch.fromBlock);
    });
    instance.ingest.start();
  }
  await operations.run(10);
  await deliveries.waitFor(operations.guids, 30_000);
  await caughtUp(second.ingest.ledger);
  await Promise.all([second.ingest.stop(), third.ingest.stop()]);

  expect(crashed).toBe(true);
  for (const chain of chains) expect(firstBatches.get(chain.deployment.eid)).toBe((stoppedAt.get(chain.deployment.eid) as bigint) + 1n);
  expect(await differences(second)).toEqual([]);
  const applied = [second, third].flatMap(({ ingest }) => ingest.metrics.snapshot());
  expect(applied.reduce((sum, chain) => sum + chain.batchesApplied, 0)).toBeGreaterThan(0);
}, 60_000);

test('over an RPC that fails 30% of calls, ingest keeps going and converges', async () => {
  const stats = { calls: 0, failed: 0 };
  const flaky: IngestChain[] = deployments.chains.map((deployment, index) => ({
    deployment,
    publicClient: createPublicClient({
      chain: devnetChain(deployment.chainId, deployment.rpcUrl, deployment.name),
      transport: flakyTransport(http(deployment.rpcUrl, { retryCount: 0 }), { failureRate: 0.3, seed: BigInt(index + 1), stats }),
    }),
  }));
  const instance = ingestWith('flaky', { chains: flaky, settings: { maxBlockRange: 20, maxBackoffMs: 200 } });
  instance.ingest.start();
  const operations = new RandomOperations(deployments, USERS, 4n);
  await operations.run(20);
  await deliveries.waitFor(operations.guids, 30_000);
  await caughtUp(instance.ingest.ledger, 40_000);
  expect(await differences(instance)).toEqual([]);
  expect(stats.failed / stats.calls).toBeGreaterThan(0.2);
  expect(instance.ingest.metrics.snapshot().reduce((sum, chain) => sum + chain.pollErrors, 0)).toBeGreaterThan(0);
  await instance.ingest.stop();
}, 60_000);

test('the audit reports drift between the store and the chains (log, report, status) and never overwrites the store', async () => {
  const instance = ingestWith('audit');
  instance.ingest.start();
  await caughtUp(instance.ingest.ledger);
  const prefix = `${stack.prefix}:audit`;
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  const auditor = (intervalMs = 60_000) => new DriftAudit({ store: instance.store, ledger: instance.ingest.ledger, sdk, redis, prefix, intervalMs, batchSize: 2, logger });

  // After the random traffic of the other tests: every account compared, none drifted — with multicall:
  // per batch, one eth_call on each chain, whatever the number of accounts and assets (the assets the store
  // holds are read on home with the rest).
  const accounts = await instance.store.accounts();
  expect(accounts.length).toBeGreaterThanOrEqual(USERS.length);
  const calls = new Map<string, number>();
  const counted = new DriftAudit({ store: instance.store, ledger: instance.ingest.ledger, sdk: hookedSdk(countInto(calls)), redis, prefix, batchSize: 1_000, logger });
  const clean = await counted.run();
  expect(clean).toMatchObject({ accounts: accounts.length, driftedAccounts: 0, differences: [], differencesByKind: {} });
  for (const chain of deployments.chains) expect(calls.get(`${chain.eid}:eth_call`), chain.name).toBe(1);
  expect(lines.filter((line) => line.event === 'reconcile.drift')).toEqual([]);

  // A missed Deposited event: the store says one wei more than the vault holds.
  const home = homeChain(deployments);
  const [account] = accounts as [Address, ...Address[]];
  const weth = getAddress(home.contracts[BALLAST_CONTRACTS.weth] as Address);
  const key = chainKey(prefix, home.eid, 'reconcile', 'account', account);
  const field = `collateral:${weth}`;
  const before = (await instance.store.account(account)).collateral[weth] ?? 0n;
  await redis.hset(key, field, String(before + 1n));
  const drifted = await auditor().run();
  const block = (await instance.ingest.ledger.cursor(home.eid))?.block as bigint;
  expect(drifted.driftedAccounts).toBe(1);
  expect(drifted.differencesByKind).toEqual({ [`${home.eid}:collateral`]: 1 });
  expect(drifted.differences).toEqual([{ account, eid: home.eid, field, stored: String(before + 1n), onChain: String(before), block: String(block) }]);
  expect(lines.filter((line) => line.event === 'reconcile.drift')).toEqual([
    expect.objectContaining({ level: 40, account, eid: home.eid, field, stored: String(before + 1n), onChain: String(before) }),
  ]);
  // Reported, not corrected; `status` and every process's /metrics read the same report.
  expect(await redis.hget(key, field)).toBe(String(before + 1n));
  expect(await lastAuditReport(redis, prefix)).toEqual(drifted);
  expect((await relayerStatus({ redis, prefix, deployments })).audit).toEqual(drifted);
  await redis.hset(key, field, String(before));

  // A missed first deposit of an asset: the store does not know the account holds it at all. The read
  // finds it in the vault's `assetsOf` (one more round trip on home) and the difference counts.
  const holder = (await Promise.all(accounts.map((candidate) => instance.store.account(candidate)))).find((state) => (state.collateral[weth] ?? 0n) > 0n) as AccountState;
  const holderKey = chainKey(prefix, home.eid, 'reconcile', 'account', holder.account);
  await redis.hdel(holderKey, field);
  const missed = await accountDifferences({ store: instance.store, ledger: instance.ingest.ledger, sdk, accounts: [holder.account] });
  expect(missed).toContainEqual(expect.objectContaining({ account: holder.account, eid: home.eid, field, stored: 0n, onChain: holder.collateral[weth] }));
  await redis.hset(holderKey, field, String(holder.collateral[weth]));

  // On a timer, relayers of one prefix take turns: one pass per interval among them.
  await redis.del(auditKeys(prefix).lock);
  const [first, second] = [auditor(), auditor()];
  const [a, b] = await Promise.all([first.runIfDue(), second.runIfDue()]);
  expect([a, b].filter(Boolean)).toHaveLength(1);
  expect(first.runs + second.runs).toBe(1);
  expect(await second.runIfDue()).toBeUndefined();
  // The timer: a pass at start, the next once the interval has passed.
  await redis.del(auditKeys(prefix).lock);
  const timed = auditor(300);
  timed.start();
  await vi.waitFor(() => expect(timed.runs).toBeGreaterThanOrEqual(2), { timeout: 10_000, interval: 50 });
  await timed.stop();
  expect(timed.failures).toBe(0);
  await instance.ingest.stop();
}, 60_000);

test('a block mined while the store is compared at the head shows no difference: a difference counts once a read past the compared block confirms it', async () => {
  // Anvil answers a read at its head from its live state while it mines the next block. Here each round
  // queues 100 deposits, and home mines them in one block just as the comparison reads home's values.
  const BLOCK = 100;
  const ROUNDS = 10;
  const instance = ingestWith('mined-while-read');
  instance.ingest.start();
  const home = homeChain(deployments);
  const user = new BallastUser(deployments, devnetKeys.users[0] as Hex);
  const weth = user.contract(home.eid, BALLAST_CONTRACTS.weth);
  const vault = user.contract(home.eid, BALLAST_CONTRACTS.vault);
  await user.mint(home.eid, weth, parseEther('1000'));
  await user.write(home.eid, weth, testTokenAbi, 'approve', [vault, parseEther('1000')]);
  await user.write(home.eid, vault, collateralVaultAbi, 'deposit', [user.address, weth, 1n]);
  const { publicClient } = user.connection(home.eid);
  const signer = privateKeyToAccount(devnetKeys.users[0] as Hex);
  const data = encodeFunctionData({ abi: collateralVaultAbi, functionName: 'deposit', args: [user.address, weth, 1n] });
  const fees = await publicClient.estimateFeesPerGas();
  let nonce = await publicClient.getTransactionCount({ address: user.address, blockTag: 'pending' });
  const automine = (on: boolean) => publicClient.request({ method: 'evm_setAutomine', params: [on] } as never);
  // The comparison's eth_call on home (assets, collateral, exports, epochs) goes out just after an evm_mine.
  let homeCalls = 0;
  let mined: Promise<unknown> | undefined;
  const racing = hookedSdk((eid, method, send) => {
    if (eid === home.eid && method === 'eth_call' && ++homeCalls === 1) mined = send('evm_mine');
  });
  /** Queues a block of deposits, compares while home mines it, and returns what the comparison found. */
  const compareWhileMining = async () => {
    const head = await publicClient.getBlockNumber({ cacheTime: 0 });
    await automine(false);
    try {
      const signed = await Promise.all(
        Array.from({ length: BLOCK }, (_, offset) => signer.signTransaction({ chainId: home.chainId, type: 'eip1559', to: vault, data, gas: 200_000n, nonce: nonce + offset, ...fees })),
      );
      nonce += BLOCK;
      for (const serializedTransaction of signed) await publicClient.sendRawTransaction({ serializedTransaction });
      homeCalls = 0;
      mined = undefined;
      const found = await accountDifferences({ store: instance.store, ledger: instance.ingest.ledger, sdk: racing });
      await mined;
      // The comparison read home at the block before the one mined, which holds every deposit (and
      // whatever else was sent meanwhile).
      expect(await publicClient.getBlockTransactionCount({ blockNumber: head + 1n })).toBeGreaterThanOrEqual(BLOCK);
      return found;
    } finally {
      await automine(true);
    }
  };
  for (let round = 0; round < ROUNDS; round++) {
    await caughtUp(instance.ingest.ledger);
    expect(await compareWhileMining(), `round ${round}`).toEqual([]);
  }

  // A real difference still counts when the chain moves during the comparison: with ingest stopped at
  // the head, the store is made one wei off, and the confirming read (past the compared block) keeps it.
  await caughtUp(instance.ingest.ledger);
  await instance.ingest.stop();
  const block = (await instance.ingest.ledger.cursor(home.eid))?.block as bigint;
  const key = chainKey(`${stack.prefix}:mined-while-read`, home.eid, 'reconcile', 'account', user.address);
  const field = `collateral:${getAddress(weth)}`;
  const held = (await instance.store.account(user.address)).collateral[getAddress(weth)] as bigint;
  await redis.hset(key, field, String(held + 1n));
  expect(await compareWhileMining()).toEqual([{ account: user.address, eid: home.eid, field, stored: held + 1n, onChain: held, block }]);
  await redis.hset(key, field, String(held));
  instance.ingest.start();
  await caughtUp(instance.ingest.ledger);
  expect(await differences(instance)).toEqual([]);
  await instance.ingest.stop();
}, 60_000);

/** Calls `before(eid, method, send)` ahead of each RPC request a transport sends (`send` sends another). */
type RequestHook = (eid: number, method: string, send: (method: string) => Promise<unknown>) => void;

/** A transport to `deployment`'s chain that calls `before` ahead of each request. */
function hookedTransport(deployment: Deployments['chains'][number], before: RequestHook): Transport {
  return (parameters) => {
    const transport = http(deployment.rpcUrl, { retryCount: 0 })(parameters);
    const request = (async (args: { method: string }, options?: unknown) => {
      before(deployment.eid, args.method, (method) => transport.request({ method, params: [] } as never));
      return transport.request(args as never, options as never);
    }) as typeof transport.request;
    return { ...transport, request };
  };
}

/** Clients of every chain whose requests go through `hookedTransport`. */
function hookedChains(before: RequestHook): IngestChain[] {
  return deployments.chains.map((deployment) => ({
    deployment,
    publicClient: createPublicClient({ chain: devnetChain(deployment.chainId, deployment.rpcUrl, deployment.name), transport: hookedTransport(deployment, before) }),
  }));
}

/** A read-only SDK client whose requests on every chain go through `hookedTransport`. */
function hookedSdk(before: RequestHook): BallastBaseClient {
  return createBallastClient({ deployments, transports: Object.fromEntries(deployments.chains.map((deployment) => [deployment.eid, hookedTransport(deployment, before)])) });
}

/** A hook that counts requests by `<eid>:<method>` into `calls`. */
function countInto(calls: Map<string, number>): RequestHook {
  return (eid, method) => {
    const key = `${eid}:${method}`;
    calls.set(key, (calls.get(key) ?? 0) + 1);
  };
}

test('caught up, a poll is one eth_blockNumber while the head stands still (the applied hash is checked at most once a second)', async () => {
  const calls = new Map<string, number>();
  const counted = hookedChains(countInto(calls));
  const instance = ingestWith('idle', { chains: counted, settings: { pollIntervalMs: 50 } });
  instance.ingest.start();
  await caughtUp(instance.ingest.ledger);
  await new Promise((resolve) => setTimeout(resolve, 200));
  calls.clear();
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  await instance.ingest.stop();
  for (const chain of deployments.chains) {
    const polls = calls.get(`${chain.eid}:eth_blockNumber`) ?? 0;
    expect(polls, `chain ${chain.eid} polls`).toBeGreaterThanOrEqual(10);
    // Every second at most (plus one at the edge of the window), not once per poll.
    expect(calls.get(`${chain.eid}:eth_getBlockByNumber`) ?? 0, `chain ${chain.eid} hash checks`).toBeLessThanOrEqual(2);
    expect(calls.get(`${chain.eid}:eth_getLogs`) ?? 0).toBe(0);
  }
}, 30_000);
