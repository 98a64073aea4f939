// What a message-sending write cost, read from the chain: the fee the LayerZero send library charged in
// the transaction (its executor's and DVNs' fee events) and the payer's balance before and after the block.
import { sendUln302Abi } from '@ballast/abi';
import { parseEventLogs } from 'viem';
import { expect } from 'vitest';
import type { BallastClient } from '../src/createBallastClient.ts';
import type { WriteReturnType } from '../src/messages/send.ts';

/** The fee the send library charged in `result`'s transaction: its executor's and its DVNs' (the devnet has no treasury fee). */
export function chargedFee(result: WriteReturnType): bigint {
  let total = 0n;
  for (const log of parseEventLogs({ abi: sendUln302Abi, logs: result.receipt.logs })) {
    if (log.eventName === 'ExecutorFeePaid') total += log.args.fee;
    if (log.eventName === 'DVNFeePaid') total += log.args.fees.reduce((sum, fee) => sum + fee, 0n);
  }
  return total;
}

/**
 * Asserts that the endpoint charged exactly `quoted` for `result`'s messages and that the caller paid gas +
 * `quoted` and nothing more, having sent `paid` (more than `quoted` when the case is a refund).
 */
export async function expectPaidQuote(client: BallastClient, result: WriteReturnType, quoted: bigint, paid = quoted): Promise<void> {
  expect(result.messages.length).toBeGreaterThan(0);
  expect(quoted).toBeGreaterThan(0n);
  expect(chargedFee(result)).toBe(quoted);
  const { publicClient } = client.ballast.chains.get(result.eid) ?? client.ballast.home;
  const { receipt } = result;
  expect((await publicClient.getTransaction({ hash: result.transactionHash })).value).toBe(paid);
  const [before, after] = await Promise.all([
    publicClient.getBalance({ address: receipt.from, blockNumber: receipt.blockNumber - 1n }),
    publicClient.getBalance({ address: receipt.from, blockNumber: receipt.blockNumber }),
  ]);
  expect(before - receipt.gasUsed * receipt.effectiveGasPrice - quoted).toBe(after);
}

