// Faults (issue 5): `ballast-relayer start` processes — courier, ingest and keeper in each, one Redis
// prefix, each with its own transactor and keeper key — on a devnet with Ballast, through what production
// throws at them while accounts are opened and prices crash: SIGKILLs at random points, a Redis restarted
// with its state gone, a chain RPC that stalls for 10 s. After each, the state must converge with no
// action lost (every account under 1 even with its undrawn credit home flagged, every recall-worthy one
// recalled, parked credit returned, a flagged account that recovered cleared, every packet delivered) and
// none duplicated on chain: each effect, counted from the vault's and the
// mirrors' own events per (event, account, eid, epoch or reason), is there exactly once, and healthy
// accounts are untouched. Each test brings up its own devnet, so one's prices never move another's accounts.
import { creditMirrorAbi } from '@ballast/abi';
import { BALLAST_CONTRACTS, type LocalRedis, deployBallast, devnetKey, devnetKeys, ensureRedis, liveChildren } from '@ballast/devnet';
import { type Deployments, MESSAGE_TYPES, homeChain } from '@ballast/protocol';
import { KeeperLedger, type RelayerStatus, relayerStatus } from '@ballast/relayer';
import { Redis } from 'ioredis';
import { type Address, type Hex, parseEther, parseUnits } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, expect, test } from 'vitest';
import { SeededRandom } from '../../packages/protocol/src/seeded-random.ts';
import { BallastUser, type CollateralAsset } from '../support/ballast.ts';
import { actionEvents, eventsOf, packetLedger } from '../support/ballast-events.ts';
import { freePort } from '../support/free-port.ts';
import { type RelayerProcess, liveRelayerProcesses, spawnRelayerProcess, startRelayerProcess, stopRelayerProcesses, writeRelayerConfig } from '../support/relayer-process.ts';
import { type Stack, startStack } from '../support/stack.ts';
import { StallingRpcProxy } from '../support/stalling-rpc-proxy.ts';

const KILLS = 20;
/** Set BALLAST_FAULT_SEED to replay a run's choices (kill times and victims); timing still varies. */
const SEED = BigInt(process.env.BALLAST_FAULT_SEED ?? Date.now());
/** Jobs of a SIGKILLed process move on after this (courier and keeper). */
const LOCK_MS = 2_000;
const credit = (usd: string) => parseEther(usd);
const usdc = (amount: string) => parseUnits(amount, 6);
const CREDIT_PER_USDC_UNIT = 10n ** 12n;

afterAll(async () => {
  await stopRelayerProcesses();
  expect(liveRelayerProcesses()).toEqual([]);
  expect(liveChildren()).toEqual([]);
});

// ------------------------------------------------------------------ the devnet and the accounts

type FaultStack = {
  stack: Stack;
  deployments: Deployments;
  home: number;
  remotes: [number, number];
  /** Moves prices and sends heartbeats (a devnet feed answers anyone). */
  stranger: BallastUser;
  /** The two relayer processes' keeper keys (anvil accounts no other role uses here). */
  keeperKeys: [Hex, Hex];
};

async function startFaultStack(): Promise<FaultStack> {
  const stack = await startStack();
  try {
    await deployBallast(stack.devnet);
  } catch (error) {
    await stack.stop();
    throw error;
  }
  const deployments = stack.devnet.deployments;
  const remotes = deployments.chains.filter((chain) => chain.role === 'remote').map((chain) => chain.eid) as [number, number];
  return {
    stack,
    deployments,
    home: homeChain(deployments).eid,
    remotes,
    stranger: new BallastUser(deployments, devnetKeys.users[4]),
    keeperKeys: [devnetKeys.users[1], devnetKeys.users[2]],
  };
}

/** What the keepers must do to an account once its collateral's price crashes. */
type Expectation = 'healthy' | 'recall' | 'flag';

type PositionSpec = {
  name: string;
  asset: CollateralAsset;
  amount: bigint;
  /** Credit exported per remote eid (USD, 1e18). */
  exports: Record<number, bigint>;
  /** USDC borrowed per remote eid (6 decimals). */
  borrows: Record<number, bigint>;
  expect: Expectation;
};

type Account = PositionSpec & {
  user: BallastUser;
  /** For a `flag` account, the crashes and recoveries of its collateral so far: each owes a flag, then a clear. */
  flags: number;
  clears: number;
};

/** Collateral prices in whole dollars: where they start, where a crash takes them. */
const PRICES = { weth: { base: 2_000n, crash: 1_200n }, wbtc: { base: 60_000n, crash: 36_000n } } as const;

/**
 * Crashes or restores `asset`'s price, and notes what the keepers owe for it: a crash flags every `flag`
 * account holding it (after the first crash their credit is all drawn, so they are under 1 either way), a
 * recovery makes them healthy and owes a clear. Recall and healthy accounts stay as they are (at most 1.28
 * and 2.04 after their recall in later crashes).
 */
async function movePrice(env: FaultStack, asset: CollateralAsset, to: 'crash' | 'base', accounts: Account[]): Promise<void> {
  for (const account of accounts) {
    if (account.asset !== asset || account.expect !== 'flag') continue;
    if (to === 'crash') account.flags += 1;
    else account.clears += 1;
  }
  await env.stranger.setPrice(asset, PRICES[asset][to]);
}

/**
 * WETH accounts at $2,000 (threshold 85%): healths after WETH falls to $1,200 — healthy 2.04; recall 10,200 /
 * 9,500 = 1.07; recallTwo 0.85 at home but 1.28 once its undrawn credit is home (1.02 after one remote's
 * return: both remotes are recalled whichever lands first); flagOne and flagTwo 0.85 and 0.68, under 1 even
 * with their undrawn credit home (10,200 / 10,500 = 0.97). Nobody is under the recall health of 1.1 before.
 */
function wethAccounts([r1, r2]: [number, number]): PositionSpec[] {
  const weth = parseEther('10');
  return [
    { name: 'wethHealthy', asset: 'weth', amount: weth, exports: { [r1]: credit('5000') }, borrows: { [r1]: usdc('2000') }, expect: 'healthy' },
    { name: 'wethRecall', asset: 'weth', amount: weth, exports: { [r1]: credit('9500') }, borrows: { [r1]: usdc('5000') }, expect: 'recall' },
    { name: 'wethRecallTwo', asset: 'weth', amount: weth, exports: { [r1]: credit('6000'), [r2]: credit('6000') }, borrows: { [r1]: usdc('4000'), [r2]: usdc('4000') }, expect: 'recall' },
    { name: 'wethFlagOne', asset: 'weth', amount: weth, exports: { [r2]: credit('12000') }, borrows: { [r2]: usdc('10500') }, expect: 'flag' },
    { name: 'wethFlagTwo', asset: 'weth', amount: weth, exports: { [r1]: credit('7500'), [r2]: credit('7500') }, borrows: { [r1]: usdc('5250'), [r2]: usdc('5250') }, expect: 'flag' },
  ];
}

/**
 * WBTC accounts, 0.5 WBTC at $60,000 (threshold 75%, healths 3.75, 1.8, 1.125 before): after WBTC falls to
 * $36,000 — healthy 13,500 / 6,000 = 2.25; recall 1.08; flagTwo 0.675 (0.96 with its undrawn credit home).
 */
function wbtcAccounts([r1, r2]: [number, number]): PositionSpec[] {
  const wbtc = parseUnits('0.5', 8);
  return [
    { name: 'wbtcHealthy', asset: 'wbtc', amount: wbtc, exports: { [r2]: credit('6000') }, borrows: { [r2]: usdc('3000') }, expect: 'healthy' },
    { name: 'wbtcRecall', asset: 'wbtc', amount: wbtc, exports: { [r2]: credit('12500') }, borrows: { [r2]: usdc('6000') }, expect: 'recall' },
    { name: 'wbtcFlagTwo', asset: 'wbtc', amount: wbtc, exports: { [r1]: credit('10000'), [r2]: credit('10000') }, borrows: { [r1]: usdc('7000'), [r2]: usdc('7000') }, expect: 'flag' },
  ];
}

/** A devnet key past anvil's ten, with ether on every chain. */
async function fundedUser(env: FaultStack, index: number): Promise<BallastUser> {
  const key = devnetKey(index);
  const address = privateKeyToAccount(key).address;
  await Promise.all(
    env.deployments.chains.map((chain) =>
      env.stranger.connection(chain.eid).publicClient.request({ method: 'anvil_setBalance', params: [address, `0x${parseEther('1000').toString(16)}`] } as never),
    ),
  );
  return new BallastUser(env.deployments, key);
}

/** Polls `check` until it returns true; fails with `what` and the last thing it said after `timeoutMs`. */
async function waitUntil(what: string, check: () => Promise<true | string>, timeoutMs: number, intervalMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last = await check().catch((error: unknown) => `check failed: ${(error as Error).message.split('\n')[0]}`);
    if (last === true) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${last}`);
    await sleep(intervalMs);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Sends a HEARTBEAT to every remote and waits until each applied it (draws need one). */
async function sendHeartbeats(env: FaultStack): Promise<void> {
  for (const eid of env.remotes) await env.stranger.sendHeartbeat(eid);
  await waitUntil(
    'the heartbeats delivered',
    async () => {
      for (const eid of env.remotes) {
        const { publicClient } = env.stranger.connection(eid);
        const last = await publicClient.readContract({ address: env.stranger.contract(eid, BALLAST_CONTRACTS.mirror), abi: creditMirrorAbi, functionName: 'lastHeartbeat' });
        if (last === 0n) return `no heartbeat on ${eid} yet`;
      }
      return true;
    },
    120_000,
  );
}

/** Opens a position through the contracts: deposit, export (grants delivered by the relayers), borrow. */
async function openAccount(env: FaultStack, index: number, spec: PositionSpec): Promise<Account> {
  const user = await fundedUser(env, index);
  await user.deposit(spec.asset, spec.amount);
  for (const [eid, amount] of Object.entries(spec.exports)) await user.exportCredit(Number(eid), amount);
  await waitUntil(
    `the grants of ${spec.name}`,
    async () => {
      for (const [eid, amount] of Object.entries(spec.exports)) if ((await user.position(Number(eid))).line !== amount) return `line on ${eid} not ${amount} yet`;
      return true;
    },
    120_000,
  );
  for (const [eid, amount] of Object.entries(spec.borrows)) await user.borrow(Number(eid), amount);
  return { ...spec, user, flags: 0, clears: 0 };
}

/** Opens `specs` at once, users `firstIndex`, `firstIndex + 1`, … */
function openAccounts(env: FaultStack, firstIndex: number, specs: PositionSpec[]): Promise<Account[]> {
  return Promise.all(specs.map((spec, offset) => openAccount(env, firstIndex + offset, spec)));
}

/** Waits until some keeper of `prefix` scored every account with its full exports and draws (so a crash is judged on current books). */
async function waitForScores(redisUrl: string, prefix: string, accounts: Account[]): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const ledger = new KeeperLedger(redis, prefix);
  try {
    await waitUntil(
      'the keepers to score every account',
      async () => {
        for (const account of accounts) {
          const score = await ledger.score(account.user.address);
          const stored = score && JSON.stringify(score);
          const exported = Object.values(account.exports).reduce((sum, amount) => sum + amount, 0n);
          const drawn = Object.values(account.borrows).reduce((sum, amount) => sum + amount, 0n) * CREDIT_PER_USDC_UNIT;
          if (score?.totalExported !== exported.toString() || score.totalDrawn !== drawn.toString()) return `${account.name} scored ${stored ?? 'never'}`;
        }
        return true;
      },
      60_000,
    );
  } finally {
    redis.disconnect();
  }
}

type AccountBook = {
  epoch: number;
  collateral: bigint;
  totalExported: bigint;
  remotes: Record<number, { exported: bigint; line: bigint; drawn: bigint; parked: bigint; repayable: bigint; epoch: number }>;
};

async function accountBook(env: FaultStack, account: Account): Promise<AccountBook> {
  const { user } = account;
  const remotes: AccountBook['remotes'] = {};
  for (const eid of env.remotes) {
    const [position, line] = await Promise.all([user.position(eid), user.line(eid)]);
    remotes[eid] = { exported: position.exported, line: line.line, drawn: line.drawn, parked: line.parked, repayable: line.repayable, epoch: line.epoch };
  }
  const [epochs, collateral, totalExported] = await Promise.all([user.epochs(), user.collateralOf(account.asset), user.totalExported()]);
  return { epoch: epochs[env.home] as number, collateral, totalExported, remotes };
}

/**
 * Where the keepers leave an account: recalled — epoch 0, on every remote exported = line = drawn, nothing
 * parked; flagged — epoch 1 at home and on every line, its undrawn credit home (exported = line = drawn);
 * each recovery and crash after that — one epoch more.
 */
async function settled(env: FaultStack, account: Account): Promise<true | string> {
  if (account.expect === 'healthy') return true;
  const book = await accountBook(env, account);
  const epoch = account.expect === 'flag' ? account.flags + account.clears : 0;
  if (book.epoch !== epoch) return `${account.name}: epoch ${book.epoch}, not ${epoch}`;
  for (const [eid, borrowed] of Object.entries(account.borrows)) {
    const line = book.remotes[Number(eid)];
    const drawn = borrowed * CREDIT_PER_USDC_UNIT;
    if (!line || line.exported !== drawn || line.line !== drawn || line.parked !== 0n || line.epoch !== epoch) {
      return `${account.name} on ${eid}: exported ${line?.exported}, line ${line?.line}, parked ${line?.parked}, epoch ${line?.epoch} (want ${drawn} everywhere, epoch ${epoch})`;
    }
  }
  return true;
}

/** Every account settled and every packet of the deployment delivered. */
async function converged(env: FaultStack, accounts: Account[]): Promise<true | string> {
  for (const account of accounts) {
    const state = await settled(env, account);
    if (state !== true) return state;
  }
  const packets = await packetLedger(env.deployments);
  return packets.undelivered.length === 0 || `${packets.undelivered.length} of ${packets.sent} packets not delivered (${packets.undelivered.slice(0, 3).join(', ')})`;
}

/**
 * The on-chain effects the keepers owe an account, each once. Recall: per remote with undrawn credit, the
 * RECALL notice (epoch 0), the credit parked there and released home (reason Recalled). Flag: per crash a
 * flag at the next odd epoch and per remote its LIQUIDATABLE notice and the line flagged — at the first, the
 * undrawn credit parked and released home (reason Liquidation); per recovery a clear at the next even epoch,
 * per remote its CLEAR notice and the line cleared. Healthy: nothing.
 */
function owedEvents(account: Account): Record<string, number> {
  const address = account.user.address;
  const owed: Record<string, number> = {};
  const add = (key: string) => {
    owed[key] = 1;
  };
  const undrawnOn = (eid: string) => (account.exports[Number(eid)] ?? 0n) > (account.borrows[Number(eid)] ?? 0n) * CREDIT_PER_USDC_UNIT;
  const recalled = 1; // MsgCodec.ReleaseReason.Recalled
  const liquidation = 3; // MsgCodec.ReleaseReason.Liquidation
  const returned = (eid: string, reason: number) => {
    add(`CreditParked ${address} eid=${eid} reason=${reason}`);
    add(`MirrorCreditReleased ${address} eid=${eid} reason=${reason}`);
    add(`HomeCreditReleased ${address} src=${eid} reason=${reason}`);
  };
  const remotes = Object.keys(account.exports);
  if (account.expect === 'recall') {
    for (const eid of remotes.filter(undrawnOn)) {
      add(`NoticeSent ${address} dst=${eid} type=${MESSAGE_TYPES.recall} epoch=0`);
      returned(eid, recalled);
    }
  }
  if (account.expect === 'flag') {
    for (let flag = 1; flag <= account.flags; flag++) {
      const epoch = 2 * flag - 1;
      add(`AccountFlagged ${address} epoch=${epoch}`);
      for (const eid of remotes) {
        add(`NoticeSent ${address} dst=${eid} type=${MESSAGE_TYPES.liquidatable} epoch=${epoch}`);
        add(`LineFlagged ${address} eid=${eid} epoch=${epoch}`);
        if (flag === 1 && undrawnOn(eid)) returned(eid, liquidation);
      }
    }
    for (let clear = 1; clear <= account.clears; clear++) {
      const epoch = 2 * clear;
      add(`AccountCleared ${address} epoch=${epoch}`);
      for (const eid of remotes) {
        add(`NoticeSent ${address} dst=${eid} type=${MESSAGE_TYPES.clear} epoch=${epoch}`);
        add(`LineCleared ${address} eid=${eid} epoch=${epoch}`);
      }
    }
  }
  return owed;
}

/** Every action owed happened exactly once, nothing else touched the accounts, no effect on chain is doubled, every packet landed once. */
async function expectExactlyOnce(env: FaultStack, accounts: Account[]): Promise<Map<string, number>> {
  const events = await actionEvents(env.deployments);
  const owed = Object.assign({}, ...accounts.map(owedEvents)) as Record<string, number>;
  expect(eventsOf(events, accounts.map((account) => account.user.address))).toEqual(owed);
  for (const [key, count] of events) expect(count, key).toBe(1);
  const packets = await packetLedger(env.deployments);
  expect(packets.undelivered).toEqual([]);
  expect(packets.deliveredTwice).toEqual([]);
  return events;
}

/** The healthy accounts' books, to compare after the run. */
async function healthyBooks(env: FaultStack, accounts: Account[]): Promise<Map<string, AccountBook>> {
  const books = new Map<string, AccountBook>();
  for (const account of accounts.filter((each) => each.expect === 'healthy')) books.set(account.name, await accountBook(env, account));
  return books;
}

// ------------------------------------------------------------------ the relayer processes

type RelayerConfigOptions = { name: string; redisUrl: string; prefix: string; extra?: Record<string, unknown> };

/** A config for `start` with courier, ingest and keeper, short locks and retries so a dead process's work moves on in seconds. */
function relayerConfig(env: FaultStack, { name, redisUrl, prefix, extra = {} }: RelayerConfigOptions): string {
  return writeRelayerConfig(env.stack.devnet.deploymentsPath, name, {
    redis: { url: redisUrl, prefix },
    roles: ['courier', 'ingest', 'keeper'],
    courier: { lockDurationMs: LOCK_MS },
    ingest: { pollIntervalMs: 100 },
    keeper: { lockDurationMs: LOCK_MS, sweepIntervalMs: 2_000, backoffMs: 200, maxBackoffMs: 1_000 },
    health: { rpcProbeIntervalMs: 500 },
    shutdown: { timeoutMs: 5_000 },
    ...extra,
  });
}

/** Relayer process `index` (0 or 1): its own courier transactor (a DVN admin) and keeper key. */
function relayerEnv(env: FaultStack, index: 0 | 1): Record<string, string> {
  return { BALLAST_TRANSACTOR_KEY: index === 0 ? devnetKeys.couriers[1] : devnetKeys.couriers[2], BALLAST_DVN_SIGNER_KEYS: devnetKeys.dvnSigner, BALLAST_KEEPER_KEY: env.keeperKeys[index] };
}

function alive(relayer: RelayerProcess): boolean {
  return relayer.child.exitCode === null && relayer.child.signalCode === null;
}

/** Log messages of `relayer` counted, for the report. */
function logCounts(relayer: RelayerProcess, messages: string[]): Record<string, number> {
  return Object.fromEntries(messages.map((message) => [message, relayer.logs.filter((entry) => entry.msg === message).length]));
}

/** Its warnings and errors (pino level 40 and up) by message, for the report. */
function problemLogs(relayers: RelayerProcess[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const relayer of relayers) {
    for (const entry of relayer.logs) if ((entry.level as number) >= 40) counts[entry.msg as string] = (counts[entry.msg as string] ?? 0) + 1;
  }
  return counts;
}

// ------------------------------------------------------------------ the faults

test(`two relayers SIGKILLed ${KILLS} times at random points while accounts open and prices crash and recover: nothing lost, nothing twice`, async () => {
  const env = await startFaultStack();
  const started = Date.now();
  try {
    const random = new SeededRandom(SEED);
    const prefix = `${env.stack.prefix}:sigkill`;
    const config = relayerConfig(env, { name: 'relayer-sigkill', redisUrl: env.stack.redis.url, prefix });
    const spawn = (index: 0 | 1) => spawnRelayerProcess(config, { env: relayerEnv(env, index), name: `relayer-${index}` });
    const relayers: [RelayerProcess, RelayerProcess] = [spawn(0), spawn(1)];
    const everyProcess = [...relayers];
    await Promise.all(relayers.map((relayer) => relayer.ready));

    let phase = 'heartbeats';
    const kills: { afterMs: number; victim: number; phase: string; wasRunning: boolean }[] = [];
    const killing = (async () => {
      for (let kill = 0; kill < KILLS; kill++) {
        await sleep(Number(random.between(300n, 1_500n)));
        const victim = random.int(2) as 0 | 1;
        const relayer = relayers[victim];
        const wasRunning = relayer.port !== 0;
        await relayer.kill();
        expect(relayer.child.signalCode, `relayer ${victim} died before its kill: ${relayer.output()}`).toBe('SIGKILL');
        kills.push({ afterMs: Date.now() - started, victim, phase, wasRunning });
        relayers[victim] = spawn(victim);
        everyProcess.push(relayers[victim]);
        // Mostly let it start before the next kill; sometimes kill it while it starts.
        if (random.chance(0.5)) await relayers[victim].ready;
      }
    })();

    // Each price move is followed to the end (the keepers' actions and their messages) before the next, so
    // the kills land on every kind of work: deliveries, ingest, scoring, recalls, flags, returns, clears. Once
    // both crashes are settled, prices recover and crash again until the last kill is done.
    const converge = (accounts: Account[]) => waitUntil(`the ${phase} to settle`, () => converged(env, accounts), 120_000);
    const driving = (async () => {
      await sendHeartbeats(env);
      phase = 'opening WETH accounts';
      const weth = await openAccounts(env, 20, wethAccounts(env.remotes));
      await waitForScores(env.stack.redis.url, prefix, weth);
      const before = await healthyBooks(env, weth);
      phase = 'WETH crash';
      await movePrice(env, 'weth', 'crash', weth);
      await converge(weth);
      phase = 'opening WBTC accounts';
      const wbtc = await openAccounts(env, 30, wbtcAccounts(env.remotes));
      await waitForScores(env.stack.redis.url, prefix, wbtc);
      for (const [name, book] of await healthyBooks(env, wbtc)) before.set(name, book);
      const accounts = [...weth, ...wbtc];
      phase = 'WBTC crash';
      await movePrice(env, 'wbtc', 'crash', accounts);
      await converge(accounts);
      for (let cycle = 1; ; cycle++) {
        phase = `recovery ${cycle}`;
        for (const asset of ['weth', 'wbtc'] as const) await movePrice(env, asset, 'base', accounts);
        await converge(accounts);
        if (kills.length === KILLS) break;
        phase = `crash ${cycle + 1}`;
        for (const asset of ['weth', 'wbtc'] as const) await movePrice(env, asset, 'crash', accounts);
        await converge(accounts);
      }
      phase = 'settled';
      return { accounts, before };
    })();

    const [, { accounts, before }] = await Promise.all([killing, driving]);
    const killsDoneAt = Date.now() - started;
    await Promise.all(relayers.map((relayer) => relayer.ready));
    await waitUntil('every account settled and every packet delivered', () => converged(env, accounts), 120_000);
    const convergedAt = Date.now() - started;
    // Longer than a lock: a job of a killed process that could still re-run has done so.
    await sleep(2 * LOCK_MS);

    expect(kills).toHaveLength(KILLS);
    // Every process ended by a kill of ours or still runs: none crashed on its own.
    for (const relayer of everyProcess) expect(alive(relayer) || relayer.child.signalCode === 'SIGKILL', relayer.output()).toBe(true);
    await expectExactlyOnce(env, accounts);
    for (const [name, book] of before) expect(await accountBook(env, accounts.find((account) => account.name === name) as Account), name).toEqual(book);
    expect(await converged(env, accounts)).toBe(true);

    for (const relayer of relayers) expect((await relayer.terminate()).code).toBe(0);
    const phases = kills.reduce<Record<string, number>>((counts, kill) => ({ ...counts, [kill.phase]: (counts[kill.phase] ?? 0) + 1 }), {});
    console.log(
      `SIGKILL (seed ${SEED}): ${KILLS} kills by ${killsDoneAt} ms (${kills.filter((kill) => !kill.wasRunning).length} while starting), by phase ${JSON.stringify(phases)}; ` +
        `converged at ${convergedAt} ms; ${everyProcess.length} processes; warnings ${JSON.stringify(problemLogs(everyProcess))}`,
    );
  } finally {
    await stopRelayerProcesses();
    await env.stack.stop();
  }
}, 300_000);

test('Redis restarted with its state lost mid-run: the relayers reconnect, rebuild from the chains and converge, nothing twice', async () => {
  const env = await startFaultStack();
  // A Redis of this test's own (never the shared one): no persistence, so a restart loses everything.
  const redisUrl = `redis://127.0.0.1:${await freePort()}`;
  let redis: LocalRedis | undefined;
  try {
    redis = await ensureRedis(redisUrl);
    expect(redis.started, 'a private redis-server').toBe(true);
    const prefix = `${env.stack.prefix}:redis-restart`;
    const config = relayerConfig(env, { name: 'relayer-redis-restart', redisUrl, prefix, extra: { health: { rpcProbeIntervalMs: 500, redisTimeoutMs: 500 } } });
    const relayers = await Promise.all(([0, 1] as const).map((index) => startRelayerProcess(config, { env: relayerEnv(env, index), name: `relayer-${index}` })));

    await sendHeartbeats(env);
    const accounts = await openAccounts(env, 20, wethAccounts(env.remotes));
    await waitForScores(redisUrl, prefix, accounts);
    const before = await healthyBooks(env, accounts);
    await movePrice(env, 'weth', 'crash', accounts);

    // Mid-run: once the keepers' first action is on chain (its notice in flight, the rest to do).
    const addresses = accounts.map((account) => account.user.address);
    await waitUntil('a first keeper action on chain', async () => Object.keys(eventsOf(await actionEvents(env.deployments), addresses)).length > 0 || 'none yet', 60_000, 50);
    const doneBefore = Object.keys(eventsOf(await actionEvents(env.deployments), addresses)).length;
    const restartedAt = Date.now();
    await redis.stop();
    // While it is down: the processes keep running and /healthz says Redis is the problem.
    const down = await Promise.all(
      relayers.map(async (relayer) => {
        let report: { status: string; problems: string[] } | undefined;
        await waitUntil(
          '/healthz to report Redis down',
          async () => {
            const response = await relayer.get('/healthz');
            report = JSON.parse(response.body) as { status: string; problems: string[] };
            return (response.status === 503 && report.problems.some((problem) => problem.startsWith('redis:'))) || `${response.status} ${response.body}`;
          },
          10_000,
          100,
        );
        return report;
      }),
    );
    await sleep(2_000);
    expect(relayers.every(alive)).toBe(true);
    redis = await ensureRedis(redisUrl);
    expect(redis.started).toBe(true);

    await waitUntil('every account settled and every packet delivered', () => converged(env, accounts), 120_000);
    const convergedMs = Date.now() - restartedAt;
    await sleep(2 * LOCK_MS);
    expect(relayers.every(alive), relayers.map((relayer) => relayer.output()).join('\n')).toBe(true);
    await expectExactlyOnce(env, accounts);
    for (const [name, book] of before) expect(await accountBook(env, accounts.find((account) => account.name === name) as Account), name).toEqual(book);

    // What catching up means here: the new Redis was empty, so ingest re-read every chain from its start
    // block and the courier re-scanned every PacketSent (each found delivered); both reach the heads.
    const client = new Redis(redisUrl, { maxRetriesPerRequest: null });
    let status: RelayerStatus;
    try {
      status = await relayerStatus({ redis: client, prefix, deployments: env.deployments });
    } finally {
      client.disconnect();
    }
    // (Confirmations are 0 on the devnet; a block may land between the reads.)
    for (const chain of status.chains ?? []) {
      expect(chain.ingest?.lagBlocks, chain.chain).toBeLessThanOrEqual(1);
      expect(chain.courier?.lagBlocks, chain.chain).toBeLessThanOrEqual(1);
    }
    const reconnects = relayers.map((relayer) => logCounts(relayer, ['redis connection failed; reconnecting', 'redis connection back']));
    for (const counts of reconnects) expect(counts['redis connection back']).toBeGreaterThanOrEqual(1);
    for (const relayer of relayers) expect((await relayer.terminate()).code).toBe(0);
    console.log(
      `Redis restart: ${doneBefore} effects on chain before it, /healthz said "${down[0]?.problems[0]}"; converged ${convergedMs} ms after the restart; ` +
        `deliver queue afterwards ${JSON.stringify(status.queues.deliver)}; logs ${JSON.stringify(reconnects)}; warnings ${JSON.stringify(problemLogs(relayers))}`,
    );
  } finally {
    await stopRelayerProcesses();
    await redis?.stop();
    await env.stack.stop();
  }
}, 180_000);

test('a RECALL in flight that no keeper record names (lost with Redis, or never written) is found on chain and not sent again', async () => {
  const env = await startFaultStack();
  try {
    const prefix = `${env.stack.prefix}:recall-record`;
    const config = relayerConfig(env, { name: 'relayer-recall-record', redisUrl: env.stack.redis.url, prefix });
    const relayer = await startRelayerProcess(config, { env: relayerEnv(env, 0) });
    await sendHeartbeats(env);
    const [recall] = await openAccounts(env, 20, [wethAccounts(env.remotes)[1] as PositionSpec]);
    if (!recall) throw new Error('one account');
    await waitForScores(env.stack.redis.url, prefix, [recall]);
    expect((await relayer.terminate()).code).toBe(0);

    // With no relayer running, WETH crashes and someone recalls the undrawn credit: its RECALL waits in
    // flight, and no keeper ledger in Redis knows of it (as after a Redis loss, or a keeper killed between
    // sending and recording).
    await movePrice(env, 'weth', 'crash', [recall]);
    const [r1] = env.remotes;
    const { line, drawn } = await recall.user.position(r1);
    const undrawn = line - drawn;
    await env.stranger.recall(recall.user.address, r1, undrawn);

    // A keeper without a courier: it wants the recall, finds the RECALL on chain and sends none.
    const keeperOnly = await startRelayerProcess(relayerConfig(env, { name: 'relayer-keeper-only', redisUrl: env.stack.redis.url, prefix, extra: { roles: ['ingest', 'keeper'] } }), {
      env: { BALLAST_KEEPER_KEY: env.keeperKeys[1] },
    });
    const redis = new Redis(env.stack.redis.url, { maxRetriesPerRequest: null });
    let outcome: { action: string; outcome: string; detail: string } | undefined;
    try {
      await waitUntil(
        'the keeper to judge the recall',
        async () => {
          const outcomes = (await redis.lrange(`${prefix}:keeper:actions`, 0, -1)).map((entry) => JSON.parse(entry) as { action: string; outcome: string; detail: string });
          outcome = outcomes.find((each) => each.action === 'recall');
          return outcome !== undefined || 'no recall job finished yet';
        },
        30_000,
      );
    } finally {
      redis.disconnect();
    }
    expect(eventsOf(await actionEvents(env.deployments), [recall.user.address])).toEqual({ [`NoticeSent ${recall.user.address} dst=${r1} type=${MESSAGE_TYPES.recall} epoch=0`]: 1 });
    expect(outcome).toMatchObject({ outcome: 'skipped', detail: expect.stringContaining('still in flight (found on chain)') });

    // A courier joins: the RECALL lands, the keeper returns the parked credit, once.
    const courier = await startRelayerProcess(relayerConfig(env, { name: 'relayer-courier-only', redisUrl: env.stack.redis.url, prefix, extra: { roles: ['courier'] } }), {
      env: { BALLAST_TRANSACTOR_KEY: devnetKeys.couriers[2], BALLAST_DVN_SIGNER_KEYS: devnetKeys.dvnSigner },
    });
    await waitUntil('the account settled and every packet delivered', () => converged(env, [recall]), 60_000);
    await sleep(2 * LOCK_MS);
    await expectExactlyOnce(env, [recall]);
    for (const each of [keeperOnly, courier]) expect((await each.terminate()).code).toBe(0);
  } finally {
    await stopRelayerProcesses();
    await env.stack.stop();
  }
}, 120_000);

test('a chain RPC that stalls 10 s: /healthz names the chain meanwhile, nothing crashes, everything converges after', async () => {
  const env = await startFaultStack();
  const [r1, r2] = env.remotes;
  const remote1 = env.deployments.chains.find((chain) => chain.eid === r1);
  if (!remote1) throw new Error('devnet needs a remote');
  const proxy = await StallingRpcProxy.start(remote1.rpcUrl);
  try {
    const prefix = `${env.stack.prefix}:rpc-stall`;
    const config = relayerConfig(env, {
      name: 'relayer-rpc-stall',
      redisUrl: env.stack.redis.url,
      prefix,
      extra: { chains: [{ eid: r1, rpcUrl: proxy.url }], health: { rpcProbeIntervalMs: 250, rpcTimeoutMs: 1_500, rpcMaxAgeMs: 3_000 } },
    });
    const relayer = await startRelayerProcess(config, { env: relayerEnv(env, 0) });
    await sendHeartbeats(env);
    const [wethHealthy, wethRecall, , , wethFlagTwo] = wethAccounts(env.remotes) as [PositionSpec, PositionSpec, PositionSpec, PositionSpec, PositionSpec];
    const accounts = await openAccounts(env, 20, [wethHealthy, wethRecall, wethFlagTwo]);
    await waitForScores(env.stack.redis.url, prefix, accounts);
    const before = await healthyBooks(env, accounts);

    // remote1's RPC stops answering; meanwhile WETH crashes (a recall and a flag that need remote1) and a
    // new account exports to remote1 (a GRANT to deliver there).
    const stalledAt = Date.now();
    proxy.stall(10_000);
    await movePrice(env, 'weth', 'crash', accounts);
    const late = await fundedUser(env, 40);
    await late.deposit('weth', parseEther('1'));
    await late.exportCredit(r1, credit('500'));
    type Health = { status: string; problems: string[]; chains: { chain: string; ok: boolean }[] };
    let report: Health | undefined;
    await waitUntil(
      '/healthz to name remote1',
      async () => {
        const response = await relayer.get('/healthz');
        report = JSON.parse(response.body) as Health;
        return (response.status === 503 && report.problems.length === 1 && report.problems[0]?.startsWith(`chain remote1 (eid ${r1}): RPC has not answered`)) || response.body;
      },
      8_000,
      100,
    );
    const reportedAfterMs = Date.now() - stalledAt;
    expect(report?.chains.map((chain) => [chain.chain, chain.ok])).toEqual([
      ['home', true],
      ['remote1', false],
      ['remote2', true],
    ]);
    expect(proxy.stalled).toBe(true);
    // Nothing needing remote1 could land while it stalled.
    expect((await late.position(r1)).line).toBe(0n);
    await waitUntil('the stall to end', async () => !proxy.stalled || 'stalled', 15_000, 100);

    await waitUntil('/healthz to recover', async () => (await relayer.get('/healthz')).status === 200 || 'still 503', 10_000, 100);
    const lateAccount: Account = { name: 'lateExport', asset: 'weth', amount: parseEther('1'), exports: { [r1]: credit('500') }, borrows: {}, expect: 'healthy', user: late, flags: 0, clears: 0 };
    await waitUntil(
      'every account settled, the GRANT sent during the stall delivered, every packet delivered',
      async () => ((await late.position(r1)).line === credit('500') ? converged(env, accounts) : 'the late GRANT is not applied yet'),
      60_000,
    );
    const convergedMs = Date.now() - stalledAt;
    await sleep(2 * LOCK_MS);
    expect(alive(relayer), relayer.output()).toBe(true);
    await expectExactlyOnce(env, [...accounts, lateAccount]);
    for (const [name, book] of before) expect(await accountBook(env, accounts.find((account) => account.name === name) as Account), name).toEqual(book);
    expect(proxy.stats.held).toBeGreaterThan(0);
    expect((await relayer.terminate()).code).toBe(0);
    console.log(
      `RPC stall of remote1 (${r1}; remote2 ${r2} untouched): /healthz 503 naming it after ${reportedAfterMs} ms; ${proxy.stats.held} requests held; ` +
        `converged ${convergedMs} ms after the stall began; warnings ${JSON.stringify(problemLogs([relayer]))}`,
    );
  } finally {
    await stopRelayerProcesses();
    await proxy.close();
    await env.stack.stop();
  }
}, 180_000);
