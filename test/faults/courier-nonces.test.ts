// A transaction the node drops must not stall a chain: with anvil's automine off, the courier's pending
// verifications on one chain are sent, one is dropped (`anvil_dropTransaction`) so the later nonces queue
// behind a gap, and mining resumes. The courier's sender replaces the dropped one (same nonce, higher
// fees) after its receipt timeout, every packet is delivered, and later packets flow without a restart.
import { liveChildren } from '@ballast/devnet';
import type { Courier } from '@ballast/relayer';
import { createTestClient, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { devnetKeys } from '@ballast/devnet';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DeliveryTracker, type PingClient } from '../support/pings.ts';
import { type Stack, startStack } from '../support/stack.ts';
import { waitUntil } from '../support/wait.ts';

const RECEIPT_TIMEOUT_MS = 2_000;

let stack: Stack;
let courier: Courier;
let deliveries: DeliveryTracker;

beforeAll(async () => {
  stack = await startStack({ chains: 2 });
  courier = stack.courier({ backoffMs: 100, maxBackoffMs: 1_000, transactions: { receiptTimeoutMs: RECEIPT_TIMEOUT_MS } });
  deliveries = new DeliveryTracker(courier);
  courier.start();
});

afterAll(async () => {
  await stack?.stop();
  expect(liveChildren()).toEqual([]);
});

describe('nonces that heal', () => {
  test('a dropped transaction is replaced with the same nonce and the chain delivers again, without a restart', async () => {
    const [home, remote] = stack.devnet.deployments.chains;
    if (!home || !remote) throw new Error('devnet needs two chains');
    const pings = (eid: number) => stack.pings.get(eid) as PingClient;
    // Warm up: the pathway works.
    const [warm] = await pings(home.eid).send(remote.eid);
    await deliveries.waitFor([warm!.guid], 30_000);

    const courierAddress = privateKeyToAccount(devnetKeys.couriers[0]).address;
    const anvil = createTestClient({ mode: 'anvil', transport: http(remote.rpcUrl) });
    const client = pings(remote.eid).publicClient;
    const firstNonce = await client.getTransactionCount({ address: courierAddress, blockTag: 'latest' });
    await anvil.setAutomine(false);

    // Three packets: the courier sends their verifications on the remote, which now mines nothing.
    const sent = await pings(home.eid).send(remote.eid, 3);
    await waitUntil(
      'three courier transactions pending on the remote',
      async () => {
        const content = await anvil.getTxpoolContent();
        const mine = Object.entries(content.pending).find(([address]) => address.toLowerCase() === courierAddress.toLowerCase())?.[1] ?? {};
        return Object.keys(mine).length >= 3 || `${Object.keys(mine).length} pending`;
      },
      30_000,
    );
    const content = await anvil.getTxpoolContent();
    const mine = Object.entries(content.pending).find(([address]) => address.toLowerCase() === courierAddress.toLowerCase())?.[1] ?? {};
    const dropped = mine[String(firstNonce)];
    if (!dropped) throw new Error(`no pending transaction with nonce ${firstNonce}: ${JSON.stringify(Object.keys(mine))}`);
    await anvil.dropTransaction({ hash: dropped.hash });

    // Mining resumes; the later nonces sit behind the gap until the sender fills it.
    await anvil.setAutomine(true);
    await anvil.mine({ blocks: 1 });
    expect(await client.getTransactionCount({ address: courierAddress, blockTag: 'latest' })).toBe(firstNonce);

    const records = await deliveries.waitFor(
      sent.map((ping) => ping.guid),
      60_000,
    );
    expect(records.every((record) => record.status === 'delivered')).toBe(true);
    // The dropped hash never mined; its nonce went to a replacement.
    expect(await client.getTransactionReceipt({ hash: dropped.hash }).catch(() => undefined)).toBeUndefined();
    const replaced = await client.getBlock({ blockTag: 'latest', includeTransactions: false });
    expect(replaced.number).toBeGreaterThan(0n);
    const sender = courier.chains.get(remote.eid).sender;
    expect(sender.pendingState().replacements).toBeGreaterThanOrEqual(1);
    expect(sender.pendingState().count).toBe(0);

    // The chain keeps delivering.
    const [after] = await pings(home.eid).send(remote.eid);
    const [record] = await deliveries.waitFor([after!.guid], 30_000);
    expect(record?.status).toBe('delivered');
    expect(await courier.failures()).toEqual([]);
  });
});
