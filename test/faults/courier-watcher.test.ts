// The packet watcher behind an RPC that refuses getLogs over more than 500 blocks, as many providers do:
// it halves its range until the node answers, grows it back, reaches a packet 3,000 blocks on and
// delivers it; while every getLogs fails it backs off exponentially (a few polls, not one per interval),
// counting each failed poll, and catches up once the node answers again.
import { liveChildren } from '@ballast/devnet';
import type { Courier } from '@ballast/relayer';
import { createTestClient, http } from 'viem';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DeliveryTracker, type PingClient } from '../support/pings.ts';
import { type Stack, startStack } from '../support/stack.ts';
import { StallingRpcProxy } from '../support/stalling-rpc-proxy.ts';
import { waitUntil } from '../support/wait.ts';

let stack: Stack;
let proxy: StallingRpcProxy;
let courier: Courier;
let deliveries: DeliveryTracker;

beforeAll(async () => {
  stack = await startStack({ chains: 2 });
  const [home] = stack.devnet.deployments.chains;
  if (!home) throw new Error('devnet needs a home chain');
  proxy = await StallingRpcProxy.start(home.rpcUrl);
  proxy.maxLogRange = 500;
  const deployments = { ...stack.devnet.deployments, chains: stack.devnet.deployments.chains.map((chain) => (chain === home ? { ...chain, rpcUrl: proxy.url } : chain)) };
  courier = stack.courier({ deployments, maxPollBackoffMs: 1_000 });
  deliveries = new DeliveryTracker(courier);
});

afterAll(async () => {
  await stack?.stop();
  await proxy?.close();
  expect(liveChildren()).toEqual([]);
});

describe('packet watcher like ingest', () => {
  test('adapts its range to a node that caps getLogs, backs off while polls fail, and exports errors and lag', async () => {
    const [home, remote] = stack.devnet.deployments.chains;
    if (!home || !remote) throw new Error('devnet needs two chains');
    await createTestClient({ mode: 'anvil', transport: http(home.rpcUrl, { timeout: 180_000 }) }).mine({ blocks: 3_000 });
    const [ping] = await (stack.pings.get(home.eid) as PingClient).send(remote.eid);
    courier.start();

    const [record] = await deliveries.waitFor([ping!.guid], 60_000);
    expect(record?.status).toBe('delivered');
    const [watcher] = courier.watcherMetrics().filter((metrics) => metrics.eid === home.eid);
    expect(proxy.refusedLogRanges).toBeGreaterThan(0);
    expect(watcher?.pollErrors).toBeGreaterThan(0);
    await waitUntil('the watcher to catch up', async () => (courier.watcherMetrics().find((metrics) => metrics.eid === home.eid)?.lagBlocks ?? Infinity) <= 2 || 'behind', 30_000);

    // Every getLogs refused: polls back off (100 ms doubling to 1 s), so 4 s of failure is a handful of polls.
    proxy.maxLogRange = 0;
    await createTestClient({ mode: 'anvil', transport: http(home.rpcUrl) }).mine({ blocks: 10 });
    const errorsBefore = courier.watcherMetrics().find((metrics) => metrics.eid === home.eid)?.pollErrors ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const during = courier.watcherMetrics().find((metrics) => metrics.eid === home.eid);
    const failed = (during?.pollErrors ?? 0) - errorsBefore;
    expect(failed).toBeGreaterThan(0);
    // Without backoff a 100 ms poll interval would fail ~40 times.
    expect(failed).toBeLessThanOrEqual(10);
    expect(during?.lagBlocks).toBeGreaterThanOrEqual(10);

    // The node answers again: the watcher catches up and carries what was sent meanwhile.
    proxy.maxLogRange = 500;
    const [later] = await (stack.pings.get(home.eid) as PingClient).send(remote.eid);
    await deliveries.waitFor([later!.guid], 30_000);
    expect(courier.watcherMetrics().find((metrics) => metrics.eid === home.eid)?.failingPolls).toBe(0);
  });
});
