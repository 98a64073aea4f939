// The heartbeat role on a real devnet (three anvil chains, LayerZero, Ballast with a heartbeat period of
// PERIOD seconds) and Redis: two `ballast-relayer start` processes run it with their own keys while an
// in-process courier carries the messages. Left alone for three periods, every remote stays open for draws
// the whole time and a borrow succeeds on each at the end; the two processes send one HEARTBEAT per remote
// per window between them (no two sent for one window), and their metrics count each sent heartbeat once.
// Then the role in this process: a margin not shorter than the period warns; a budget below the fee leaves
// the job waiting until a role with a higher one sends it once; a heartbeat the stopped courier never
// delivers is re-sent once its window closed and a margin passed, and the restarted courier delivers them all.
import { collateralVaultAbi, creditMirrorAbi } from '@ballast/abi';
import { BALLAST_CONTRACTS, deployBallast, devnetKeys, liveChildren } from '@ballast/devnet';
import { type Deployments, contractAddress, homeChain } from '@ballast/protocol';
import { parseEther, parseUnits } from 'viem';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BallastUser } from '../../test/support/ballast.ts';
import { type RelayerProcess, liveRelayerProcesses, startRelayerProcess, stopRelayerProcesses, writeRelayerConfig } from '../../test/support/relayer-process.ts';
import { type Stack, startStack } from '../../test/support/stack.ts';
import { StallingRpcProxy } from '../../test/support/stalling-rpc-proxy.ts';
import { Chains, chainPublicClient } from '../src/chains.ts';
import { type HeartbeatSettings, Heartbeats, heartbeatJobId } from '../src/heartbeat/heartbeat.ts';
import { keeperSdk } from '../src/keeper/actions.ts';
import { createLogger, silentLogger } from '../src/logging.ts';
import type { Courier } from '../src/courier/courier.ts';

/** The devnet's heartbeat period, seconds (production: a day). */
const PERIOD = 8;
/** The role sends this long before a window closes: the devnet's trip is under a second. */
const MARGIN_MS = 4_000;
/** The lost-heartbeat test's margin: re-sends a margin apart leave the restarted courier that long to deliver. */
const LOST_MARGIN_MS = 7_000;

let stack: Stack;
let deployments: Deployments;
let courier: Courier;
const relayers: RelayerProcess[] = [];

beforeAll(async () => {
  stack = await startStack();
  await deployBallast(stack.devnet, { heartbeatPeriod: PERIOD });
  deployments = stack.devnet.deployments;
  courier = stack.courier();
  courier.start();
}, 120_000);

afterAll(async () => {
  await stopRelayerProcesses();
  await stack?.stop();
  expect(liveChildren()).toEqual([]);
  expect(liveRelayerProcesses()).toEqual([]);
});

const remotes = () => deployments.chains.filter((chain) => chain.role === 'remote');

/** Each remote's window: seconds until it refuses draws, by the wall clock (what a draw's block gets). */
async function windowsRemaining(): Promise<number[]> {
  const now = Math.floor(Date.now() / 1000);
  return Promise.all(
    remotes().map(async (remote) => {
      const client = chainPublicClient(remote);
      const address = contractAddress(remote, BALLAST_CONTRACTS.mirror);
      const last = await client.readContract({ address, abi: creditMirrorAbi, functionName: 'lastHeartbeat' });
      return Number(last) + PERIOD - now;
    }),
  );
}

/** The value of one series in a Prometheus text body (0 when absent). */
function sample(body: string, series: string): number {
  const line = body.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('heartbeat role', () => {
  test('two relayers keep every remote open for three periods, one HEARTBEAT per remote per window', async () => {
    const user = new BallastUser(deployments, devnetKeys.users[0]);
    await user.deposit('weth', parseEther('10'));
    for (const remote of remotes()) await user.exportCredit(remote.eid, parseEther('5000'));

    const settings = { marginMs: MARGIN_MS, alertMarginMs: 2_000, tickIntervalMs: 250 };
    for (const [index, key] of [devnetKeys.couriers[1], devnetKeys.couriers[2]].entries()) {
      const config = writeRelayerConfig(stack.devnet.deploymentsPath, `heartbeat-${index}`, { redis: { url: stack.redis.url, prefix: `${stack.prefix}-heartbeat` }, roles: ['heartbeat'], heartbeat: settings });
      relayers.push(await startRelayerProcess(config, { env: { BALLAST_HEARTBEAT_KEY: key }, name: `heartbeat-${index}` }));
    }

    // The deployment sent no heartbeat: the first window is already closed, and the role opens it.
    const opened = Date.now();
    for (;;) {
      if ((await windowsRemaining()).every((remaining) => remaining > 0)) break;
      if (Date.now() - opened > 20_000) throw new Error(`remotes not opened within 20 s: ${(await windowsRemaining()).join(', ')}`);
      await new Promise((wait) => setTimeout(wait, 200));
    }

    // Three periods left alone: every remote stays open throughout.
    const until = Date.now() + 3 * PERIOD * 1000;
    let lowest = Number.POSITIVE_INFINITY;
    while (Date.now() < until) {
      lowest = Math.min(lowest, ...(await windowsRemaining()));
      await new Promise((wait) => setTimeout(wait, 250));
    }
    expect(lowest).toBeGreaterThan(0);
    for (const remote of remotes()) {
      await user.borrow(remote.eid, parseUnits('100', 6));
      expect(await user.debtOf(remote.eid)).toBeGreaterThanOrEqual(parseUnits('100', 6));
    }

    // Each sent heartbeat is counted once, by the process that sent it; fees are counted with it.
    let counted = 0;
    let fees = 0;
    for (const relayer of relayers) {
      const { body } = await relayer.get('/metrics');
      for (const remote of remotes()) {
        counted += sample(body, `ballast_heartbeats_sent_total{eid="${remote.eid}",chain="${remote.name}"}`);
        fees += sample(body, `ballast_heartbeat_fees_wei_total{eid="${remote.eid}",chain="${remote.name}"}`);
        expect(sample(body, `ballast_heartbeat_age_seconds{eid="${remote.eid}",chain="${remote.name}"}`)).toBeLessThanOrEqual(PERIOD);
      }
    }
    // One per window: a window is re-sent only after the previous heartbeat arrived, so two heartbeats to
    // one remote are at least PERIOD − margin apart; two for one window would be a trip (≈ 1 s) apart.
    const home = homeChain(deployments);
    const sent = await chainPublicClient(home).getContractEvents({ address: contractAddress(home, BALLAST_CONTRACTS.vault), abi: collateralVaultAbi, eventName: 'HeartbeatSent', fromBlock: 0n, strict: true });
    for (const remote of remotes()) {
      const stamps = sent.filter((log) => log.args.dstEid === remote.eid).map((log) => Number(log.args.timestamp));
      expect(stamps.length).toBeGreaterThanOrEqual(4);
      for (let index = 1; index < stamps.length; index++) expect((stamps[index] as number) - (stamps[index - 1] as number)).toBeGreaterThanOrEqual(PERIOD - MARGIN_MS / 1000);
    }

    // Read before the events: a heartbeat mined since may not be counted yet (one per remote at most).
    expect(sent.length).toBeGreaterThanOrEqual(counted);
    expect(sent.length).toBeLessThanOrEqual(counted + remotes().length);
    expect(fees).toBeGreaterThan(0);
    console.log(`heartbeats: ${sent.length} sent over ${((Date.now() - opened) / 1000).toFixed(1)} s for ${remotes().length} remotes; ${(fees / counted / 1e18).toFixed(8)} native per heartbeat (LayerZero fee + gas)`);
  }, 120_000);

  test('a tick reads each remote in one JSON-RPC request (measured through a proxy)', async () => {
    const proxies = new Map<number, StallingRpcProxy>();
    for (const remote of remotes()) proxies.set(remote.eid, await StallingRpcProxy.start(remote.rpcUrl));
    try {
      const proxied: Deployments = { ...deployments, chains: deployments.chains.map((chain) => ({ ...chain, rpcUrl: proxies.get(chain.eid)?.url ?? chain.rpcUrl })) };
      const chains = new Chains(proxied, { transactorKey: devnetKeys.couriers[1] });
      const heartbeats = new Heartbeats({
        deployments: proxied,
        chains,
        sdk: keeperSdk(proxied, chains, homeChain(proxied).eid),
        redisUrl: stack.redis.url,
        prefix: `${stack.prefix}-heartbeat-rpc`,
        settings: { marginMs: MARGIN_MS, alertMarginMs: 2_000, tickIntervalMs: 250, maxFeeWei: 10n ** 18n, budgetRetryMs: 1_000, insufficientFundsRetryMs: 1_000, attempts: 3 },
        logger: silentLogger,
      });
      try {
        const ticks = 20;
        for (let tick = 0; tick < ticks; tick++) await heartbeats.tick();
        const perTick = [...proxies.values()].map((proxy) => proxy.stats.forwarded / ticks);
        console.log(`heartbeat tick: ${perTick.join(', ')} HTTP requests per remote per tick (lastHeartbeat, heartbeatPeriod and the latest block in one batch)`);
        for (const requests of perTick) expect(requests).toBe(1);
      } finally {
        await heartbeats.stop();
      }
    } finally {
      for (const proxy of proxies.values()) await proxy.close();
    }
  }, 60_000);

  test('marginMs not shorter than a remote period: one warning per remote at its first read, and the set the metric and /healthz read', async () => {
    const { heartbeats, lines } = role('margin', { marginMs: PERIOD * 1000 });
    try {
      await heartbeats.tick();
      await heartbeats.tick();
      expect([...heartbeats.metrics.marginCoversPeriod].sort(([a], [b]) => a - b)).toEqual(remotes().map((remote) => [remote.eid, PERIOD]).sort(([a], [b]) => (a as number) - (b as number)));
      const warnings = lines.filter((line) => line.level === 40 && String(line.msg).includes('is not shorter than'));
      expect(warnings.map((line) => line.eid as number).sort()).toEqual(remotes().map((remote) => remote.eid).sort());
      expect(String(warnings[0]?.msg)).toContain('Lower heartbeat.marginMs');
    } finally {
      await heartbeats.stop();
    }
    // A `start` process says so in /healthz's warnings and the gauge (over budget, so it sends nothing meanwhile).
    const config = writeRelayerConfig(stack.devnet.deploymentsPath, 'heartbeat-margin', { redis: { url: stack.redis.url, prefix: `${stack.prefix}-heartbeat-margin-process` }, roles: ['heartbeat'], heartbeat: { marginMs: PERIOD * 1000, tickIntervalMs: 250, maxFeeWei: '1' } });
    const relayer = await startRelayerProcess(config, { env: { BALLAST_HEARTBEAT_KEY: devnetKeys.users[1] }, name: 'heartbeat-margin' });
    try {
      await until(async () => JSON.parse((await relayer.get('/healthz')).body).warnings.filter((warning: string) => warning.includes('is not shorter than')).length === remotes().length, 20_000, '/healthz margin warnings');
      const { body } = await relayer.get('/metrics');
      for (const remote of remotes()) expect(sample(body, `ballast_heartbeat_margin_covers_period{eid="${remote.eid}",chain="${remote.name}"}`)).toBe(1);
    } finally {
      await relayer.kill();
    }
    const { heartbeats: fine, lines: quiet } = role('margin-ok', { marginMs: PERIOD * 1000 - 1 });
    try {
      await fine.tick();
      expect(fine.metrics.marginCoversPeriod.size).toBe(0);
      expect(quiet.filter((line) => String(line.msg).includes('is not shorter than'))).toEqual([]);
    } finally {
      await fine.stop();
    }
  }, 60_000);

  test('over budget: the job waits (not failed, not sent), logged and counted; a process with a higher budget sends that window once', async () => {
    await stopRelayerProcesses();
    await new Promise((wait) => setTimeout(wait, 1_500));
    const home = homeChain(deployments);
    const fromBlock = (await chainPublicClient(home).getBlockNumber()) + 1n;
    const windows = await lastHeartbeats();
    const poor = role('budget', { maxFeeWei: 1n, marginMs: 6_000 });
    poor.heartbeats.start();
    try {
      await until(() => remotes().every((remote) => (poor.heartbeats.metrics.budgetExceeded.get(remote.eid) ?? 0) >= 2), 30_000, 'budget waits');
      for (const remote of remotes()) {
        const job = await poor.heartbeats.queue.getJob(heartbeatJobId(remote.eid, windows.get(remote.eid) as number));
        expect(await job?.getState()).toBe('delayed');
        expect(job?.attemptsMade).toBe(0);
      }
      expect(poor.heartbeats.metrics.sent.size).toBe(0);
      expect(poor.lines.filter((line) => line.msg === 'heartbeat waits: over its fee budget').length).toBeGreaterThanOrEqual(2 * remotes().length);
      expect(await heartbeatsSent(fromBlock)).toEqual([]);
    } finally {
      await poor.heartbeats.stop();
    }

    const funded = role('budget', { maxFeeWei: 10n ** 18n, marginMs: 6_000 });
    funded.heartbeats.start();
    const reopened = new Map<number, number>();
    try {
      await until(async () => {
        for (const [eid, last] of await lastHeartbeats()) if (!reopened.has(eid) && last > (windows.get(eid) as number)) reopened.set(eid, last);
        return reopened.size === remotes().length;
      }, 30_000, 'remotes reopened');
      for (const remote of remotes()) expect((await funded.heartbeats.queue.getJob(heartbeatJobId(remote.eid, windows.get(remote.eid) as number)))?.returnvalue?.kind).toBe('sent');
    } finally {
      await funded.heartbeats.stop();
    }
    const sent = await heartbeatsSent(fromBlock);
    for (const remote of remotes()) {
      // The waiting window's heartbeat, once: any second one for it would be stamped no later than the one that reopened the remote.
      expect(sent.filter((log) => log.dstEid === remote.eid && log.timestamp <= (reopened.get(remote.eid) as number))).toHaveLength(1);
    }
  }, 120_000);

  test('a lost heartbeat is sent again once its window closed, then a margin apart until one arrives; the late ones arrive too and the remote keeps the newest', async () => {
    await stopRelayerProcesses();
    await new Promise((wait) => setTimeout(wait, 1_500));
    await courier.stop();
    const home = homeChain(deployments);
    const fromBlock = (await chainPublicClient(home).getBlockNumber()) + 1n;
    const windows = await lastHeartbeats();
    const { heartbeats } = role('lost', { marginMs: LOST_MARGIN_MS });
    heartbeats.start();
    let sent: Awaited<ReturnType<typeof heartbeatsSent>> = [];
    try {
      // No courier: the first heartbeat never arrives; the window is queued again only after it closed and a margin passed.
      await until(async () => {
        sent = await heartbeatsSent(fromBlock);
        return remotes().every((remote) => sent.filter((log) => log.dstEid === remote.eid).length >= 2);
      }, 40_000, 'a second heartbeat per remote');
      courier = stack.courier();
      courier.start();
      const restarted = Date.now();
      await until(async () => (await windowsRemaining()).every((remaining) => remaining > 0), 20_000, 'remotes reopened');
      console.log(`lost heartbeat: remotes reopened ${((Date.now() - restarted) / 1000).toFixed(1)} s after the courier restarted`);
    } finally {
      await heartbeats.stop();
    }
    const last = await lastHeartbeats();
    sent = await heartbeatsSent(fromBlock);
    for (const remote of remotes()) {
      const window = windows.get(remote.eid) as number;
      const stamps = sent.filter((log) => log.dstEid === remote.eid && log.timestamp <= (last.get(remote.eid) as number)).map((log) => log.timestamp);
      // The lost one, then re-sends each a whole margin after the one before, the first only once the window closed.
      expect(stamps.length).toBeGreaterThanOrEqual(2);
      expect(stamps[1]).toBeGreaterThanOrEqual(window + PERIOD);
      for (let index = 1; index < stamps.length; index++) expect((stamps[index] as number) - (stamps[index - 1] as number)).toBeGreaterThanOrEqual(LOST_MARGIN_MS / 1000 - 1);
      console.log(`lost heartbeat: ${stamps.length} sent to ${remote.eid} for the window of ${window} (stamps ${stamps.join(', ')})`);
      const newest = stamps.at(-1) as number;
      // Every one arrived once the courier was back (the late first one too); the mirror keeps the newest.
      expect(last.get(remote.eid)).toBe(newest);
    }
  }, 120_000);
});

/** A `Heartbeats` in this process over its own prefix, with its JSON log lines kept. */
function role(name: string, overrides: Partial<HeartbeatSettings>) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('info', { destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  const chains = new Chains(deployments, { transactorKey: devnetKeys.couriers[1] });
  const heartbeats = new Heartbeats({
    deployments,
    chains,
    sdk: keeperSdk(deployments, chains, homeChain(deployments).eid),
    redisUrl: stack.redis.url,
    prefix: `${stack.prefix}-heartbeat-${name}`,
    settings: { marginMs: MARGIN_MS, alertMarginMs: 2_000, tickIntervalMs: 250, maxFeeWei: 10n ** 18n, budgetRetryMs: 500, insufficientFundsRetryMs: 1_000, attempts: 3, ...overrides },
    logger,
  });
  return { heartbeats, lines };
}

/** Each remote's `lastHeartbeat`. */
async function lastHeartbeats(): Promise<Map<number, number>> {
  const entries = await Promise.all(remotes().map(async (remote) => [remote.eid, Number(await chainPublicClient(remote).readContract({ address: contractAddress(remote, BALLAST_CONTRACTS.mirror), abi: creditMirrorAbi, functionName: 'lastHeartbeat' }))] as const));
  return new Map(entries);
}

/** HEARTBEATs home sent from a block on, oldest first. */
async function heartbeatsSent(fromBlock: bigint): Promise<{ dstEid: number; timestamp: number }[]> {
  const home = homeChain(deployments);
  // anvil refuses a range that starts past its head: nothing was sent yet.
  if (fromBlock > (await chainPublicClient(home).getBlockNumber())) return [];
  const logs = await chainPublicClient(home).getContractEvents({ address: contractAddress(home, BALLAST_CONTRACTS.vault), abi: collateralVaultAbi, eventName: 'HeartbeatSent', fromBlock, strict: true });
  return logs.map((log) => ({ dstEid: Number(log.args.dstEid), timestamp: Number(log.args.timestamp) }));
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((wait) => setTimeout(wait, 200));
  }
}
