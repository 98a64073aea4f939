// Which contracts ingest follows on a chain and how their logs decode. Home: the CollateralVault, the
// oracle adapter and the price feeds (Chainlink's `AnswerUpdated`); each remote: the CreditMirror and
// the CreditLendingPool. Every event of those contracts is ingested, decoded against the generated ABI
// of its contract, so two contracts' events of the same name (the vault's and the mirror's
// `CreditReleased`) never mix: each carries the role of the contract that emitted it.
import { chainlinkOracleAdapterAbi, collateralVaultAbi, creditLendingPoolAbi, creditMirrorAbi, mockAggregatorAbi } from '@ballast/abi';
import type { ChainDeployment } from '@ballast/protocol';
import { type Abi, type AbiEvent, type AbiParameter, type Address, type DecodeEventLogReturnType, type Hash, type Hex, type Log, decodeAbiParameters, decodeEventLog, toEventSelector } from 'viem';
import { checksummed } from '../checksum-cache.ts';

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
 * An event of a followed contract, ready to decode: its ABI item, and its named inputs split into topics
 * and data (undefined when an input has no name: such an event goes through viem's `decodeEventLog`).
 */
type EventShape = { item: AbiEvent; named: { indexed: readonly AbiParameter[]; data: readonly AbiParameter[] } | undefined };

/** Per role: each event's selector (topic 0) → its shape. Built on first use. */
const shapes = new Map<ContractRole, Map<Hex, EventShape>>();

function shapesOf(role: ContractRole): Map<Hex, EventShape> {
  let bySelector = shapes.get(role);
  if (!bySelector) {
    bySelector = new Map();
    for (const item of INGEST_ABIS[role] as Abi) {
      if (item.type !== 'event' || item.anonymous) continue;
      const named = item.inputs.every((input) => input.name) ? { indexed: item.inputs.filter((input) => input.indexed), data: item.inputs.filter((input) => !input.indexed) } : undefined;
      bySelector.set(toEventSelector(item), { item, named });
    }
    shapes.set(role, bySelector);
  }
  return bySelector;
}

/** An indexed argument from its topic, as viem's `decodeEventLog` gives it (a dynamic type's topic is its hash, kept as is). */
function decodeTopic(param: AbiParameter, topic: Hex): unknown {
  // Addresses through the relayer's checksum cache: viem's would checksum (a keccak) each of 100k accounts again.
  if (param.type === 'address' && topic.length === 66) return checksummed(`0x${topic.slice(26).toLowerCase()}`);
  if (param.type === 'string' || param.type === 'bytes' || param.type === 'tuple' || param.type.endsWith(']')) return topic;
  return decodeAbiParameters([param], topic)[0];
}

/**
 * Decodes a log of a followed contract; undefined for a log its ABI does not know (an event added by
 * an upgrade the relayer has not caught up with) or that does not fit its event (strictly: every
 * indexed topic present, the data long enough), which ingest skips.
 *
 * The result is exactly viem's `decodeEventLog({ strict: true })` (relayer/src/ingest/contracts.test.ts
 * checks it on every event of every followed ABI), without its cost per log: viem finds the event by
 * hashing the signature of each event of the ABI in turn, and checksums every address again; here the
 * selectors are hashed once and addresses go through the relayer's checksum cache. (viem's cost was ≈ 44 µs
 * a log, more than the rest of an account update: docs/BENCHMARKS.md.)
 */
export function decodeIngestedLog(eid: number, roles: ReadonlyMap<Address, ContractRole>, log: Log<bigint, number, false>): IngestedEvent | undefined {
  const address = checksummed(log.address);
  const role = roles.get(address);
  if (!role) return undefined;
  const [selector, ...argTopics] = log.topics;
  const shape = selector === undefined ? undefined : shapesOf(role).get(selector);
  if (!shape) return undefined;
  let decoded: { eventName: string; args: unknown };
  try {
    decoded = shape.named ? decodeNamed(shape.item.name, shape.named, argTopics, log.data) : (decodeEventLog({ abi: [shape.item], data: log.data, topics: log.topics, strict: true }) as { eventName: string; args: unknown });
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

/** An event whose inputs all have names: indexed ones from the topics (all present), the rest from the data. */
function decodeNamed(eventName: string, { indexed, data }: NonNullable<EventShape['named']>, topics: readonly Hex[], logData: Hex): { eventName: string; args: unknown } {
  if (topics.length < indexed.length) throw new Error('a topic is missing');
  const args: Record<string, unknown> = {};
  indexed.forEach((param, index) => {
    args[param.name as string] = decodeTopic(param, topics[index] as Hex);
  });
  if (data.length > 0) {
    if (!logData || logData === '0x') throw new Error('the data is missing');
    const values = decodeAbiParameters(data, logData);
    data.forEach((param, index) => {
      args[param.name as string] = values[index];
    });
  }
  return { eventName, args: indexed.length + data.length > 0 ? args : undefined };
}

/** Orders events by `(blockNumber, logIndex)`. */
export function compareEventPositions(a: EventPosition, b: EventPosition): number {
  if (a.blockNumber !== b.blockNumber) return a.blockNumber < b.blockNumber ? -1 : 1;
  return a.logIndex - b.logIndex;
}
