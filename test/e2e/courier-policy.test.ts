// The courier carries only paid work (docs/OPERATIONS.md#executor-and-dvn-policy), on three anvil chains
// with LayerZero v2's production contracts: an app that names a zero-fee Executor and DVN of its own
// and asks for huge gas and value gets nothing carried and costs the courier nothing, while the
// devnet's own (allowlisted) app, sending at the same time, is delivered; a paying app off the
// allowlist is carried too. Deliver jobs forged straight into the queue (a packet never sent, a real
// packet with its message altered, a payment record added to an unpaid packet) are refused as forged and
// nothing of theirs is verified on the destination.
import { endpointV2Abi, pingOAppAbi, receiveUln302Abi } from '@ballast/abi';
import { addressToBytes32, bytes32ToAddress, contractAddress, decodePacket, encodePacket, lzReceiveOptions, packetGuid } from '@ballast/protocol';
import { ChainDeployer, PING_OAPP, devnetClients, devnetKeys, forgeBytecode, liveChildren } from '@ballast/devnet';
import { type Courier, type DeliveryOutcome, type PacketJob, type RefusalRecord, DEFAULT_DELIVERY_CAPS, buildCarriagePolicy, deliverJobId, relayerStatus } from '@ballast/relayer';
import { Redis } from 'ioredis';
import { type Address, type Hex, createTestClient, encodeAbiParameters, encodeFunctionData, http, keccak256, numberToHex, parseEventLogs, parseEther, zeroHash } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DeliveryTracker, type PingClient } from '../support/pings.ts';
import { type Stack, startStack } from '../support/stack.ts';
import { waitUntil } from '../support/wait.ts';

/** Runtime code that returns 32 zero bytes to any call: a worker whose `getFee` and `assignJob` charge 0. */
const ZERO_FEE_WORKER_CODE: Hex = '0x60206000f3';
const ZERO_FEE_WORKER: Address = '0x00000000000000000000000000000000000f3e00';
const CONFIG_TYPE_EXECUTOR = 1;
const CONFIG_TYPE_ULN = 2;

let stack: Stack;
let courier: Courier;
let deliveries: DeliveryTracker;
const refusals = new Map<Hex, RefusalRecord>();
/** A packet of the first test that paid nobody (refused as unpaid): the third forges a payment for it. */
let unpaidSpam: Hex | undefined;

beforeAll(async () => {
  stack = await startStack();
  const { deployments } = stack.devnet;
  courier = stack.courier({
    backoffMs: 100,
    maxBackoffMs: 1_000,
    policy: buildCarriagePolicy({ deployments, allowlist: [PING_OAPP], defaultCaps: DEFAULT_DELIVERY_CAPS }),
  });
  deliveries = new DeliveryTracker(courier);
  courier.on('refused', (record) => refusals.set(record.guid, record));
  courier.start();
});

afterAll(async () => {
  await stack?.stop();
  expect(liveChildren()).toEqual([]);
});

/** A PingOApp of the attacker's own on `eids`, peered with each other. */
async function deployAttackerApps(key: Hex, eids: number[]): Promise<Map<number, Address>> {
  const chains = stack.devnet.deployments.chains.filter((chain) => eids.includes(chain.eid));
  const apps = new Map<number, Address>();
  for (const chain of chains) {
    const deployer = new ChainDeployer(chain, key);
    apps.set(chain.eid, await deployer.deploy('attacker PingOApp', forgeBytecode('PingOApp'), pingOAppAbi, [chain.layerZero.endpoint, deployer.account.address]));
  }
  for (const chain of chains) {
    const deployer = new ChainDeployer(chain, key);
    for (const peer of chains) {
      if (peer !== chain) await deployer.write('setPeer', apps.get(chain.eid) as Address, pingOAppAbi, 'setPeer', [peer.eid, addressToBytes32(apps.get(peer.eid) as Address)]);
    }
  }
  return apps;
}

/** Sends one ping from `app` with `options`, paying what it quotes; returns the packet's GUID. */
async function sendPing(key: Hex, srcEid: number, app: Address, dstEid: number, options: Hex, salt: number): Promise<Hex> {
  const chain = stack.devnet.deployments.chains.find((candidate) => candidate.eid === srcEid);
  if (!chain) throw new Error(`no chain ${srcEid}`);
  const { publicClient, walletClient } = devnetClients(chain, key, { pollingInterval: 20 });
  const { nativeFee } = await publicClient.readContract({ address: app, abi: pingOAppAbi, functionName: 'quote', args: [dstEid, options] });
  const data = encodeFunctionData({ abi: pingOAppAbi, functionName: 'ping', args: [dstEid, keccak256(numberToHex(salt)), options] });
  const hash = await walletClient.sendTransaction({ to: app, data, value: nativeFee, gas: 1_000_000n });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  const [event] = parseEventLogs({ abi: pingOAppAbi, logs: receipt.logs, eventName: 'PingSent' });
  if (receipt.status !== 'success' || !event) throw new Error(`ping ${hash} failed`);
  return event.args.guid;
}

describe('executor and DVN policy', () => {
  test('a zero-fee app with huge gas and value is carried for nothing; the allowlisted app sending at the same time is delivered', async () => {
    const [home, remote1, remote2] = stack.devnet.deployments.chains;
    if (!home || !remote1 || !remote2) throw new Error('devnet needs three chains');
    const attackerKey = devnetKeys.users[1];
    const apps = await deployAttackerApps(attackerKey, [home.eid, remote1.eid]);
    const attackerApp = apps.get(home.eid) as Address;

    // The attacker's own zero-fee Executor and DVN on its send side; the receive side keeps the defaults (our DVN).
    const test = createTestClient({ mode: 'anvil', transport: http(home.rpcUrl) });
    await test.setCode({ address: ZERO_FEE_WORKER, bytecode: ZERO_FEE_WORKER_CODE });
    const executorConfig = encodeAbiParameters([{ type: 'tuple', components: [{ type: 'uint32' }, { type: 'address' }] }], [[10_000, ZERO_FEE_WORKER]]);
    const ulnConfig = encodeAbiParameters(
      [{ type: 'tuple', components: [{ type: 'uint64' }, { type: 'uint8' }, { type: 'uint8' }, { type: 'uint8' }, { type: 'address[]' }, { type: 'address[]' }] }],
      [[0n, 1, 0, 0, [ZERO_FEE_WORKER], []]],
    );
    await new ChainDeployer(home, attackerKey).write('setConfig', home.layerZero.endpoint, endpointV2Abi, 'setConfig', [
      attackerApp,
      home.layerZero.sendUln302,
      [
        { eid: remote1.eid, configType: CONFIG_TYPE_EXECUTOR, config: executorConfig },
        { eid: remote1.eid, configType: CONFIG_TYPE_ULN, config: ulnConfig },
      ],
    ]);

    const courierAddress = privateKeyToAccount(devnetKeys.couriers[0]).address;
    const remote1Client = (stack.pings.get(remote1.eid) as PingClient).publicClient;
    const balanceBefore = await remote1Client.getBalance({ address: courierAddress });

    // Attack and honest traffic at once: spam to remote1 (5 ETH of value, 10^18 gas, and plain unpaid pings);
    // the allowlisted app's pings from home to remote2.
    const spamOptions = [lzReceiveOptions(200_000n, parseEther('5')), lzReceiveOptions(10n ** 18n), lzReceiveOptions(100_000n)];
    const [spam, honest] = await Promise.all([
      (async () => {
        const guids: Hex[] = [];
        for (let index = 0; index < 12; index++) guids.push(await sendPing(attackerKey, home.eid, attackerApp, remote1.eid, spamOptions[index % 3] as Hex, index));
        return guids;
      })(),
      (stack.pings.get(home.eid) as PingClient).send(remote2.eid, 5),
    ]);

    const records = await deliveries.waitFor(
      honest.map((ping) => ping.guid),
      60_000,
    );
    expect(records.every((record) => record.status === 'delivered')).toBe(true);

    await waitUntil('every spam packet refused', async () => spam.every((guid) => refusals.has(guid)) || `${refusals.size} refused`, 30_000);
    const reasons = spam.map((guid) => refusals.get(guid)?.reason);
    unpaidSpam = spam.find((guid) => refusals.get(guid)?.reason === 'unpaid');
    expect(reasons.filter((reason) => reason === 'value-cap')).toHaveLength(4);
    expect(reasons.filter((reason) => reason === 'gas-cap')).toHaveLength(4);
    expect(reasons.filter((reason) => reason === 'unpaid')).toHaveLength(4);
    // Refused for good: completed as refused, never retried, never in the failure list.
    for (const guid of spam) {
      const job = await courier.queue.getJob(deliverJobId(guid));
      expect(await job?.getState()).toBe('completed');
      // One run, completed: no retry was scheduled.
      expect(job?.attemptsMade).toBe(1);
    }
    expect((await courier.failures()).map((failure) => failure.guid)).not.toEqual(expect.arrayContaining([spam[0]]));

    // Nothing carried: the courier sent no transaction on remote1, nothing is verified there, its balance is unchanged.
    expect(await remote1Client.getBalance({ address: courierAddress })).toBe(balanceBefore);
    const receiver = apps.get(remote1.eid) as Address;
    for (const guid of spam) {
      const job = await courier.queue.getJob(deliverJobId(guid));
      const nonce = BigInt(job?.data.nonce ?? 0);
      expect(
        await remote1Client.readContract({ address: remote1.layerZero.endpoint, abi: endpointV2Abi, functionName: 'inboundPayloadHash', args: [receiver, home.eid, addressToBytes32(attackerApp), nonce] }),
      ).toBe(zeroHash);
    }
    const [first] = spam;
    const job = await courier.queue.getJob(deliverJobId(first as Hex));
    const header = (job?.data.encodedPacket ?? '0x').slice(0, 2 + 81 * 2) as Hex;
    const payloadHash = keccak256(`0x${(job?.data.encodedPacket ?? '0x').slice(2 + 81 * 2)}`);
    const [verified] = await remote1Client.readContract({ address: remote1.layerZero.receiveUln302, abi: receiveUln302Abi, functionName: 'hashLookup', args: [keccak256(header), payloadHash, remote1.layerZero.dvn] });
    expect(verified).toBe(false);
    expect(await courier.ledger.refusalCounts()).toEqual({ 'value-cap': 4, 'gas-cap': 4, unpaid: 4 });
    // `status` shows them, with the reason and the sending app.
    const redis = new Redis(stack.redis.url);
    try {
      const status = await relayerStatus({ redis, prefix: stack.prefix, deployments: stack.devnet.deployments });
      expect(status.refused.counts).toEqual({ 'value-cap': 4, 'gas-cap': 4, unpaid: 4 });
      expect(status.refused.latest.map((record) => record.guid).sort()).toEqual([...spam].sort());
      expect(status.refused.latest.every((record) => record.sender === attackerApp)).toBe(true);
    } finally {
      redis.disconnect();
    }
  });

  test('an app off the allowlist that pays our Executor and DVN is carried', async () => {
    const [home, , remote2] = stack.devnet.deployments.chains;
    if (!home || !remote2) throw new Error('devnet needs three chains');
    const key = devnetKeys.users[2];
    const apps = await deployAttackerApps(key, [home.eid, remote2.eid]);
    const guid = await sendPing(key, home.eid, apps.get(home.eid) as Address, remote2.eid, lzReceiveOptions(100_000n), 1);
    const [record] = await deliveries.waitFor([guid], 30_000);
    expect(record?.status).toBe('delivered');
    expect(record?.steps).toEqual(['verify', 'commit', 'execute']);
    expect(await (stack.pings.get(remote2.eid) as PingClient).publicClient.readContract({ address: apps.get(remote2.eid) as Address, abi: pingOAppAbi, functionName: 'received', args: [home.eid] })).toBe(1n);
    expect(contractAddress(home, PING_OAPP)).not.toBe(apps.get(home.eid));
  });
});

describe('the DVN verifies what the source chain sent', () => {
  test('forged deliver jobs written into the queue are refused as forged, nothing of theirs is verified, and real packets still deliver', async () => {
    const [home, remote1, remote2] = stack.devnet.deployments.chains;
    if (!home || !remote1 || !remote2 || !unpaidSpam) throw new Error('needs three chains and the first test\'s unpaid packet');
    const homePings = stack.pings.get(home.eid) as PingClient;
    const [real] = await homePings.send(remote2.eid);
    if (!real) throw new Error('no ping sent');
    await deliveries.waitFor([real.guid], 30_000);
    const realJob = (await courier.queue.getJob(deliverJobId(real.guid)))?.data as PacketJob;
    const realPacket = decodePacket(realJob.encodedPacket);
    const unpaidJob = (await courier.queue.getJob(deliverJobId(unpaidSpam)))?.data as PacketJob;

    // The allowlisted app's pathway: a packet it never sent (a later nonce, a message of the attacker's), named at
    // the real source transaction and at a made-up one; the real packet with its message altered.
    const neverSent = { ...realPacket, nonce: realPacket.nonce + 1_000n, message: `0x${'ab'.repeat(40)}` as Hex };
    const neverSentPacket = encodePacket({ ...neverSent, guid: packetGuid(neverSent) });
    const alteredPacket = encodePacket({ ...realPacket, message: `0x${'cd'.repeat(40)}` as Hex });
    const forgedPayment = { sendLibrary: home.layerZero.sendUln302, executor: { address: home.layerZero.executor, fee: '1000000000000000' }, dvns: [{ address: home.layerZero.dvn, fee: '1000000000000000' }] };
    const forged: { name: string; data: PacketJob }[] = [
      { name: 'never sent, at a real transaction', data: { ...realJob, guid: decodePacket(neverSentPacket).guid, nonce: neverSent.nonce.toString(), encodedPacket: neverSentPacket } },
      { name: 'never sent, at no transaction', data: { ...realJob, guid: decodePacket(neverSentPacket).guid, nonce: neverSent.nonce.toString(), encodedPacket: neverSentPacket, srcTxHash: keccak256('0x01') } },
      { name: 'message altered', data: { ...realJob, encodedPacket: alteredPacket } },
      { name: 'payment added to an unpaid packet', data: { ...unpaidJob, payment: forgedPayment } },
    ];
    const remote1Client = (stack.pings.get(remote1.eid) as PingClient).publicClient;
    const courierAddress = privateKeyToAccount(devnetKeys.couriers[0]).address;
    const remote1Before = await remote1Client.getBalance({ address: courierAddress });
    const refusedBefore = (await courier.ledger.refusalCounts()).forged ?? 0;

    await courier.queue.addBulk(forged.map(({ data }, index) => ({ name: 'deliver', data, opts: { jobId: `forged-${index}` } })));
    const outcomes = new Map<string, DeliveryOutcome>();
    await waitUntil(
      'every forged job finished',
      async () => {
        for (const [index, { name }] of forged.entries()) {
          const job = await courier.queue.getJob(`forged-${index}`);
          if (job && (await job.getState()) === 'completed') outcomes.set(name, job.returnvalue as DeliveryOutcome);
        }
        return outcomes.size === forged.length || `${outcomes.size} of ${forged.length}`;
      },
      30_000,
    );
    for (const { name } of forged) {
      const outcome = outcomes.get(name) as RefusalRecord & { status: string };
      expect({ name, status: outcome.status, reason: outcome.reason }).toEqual({ name, status: 'refused', reason: 'forged' });
    }
    expect(((await courier.ledger.refusalCounts()).forged ?? 0) - refusedBefore).toBe(forged.length);

    // Nothing of theirs is verified: our DVN's record in the receive library and the endpoint's inbound hash.
    for (const { name, data } of forged) {
      const packet = decodePacket(data.encodedPacket);
      const destination = stack.devnet.deployments.chains.find((chain) => chain.eid === packet.dstEid);
      if (!destination) throw new Error(`no chain ${packet.dstEid}`);
      const client = (stack.pings.get(destination.eid) as PingClient).publicClient;
      const [verified] = await client.readContract({ address: destination.layerZero.receiveUln302, abi: receiveUln302Abi, functionName: 'hashLookup', args: [keccak256(packet.header), packet.payloadHash, destination.layerZero.dvn] });
      const inbound = await client.readContract({
        address: destination.layerZero.endpoint,
        abi: endpointV2Abi,
        functionName: 'inboundPayloadHash',
        args: [bytes32ToAddress(packet.receiver), packet.srcEid, packet.sender, packet.nonce],
      });
      expect({ name, verified, inbound: inbound === packet.payloadHash }).toEqual({ name, verified: false, inbound: false });
    }
    // The unpaid packet's destination: the courier sent nothing there.
    expect(await remote1Client.getBalance({ address: courierAddress })).toBe(remote1Before);

    // Real packets still deliver, every step taken.
    const [after] = await homePings.send(remote2.eid);
    const [record] = await deliveries.waitFor([after?.guid as Hex], 30_000);
    expect(record?.status).toBe('delivered');
  });
});
