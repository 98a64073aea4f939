// exportCredit: sends credit of an account from home to a remote (a GRANT), quoting the LayerZero fee
// first and simulating, so a refusal (power, cap, window, pause, flag) comes back typed before signing.
import { collateralVaultAbi } from '../abi.generated.ts';
import { CONTRACT_NAMES } from '@ballast/protocol/core';
import type { Address, Hex } from 'viem';
import { type BallastBaseClient, contractOn } from '../client.ts';
import { withBallastErrors } from '../errors/contract.ts';
import { type PreparedWrite, preparedWrite, sendPrepared, simulationAccount } from '../messages/prepare.ts';
import { type SentMessage, type WriteReturnType, onlyMessage } from '../messages/send.ts';
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
 * Checks, quotes and simulates an export without sending it: the typed call and its fee.
 *
 * @example
 * const prepared = await prepareExportCredit(client, { dstEid: 40102, amount: parseEther('1000') });
 */
export async function prepareExportCredit(client: BallastBaseClient, parameters: ExportCreditParameters): Promise<PreparedWrite> {
  const action = 'exportCredit';
  const sender = requireAccount(client, action);
  requireRemote(client, action, parameters.dstEid);
  requirePositive(action, 'amount', parameters.amount, MAX_UINT128);
  const { home } = client.ballast;
  const account = parameters.account ?? sender;
  const vault = contractOn(client, home.deployment.eid, CONTRACT_NAMES.vault);
  const options = parameters.options ?? '0x';
  const fee = await home.publicClient.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'quoteExport', args: [parameters.dstEid, options] });
  const { request } = await withBallastErrors(() =>
    home.publicClient.simulateContract({
      address: vault,
      abi: collateralVaultAbi,
      functionName: 'exportCredit',
      args: [account, parameters.dstEid, parameters.amount, parameters.receiver ?? account, options],
      value: fee.nativeFee,
      account: simulationAccount(client, action),
    }),
  );
  return preparedWrite(action, home.deployment.eid, request);
}

/**
 * Exports `amount` of credit to `dstEid`; returns the GRANT's GUID (wait for it with `waitForMessage`).
 *
 * @example
 * const { grant } = await client.exportCredit({ dstEid: 40102, amount: parseEther('1000') });
 * await client.waitForMessage({ guid: grant.guid });
 */
export async function exportCredit(client: BallastBaseClient, parameters: ExportCreditParameters): Promise<ExportCreditReturnType> {
  const prepared = await prepareExportCredit(client, parameters);
  const result = await sendPrepared(client, prepared);
  return { ...result, grant: onlyMessage(result, prepared.action), fee: prepared.value };
}
