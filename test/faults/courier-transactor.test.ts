// The courier's transactor key under faults. A transaction the node drops must not stall a chain: with
// anvil's automine off, the courier's verifications on one chain are sent, one is dropped
// (`anvil_dropTransaction`) so the later nonces queue behind a gap, and mining resumes; the sender
// replaces the dropped one (same nonce, higher fees) after its receipt timeout, every packet is
// delivered, and later packets flow without a restart. A key out of funds makes jobs wait, not fail:
// they keep their attempts, the low balance is a warning, and delivery resumes once it is funded.
import { liveChildren } from '@ballast/devnet';
import { type Courier, TransactorWatch } from '@ballast/relayer';
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
  courier = stack.courier({ backoffMs: 100, maxBackoffMs: 1_000, attempts: 2, insufficientFundsRetryMs: 300, transactions: { receiptTimeoutMs: RECEIPT_TIMEOUT_MS } });
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

  test('a key out of funds: jobs wait without spending attempts, the balance warns, delivery resumes once funded', async () => {
    const [home, remote] = stack.devnet.deployments.chains;
    if (!home || !remote) throw new Error('devnet needs two chains');
    const courierAddress = privateKeyToAccount(devnetKeys.couriers[0]).address;
    const anvil = createTestClient({ mode: 'anvil', transport: http(remote.rpcUrl) });
    const funded = await pings(remote.eid).publicClient.getBalance({ address: courierAddress });
    const watch = new TransactorWatch({ role: 'courier', chains: courier.chains, lowBalanceWei: 10n ** 16n, pendingWarnAfterMs: 60_000 });
    await watch.refresh();
    expect(watch.warnings()).toEqual([]);

    await anvil.setBalance({ address: courierAddress, value: 0n });
    await watch.refresh();
    expect(watch.warnings()).toEqual([expect.stringContaining(`courier key ${courierAddress} on chain ${remote.name} (eid ${remote.eid}): balance 0 wei is under 10000000000000000 wei`)]);

    const failures: string[] = [];
    courier.on('failed', (failure) => failures.push(failure.reason));
    const [sent] = await pings(home.eid).send(remote.eid);
    // More failed tries than the job has attempts (2): each one waits for funds instead of counting.
    await waitUntil('several insufficient-funds tries', async () => failures.filter((reason) => reason === 'insufficient-funds').length >= 4 || `${failures.length} so far`, 30_000);
    const job = await courier.queue.getJob(`deliver-${sent!.guid}`);
    expect(await job?.getState()).toBe('delayed');
    expect(job?.attemptsMade).toBeLessThan(2);
    expect((await courier.failures()).find((failure) => failure.guid === sent!.guid)?.reason).toBe('insufficient-funds');

    await anvil.setBalance({ address: courierAddress, value: funded });
    const [record] = await deliveries.waitFor([sent!.guid], 30_000);
    expect(record?.status).toBe('delivered');
    await watch.refresh();
    expect(watch.warnings()).toEqual([]);
    expect(await courier.failures()).toEqual([]);
  });
});

function pings(eid: number): PingClient {
  return stack.pings.get(eid) as PingClient;
}
