// What can go wrong while carrying a packet, and whether to retry. A delivery that reverts on the
// destination is retried with backoff and listed as a failure until it lands; nothing is dropped.
import { BallastError } from '@ballast/protocol';
import type { Hex } from 'viem';

/** The destination's `lzReceive` reverted; the payload stays verified on the endpoint. Retried. */
export class DeliveryRevertedError extends BallastError {
  override name = 'DeliveryRevertedError';
  readonly reason: string;
  constructor(guid: Hex, reason: string, cause?: unknown) {
    super(`Packet ${guid} reverted on the destination: ${reason}. It stays verified on the endpoint; the courier retries with backoff.`, {
      docsPath: 'DEVNET.md#failed-deliveries',
      cause,
    });
    this.reason = reason;
  }
}

/** The DVN's `execute` did not record the verification (bad signature, expired, or the ULN refused). Retried. */
export class VerificationFailedError extends BallastError {
  override name = 'VerificationFailedError';
}

/** A different payload is already verified for this packet's nonce: never overwrite, needs an operator. */
export class PayloadConflictError extends BallastError {
  override name = 'PayloadConflictError';
}

/** We execute this packet (paid as its Executor) but its DVNs have not all verified it yet: retried with backoff. */
export class AwaitingVerificationError extends BallastError {
  override name = 'AwaitingVerificationError';
  constructor(guid: Hex, cause?: unknown) {
    super(`Packet ${guid} cannot be committed yet: its DVNs have not all verified it. The courier retries with backoff.`, {
      details: 'We were paid as its Executor, not as its DVN; if it never verifies, check the app\'s DVN configuration.',
      docsPath: 'OPERATIONS.md#executor-and-dvn-policy',
      cause,
    });
  }
}
