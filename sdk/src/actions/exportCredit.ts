// exportCredit: sends credit of an account from home to a remote (a GRANT), quoting the LayerZero fee
// first and simulating, so a refusal (power, cap, window, pause, flag) comes back typed before signing.
import { collateralVaultAbi } from '@ballast/abi';
import { CONTRACT_NAMES } from '@ballast/protocol/core';
import type { Address, Hex } from 'viem';
import { type BallastBaseClient, contractOn, walletOn } from '../client.ts';
import { withBallastErrors } from '../errors/contract.ts';
import { type SentMessage, type WriteReturnType, onlyMessage, sendSimulated } from '../messages/send.ts';
import { MAX_UINT128, requireAccount, requirePositive, requireRemote } from './validate.ts';

export type ExportCreditParameters = {
  /** Remote chain to credit. */
  dstEid: number;
  /** Credit, USD with 18 decimals. */
  amount: bigint;
  /** Whose credit. @defaultValue the client's account (which must be it or its operator) */
  account?: Address;
  /** Who owns the line on the remote. @defaultValue `account` */
  receiver?: Address;
  /** Extra LayerZero options appended to the enforced ones. @defaultValue '0x' */
  options?: Hex;
};

export type ExportCreditReturnType = WriteReturnType & { grant: SentMessage; fee: bigint };

/**
 * Exports `amount` of credit to `dstEid`; returns the GRANT's GUID (wait for it with `waitForMessage`).
 *
 * @example
 * const { grant } = await client.exportCredit({ dstEid: 40102, amount: parseEther('1000') });
 * await client.waitForMessage({ guid: grant.guid });
 */
export async function exportCredit(client: BallastBaseClient, parameters: ExportCreditParameters): Promise<ExportCreditReturnType> {
  const action = 'exportCredit';
  const sender = requireAccount(client, action);
  requireRemote(client, action, parameters.dstEid);
  requirePositive(action, 'amount', parameters.amount, MAX_UINT128);
  const { home } = client.ballast;
  const account = parameters.account ?? sender;
  const vault = contractOn(client, home.deployment.eid, CONTRACT_NAMES.vault);
  const wallet = walletOn(client, home.deployment.eid, action);
  const options = parameters.options ?? '0x';
  const fee = await home.publicClient.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'quoteExport', args: [parameters.dstEid, options] });
  const { request } = await withBallastErrors(() =>
    home.publicClient.simulateContract({
      address: vault,
      abi: collateralVaultAbi,
      functionName: 'exportCredit',
      args: [account, parameters.dstEid, parameters.amount, parameters.receiver ?? account, options],
      value: fee.nativeFee,
      account: wallet.account,
    }),
  );
  const result = await sendSimulated(client, home.deployment.eid, action, () => wallet.writeContract(request));
  return { ...result, grant: onlyMessage(result, action), fee: fee.nativeFee };
}
