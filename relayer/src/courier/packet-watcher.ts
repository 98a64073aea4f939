// Follows one source chain's endpoint for PacketSent logs and queues a `deliver` job per packet
// (job id `deliver-<guid>`, so a packet is queued once however often it is seen), with what the source
// transaction paid our workers (its send library's ExecutorFeePaid / DVNFeePaid, read in the same
// getLogs). Polls over a block cursor kept in Redis, `confirmations` blocks behind the head: a restarted
// anvil or courier loses nothing, and no filter has to survive on the node. Paced as ingest is
// (../poll-pacing.ts): the range halves when a node refuses it and grows back, failed polls back off.
import { endpointV2Abi, sendUln302Abi } from '@ballast/abi';
import { bytes32ToAddress, decodePacket } from '@ballast/protocol';
import type { Queue } from 'bullmq';
import { type Address, type Log, getAbiItem, getAddress } from 'viem';
import type { ChainConnection, Chains } from '../chains.ts';
import type { Logger } from '../logging.ts';
import { AdaptiveLogRange, pollBackoffMs, shouldLogFailure } from '../poll-pacing.ts';
import { type CarriagePolicy, type PacketPayment, allowlistKey } from './carriage-policy.ts';
import type { PacketJob } from './deliver.ts';
import type { CourierLedger } from './ledger.ts';

const packetSent = getAbiItem({ abi: endpointV2Abi, name: 'PacketSent' });
const executorFeePaid = getAbiItem({ abi: sendUln302Abi, name: 'ExecutorFeePaid' });
const dvnFeePaid = getAbiItem({ abi: sendUln302Abi, name: 'DVNFeePaid' });

/** BullMQ priorities (lower runs first): allowlisted apps' packets before anyone else's. */
export const DELIVERY_PRIORITY = { allowlisted: 1, other: 5 } as const;

export type PacketWatcherOptions = {
  source: ChainConnection;
  chains: Chains;
  queue: Queue<PacketJob>;
  ledger: CourierLedger;
  logger: Logger;
  /** Which apps go first in the queue (the allowlist). */
  policy?: Pick<CarriagePolicy, 'allowlist'>;
  /** @defaultValue 100 */
  pollIntervalMs?: number;
  /** Largest getLogs range (halved after a failed getLogs, grown back after successes). @defaultValue 2_000 */
  maxBlockRange?: bigint;
  /** Longest wait after repeated failed polls. @defaultValue 10_000 */
  maxBackoffMs?: number;
};

/** The watcher's numbers, read by the courier role's metrics. */
export type PacketWatcherMetrics = {
  eid: number;
  /** Chain head at the last poll (0 before the first). */
  headBlock: number;
  /** Last block whose packets are queued (0 before the first). */
  cursorBlock: number;
  /** `headBlock - cursorBlock` at the last poll: how far behind the chain the watcher is, confirmations included. */
  lagBlocks: number;
  /** Polls that failed (RPC errors, a refused range) and were retried. */
  pollErrors: number;
  /** Failed polls in a row right now. */
  failingPolls: number;
  /** The getLogs range the next poll uses. */
  blockRange: number;
};

export function deliverJobId(guid: string): string {
  return `deliver-${guid}`;
}

export class PacketWatcher {
  readonly metrics: PacketWatcherMetrics;
  readonly #options: Required<Omit<PacketWatcherOptions, 'policy'>> & { policy: PacketWatcherOptions['policy'] };
  readonly #range: AdaptiveLogRange;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(options: PacketWatcherOptions) {
    this.#options = { pollIntervalMs: 100, maxBlockRange: 2_000n, maxBackoffMs: 10_000, ...options, policy: options.policy };
    this.#range = new AdaptiveLogRange(this.#options.maxBlockRange);
    this.metrics = { eid: options.source.deployment.eid, headBlock: 0, cursorBlock: 0, lagBlocks: 0, pollErrors: 0, failingPolls: 0, blockRange: Number(this.#range.current) };
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
    const { logger, pollIntervalMs, maxBackoffMs, source } = this.#options;
    const eid = source.deployment.eid;
    while (this.#running) {
      let wait = 0;
      try {
        const caughtUp = await this.poll();
        if (this.metrics.failingPolls > 0) logger.info({ eid, failedPolls: this.metrics.failingPolls }, 'packet watcher polls again');
        this.metrics.failingPolls = 0;
        if (caughtUp) wait = pollIntervalMs;
      } catch (error) {
        this.metrics.pollErrors += 1;
        this.metrics.failingPolls += 1;
        wait = pollBackoffMs(this.metrics.failingPolls, pollIntervalMs, maxBackoffMs);
        if (shouldLogFailure(this.metrics.failingPolls)) {
          logger.warn({ eid, attempt: this.metrics.failingPolls, blockRange: Number(this.#range.current), retryInMs: wait, err: error }, 'packet watcher poll failed; retrying (the cursor does not move)');
        }
      }
      if (wait > 0 && this.#running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
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
    const { source, chains, queue, ledger, logger, policy } = this.#options;
    const { eid, confirmations, startBlock, layerZero } = source.deployment;
    const head = await source.publicClient.getBlockNumber({ cacheTime: 0 });
    const safe = head - BigInt(confirmations);
    const stored = await ledger.cursor(eid);
    const cursor = stored ?? BigInt(startBlock) - 1n;
    this.#observe(head, cursor);
    if (safe <= cursor) return true;
    const toBlock = this.#range.end(cursor, safe);
    let logs: Log[];
    try {
      logs = await source.publicClient.getLogs({
        address: [layerZero.endpoint, layerZero.sendUln302],
        events: [packetSent, executorFeePaid, dvnFeePaid],
        fromBlock: cursor + 1n,
        toBlock,
        strict: true,
      });
      this.#range.succeeded();
    } catch (error) {
      this.#range.failed();
      throw error;
    } finally {
      this.metrics.blockRange = Number(this.#range.current);
    }
    const observedAt = Date.now();
    const jobs = [];
    for (const { log, payment } of packetsWithPayments(logs, layerZero.endpoint)) {
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
        payment,
      };
      const allowlisted = policy?.allowlist.has(allowlistKey(packet.srcEid, bytes32ToAddress(packet.sender))) ?? false;
      jobs.push({ name: 'deliver', data, opts: { jobId: deliverJobId(packet.guid), priority: allowlisted ? DELIVERY_PRIORITY.allowlisted : DELIVERY_PRIORITY.other } });
    }
    if (jobs.length > 0) await queue.addBulk(jobs);
    // Only from the cursor this poll read: if Redis lost its data meanwhile, the next poll starts over.
    if (!(await ledger.advanceCursor(eid, stored, toBlock))) return false;
    this.#observe(head, toBlock);
    if (jobs.length > 0) logger.debug({ eid, fromBlock: cursor + 1n, toBlock, packets: jobs.length }, 'queued packets');
    return toBlock === safe;
  }

  #observe(head: bigint, cursor: bigint): void {
    this.metrics.headBlock = Number(head);
    this.metrics.cursorBlock = Number(cursor);
    this.metrics.lagBlocks = Number(head - cursor);
  }
}

type PacketSentLog = Log<bigint, number, false, typeof packetSent, true>;

/**
 * Each PacketSent log with what its transaction paid for it. The send library emits ExecutorFeePaid and
 * then DVNFeePaid while the endpoint sends, before the endpoint's PacketSent: a packet's fee events are
 * those of its library between the previous PacketSent of the same transaction and its own.
 */
export function packetsWithPayments(logs: readonly Log[], endpoint: Address): { log: PacketSentLog; payment: PacketPayment }[] {
  const sorted = [...logs].sort((a, b) => (a.blockNumber === b.blockNumber ? (a.logIndex ?? 0) - (b.logIndex ?? 0) : a.blockNumber! < b.blockNumber! ? -1 : 1));
  const result: { log: PacketSentLog; payment: PacketPayment }[] = [];
  let pending: Log[] = [];
  let transaction: string | null = null;
  const endpointAddress = getAddress(endpoint);
  for (const log of sorted) {
    if (log.transactionHash !== transaction) {
      pending = [];
      transaction = log.transactionHash;
    }
    const named = log as Log & { eventName?: string; args?: Record<string, unknown> };
    if (named.eventName === 'PacketSent' && getAddress(log.address) === endpointAddress) {
      const sent = log as unknown as PacketSentLog;
      const library = getAddress(sent.args.sendLibrary);
      const fees = pending.filter((candidate) => getAddress(candidate.address) === library) as (Log & { eventName: string; args: Record<string, unknown> })[];
      const executor = fees.findLast((fee) => fee.eventName === 'ExecutorFeePaid');
      const dvn = fees.findLast((fee) => fee.eventName === 'DVNFeePaid');
      const payment: PacketPayment = { sendLibrary: library, dvns: [] };
      if (executor) payment.executor = { address: getAddress(executor.args.executor as Address), fee: String(executor.args.fee) };
      if (dvn) {
        const dvns = [...(dvn.args.requiredDVNs as Address[]), ...(dvn.args.optionalDVNs as Address[])];
        const paid = dvn.args.fees as bigint[];
        payment.dvns = dvns.map((address, index) => ({ address: getAddress(address), fee: String(paid[index] ?? 0n) }));
      }
      result.push({ log: sent, payment });
      pending = [];
    } else {
      pending.push(log);
    }
  }
  return result;
}
