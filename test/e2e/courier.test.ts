// The courier over three real anvil chains with LayerZero v2's production contracts: every packet
// delivered exactly once on every pathway, and a reverting receiver keeps its packet retryable.
import { endpointV2Abi, pingOAppAbi } from '@ballast/abi';
import { addressToBytes32, contractAddress, decodePacket } from '@ballast/protocol';
import { PING_OAPP, devnetKeys, liveChildren } from '@ballast/devnet';
import type { Courier } from '@ballast/relayer';
import { createWalletClient, http, keccak256 } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DeliveryTracker, PingClient, type SentPing, percentile } from '../support/pings.ts';
import { type Stack, startStack } from '../support/stack.ts';

const PER_PATHWAY = 100;

let stack: Stack;
let courier: Courier;
let deliveries: DeliveryTracker;

beforeAll(async () => {
  stack = await startStack();
  courier = stack.courier({ backoffMs: 100, maxBackoffMs: 1_000 });
  deliveries = new DeliveryTracker(courier);
  courier.start();
});

afterAll(async () => {
  await stack?.stop();
  expect(liveChildren()).toEqual([]);
});

function ping(eid: number): PingClient {
  return stack.pings.get(eid) as PingClient;
}

describe('courier on the devnet', () => {
  test(`delivers ${PER_PATHWAY} messages each way on every pathway exactly once`, async () => {
    const { chains } = stack.devnet.deployments;
    const pathways = chains.flatMap((source) => chains.filter((destination) => destination !== source).map((destination) => [source, destination] as const));
    const before = new Map(await Promise.all(pathways.map(async ([source, destination]) => [`${source.eid}-${destination.eid}`, await ping(destination.eid).received(source.eid)] as const)));

    const sent: SentPing[] = (
      await Promise.all(
        chains.map(async (source) => {
          const batches: SentPing[] = [];
          for (const destination of chains) if (destination !== source) batches.push(...(await ping(source.eid).send(destination.eid, PER_PATHWAY)));
          return batches;
        }),
      )
    ).flat();
    expect(sent).toHaveLength(pathways.length * PER_PATHWAY);
    expect(new Set(sent.map((entry) => entry.guid)).size).toBe(sent.length);

    const records = await deliveries.waitFor(sent.map((entry) => entry.guid), 150_000);
    expect(records.every((record) => record.status === 'delivered' && record.dstTxHash)).toBe(true);

    for (const [source, destination] of pathways) {
      const receiver = contractAddress(destination, PING_OAPP);
      const sender = addressToBytes32(contractAddress(source, PING_OAPP));
      const client = ping(destination.eid).publicClient;
      const path = [receiver, source.eid, sender] as const;
      const [inbound, lazy, received] = await Promise.all([
        client.readContract({ address: destination.layerZero.endpoint, abi: endpointV2Abi, functionName: 'inboundNonce', args: path }),
        client.readContract({ address: destination.layerZero.endpoint, abi: endpointV2Abi, functionName: 'lazyInboundNonce', args: path }),
        ping(destination.eid).received(source.eid),
      ]);
      const previously = before.get(`${source.eid}-${destination.eid}`) as bigint;
      // Exactly once: the receiver counted each packet once and the endpoint executed every nonce.
      expect(received - previously).toBe(BigInt(PER_PATHWAY));
      expect(inbound).toBe(previously + BigInt(PER_PATHWAY));
      expect(lazy).toBe(inbound);
    }

    // Each delivery's transaction executed exactly the packet it names.
    const sample = records.filter((_, index) => index % 97 === 0);
    for (const record of sample) {
      const destination = stack.devnet.deployments.chains.find((chain) => chain.eid === record.dstEid);
      const receipt = await ping(record.dstEid).publicClient.getTransactionReceipt({ hash: record.dstTxHash as `0x${string}` });
      expect(receipt.logs.some((log) => log.address.toLowerCase() === destination?.layerZero.endpoint.toLowerCase())).toBe(true);
      expect(await ping(record.dstEid).publicClient.readContract({ address: contractAddress(destination!, PING_OAPP), abi: pingOAppAbi, functionName: 'seen', args: [record.guid] })).toBe(true);
    }

    const sentAt = new Map(sent.map((entry) => [entry.guid, entry.sentAt]));
    const latencies = records.map((record) => record.deliveredAt - (sentAt.get(record.guid) as number));
    const seconds = (Math.max(...records.map((record) => record.deliveredAt)) - Math.min(...sent.map((entry) => entry.sentAt))) / 1_000;
    console.info(
      `courier: ${records.length} packets, p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, ${(records.length / seconds).toFixed(1)} packets/s`,
    );
    expect(await courier.failures()).toEqual([]);
  });

  test('a reverting receiver leaves the packet verified and reported; the retry delivers it after the fix', async () => {
    const [home, remote] = stack.devnet.deployments.chains;
    if (!home || !remote) throw new Error('devnet needs two chains');
    const receiverAddress = contractAddress(remote, PING_OAPP);
    const owner = createWalletClient({ chain: ping(remote.eid).publicClient.chain, transport: http(remote.rpcUrl), account: privateKeyToAccount(devnetKeys.deployer) });
    const setRefusing = async (refusing: boolean) => {
      const hash = await owner.writeContract({ address: receiverAddress, abi: pingOAppAbi, functionName: 'setRefusing', args: [refusing] });
      await ping(remote.eid).publicClient.waitForTransactionReceipt({ hash });
    };
    const receivedBefore = await ping(remote.eid).received(home.eid);
    await setRefusing(true);

    const failed = new Promise<string>((resolve) => {
      courier.on('failed', (failure) => resolve(failure.reason));
    });
    const [sent] = await ping(home.eid).send(remote.eid);
    if (!sent) throw new Error('ping not sent');
    expect(await failed).toMatch(/^PingOApp_Refused\(40101, \d+\)$/);

    const failures = await courier.failures();
    expect(failures.map((failure) => failure.guid)).toContain(sent.guid);
    expect(failures.find((failure) => failure.guid === sent.guid)?.attempts).toBeGreaterThanOrEqual(1);

    // The payload stays verified on the endpoint, not executed.
    const job = await courier.queue.getJob(`deliver-${sent.guid}`);
    const packet = decodePacket(job?.data.encodedPacket as `0x${string}`);
    const stored = await ping(remote.eid).publicClient.readContract({
      address: remote.layerZero.endpoint,
      abi: endpointV2Abi,
      functionName: 'inboundPayloadHash',
      args: [receiverAddress, home.eid, packet.sender, packet.nonce],
    });
    expect(stored).toBe(keccak256(`0x${packet.guid.slice(2)}${packet.message.slice(2)}`));
    expect(await ping(remote.eid).received(home.eid)).toBe(receivedBefore);

    await setRefusing(false);
    const [record] = await deliveries.waitFor([sent.guid], 30_000);
    expect(record?.steps).toEqual(['execute']);
    expect(await ping(remote.eid).received(home.eid)).toBe(receivedBefore + 1n);
    expect((await courier.failures()).map((failure) => failure.guid)).not.toContain(sent.guid);
  });
});
