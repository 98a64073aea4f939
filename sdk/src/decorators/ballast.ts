// The decorator that binds every SDK action to a client (viem's `publicActions` pattern): it only maps
// names to the pure actions in actions/, nothing else lives here.
import { type BorrowParameters, type BorrowReturnType, borrow } from '../actions/borrow.ts';
import { type DepositParameters, type DepositReturnType, deposit } from '../actions/deposit.ts';
import { type ExecuteParameters, type ExecuteReturnType, execute } from '../actions/execute.ts';
import { type ExportCreditParameters, type ExportCreditReturnType, exportCredit } from '../actions/exportCredit.ts';
import { type GetAccountStatesParameters, type GetAccountStatesReturnType, getAccountStates } from '../actions/getAccountStates.ts';
import { type GetMessageParameters, type GetMessageReturnType, getMessage } from '../actions/getMessage.ts';
import { type GetPositionParameters, type GetPositionReturnType, getPosition } from '../actions/getPosition.ts';
import { type PlanParameters, type PlanReturnType, plan } from '../actions/plan.ts';
import { type ReleaseParameters, type ReleaseReturnType, release } from '../actions/release.ts';
import { type RepayParameters, type RepayReturnType, repay } from '../actions/repay.ts';
import { type ReturnParkedParameters, type ReturnParkedReturnType, returnParked } from '../actions/returnParked.ts';
import { type RetryMessageParameters, type RetryMessageReturnType, retryMessage } from '../actions/retryMessage.ts';
import { type SendHeartbeatParameters, type SendHeartbeatReturnType, sendHeartbeat } from '../actions/sendHeartbeat.ts';
import { type SetOperatorParameters, type SetOperatorReturnType, setOperator } from '../actions/setOperator.ts';
import { type WaitForMessageParameters, type WaitForMessageReturnType, waitForMessage } from '../actions/waitForMessage.ts';
import { type WithdrawParameters, type WithdrawReturnType, withdraw } from '../actions/withdraw.ts';
import { type RecallParameters, type RecallReturnType, recall } from '../actions/recall.ts';
import { type FlagParameters, type FlagReturnType, flag } from '../actions/flag.ts';
import { type ClearParameters, type ClearReturnType, clear } from '../actions/clear.ts';
import { type ReportBadDebtParameters, type ReportBadDebtReturnType, reportBadDebt } from '../actions/reportBadDebt.ts';
import { type LiquidateParameters, type LiquidateReturnType, liquidate } from '../actions/liquidate.ts';
import { type ClaimParameters, type ClaimReturnType, claim } from '../actions/claim.ts';
import { type SetConsumerAuthorizationParameters, type SetConsumerAuthorizationReturnType, setConsumerAuthorization } from '../actions/setConsumerAuthorization.ts';
import type { BallastBaseClient } from '../client.ts';

/** Every SDK action, bound to a client. */
export type BallastActions = {
  /** {@link getPosition} */
  getPosition: (parameters: GetPositionParameters) => Promise<GetPositionReturnType>;
  /** {@link getAccountStates} */
  getAccountStates: (parameters: GetAccountStatesParameters) => Promise<GetAccountStatesReturnType>;
  /** {@link getMessage} */
  getMessage: (parameters: GetMessageParameters) => Promise<GetMessageReturnType>;
  /** {@link waitForMessage} */
  waitForMessage: (parameters: WaitForMessageParameters) => Promise<WaitForMessageReturnType>;
  /** {@link retryMessage} */
  retryMessage: (parameters: RetryMessageParameters) => Promise<RetryMessageReturnType>;
  /** {@link deposit} */
  deposit: (parameters: DepositParameters) => Promise<DepositReturnType>;
  /** {@link withdraw} */
  withdraw: (parameters: WithdrawParameters) => Promise<WithdrawReturnType>;
  /** {@link exportCredit} */
  exportCredit: (parameters: ExportCreditParameters) => Promise<ExportCreditReturnType>;
  /** {@link release} */
  release: (parameters: ReleaseParameters) => Promise<ReleaseReturnType>;
  /** {@link sendHeartbeat} */
  sendHeartbeat: (parameters: SendHeartbeatParameters) => Promise<SendHeartbeatReturnType>;
  /** {@link borrow} */
  borrow: (parameters: BorrowParameters) => Promise<BorrowReturnType>;
  /** {@link repay} */
  repay: (parameters: RepayParameters) => Promise<RepayReturnType>;
  /** {@link returnParked} */
  returnParked: (parameters: ReturnParkedParameters) => Promise<ReturnParkedReturnType>;
  /** {@link setOperator} */
  setOperator: (parameters: SetOperatorParameters) => Promise<SetOperatorReturnType>;
  /** {@link recall} */
  recall: (parameters: RecallParameters) => Promise<RecallReturnType>;
  /** {@link flag} */
  flag: (parameters: FlagParameters) => Promise<FlagReturnType>;
  /** {@link clear} */
  clear: (parameters: ClearParameters) => Promise<ClearReturnType>;
  /** {@link reportBadDebt} */
  reportBadDebt: (parameters: ReportBadDebtParameters) => Promise<ReportBadDebtReturnType>;
  /** {@link liquidate} */
  liquidate: (parameters: LiquidateParameters) => Promise<LiquidateReturnType>;
  /** {@link claim} */
  claim: (parameters: ClaimParameters) => Promise<ClaimReturnType>;
  /** {@link setConsumerAuthorization} */
  setConsumerAuthorization: (parameters: SetConsumerAuthorizationParameters) => Promise<SetConsumerAuthorizationReturnType>;
  /** {@link plan} */
  plan: (parameters: PlanParameters) => Promise<PlanReturnType>;
  /** {@link execute} */
  execute: (parameters: ExecuteParameters) => Promise<ExecuteReturnType>;
};

/** Binds every SDK action to `client`: `createClient(…).extend(() => ({ ballast })).extend(ballastActions)`. */
export function ballastActions(client: BallastBaseClient): BallastActions {
  return {
    getPosition: (parameters) => getPosition(client, parameters),
    getAccountStates: (parameters) => getAccountStates(client, parameters),
    getMessage: (parameters) => getMessage(client, parameters),
    waitForMessage: (parameters) => waitForMessage(client, parameters),
    retryMessage: (parameters) => retryMessage(client, parameters),
    deposit: (parameters) => deposit(client, parameters),
    withdraw: (parameters) => withdraw(client, parameters),
    exportCredit: (parameters) => exportCredit(client, parameters),
    release: (parameters) => release(client, parameters),
    sendHeartbeat: (parameters) => sendHeartbeat(client, parameters),
    borrow: (parameters) => borrow(client, parameters),
    repay: (parameters) => repay(client, parameters),
    returnParked: (parameters) => returnParked(client, parameters),
    setOperator: (parameters) => setOperator(client, parameters),
    recall: (parameters) => recall(client, parameters),
    flag: (parameters) => flag(client, parameters),
    clear: (parameters) => clear(client, parameters),
    reportBadDebt: (parameters) => reportBadDebt(client, parameters),
    liquidate: (parameters) => liquidate(client, parameters),
    claim: (parameters) => claim(client, parameters),
    setConsumerAuthorization: (parameters) => setConsumerAuthorization(client, parameters),
    plan: (parameters) => plan(client, parameters),
    execute: (parameters) => execute(client, parameters),
  };
}
