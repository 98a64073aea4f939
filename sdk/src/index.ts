// @ballast/sdk: one typed API over every Ballast chain — a client over the deployment graph, viem
// actions (positions, writes that return their message GUIDs, message tracking) and typed errors decoded
// from every contract's custom errors. Browser-safe: nothing here imports `node:*`; reading a deployments
// file from disk is `@ballast/sdk/node`.
export { type BallastBaseClient, type BallastChainConnection, type BallastContext, CANONICAL_MULTICALL3, type CreateBallastClientParameters, createBallastBaseClient, deployedCollateral, deploymentChain } from './client.ts';
export { type BallastClient, createBallastClient } from './createBallastClient.ts';
export { type BallastActions, ballastActions } from './decorators/ballast.ts';
export * from './actions/getPosition.ts';
export * from './actions/getAccountStates.ts';
export * from './actions/getMessage.ts';
export * from './actions/waitForMessage.ts';
export * from './actions/retryMessage.ts';
export * from './actions/deposit.ts';
export * from './actions/withdraw.ts';
export * from './actions/exportCredit.ts';
export * from './actions/release.ts';
export * from './actions/sendHeartbeat.ts';
export * from './actions/borrow.ts';
export * from './actions/repay.ts';
export * from './actions/returnParked.ts';
export * from './actions/setOperator.ts';
export * from './actions/recall.ts';
export * from './actions/flag.ts';
export * from './actions/clear.ts';
export * from './actions/reportBadDebt.ts';
export * from './actions/liquidate.ts';
export * from './actions/claim.ts';
export * from './actions/setConsumerAuthorization.ts';
export * from './actions/plan.ts';
export * from './actions/execute.ts';
export * from './intents/types.ts';
export { type PlanStore, memoryStore } from './intents/store.ts';
export { type SentMessage, type SentPacket, type WriteReturnType, sentMessages, sentPackets } from './messages/send.ts';
export { type PreparedWrite, sendPrepared } from './messages/prepare.ts';
export { type InboundReader, type InboundState, readInboundState } from './messages/inbound.ts';
export { type LocatedPacket, type MessageLocator, locatePacket } from './messages/locate.ts';
export { type BallastContractErrorName } from './errors/abi.ts';
export { type AnyBallastContractError, BallastContractError, type BallastContractErrorArgs, decodeBallastError, revertData, withBallastErrors } from './errors/contract.ts';
export { DeploymentReadError, InvalidInputError, MessageTrackingError, MissingAccountError } from './errors/client.ts';
export * from './errors/intents.ts';
export { type ExportLimit, type LimitAsset, type LimitBasket, type MaxExport, type MaxWithdraw, borrowingPowerDown, healthAt, liquidationPriceOf, maxExportDown, maxWithdrawDown, weightedValueDown } from './position/limits.ts';
export { BallastError, type ChainDeployment, type ContractName, type Deployments, CONTRACT_NAMES } from '@ballast/protocol/core';
