// The heartbeat role on a real devnet (three anvil chains, LayerZero, Ballast with a heartbeat period of
// PERIOD seconds) and Redis: two `ballast-relayer start` processes run it with their own keys while an
// in-process courier carries the messages. Left alone for three periods, every remote stays open for draws
// the whole time and a borrow succeeds on each at the end; the two processes send one HEARTBEAT per remote
// per window between them (no two sent for one window), and their metrics count each sent heartbeat once.
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
import { Heartbeats } from '../src/heartbeat/heartbeat.ts';
import { keeperSdk } from '../src/keeper/actions.ts';
import { silentLogger } from '../src/logging.ts';

/** The devnet's heartbeat period, seconds (production: a day). */
const PERIOD = 8;
/** The role sends this long before a window closes: the devnet's trip is under a second. */
const MARGIN_MS = 4_000;

let stack: Stack;
let deployments: Deployments;
const relayers: RelayerProcess[] = [];

beforeAll(async () => {
  stack = await startStack();
  await deployBallast(stack.devnet, { heartbeatPeriod: PERIOD });
  deployments = stack.devnet.deployments;
  stack.courier().start();
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
});
