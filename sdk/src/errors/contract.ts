// Every custom error of the vault, mirror, pool, oracle adapter and LayerZero endpoint, decoded into one
// typed SDK error: its name, its arguments typed from the ABI, and a message that says what happened (the
// error's NatSpec, generated into notices.generated.ts) and what to do (REMEDIES, or the contract's advice).
import { BallastError } from '@ballast/protocol/core';
import { BaseError, type ContractErrorArgs, type Hex, decodeErrorResult, isHex } from 'viem';
import { BALLAST_ERROR_ABI, type BallastContractErrorName, type BallastErrorAbiItem } from './abi.ts';
import { ERROR_NOTICES } from './notices.generated.ts';

type BallastErrorAbi = readonly BallastErrorAbiItem[];

/** The decoded arguments of custom error `name`, typed from the ABI. */
export type BallastContractErrorArgs<name extends BallastContractErrorName> = ContractErrorArgs<BallastErrorAbi, name>;

/** What to do about the errors a caller can act on; the rest fall back to their contract's advice. */
const REMEDIES: Partial<Record<BallastContractErrorName, string>> = {
  Vault_ExportExceedsPower: 'Export at most `maxExport` from getPosition, or deposit more collateral first.',
  Vault_WithdrawExceedsPower: 'Withdraw at most `maxWithdraw` from getPosition, or release credit from the remotes first.',
  Vault_InsufficientCollateral: 'Withdraw at most the collateral the account holds (getPosition `collateral`).',
  Vault_ExportsPaused: 'The guardian paused exports; wait for governance to unpause them. Withdrawals and releases still work.',
  Vault_RemoteDisabled: 'Export to another remote; this one accepts no new credit.',
  Vault_RemoteCapExceeded: "Export less: the remote's credit cap is nearly used (getPosition `maxExport`).",
  Vault_RateLimited: "Export less, or wait for the remote's rate window to open again (getPosition `windowResetsAt`).",
  Vault_AccountFlagged: 'The account is flagged for liquidation: repay on the remotes until home health is back above 1, then `clear`.',
  Vault_Unauthorized: 'Send from the account itself, or have it approve the sender with setOperator.',
  Vault_ZeroAmount: 'Pass an amount above zero.',
  Vault_AssetNotListed: 'Deposit a listed collateral asset (getPosition lists them).',
  Vault_SupplyCapExceeded: "Deposit less: the asset's supply cap is nearly reached.",
  Vault_TooManyAssets: 'Withdraw one asset fully before adding another.',
  Vault_AccountHealthy: 'Only an account under health 1 can be flagged; nothing to do.',
  Vault_RecallNotAllowed: "Only the account (or its operator) may recall while health is above the vault's recall health.",
  Mirror_DrawExceedsLine: 'Draw at most the undrawn line (getPosition `remotes[].undrawn`), or export more credit to this remote first.',
  Mirror_HeartbeatStale: 'Send a heartbeat from home (sendHeartbeat) and wait for it to land before drawing.',
  Mirror_DrawsPaused: "The remote's guardian paused draws; repay and release still work.",
  Mirror_ConsumerNotAuthorized: 'Authorise the consumer for the account first (setConsumerAuthorization).',
  Mirror_ReleaseExceedsUndrawn: 'Release at most the undrawn line; repay first to free drawn credit.',
  Mirror_NotLineOwner: "Send from the line's owner on this chain (the GRANT's receiver).",
  Mirror_NothingToReturn: 'No credit is parked for this account; nothing to return.',
  Pool_InsufficientCash: 'Borrow less: the pool lacks the cash.',
  Pool_RepayExceedsPrincipal: 'Repay at most the debt (debtOf).',
  Oracle_StalePrice: "The feed has not updated within its heartbeat; wait for a fresh round. Withdrawals of an account with nothing exported still work.",
  Oracle_PriceOutOfBounds: "The feed's answer is outside the adapter's bounds; governance must look at the feed.",
  Oracle_SequencerDown: 'The L2 sequencer is down; wait until it is back and its grace period has passed.',
  Oracle_SequencerGracePeriod: "The L2 sequencer came back recently; wait for the grace period to pass.",
  LZ_InsufficientFee: 'Pay the fee the quote returned (the SDK quotes it for you when it sends).',
  LZ_InvalidNonce: 'An earlier message on this pathway is not verified yet; deliver it first.',
  LZ_PayloadHashNotFound: 'The message is not verified on the destination yet, or was executed already (getMessage tells which).',
  NotEnoughNative: 'Send exactly the quoted fee as value.',
};

function adviceFor(name: BallastContractErrorName): string {
  const remedy = REMEDIES[name];
  if (remedy) return remedy;
  if (name.startsWith('Vault_')) return "Check the account's position (getPosition) and the vault's configuration before retrying.";
  if (name.startsWith('Mirror_')) return "Check the account's line on this remote (getPosition) before retrying.";
  if (name.startsWith('Pool_')) return "Check the account's loan and the pool's cash before retrying.";
  if (name.startsWith('Oracle_')) return 'The price feed cannot be used now; the SDK reports the price as unreadable until it can.';
  if (name.startsWith('LZ_')) return 'The LayerZero endpoint refused the call; check the message with getMessage.';
  return 'Check the arguments and the contracts\' state before retrying.';
}

function formatArg(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map(formatArg).join(', ')}]`;
  if (value && typeof value === 'object') return JSON.stringify(value, (_, inner) => (typeof inner === 'bigint' ? inner.toString() : inner));
  return String(value);
}

/**
 * A contract refused a call with one of its custom errors. `errorName` and `args` are typed from the ABIs;
 * narrow on `errorName` to read the arguments (`error.errorName === 'Vault_ExportExceedsPower'` → `args[2]`
 * is what was available).
 *
 * @example
 * try { await client.exportCredit({ dstEid, amount }) }
 * catch (error) { if (error instanceof BallastContractError && error.errorName === 'Vault_ExportExceedsPower') … }
 */
export class BallastContractError<name extends BallastContractErrorName = BallastContractErrorName> extends BallastError {
  override name = 'BallastContractError';
  readonly errorName: name;
  readonly args: BallastContractErrorArgs<name>;
  /** The revert data as the chain returned it. */
  readonly data: Hex;

  constructor(errorName: name, args: BallastContractErrorArgs<name>, data: Hex, cause?: unknown) {
    const list = (args as readonly unknown[]).map(formatArg).join(', ');
    super(`Refused: ${ERROR_NOTICES[errorName]} (${errorName}(${list})). ${adviceFor(errorName)}`, {
      cause,
      docsPath: 'PROTOCOL.md',
      meta: { errorName, args },
    });
    this.errorName = errorName;
    this.args = args;
    this.data = data;
  }
}

/** Any decoded contract error, as a union by name: checking `errorName` narrows `args` to that error's. */
export type AnyBallastContractError = { [name in BallastContractErrorName]: BallastContractError<name> }[BallastContractErrorName];

/** The revert data inside a viem error (or a raw hex), if any. */
export function revertData(error: unknown): Hex | undefined {
  if (typeof error === 'string' && isHex(error)) return error;
  if (!(error instanceof BaseError)) return undefined;
  let data: Hex | undefined;
  error.walk((inner) => {
    const candidate = inner as { raw?: unknown; data?: unknown };
    if (typeof candidate.raw === 'string' && isHex(candidate.raw) && candidate.raw.length >= 10) data = candidate.raw;
    else if (typeof candidate.data === 'string' && isHex(candidate.data) && candidate.data.length >= 10) data = candidate.data;
    return data !== undefined;
  });
  return data;
}

/**
 * Decodes a revert of any Ballast or LayerZero contract into a `BallastContractError`; `undefined` for an
 * error that carries no revert data or data no ABI of theirs knows (a plain revert, an RPC failure).
 */
export function decodeBallastError(error: unknown): AnyBallastContractError | undefined {
  if (error instanceof BallastContractError) return error as AnyBallastContractError;
  const data = revertData(error);
  if (!data) return undefined;
  try {
    const decoded = decodeErrorResult({ abi: BALLAST_ERROR_ABI, data });
    return new BallastContractError(decoded.errorName, (decoded.args ?? []) as BallastContractErrorArgs<typeof decoded.errorName>, data, error) as AnyBallastContractError;
  } catch {
    return undefined;
  }
}

/** Runs `call`; a revert it throws comes back as a `BallastContractError` (other errors unchanged). */
export async function withBallastErrors<result>(call: () => Promise<result>): Promise<result> {
  try {
    return await call();
  } catch (error) {
    throw decodeBallastError(error) ?? error;
  }
}
