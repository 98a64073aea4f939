// pnpm bench (courier part): packet delivery on the devnet, measured, never asserted.
// - burst: 50 pings on each of the 6 pathways sent at once (300 packets): throughput, p50/p99 latency
//   from send to delivery.
// - paced: one ping at a time: the latency of an idle pipeline.
// - peer: the same packets delivered by calling `deliverPacket` directly as soon as the send
//   receipt is in (no log polling, no queue): the floor the courier is compared against, as a ratio.
// Writes the courier section of docs/BENCHMARKS.md.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot, devnetKeys } from '@ballast/devnet';
import { Chains, DvnSigners, PAID_ONLY_POLICY, deliverPacket, packetsWithPayments } from '@ballast/relayer';
import { endpointV2Abi, sendUln302Abi } from '@ballast/abi';
import { parseEventLogs } from 'viem';
import { DeliveryTracker, type PingClient, type SentPing, percentile } from '../support/pings.ts';
import { startStack } from '../support/stack.ts';

const BURST_PER_PATHWAY = 50;
const PACED = 40;

const stack = await startStack();
const { chains } = stack.devnet.deployments;
const client = (eid: number) => stack.pings.get(eid) as PingClient;
const pathways = chains.flatMap((source) => chains.filter((destination) => destination !== source).map((destination) => [source.eid, destination.eid] as const));
const results: string[] = [];
const line = (text: string) => {
  process.stdout.write(`${text}\n`);
  results.push(text);
};

try {
  // Peer first, with no courier running: deliver each packet by calling the delivery function directly.
  const direct = new Chains(stack.devnet.deployments, { transactorKey: devnetKeys.couriers[2] });
  const signers = new DvnSigners([devnetKeys.dvnSigner]);
  const peerLatencies: number[] = [];
  for (let index = 0; index < PACED; index++) {
    const [source, destination] = pathways[index % pathways.length] as readonly [number, number];
    const [ping] = (await client(source).send(destination)) as [SentPing];
    const receipt = await client(source).publicClient.getTransactionReceipt({ hash: ping.txHash });
    const [sent] = packetsWithPayments(parseEventLogs({ abi: [...endpointV2Abi, ...sendUln302Abi], logs: receipt.logs }), direct.get(source).deployment.layerZero.endpoint);
    if (!sent) throw new Error('no PacketSent');
    const { log, payment } = sent;
    await deliverPacket(
      { chains: direct, signers, policy: PAID_ONLY_POLICY },
      {
        guid: ping.guid,
        srcEid: source,
        dstEid: destination,
        nonce: '0',
        encodedPacket: log.args.encodedPayload,
        options: log.args.options,
        srcTxHash: ping.txHash,
        srcBlock: receipt.blockNumber.toString(),
        observedAt: Date.now(),
        payment,
      },
    );
    peerLatencies.push(Date.now() - ping.sentAt);
  }

  const courier = stack.courier();
  const tracker = new DeliveryTracker(courier);
  courier.start();

  const pacedLatencies: number[] = [];
  for (let index = 0; index < PACED; index++) {
    const [source, destination] = pathways[index % pathways.length] as readonly [number, number];
    const [ping] = (await client(source).send(destination)) as [SentPing];
    const [record] = await tracker.waitFor([ping.guid], 30_000);
    pacedLatencies.push((record?.deliveredAt ?? Number.NaN) - ping.sentAt);
  }

  const burstStart = Date.now();
  const sent = (await Promise.all(pathways.map(([source, destination]) => client(source).send(destination, BURST_PER_PATHWAY)))).flat();
  const records = await tracker.waitFor(sent.map((ping) => ping.guid), 300_000);
  const burstSeconds = (Math.max(...records.map((record) => record.deliveredAt)) - burstStart) / 1_000;
  const sentAt = new Map(sent.map((ping) => [ping.guid, ping.sentAt]));
  const burstLatencies = records.map((record) => record.deliveredAt - (sentAt.get(record.guid) as number));
  await courier.stop();

  const ms = (values: number[], p: number) => `${percentile(values, p)} ms`;
  line(`| run | packets | p50 | p99 | throughput |`);
  line(`| --- | --- | --- | --- | --- |`);
  line(`| peer: direct \`deliverPacket\` after the send receipt, one at a time | ${PACED} | ${ms(peerLatencies, 50)} | ${ms(peerLatencies, 99)} | — |`);
  line(`| courier, paced (one packet in flight) | ${PACED} | ${ms(pacedLatencies, 50)} | ${ms(pacedLatencies, 99)} | — |`);
  line(`| courier, burst (${BURST_PER_PATHWAY} on each of ${pathways.length} pathways at once) | ${records.length} | ${ms(burstLatencies, 50)} | ${ms(burstLatencies, 99)} | ${(records.length / burstSeconds).toFixed(1)} packets/s |`);
  line('');
  line(`Paced courier p50 / direct-delivery p50 = **${(percentile(pacedLatencies, 50) / percentile(peerLatencies, 50)).toFixed(2)}×** (the cost of log polling every 100 ms and the queue hop).`);

  const path = join(repoRoot, 'docs', 'BENCHMARKS.md');
  const begin = '<!-- courier:begin -->';
  const end = '<!-- courier:end -->';
  const current = await readFile(path, 'utf8').catch(() => `# Benchmarks\n\n${begin}\n${end}\n`);
  const section = `${begin}\n_Measured ${new Date().toISOString().slice(0, 10)} by \`pnpm bench\` on this repo's 2-core machine (3 anvil chains, local Redis)._\n\n${results.join('\n')}\n${end}`;
  const updated = current.includes(begin) ? current.replace(new RegExp(`${begin}[\\s\\S]*${end}`), section) : `${current.trimEnd()}\n\n${section}\n`;
  await writeFile(path, updated);
  process.stdout.write(`wrote ${path}\n`);
} finally {
  await stack.stop();
}
