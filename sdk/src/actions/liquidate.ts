// liquidate: repays part of a flagged account's loan in a remote's reference lending pool, to be paid
// collateral on home (a SEIZE) with the vault's bonus. Approves the pool for the stable token first when
// its allowance is short; quoted and simulated before signing, so a closed close factor comes back typed.
import { creditLendingPoolAbi, creditMirrorAbi } from '../abi.generated.ts';
import { CONTRACT_NAMES, MESSAGE_TYPES } from '@ballast/protocol/core';
import { type Address, type Hash, type Hex, isAddress } from 'viem';
import { type BallastBaseClient, contractOn } from '../client.ts';
import { InvalidInputError } from '../errors/client.ts';
import { withBallastErrors } from '../errors/contract.ts';
import { type PreparedWrite, preparedWrite, sendPrepared, simulationAccount } from '../messages/prepare.ts';
import { type SentMessage, type WriteReturnType, onlyMessage } from '../messages/send.ts';
import { approveIfShort } from './allowance.ts';
import { requireAccount, requirePositive, requireRemote } from './validate.ts';

export type LiquidateParameters = {
  /** The remote whose pool holds the loan. */
  eid: number;
  /** The flagged account. */
  account: Address;
  /** Principal to repay, in the pool's token units (USDC: 6 decimals); at most the mirror's `repayableOf`. */
  amount: bigint;
  /** The home asset to be paid in first. */
  collateral: Address;
  /** Where home pays the collateral. @defaultValue the client's account */
  homeLiquidator?: Address;
  /** @defaultValue '0x' */
  options?: Hex;
};

export type LiquidateReturnType = WriteReturnType & { seize: SentMessage; fee: bigint; approval: Hash | undefined };

/** The pool's ABI with the mirror's errors: a pool liquidation bubbles the mirror's revert up unchanged. */
const poolAbi = [...creditLendingPoolAbi, ...creditMirrorAbi.filter((item) => item.type === 'error')] as const;

/**
 * Checks, quotes and simulates a liquidation without sending it; the pool must already be allowed to pull
 * `amount` of its token from the client's account.
 *
 * @example
 * const prepared = await prepareLiquidate(client, { eid: 40102, account, amount: parseUnits('100', 6), collateral: weth });
 */
export async function prepareLiquidate(client: BallastBaseClient, parameters: LiquidateParameters): Promise<PreparedWrite> {
  const action = 'liquidate';
  const sender = requireAccount(client, action);
  const remote = requireRemote(client, action, parameters.eid);
  requirePositive(action, 'amount', parameters.amount);
  for (const name of ['account', 'collateral'] as const) {
    if (!isAddress(parameters[name])) throw new InvalidInputError(action, `${name} must be an address, got ${String(parameters[name])}.`);
  }
  const mirror = contractOn(client, parameters.eid, CONTRACT_NAMES.mirror);
  const pool = contractOn(client, parameters.eid, CONTRACT_NAMES.pool);
  const options = parameters.options ?? '0x';
  const fee = await remote.publicClient.readContract({ address: mirror, abi: creditMirrorAbi, functionName: 'quote', args: [MESSAGE_TYPES.seize, options] });
  const { request } = await withBallastErrors(() =>
    remote.publicClient.simulateContract({
      address: pool,
      abi: poolAbi,
      functionName: 'liquidate',
      args: [parameters.account, parameters.amount, parameters.homeLiquidator ?? sender, parameters.collateral, options],
      value: fee.nativeFee,
      account: simulationAccount(client, action),
    }),
  );
  return preparedWrite(action, parameters.eid, request);
}

/**
 * Liquidates `amount` of `account`'s loan on `eid` (approving the pool first when needed); returns the
 * SEIZE's GUID: home pays the collateral when it executes there.
 *
 * @example
 * const { seize } = await client.liquidate({ eid: 40102, account, amount: parseUnits('100', 6), collateral: weth });
 * await client.waitForMessage({ guid: seize.guid });
 */
export async function liquidate(client: BallastBaseClient, parameters: LiquidateParameters): Promise<LiquidateReturnType> {
  const action = 'liquidate';
  requireAccount(client, action);
  const remote = requireRemote(client, action, parameters.eid);
  requirePositive(action, 'amount', parameters.amount);
  const pool = contractOn(client, parameters.eid, CONTRACT_NAMES.pool);
  const token = await remote.publicClient.readContract({ address: pool, abi: creditLendingPoolAbi, functionName: 'asset' });
  const approval = await approveIfShort(client, parameters.eid, action, { token, spender: pool, amount: parameters.amount });
  const prepared = await prepareLiquidate(client, parameters);
  const result = await sendPrepared(client, prepared);
  return { ...result, seize: onlyMessage(result, action), fee: prepared.value, approval };
}
