// A devnet for the SDK's suites: the test stack (Redis, three anvil chains with LayerZero, PingOApp)
// with Ballast deployed on it, and the courier started unless a suite starts its own.
import { type BallastDevnetOptions, deployBallast } from '@ballast/devnet';
import { type Stack, startStack } from '../../test/support/stack.ts';

/** Starts the stack, deploys Ballast with `ballast` options, and starts a courier unless `courier` is false. */
export async function startBallastStack({ ballast, courier = true }: { ballast?: BallastDevnetOptions; courier?: boolean } = {}): Promise<Stack> {
  const stack = await startStack();
  try {
    await deployBallast(stack.devnet, ballast);
    if (courier) stack.courier().start();
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}
