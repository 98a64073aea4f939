// Follows one source chain's endpoint for PacketSent logs and queues a `deliver` job per packet
// (job id `deliver-<guid>`, so a packet is queued once however often it is seen). Polls getLogs
// over a block cursor kept in Redis, `confirmations` blocks behind the head: a restarted anvil or a
// restarted courier loses nothing, and no filter has to survive on the node.
import { endpointV2Abi } from '@ballast/abi';
import { decodePacket } from '@ballast/protocol';
import type { Queue } from 'bullmq';
import { getAbiItem } from 'viem';
import type { ChainConnection, Chains } from '../chains.ts';
import type { Logger } from '../logging.ts';
import type { PacketJob } from './deliver.ts';
import type { CourierLedger } from './ledger.ts';

const packetSent = getAbiItem({ abi: endpointV2Abi, name: 'PacketSent' });

export type PacketWatcherOptions = {
  source: ChainConnection;
  chains: Chains;
  queue: Queue<PacketJob>;
  ledger: CourierLedger;
  logger: Logger;
  /** @defaultValue 100 */
  pollIntervalMs?: number;
  /** Largest getLogs range. @defaultValue 2_000 */
  maxBlockRange?: bigint;
};

export function deliverJobId(guid: string): string {
  return `deliver-${guid}`;
}

export class PacketWatcher {
  readonly #options: Required<PacketWatcherOptions>;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(options: PacketWatcherOptions) {
    this.#options = { pollIntervalMs: 100, maxBlockRange: 2_000n, ...options };
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { logger, pollIntervalMs, source } = this.#options;
    while (this.#running) {
      let caughtUp = true;
      try {
        caughtUp = await this.poll();
      } catch (error) {
        logger.warn({ eid: source.deployment.eid, err: error }, 'packet watcher poll failed; retrying');
      }
      if (caughtUp && this.#running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollIntervalMs);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }

  /** Queues the packets of the next block range; returns true when the cursor reached the safe head. */
  async poll(): Promise<boolean> {
    const { source, chains, queue, ledger, logger, maxBlockRange } = this.#options;
    const { eid, confirmations, startBlock, layerZero } = source.deployment;
    const head = await source.publicClient.getBlockNumber({ cacheTime: 0 });
    const safe = head - BigInt(confirmations);
    const stored = await ledger.cursor(eid);
    const cursor = stored ?? BigInt(startBlock) - 1n;
    if (safe <= cursor) return true;
    const toBlock = safe < cursor + maxBlockRange ? safe : cursor + maxBlockRange;
    const logs = await source.publicClient.getLogs({ address: layerZero.endpoint, event: packetSent, fromBlock: cursor + 1n, toBlock, strict: true });
    const observedAt = Date.now();
    const jobs = [];
    for (const log of logs) {
      const packet = decodePacket(log.args.encodedPayload);
      if (!chains.has(packet.dstEid)) {
        logger.warn({ guid: packet.guid, srcEid: eid, dstEid: packet.dstEid }, 'packet to a chain outside the deployments; not carried');
        continue;
      }
      const data: PacketJob = {
        guid: packet.guid,
        srcEid: packet.srcEid,
        dstEid: packet.dstEid,
        nonce: packet.nonce.toString(),
        encodedPacket: log.args.encodedPayload,
        options: log.args.options,
        srcTxHash: log.transactionHash,
        srcBlock: log.blockNumber.toString(),
        observedAt,
      };
      jobs.push({ name: 'deliver', data, opts: { jobId: deliverJobId(packet.guid) } });
    }
    if (jobs.length > 0) await queue.addBulk(jobs);
    // Only from the cursor this poll read: if Redis lost its data meanwhile, the next poll starts over.
    if (!(await ledger.advanceCursor(eid, stored, toBlock))) return false;
    if (jobs.length > 0) logger.debug({ eid, fromBlock: cursor + 1n, toBlock, packets: jobs.length }, 'queued packets');
    return toBlock === safe;
  }
}
