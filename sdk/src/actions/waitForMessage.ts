// waitForMessage: polls a message's status until it is delivered, telling each change to `onStatus`,
// and returns the delivered message with what it did on arrival. Works with no relayer watching: it only
// reads the chains (delivery itself needs an executor, or `retryMessage`).
import type { BallastBaseClient } from '../client.ts';
import { MessageTrackingError } from '../errors/client.ts';
import { type GetMessageParameters, type GetMessageReturnType, type MessageStatus, getMessage } from './getMessage.ts';

export type WaitForMessageParameters = GetMessageParameters & {
  /** Milliseconds to wait before giving up. @defaultValue 60_000 */
  timeout?: number;
  /** Called with the message whenever its status changes (the first reading included). */
  onStatus?: (message: GetMessageReturnType) => void;
  /** Milliseconds between reads. @defaultValue the client's pollingInterval */
  pollingInterval?: number;
};

export type WaitForMessageReturnType = GetMessageReturnType & { status: 'DELIVERED' };

/**
 * Waits until message `guid` is DELIVERED; throws `MessageTrackingError` with its last status after `timeout`.
 *
 * @example
 * const delivered = await client.waitForMessage({ guid, transactionHash, timeout: 30_000, onStatus: (m) => console.log(m.status) });
 * delivered.arrival; // e.g. [{ eventName: 'CreditGranted', … }]
 */
export async function waitForMessage(client: BallastBaseClient, parameters: WaitForMessageParameters): Promise<WaitForMessageReturnType> {
  const { timeout = 60_000, onStatus, pollingInterval = client.pollingInterval, ...locator } = parameters;
  const deadline = Date.now() + timeout;
  let last: MessageStatus | undefined;
  let lastMessage: GetMessageReturnType | undefined;
  // The packet's origin does not change: find it once, then only read the destination.
  for (;;) {
    const message = await getMessage(client, lastMessage ? { ...locator, srcEid: lastMessage.srcEid, transactionHash: lastMessage.sentIn } : locator);
    lastMessage = message;
    if (message.status !== last) {
      last = message.status;
      onStatus?.(message);
    }
    if (message.status === 'DELIVERED') return message as WaitForMessageReturnType;
    if (Date.now() >= deadline) {
      throw new MessageTrackingError(`Message ${parameters.guid} was not delivered within ${timeout} ms: it is ${message.status}.`, {
        details: message.revert ? `Executing it reverts: ${message.revert.message}` : 'Is an executor (the relayer) running for this pathway? retryMessage executes a verified message yourself.',
        meta: { status: message.status },
      });
    }
    await new Promise((resolve) => setTimeout(resolve, pollingInterval));
  }
}
