// flag: starts the liquidation of an account whose home health at liquidation prices is under 1
// (permissionless): home bumps its epoch to odd and sends a LIQUIDATABLE to every remote it exported to.
// The fee is the vault's `quoteNotices` for all of them; simulated first, so a healthy account comes back typed.
import { collateralVaultAbi } from '../abi.generated.ts';
import { CONTRACT_NAMES, MESSAGE_TYPES } from '@ballast/protocol/core';
import { type Address, type Hex, isAddress } from 'viem';
import { type BallastBaseClient, contractOn } from '../client.ts';
import { InvalidInputError } from '../errors/client.ts';
import { withBallastErrors } from '../errors/contract.ts';
import { type PreparedWrite, preparedWrite, sendPrepared, simulationAccount } from '../messages/prepare.ts';
import { type SentMessage, type WriteReturnType } from '../messages/send.ts';
import { requireAccount } from './validate.ts';

export type FlagParameters = {
  /** The account to flag. */
  account: Address;
  /** Extra LayerZero options appended to the enforced ones, for every notice. @defaultValue '0x' */
  options?: Hex;
};

export type FlagReturnType = WriteReturnType & { notices: SentMessage[]; fee: bigint };

/**
 * Checks, quotes and simulates a flag without sending it.
 *
 * @example
 * const prepared = await prepareFlag(client, { account });
 */
export async function prepareFlag(client: BallastBaseClient, parameters: FlagParameters): Promise<PreparedWrite> {
  return prepareNotices(client, 'flag', parameters);
}

/**
 * Flags `account` for liquidation; returns the GUIDs of its LIQUIDATABLE notices, one per remote.
 *
 * @example
 * const { notices } = await client.flag({ account });
 * for (const notice of notices) await client.waitForMessage({ guid: notice.guid });
 */
export async function flag(client: BallastBaseClient, parameters: FlagParameters): Promise<FlagReturnType> {
  const prepared = await prepareFlag(client, parameters);
  const result = await sendPrepared(client, prepared);
  return { ...result, notices: result.messages, fee: prepared.value };
}

/** `flag` and `clear`: one call on the vault, paid by `quoteNotices` of their message type. */
export async function prepareNotices(client: BallastBaseClient, action: 'flag' | 'clear', parameters: FlagParameters): Promise<PreparedWrite> {
  requireAccount(client, action);
  if (!isAddress(parameters.account)) throw new InvalidInputError(action, `account must be an address, got ${String(parameters.account)}.`);
  const { home } = client.ballast;
  const vault = contractOn(client, home.deployment.eid, CONTRACT_NAMES.vault);
  const options = parameters.options ?? '0x';
  const msgType = action === 'flag' ? MESSAGE_TYPES.liquidatable : MESSAGE_TYPES.clear;
  const fee = await home.publicClient.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'quoteNotices', args: [parameters.account, msgType, options] });
  const { request } = await withBallastErrors(() =>
    home.publicClient.simulateContract({ address: vault, abi: collateralVaultAbi, functionName: action, args: [parameters.account, options], value: fee, account: simulationAccount(client, action) }),
  );
  return preparedWrite(action, home.deployment.eid, request);
}
