// Errors the SDK raises itself, before any transaction: a client without an account asked to write,
// an input no contract would accept. Each says what to pass instead.
import { BallastError } from '@ballast/protocol/core';

/** A write was asked of a client created without an account. */
export class MissingAccountError extends BallastError {
  override name = 'MissingAccountError';
  constructor(action: string) {
    super(`${action} sends a transaction, but this Ballast client has no account. Pass \`account\` to createBallastClient.`, { docsPath: '../sdk/README.md#quick-start' });
  }
}

/** An argument no contract would accept (zero amount, unknown chain, …), caught before any transaction. */
export class InvalidInputError extends BallastError {
  override name = 'InvalidInputError';
  constructor(action: string, problem: string, meta?: Record<string, unknown>) {
    super(`${action}: ${problem}`, { meta });
  }
}

/** A message could not be found or waited for (unknown GUID, timeout). */
export class MessageTrackingError extends BallastError {
  override name = 'MessageTrackingError';
}

/** A read that cannot fail on a Ballast deployment failed: the address is not what the deployments file says. */
export class DeploymentReadError extends BallastError {
  override name = 'DeploymentReadError';
  constructor(what: string, chain: string, cause?: unknown) {
    super(`${what} failed on ${chain}: is the deployments file for this network, with Multicall3 where it says?`, { cause, docsPath: 'DEVNET.md#deployments-file' });
  }
}
