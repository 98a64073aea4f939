// What the source chain says was sent, read again before the courier signs or pays for a packet: a
// `deliver` job is only what someone wrote into Redis, and anyone who can write there could otherwise get
// a forged packet verified by our DVN (ARCHITECTURE §8, "one verifier is no verifier"). One receipt read:
// the job's packet must be a `PacketSent` of the source endpoint in its source transaction, confirmed,
// and what was paid comes from that receipt, never from the job.
import { endpointV2Abi, sendUln302Abi } from '@ballast/abi';
import { TransactionReceiptNotFoundError, type Hex, type TransactionReceipt, getAbiItem, parseEventLogs } from 'viem';
import type { ChainConnection } from '../chains.ts';
import type { PacketPayment } from './carriage-policy.ts';
import type { PacketJob } from './deliver.ts';
import { packetsWithPayments } from './packet-watcher.ts';

const SOURCE_EVENTS = [
  getAbiItem({ abi: endpointV2Abi, name: 'PacketSent' }),
  getAbiItem({ abi: sendUln302Abi, name: 'ExecutorFeePaid' }),
  getAbiItem({ abi: sendUln302Abi, name: 'DVNFeePaid' }),
];

export type SourceEvidence =
  /** The packet was sent as the job says: carry it by these options and this payment (both from the receipt). */
  | { kind: 'sent'; options: Hex; payment: PacketPayment; block: bigint }
  /** The job does not match the source chain: refuse it for good. */
  | { kind: 'forged'; detail: string }
  /** Sent, but with fewer confirmations than the DVN signs for: try again shortly. */
  | { kind: 'unconfirmed'; reason: string };

/**
 * Checks `job` against its source transaction's receipt on `source`: a successful transaction holding a
 * `PacketSent` of the source endpoint whose `encodedPayload` is byte-equal to the job's packet, at least
 * `confirmations` blocks deep. A job that also carries a payment record must carry the receipt's: a
 * different one was written by someone other than a packet watcher.
 */
export async function readSourceEvidence(source: ChainConnection, job: PacketJob): Promise<SourceEvidence> {
  const { endpoint } = source.deployment.layerZero;
  let receipt: TransactionReceipt;
  try {
    receipt = await source.publicClient.getTransactionReceipt({ hash: job.srcTxHash });
  } catch (error) {
    if (error instanceof TransactionReceiptNotFoundError) return { kind: 'forged', detail: `source transaction ${job.srcTxHash} is not on eid ${source.deployment.eid}` };
    throw error;
  }
  if (receipt.status !== 'success') return { kind: 'forged', detail: `source transaction ${job.srcTxHash} reverted: it sent no packet` };
  const logs = parseEventLogs({ abi: SOURCE_EVENTS, logs: receipt.logs });
  const packet = job.encodedPacket.toLowerCase();
  const sent = packetsWithPayments(logs, endpoint).find(({ log }) => log.args.encodedPayload.toLowerCase() === packet);
  if (!sent) return { kind: 'forged', detail: `source transaction ${job.srcTxHash} sent no such packet from the endpoint ${endpoint}` };
  if (job.payment !== undefined && paymentKey(job.payment) !== paymentKey(sent.payment)) {
    return { kind: 'forged', detail: `the job's payment record differs from what source transaction ${job.srcTxHash} paid` };
  }
  const { confirmations } = source.deployment;
  // The watcher queues only confirmed packets, but a job written by hand may name a fresh transaction.
  const head = confirmations > 0 ? await source.publicClient.getBlockNumber() : receipt.blockNumber;
  if (head - receipt.blockNumber < BigInt(confirmations)) {
    return { kind: 'unconfirmed', reason: `source block ${receipt.blockNumber} has ${head - receipt.blockNumber} of its ${confirmations} confirmations` };
  }
  return { kind: 'sent', options: sent.log.args.options, payment: sent.payment, block: receipt.blockNumber };
}

function paymentKey(payment: PacketPayment): string {
  // A fee that is not a decimal number cannot be the watcher's (it writes String(bigint)): kept as written, it cannot match.
  const fee = (value: string) => (/^[0-9]+$/.test(value) ? BigInt(value).toString() : `?${value}`);
  const worker = (entry: { address: string; fee: string } | undefined) => (entry ? `${String(entry.address).toLowerCase()}=${fee(String(entry.fee))}` : '');
  return [String(payment.sendLibrary).toLowerCase(), worker(payment.executor), ...(payment.dvns ?? []).map(worker)].join(',');
}
