// reportBadDebt: tells a remote to write off what a flagged account with no collateral left (or only
// dust under the vault's dust floor, which goes to the caller as claimable) still owes there (a BAD_DEBT).
// Permissionless; quoted and simulated first, so an account that still has collateral comes back typed.
import { collateralVaultAbi } from '../abi.generated.ts';
import { CONTRACT_NAMES, MESSAGE_TYPES } from '@ballast/protocol/core';
import { type Address, type Hex, isAddress } from 'viem';
import { type BallastBaseClient, contractOn } from '../client.ts';
import { InvalidInputError } from '../errors/client.ts';
import { withBallastErrors } from '../errors/contract.ts';
import { type PreparedWrite, preparedWrite, sendPrepared, simulationAccount } from '../messages/prepare.ts';
import { type SentMessage, type WriteReturnType, onlyMessage } from '../messages/send.ts';
import { requireAccount, requireRemote } from './validate.ts';

export type ReportBadDebtParameters = {
  /** The flagged account. */
  account: Address;
  /** The remote where its debt is written off. */
  dstEid: number;
  /** @defaultValue '0x' */
  options?: Hex;
};

export type ReportBadDebtReturnType = WriteReturnType & { badDebt: SentMessage; fee: bigint };

/**
 * Checks, quotes and simulates a bad-debt report without sending it.
 *
 * @example
 * const prepared = await prepareReportBadDebt(client, { account, dstEid: 40102 });
 */
export async function prepareReportBadDebt(client: BallastBaseClient, parameters: ReportBadDebtParameters): Promise<PreparedWrite> {
  const action = 'reportBadDebt';
  requireAccount(client, action);
  requireRemote(client, action, parameters.dstEid);
  if (!isAddress(parameters.account)) throw new InvalidInputError(action, `account must be an address, got ${String(parameters.account)}.`);
  const { home } = client.ballast;
  const vault = contractOn(client, home.deployment.eid, CONTRACT_NAMES.vault);
  const options = parameters.options ?? '0x';
  const fee = await home.publicClient.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'quote', args: [parameters.dstEid, MESSAGE_TYPES.badDebt, options] });
  const { request } = await withBallastErrors(() =>
    home.publicClient.simulateContract({
      address: vault,
      abi: collateralVaultAbi,
      functionName: 'reportBadDebt',
      args: [parameters.account, parameters.dstEid, options],
      value: fee.nativeFee,
      account: simulationAccount(client, action),
    }),
  );
  return preparedWrite(action, home.deployment.eid, request);
}

/**
 * Reports `account`'s debt on `dstEid` as bad; returns the BAD_DEBT's GUID. Dust collateral it held is
 * claimable by the caller (`claim`).
 *
 * @example
 * const { badDebt } = await client.reportBadDebt({ account, dstEid: 40102 });
 * await client.waitForMessage({ guid: badDebt.guid });
 */
export async function reportBadDebt(client: BallastBaseClient, parameters: ReportBadDebtParameters): Promise<ReportBadDebtReturnType> {
  const prepared = await prepareReportBadDebt(client, parameters);
  const result = await sendPrepared(client, prepared);
  return { ...result, badDebt: onlyMessage(result, prepared.action), fee: prepared.value };
}
