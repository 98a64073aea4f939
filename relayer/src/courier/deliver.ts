// Carries one packet to its destination: verify as the DVN, commit the verification, execute
// `lzReceive` with the gas and value the options paid for — each only in the roles the carriage policy
// grants (./carriage-policy.ts: paid or allowlisted, within the caps). The job is checked against its
// source transaction's receipt first (./source-evidence.ts): its options and payment are the receipt's,
// and a packet the source chain did not send is refused as forged. Each step first reads where the
// packet stands, so a repeated job (restart, second courier) does only what is left, and an executed
// packet is done.
import { endpointV2Abi, receiveUln302Abi } from '@ballast/abi';
import { type DecodedPacket, OptionsDecodeError, bytes32ToAddress, decodePacket, executionBudget } from '@ballast/protocol';
import { readInboundState } from '@ballast/sdk';
import { type Hash, type Hex, encodeFunctionData } from 'viem';
import type { ChainConnection, Chains } from '../chains.ts';
import { revertReason } from '../revert-reason.ts';
import { type CarriagePolicy, DEFAULT_DELIVERY_CAPS, type PacketPayment, type RefusalReason, judgeCarriage } from './carriage-policy.ts';
import { type DvnSigners, verifyAsDvn } from './dvn.ts';
import { AwaitingVerificationError, DeliveryRevertedError, PayloadConflictError } from './errors.ts';
import { readSourceEvidence } from './source-evidence.ts';

/**
 * Gas added to the options' lzReceive gas for the transaction itself: intrinsic cost, calldata and
 * the endpoint's own bookkeeping (clearing the payload hash, the PacketDelivered event).
 */
export const EXECUTION_OVERHEAD_GAS = 60_000n;

/** A packet seen on its source chain: the `deliver` job's data. */
export type PacketJob = {
  guid: Hex;
  srcEid: number;
  dstEid: number;
  /** Decimal string (JSON has no bigint). */
  nonce: string;
  encodedPacket: Hex;
  options: Hex;
  srcTxHash: Hash;
  srcBlock: string;
  /** Wall-clock ms when the courier saw the PacketSent log. */
  observedAt: number;
  /**
   * What the source transaction paid our workers, as the watcher read it. Never trusted: the courier reads
   * the payment again from the source receipt, and a job whose record differs from it is refused as forged.
   */
  payment?: PacketPayment;
};

export type DeliveryStep = 'verify' | 'commit' | 'execute';

export type DeliveryRecord = {
  guid: Hex;
  srcEid: number;
  dstEid: number;
  nonce: string;
  srcTxHash: Hash;
  /** The `lzReceive` transaction; undefined when another courier executed it, or when we are only its DVN. */
  dstTxHash: Hash | undefined;
  /** `verified`: we were paid as its DVN only; our verification is on the destination and its executor does the rest. */
  status: 'delivered' | 'already-delivered' | 'verified';
  steps: DeliveryStep[];
  observedAt: number;
  deliveredAt: number;
};

/** A packet the courier will not carry (not paid, or past a cap): kept in the ledger, never retried by itself. */
export type RefusalRecord = {
  guid: Hex;
  srcEid: number;
  dstEid: number;
  nonce: string;
  sender: Hex;
  srcTxHash: Hash;
  reason: RefusalReason;
  detail: string;
  refusedAt: number;
};

export type DeliverResult =
  | { kind: 'done'; record: DeliveryRecord }
  | { kind: 'refused'; record: RefusalRecord }
  /** An earlier nonce on the same path is not verified yet: try again shortly, without counting a failure. */
  | { kind: 'wait'; reason: string };

export type DeliverContext = { chains: Chains; signers: DvnSigners; policy: CarriagePolicy };

/** Carries nothing unpaid, and nothing over the default caps (tests and tools that build a context by hand). */
export const PAID_ONLY_POLICY: CarriagePolicy = { allowlist: new Set(), caps: new Map(), defaultCaps: DEFAULT_DELIVERY_CAPS };

export async function deliverPacket({ chains, signers, policy }: DeliverContext, job: PacketJob): Promise<DeliverResult> {
  const packet = decodePacket(job.encodedPacket);
  const source = chains.get(packet.srcEid);
  const destination = chains.get(packet.dstEid);
  const confirmations = source.deployment.confirmations;
  const sender = bytes32ToAddress(packet.sender);
  const { layerZero } = source.deployment;
  const refuse = (reason: RefusalReason, detail: string): DeliverResult => ({
    kind: 'refused',
    record: { guid: packet.guid, srcEid: packet.srcEid, dstEid: packet.dstEid, nonce: packet.nonce.toString(), sender, srcTxHash: job.srcTxHash, reason, detail, refusedAt: Date.now() },
  });
  // The source receipt and the destination's state at once: the check adds a round trip to neither.
  const [evidence, initialState] = await Promise.all([readSourceEvidence(source, job), readInboundState(destination, packet)]);
  if (evidence.kind === 'forged') return refuse('forged', evidence.detail);
  if (evidence.kind === 'unconfirmed') return { kind: 'wait', reason: evidence.reason };
  let budget: { gas: bigint; value: bigint };
  try {
    budget = executionBudget(evidence.options);
  } catch (error) {
    if (!(error instanceof OptionsDecodeError)) throw error;
    // Options we cannot read cannot be priced or capped: never carried.
    return refuse('bad-options', error.message);
  }
  const decision = judgeCarriage({
    policy,
    srcEid: packet.srcEid,
    dstEid: packet.dstEid,
    sender,
    budget,
    payment: evidence.payment,
    workers: { sendLibrary: layerZero.sendUln302, executor: layerZero.executor, dvn: layerZero.dvn },
  });
  if (decision.kind === 'refuse') return refuse(decision.reason, decision.detail);
  const steps: DeliveryStep[] = [];
  const done = (dstTxHash: Hash | undefined, status?: DeliveryRecord['status']): DeliverResult => ({
    kind: 'done',
    record: {
      guid: packet.guid,
      srcEid: packet.srcEid,
      dstEid: packet.dstEid,
      nonce: packet.nonce.toString(),
      srcTxHash: job.srcTxHash,
      dstTxHash,
      status: status ?? (dstTxHash ? 'delivered' : 'already-delivered'),
      steps,
      observedAt: job.observedAt,
      deliveredAt: Date.now(),
    },
  });

  let state = initialState;
  if (state.kind === 'executed') return done(undefined);
  if (state.kind === 'conflict') {
    throw new PayloadConflictError(`Nonce ${packet.nonce} from eid ${packet.srcEid} already holds another payload (${state.storedHash}).`, {
      details: 'A conflicting payload was verified for this nonce; see the runbook for stuck messages.',
      docsPath: 'DEVNET.md#failed-deliveries',
    });
  }
  if (state.kind === 'unverified') {
    if (!state.dvnSubmitted && decision.verify) {
      await verifyAsDvn(destination, packet, confirmations, signers);
      steps.push('verify');
    }
    // Paid as its DVN only: committing and executing are its executor's work (and cost).
    if (!decision.execute) return done(undefined, 'verified');
    try {
      await commitVerification(destination, packet);
    } catch (error) {
      // Executor only: the app's other DVNs have not all verified yet.
      if (!decision.verify) throw new AwaitingVerificationError(packet.guid, error);
      throw error;
    }
    steps.push('commit');
    state = await readInboundState(destination, packet);
    if (state.kind === 'executed') return done(undefined);
  }
  if (state.kind !== 'verified') throw new PayloadConflictError(`Packet ${packet.guid} is ${state.kind} right after its commit.`);
  if (!decision.execute) return done(undefined, 'verified');
  if (!state.executable) return { kind: 'wait', reason: `an earlier nonce than ${packet.nonce} from eid ${packet.srcEid} is not verified yet` };
  const dstTxHash = await execute(destination, packet, evidence.options);
  steps.push('execute');
  return done(dstTxHash);
}

async function commitVerification(destination: ChainConnection, packet: DecodedPacket): Promise<void> {
  const { receiveUln302 } = destination.deployment.layerZero;
  const data = encodeFunctionData({ abi: receiveUln302Abi, functionName: 'commitVerification', args: [packet.header, packet.payloadHash] });
  await destination.sender.send({ to: receiveUln302, data }, `commitVerification(${packet.guid})`);
}

async function execute(destination: ChainConnection, packet: DecodedPacket, options: Hex): Promise<Hash> {
  const { endpoint } = destination.deployment.layerZero;
  const budget = executionBudget(options);
  const receiver = bytes32ToAddress(packet.receiver);
  const origin = { srcEid: packet.srcEid, sender: packet.sender, nonce: packet.nonce };
  const args = [origin, receiver, packet.guid, packet.message, '0x'] as const;
  // Simulate first: a revert comes back with its data, which the receipt would not carry.
  try {
    await destination.publicClient.simulateContract({
      address: endpoint,
      abi: endpointV2Abi,
      functionName: 'lzReceive',
      args,
      value: budget.value,
      gas: budget.gas + EXECUTION_OVERHEAD_GAS,
      account: destination.sender.account,
    });
  } catch (error) {
    throw new DeliveryRevertedError(packet.guid, revertReason(error), error);
  }
  const data = encodeFunctionData({ abi: endpointV2Abi, functionName: 'lzReceive', args });
  try {
    const receipt = await destination.sender.send(
      { to: endpoint, data, value: budget.value, gas: budget.gas + EXECUTION_OVERHEAD_GAS },
      `lzReceive(${packet.guid})`,
    );
    return receipt.transactionHash;
  } catch (error) {
    throw new DeliveryRevertedError(packet.guid, revertReason(error), error);
  }
}
