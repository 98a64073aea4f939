// getAccountStates: what the contracts record for many accounts — collateral, exports and epoch on home,
// line and parked credit on each remote — each chain read at one block, in as few eth_calls as the reads
// allow (Multicall3 `aggregate3` batches, chains in parallel). The raw records, no prices and no maths:
// what the relayer's audit compares its reconcile store with, and what an operator checks a chain by.
import { collateralVaultAbi, creditMirrorAbi } from '../abi.generated.ts';
import { CONTRACT_NAMES } from '@ballast/protocol/core';
import { type Address, getAddress, isAddressEqual } from 'viem';
import { type BallastBaseClient, type BallastChainConnection, connectionOf, contractOn, deployedCollateral } from '../client.ts';
import { InvalidInputError } from '../errors/client.ts';
import { type QueuedRead, ReadBatch } from '../position/read-batch.ts';

export type GetAccountStatesParameters = {
  accounts: readonly Address[];
  /**
   * The block to read each chain at, by eid; a chain without one is not read (its fields stay empty).
   * @defaultValue every chain at its latest block, fixed by one `eth_blockNumber` per chain first
   */
  blockNumbers?: Readonly<Record<number, bigint>> | undefined;
  /**
   * Collateral assets read for every account in the first round trip on home. An account that holds
   * (`assetsOf`) an asset outside them costs one more round trip on home, for those accounts only.
   * @defaultValue the collateral tokens of the deployments file
   */
  assets?: readonly Address[] | undefined;
  /** Most reads per `eth_call`: more go out as several calls at once (a node caps an eth_call's gas). @defaultValue 500 */
  readsPerCall?: number | undefined;
};

/** One remote's record of an account (`mirror.lineOf`, `parkedOf`). */
export type RemoteLineState = {
  line: bigint;
  drawn: bigint;
  parked: bigint;
  /** Home's liquidation epoch as the remote last heard it (odd: flagged there). */
  epoch: number;
};

/** What the contracts record for one account at the blocks read. */
export type AccountState = {
  account: Address;
  /** Collateral per asset, token units (`vault.collateralOf`): every asset read, held or not (0). Empty when home was not read. */
  collateral: Record<Address, bigint>;
  /** Credit home exported per remote eid, USD 1e18 (`vault.exportedTo`). Empty when home was not read. */
  exported: Record<number, bigint>;
  /** Home's liquidation epoch (odd: flagged); `undefined` when home was not read. */
  epoch: number | undefined;
  /** The line per remote eid read. */
  lines: Record<number, RemoteLineState>;
};

export type GetAccountStatesReturnType = {
  /** The block each chain was read at, by eid (only chains read). */
  blockNumbers: Record<number, bigint>;
  /** One state per account, in the order of `accounts`. */
  accounts: AccountState[];
};

/** Reads per `eth_call` unless told: a few million gas of views, under the eth_call caps nodes set. */
const READS_PER_CALL = 500;

/**
 * Reads what the contracts record for `accounts` on every chain, each chain at one block: one `eth_call`
 * per chain for up to `readsPerCall` reads (a few hundred accounts), all chains at once, and one more on
 * home only for accounts holding an asset outside `assets`.
 *
 * @example
 * const { accounts } = await getAccountStates(client, { accounts: ['0x…', '0x…'], blockNumbers: { 40101: 1234n, 40102: 987n } });
 * accounts[0].collateral;        // token units per asset
 * accounts[0].lines[40102].line; // the line on remote 40102 at block 987
 */
export async function getAccountStates(client: BallastBaseClient, { accounts, blockNumbers, assets, readsPerCall = READS_PER_CALL }: GetAccountStatesParameters): Promise<GetAccountStatesReturnType> {
  if (!Number.isSafeInteger(readsPerCall) || readsPerCall < 1) throw new InvalidInputError('getAccountStates', `readsPerCall must be a whole number of 1 or more, got ${readsPerCall}.`);
  const { home, remotes } = client.ballast;
  const blocks = blockNumbers ? blocksNamed(client, blockNumbers) : await latestBlocks([home, ...remotes]);
  const states: AccountState[] = accounts.map((account) => ({ account: getAddress(account), collateral: {}, exported: {}, epoch: undefined, lines: {} }));
  const readRemotes = remotes.filter(({ deployment }) => blocks.has(deployment.eid));
  const homeBlock = blocks.get(home.deployment.eid);
  await Promise.all([
    homeBlock === undefined ? undefined : readHome(client, home, homeBlock, states, (assets ?? deployedCollateral(home)).map((asset) => getAddress(asset)), remotes, readsPerCall),
    ...readRemotes.map((remote) => readRemote(client, remote, blocks.get(remote.deployment.eid) as bigint, states, readsPerCall)),
  ]);
  return { blockNumbers: Object.fromEntries(blocks), accounts: states };
}

/** `blockNumbers` by eid, each eid checked against the client's chains. */
function blocksNamed(client: BallastBaseClient, blockNumbers: Readonly<Record<number, bigint>>): Map<number, bigint> {
  return new Map(
    Object.entries(blockNumbers).map(([eid, block]) => {
      connectionOf(client, Number(eid));
      return [Number(eid), block] as const;
    }),
  );
}

async function latestBlocks(connections: readonly BallastChainConnection[]): Promise<Map<number, bigint>> {
  return new Map(await Promise.all(connections.map(async ({ deployment, publicClient }) => [deployment.eid, await publicClient.getBlockNumber({ cacheTime: 0 })] as const)));
}

/** Home: each account's listed assets, collateral of `candidates`, exports to every remote and epoch; then collateral of any listed asset outside `candidates`. */
async function readHome(
  client: BallastBaseClient,
  home: BallastChainConnection,
  blockNumber: bigint,
  states: AccountState[],
  candidates: readonly Address[],
  remotes: readonly BallastChainConnection[],
  readsPerCall: number,
): Promise<void> {
  const vault = contractOn(client, home.deployment.eid, CONTRACT_NAMES.vault);
  const batch = new ReadBatch(home);
  const reads = states.map(({ account }) => ({
    held: batch.read(vault, collateralVaultAbi, 'assetsOf', [account]),
    collateral: new Map<Address, QueuedRead<bigint>>(candidates.map((asset) => [asset, batch.read(vault, collateralVaultAbi, 'collateralOf', [account, asset])])),
    exported: remotes.map(({ deployment }) => [deployment.eid, batch.read(vault, collateralVaultAbi, 'exportedTo', [account, deployment.eid])] as const),
    epoch: batch.read(vault, collateralVaultAbi, 'epochOf', [account]),
  }));
  await batch.run({ blockNumber, readsPerCall });
  // The second round trip, only for assets held outside the candidates.
  states.forEach(({ account }, index) => {
    const { held, collateral } = reads[index] as (typeof reads)[number];
    for (const asset of held.required('assetsOf').map((listed) => getAddress(listed))) {
      if (!candidates.some((candidate) => isAddressEqual(candidate, asset))) collateral.set(asset, batch.read(vault, collateralVaultAbi, 'collateralOf', [account, asset]));
    }
  });
  await batch.run({ blockNumber, readsPerCall });
  states.forEach((state, index) => {
    const { collateral, exported, epoch } = reads[index] as (typeof reads)[number];
    for (const [asset, read] of collateral) state.collateral[asset] = read.required('collateralOf');
    for (const [eid, read] of exported) state.exported[eid] = read.required('exportedTo');
    state.epoch = epoch.required('epochOf');
  });
}

/** One remote: each account's line and parked credit. */
async function readRemote(client: BallastBaseClient, remote: BallastChainConnection, blockNumber: bigint, states: AccountState[], readsPerCall: number): Promise<void> {
  const mirror = contractOn(client, remote.deployment.eid, CONTRACT_NAMES.mirror);
  const batch = new ReadBatch(remote);
  const reads = states.map(({ account }) => ({ line: batch.read(mirror, creditMirrorAbi, 'lineOf', [account]), parked: batch.read(mirror, creditMirrorAbi, 'parkedOf', [account]) }));
  await batch.run({ blockNumber, readsPerCall });
  states.forEach((state, index) => {
    const { line, parked } = reads[index] as (typeof reads)[number];
    const { line: amount, drawn, epoch } = line.required('lineOf');
    state.lines[remote.deployment.eid] = { line: amount, drawn, parked: parked.required('parkedOf'), epoch };
  });
}
