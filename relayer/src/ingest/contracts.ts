// Which contracts ingest follows on a chain and how their logs decode. Home: the CollateralVault, the
// oracle adapter and the price feeds (Chainlink's `AnswerUpdated`); each remote: the CreditMirror and
// the CreditLendingPool. Every event of those contracts is ingested, decoded against the generated ABI
// of its contract, so two contracts' events of the same name (the vault's and the mirror's
// `CreditReleased`) never mix: each carries the role of the contract that emitted it.
import { chainlinkOracleAdapterAbi, collateralVaultAbi, creditLendingPoolAbi, creditMirrorAbi, mockAggregatorAbi } from '@ballast/abi';
import type { ChainDeployment } from '@ballast/protocol';
import { type Abi, type Address, type DecodeEventLogReturnType, type Hash, type Log, decodeEventLog, getAddress } from 'viem';

/** ABI of each contract role. Feeds decode with MockAggregator's ABI, whose `AnswerUpdated` is Chainlink's. */
export const INGEST_ABIS = {
  vault: collateralVaultAbi,
  oracle: chainlinkOracleAdapterAbi,
  feed: mockAggregatorAbi,
  mirror: creditMirrorAbi,
  pool: creditLendingPoolAbi,
} as const;

export type ContractRole = keyof typeof INGEST_ABIS;

/**
 * Names of the contracts in the deployments file, by role (the devnet's `BALLAST_CONTRACTS` writes the
 * same names). Feeds are every contract whose name ends in `Feed`.
 */
export const INGEST_CONTRACT_NAMES = {
  vault: 'collateralVault',
  oracle: 'oracleAdapter',
  mirror: 'creditMirror',
  pool: 'lendingPool',
} as const satisfies Partial<Record<ContractRole, string>>;

export type FollowedContract = { role: ContractRole; address: Address };

/** The Ballast contracts of `chain` that ingest follows, read from the deployments file. */
export function followedContracts(chain: ChainDeployment): FollowedContract[] {
  const followed: FollowedContract[] = [];
  for (const [role, name] of Object.entries(INGEST_CONTRACT_NAMES) as [ContractRole, string][]) {
    const address = chain.contracts[name];
    if (address) followed.push({ role, address });
  }
  for (const [name, address] of Object.entries(chain.contracts)) {
    if (name.endsWith('Feed')) followed.push({ role: 'feed', address });
  }
  return followed;
}

type DecodedBy<role extends ContractRole> =
  DecodeEventLogReturnType<(typeof INGEST_ABIS)[role]> extends infer decoded ? (decoded extends unknown ? { contract: role } & decoded : never) : never;

/** An event's name and decoded arguments, discriminated by the role of the contract that emitted it. */
export type DecodedEvent = { [role in ContractRole]: DecodedBy<role> }[ContractRole];

/** Where an event sits on its chain: `(blockNumber, logIndex)` orders a chain's events totally. */
export type EventPosition = {
  eid: number;
  address: Address;
  blockNumber: bigint;
  blockHash: Hash;
  logIndex: number;
  transactionHash: Hash;
};

export type IngestedEvent = DecodedEvent & EventPosition;

/**
 * Decodes a log of a followed contract; undefined for a log its ABI does not know (an event added by
 * an upgrade the relayer has not caught up with), which ingest skips.
 */
export function decodeIngestedLog(eid: number, roles: ReadonlyMap<Address, ContractRole>, log: Log<bigint, number, false>): IngestedEvent | undefined {
  const address = getAddress(log.address);
  const role = roles.get(address);
  if (!role) return undefined;
  let decoded: { eventName: string; args: unknown };
  try {
    decoded = decodeEventLog({ abi: INGEST_ABIS[role] as Abi, data: log.data, topics: log.topics, strict: true }) as { eventName: string; args: unknown };
  } catch {
    return undefined;
  }
  return {
    contract: role,
    eventName: decoded.eventName,
    args: decoded.args,
    eid,
    address,
    blockNumber: log.blockNumber,
    blockHash: log.blockHash,
    logIndex: log.logIndex,
    transactionHash: log.transactionHash,
  } as IngestedEvent;
}

/** Orders events by `(blockNumber, logIndex)`. */
export function compareEventPositions(a: EventPosition, b: EventPosition): number {
  if (a.blockNumber !== b.blockNumber) return a.blockNumber < b.blockNumber ? -1 : 1;
  return a.logIndex - b.logIndex;
}
