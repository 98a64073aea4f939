// The approval a write needs before a contract pulls tokens (a deposit into the vault, a repay into a
// pool): sent only when the allowance is short, simulated first like every write.
import { type Address, type Hash, erc20Abi } from 'viem';
import { type BallastBaseClient, connectionOf, walletOn } from '../client.ts';
import { withBallastErrors } from '../errors/contract.ts';
import { sendSimulated } from '../messages/send.ts';
import { requireAccount } from './validate.ts';

/** Approves `spender` for `amount` of `token` on chain `eid` unless the allowance covers it; the approval's hash, if one was sent. */
export async function approveIfShort(client: BallastBaseClient, eid: number, action: string, { token, spender, amount }: { token: Address; spender: Address; amount: bigint }): Promise<Hash | undefined> {
  const owner = requireAccount(client, action);
  const { publicClient } = connectionOf(client, eid);
  const allowance = await publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'allowance', args: [owner, spender] });
  if (allowance >= amount) return undefined;
  const wallet = walletOn(client, eid, action);
  const { request } = await withBallastErrors(() => publicClient.simulateContract({ address: token, abi: erc20Abi, functionName: 'approve', args: [spender, amount], account: wallet.account }));
  return (await sendSimulated(client, eid, `${action} (approve)`, () => wallet.writeContract(request))).transactionHash;
}
