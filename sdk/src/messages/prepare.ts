// The first half of every message-sending write: the checked, quoted and simulated call, ready to sign.
// The SDK's own writes send it with `sendPrepared` (the client's wallet, then `sendSimulated`); a caller
// with its own transactor (the relayer's keeper: nonces, replacement, funds) sends `to`, `data` and
// `value` itself and reads the GUIDs from its receipt with `sentMessages`. Nothing here signs.
import { type Abi, type Account, type Address, type Hex, encodeFunctionData } from 'viem';
import { type BallastBaseClient, walletOn } from '../client.ts';
import { MissingAccountError } from '../errors/client.ts';
import { type WriteReturnType, sendSimulated } from './send.ts';

/** A write that passed its checks and its simulation: what to sign, on which chain, and the fee it pays. */
export type PreparedWrite = {
  /** The action's name, for errors and logs. */
  action: string;
  /** The chain to send it on. */
  eid: number;
  /** The contract called. */
  to: Address;
  /** The call, encoded with the typed ABI the simulation used. */
  data: Hex;
  /** `msg.value`: the quoted LayerZero fee (0n for a write that sends no message). */
  value: bigint;
  /** The account the simulation ran as: the one that must sign it. */
  from: Address;
};

/** A simulation's request, as viem's `simulateContract` returns it (typed at the call site, read here only to encode). */
type SimulatedRequest = { address: Address; abi: Abi; functionName: string; args?: readonly unknown[] | undefined; value?: bigint | undefined; account?: Account | Address | undefined };

/** The account a write's simulation runs as: the client's; throws `MissingAccountError` for a read-only client. */
export function simulationAccount(client: BallastBaseClient, action: string): Account {
  const account = client.ballast.account;
  if (!account) throw new MissingAccountError(action);
  return account;
}

/** Wraps a simulation's request as a `PreparedWrite` on chain `eid`. */
export function preparedWrite(action: string, eid: number, request: SimulatedRequest): PreparedWrite {
  const { address, abi, functionName, args, value, account } = request;
  if (!account) throw new MissingAccountError(action);
  return {
    action,
    eid,
    to: address,
    data: encodeFunctionData({ abi, functionName, args }),
    value: value ?? 0n,
    from: typeof account === 'string' ? account : account.address,
  };
}

/**
 * Signs `prepared` with the client's wallet on its chain, waits for the receipt and returns the messages it
 * sent (`sendSimulated`). A revert comes back as a `BallastContractError`.
 *
 * @example
 * const prepared = await prepareRecall(client, { dstEid: 40102, amount: parseEther('100') });
 * const { messages } = await sendPrepared(client, prepared);
 */
export function sendPrepared(client: BallastBaseClient, prepared: PreparedWrite): Promise<WriteReturnType> {
  const wallet = walletOn(client, prepared.eid, prepared.action);
  return sendSimulated(client, prepared.eid, prepared.action, () => wallet.sendTransaction({ to: prepared.to, data: prepared.data, value: prepared.value }));
}
