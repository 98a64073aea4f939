// Source-chain confirmations: the courier leaves a packet alone until its block is `confirmations`
// deep, then delivers it (the DVN verifies with that number, which the ULN config requires).
import { devnetChain, liveChildren } from '@ballast/devnet';
import { createTestClient, http } from 'viem';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DeliveryTracker, type PingClient } from '../support/pings.ts';
import { type Stack, startStack } from '../support/stack.ts';

const CONFIRMATIONS = 2;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ chains: 2, confirmations: CONFIRMATIONS });
});

afterAll(async () => {
  await stack?.stop();
  expect(liveChildren()).toEqual([]);
});

test(`a packet is delivered only once its block has ${CONFIRMATIONS} confirmations`, async () => {
  const [home, remote] = stack.devnet.deployments.chains;
  if (!home || !remote) throw new Error('devnet needs two chains');
  const courier = stack.courier({ pollIntervalMs: 50 });
  const tracker = new DeliveryTracker(courier);
  courier.start();
  const remoteClient = stack.pings.get(remote.eid) as PingClient;

  const [ping] = await (stack.pings.get(home.eid) as PingClient).send(remote.eid);
  if (!ping) throw new Error('ping not sent');
  // anvil mines only on transactions: nothing new on home, so the packet's block stays shallow.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(tracker.records.size).toBe(0);
  expect(await remoteClient.received(home.eid)).toBe(0n);

  const testClient = createTestClient({ mode: 'anvil', chain: devnetChain(home.chainId, home.rpcUrl), transport: http(home.rpcUrl) });
  await testClient.mine({ blocks: CONFIRMATIONS - 1 });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  expect(tracker.records.size).toBe(0);

  await testClient.mine({ blocks: 1 });
  const [record] = await tracker.waitFor([ping.guid], 30_000);
  expect(record?.status).toBe('delivered');
  expect(await remoteClient.received(home.eid)).toBe(1n);
});
