// The courier as a DVN: signs `ReceiveUln302.verify(header, payloadHash, confirmations)` with the
// DVN's signer keys and submits it through the production `DVN.execute`, which checks the quorum
// and calls the receive library (so the ULN records the DVN contract as the verifier).
import { dvnAbi, receiveUln302Abi } from '@ballast/abi';
import type { DecodedPacket } from '@ballast/protocol';
import { type Hex, concat, encodeFunctionData, encodePacked, keccak256, parseEventLogs } from 'viem';
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import type { ChainConnection } from '../chains.ts';
import { VerificationFailedError } from './errors.ts';

/** Seconds a signed verification stays valid. */
const SIGNATURE_LIFETIME_SECONDS = 3_600n;

export class DvnSigners {
  readonly #accounts: PrivateKeyAccount[];

  constructor(keys: Hex[]) {
    // The DVN wants signatures ordered by signer address, ascending.
    this.#accounts = keys.map((key) => privateKeyToAccount(key)).sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  }

  async sign(hash: Hex, quorum: number): Promise<Hex> {
    const signatures = await Promise.all(this.#accounts.slice(0, quorum).map((account) => account.signMessage({ message: { raw: hash } })));
    return concat(signatures);
  }
}

/** Submits our DVN's verification of `packet` on `destination`; returns the transaction hash. */
export async function verifyAsDvn(destination: ChainConnection, packet: DecodedPacket, confirmations: number, signers: DvnSigners): Promise<Hex> {
  const { receiveUln302, dvn, dvnVid, dvnQuorum } = destination.deployment.layerZero;
  const callData = encodeFunctionData({ abi: receiveUln302Abi, functionName: 'verify', args: [packet.header, packet.payloadHash, BigInt(confirmations)] });
  const expiration = BigInt(Math.floor(Date.now() / 1000)) + SIGNATURE_LIFETIME_SECONDS;
  const hash = keccak256(encodePacked(['uint32', 'address', 'uint256', 'bytes'], [dvnVid, receiveUln302, expiration, callData]));
  const signatures = await signers.sign(hash, dvnQuorum);
  const data = encodeFunctionData({ abi: dvnAbi, functionName: 'execute', args: [[{ vid: dvnVid, target: receiveUln302, callData, expiration, signatures }]] });
  const receipt = await destination.sender.send({ to: dvn, data }, `DVN.execute(verify ${packet.guid})`);
  // DVN.execute never reverts for a bad instruction: it emits an event and carries on.
  const problems = parseEventLogs({ abi: dvnAbi, logs: receipt.logs, eventName: ['ExecuteFailed', 'VerifySignaturesFailed'] });
  if (problems.length > 0) {
    throw new VerificationFailedError(`DVN on chain ${destination.chain.id} refused to verify packet ${packet.guid}: ${problems[0]?.eventName}.`, {
      details: 'Check that the courier key is a DVN admin and the signer key is in the DVN committee (devnet: `pnpm devnet` sets both).',
      meta: { tx: receipt.transactionHash },
    });
  }
  return receipt.transactionHash;
}
