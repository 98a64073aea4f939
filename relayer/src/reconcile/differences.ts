// Reconcile's check: what the store says each account holds against what the chains say, each chain
// read at the block the store has applied up to (so messages in flight and blocks not yet ingested
// never show as differences). An empty list means ingest and the chains agree.
import { collateralVaultAbi, creditMirrorAbi } from '@ballast/abi';
import { contractAddress } from '@ballast/protocol';
import { type Abi, type Address, getAddress } from 'viem';
import { INGEST_CONTRACT_NAMES } from '../ingest/contracts.ts';
import type { IngestChain } from '../ingest/event-source.ts';
import type { IngestLedger } from '../ingest/ledger.ts';
import type { AccountState, ReconcileStore } from './account-store.ts';

/** One value on which the store and a chain disagree. */
export type AccountDifference = {
  account: Address;
  eid: number;
  /** `collateral:<asset>`, `exported:<eid>`, `epoch` (home), or `line`, `drawn`, `parked` (a remote). */
  field: string;
  stored: bigint;
  onChain: bigint;
  /** The block of `eid` both were read at. */
  block: bigint;
};

export type ReadAccountsOnChainParameters = {
  chains: IngestChain[];
  accounts: readonly Address[];
  /** Block to read each chain at, by eid; a chain without one is not read. */
  blocks: ReadonlyMap<number, bigint>;
  /** Assets to read collateral of besides each account's `assetsOf`, by account. */
  assets?: ReadonlyMap<Address, readonly Address[]>;
};

/**
 * Inner calldata per `aggregate3` call, bytes: ≈ 500 reads of 36–68 bytes. viem's default (1 KiB) would
 * split an audit batch into dozens of calls; 500 view reads (a few million gas) stay under nodes' eth_call caps.
 */
const MULTICALL_BATCH_BYTES = 32_768;

type Read = { address: Address; abi: Abi; functionName: string; args: readonly unknown[] };

/**
 * Many view reads at `blockNumber` in as few `eth_call`s as possible: Multicall3's `aggregate3`, run
 * deployless (viem sends its creation code with the call, so no contract needs to be deployed on the
 * chain, the devnet included). Any failing read fails the whole call.
 */
async function readMany(client: IngestChain['publicClient'], reads: readonly Read[], blockNumber: bigint): Promise<unknown[]> {
  if (reads.length === 0) return [];
  return client.multicall({ contracts: reads as never, blockNumber, allowFailure: false, deployless: true, batchSize: MULTICALL_BATCH_BYTES }) as Promise<unknown[]>;
}

/**
 * What the chains say each of `accounts` holds: `vault.collateralOf`, `exportedTo` and `epochOf` on home,
 * `mirror.lineOf` and `parkedOf` on each remote — read with multicall: per chain, two `eth_call`s on home
 * (the accounts' assets, then everything else) and one on each remote for a few hundred accounts.
 */
export async function readAccountsOnChain({ chains, accounts, blocks, assets = new Map() }: ReadAccountsOnChainParameters): Promise<AccountState[]> {
  const states: AccountState[] = accounts.map((account) => ({ account, collateral: {}, exported: {}, lines: {}, epoch: 0 }));
  const home = chains.find((chain) => chain.deployment.role === 'home');
  const remotes = chains.filter((chain) => chain.deployment.role === 'remote');
  const homeBlock = home && blocks.get(home.deployment.eid);
  const vaultAbi = collateralVaultAbi as Abi;
  await Promise.all([
    (async () => {
      if (!home || homeBlock === undefined) return;
      const vault = contractAddress(home.deployment, INGEST_CONTRACT_NAMES.vault);
      const held = (await readMany(
        home.publicClient,
        accounts.map((account) => ({ address: vault, abi: vaultAbi, functionName: 'assetsOf', args: [account] })),
        homeBlock,
      )) as Address[][];
      const perAccount = accounts.map((account, index) => [...new Set([...(held[index] ?? []), ...(assets.get(account) ?? [])].map((asset) => getAddress(asset)))]);
      const reads: Read[] = [];
      accounts.forEach((account, index) => {
        for (const asset of perAccount[index] ?? []) reads.push({ address: vault, abi: vaultAbi, functionName: 'collateralOf', args: [account, asset] });
        for (const remote of remotes) reads.push({ address: vault, abi: vaultAbi, functionName: 'exportedTo', args: [account, remote.deployment.eid] });
        reads.push({ address: vault, abi: vaultAbi, functionName: 'epochOf', args: [account] });
      });
      const values = await readMany(home.publicClient, reads, homeBlock);
      let next = 0;
      states.forEach((state, index) => {
        for (const asset of perAccount[index] ?? []) state.collateral[asset] = values[next++] as bigint;
        for (const remote of remotes) state.exported[remote.deployment.eid] = values[next++] as bigint;
        state.epoch = values[next++] as number;
      });
    })(),
    ...remotes.map(async (remote) => {
      const block = blocks.get(remote.deployment.eid);
      if (block === undefined) return;
      const mirror = contractAddress(remote.deployment, INGEST_CONTRACT_NAMES.mirror);
      const mirrorAbi = creditMirrorAbi as Abi;
      const values = await readMany(
        remote.publicClient,
        accounts.flatMap((account) => [
          { address: mirror, abi: mirrorAbi, functionName: 'lineOf', args: [account] },
          { address: mirror, abi: mirrorAbi, functionName: 'parkedOf', args: [account] },
        ]),
        block,
      );
      states.forEach((state, index) => {
        const line = values[2 * index] as { line: bigint; drawn: bigint };
        state.lines[remote.deployment.eid] = { line: line.line, drawn: line.drawn, parked: values[2 * index + 1] as bigint };
      });
    }),
  ]);
  return states;
}

export type AccountDifferencesParameters = {
  store: ReconcileStore;
  ledger: IngestLedger;
  chains: IngestChain[];
  /** @defaultValue every account the store has seen */
  accounts?: Address[];
  /** How long the confirming read of a difference waits for its chain to mine past the compared block. @defaultValue 250 */
  settleMs?: number;
};

/**
 * Every value on which the store and the chains disagree, per account, each chain read at the block the
 * store reflects (from one consistent snapshot per chain, so ingest may keep running). Chains not
 * ingested yet are skipped.
 *
 * A difference counts only if a second read shows it too, made once its chain has mined past the
 * compared block, or after `settleMs` without a new block (a block being mined during the first read
 * would have been finished by then): a node may answer a read at its head from the block it is mining.
 * Anvil does — asked for state at its head N while it mines N + 1, it answers from its live state, with
 * N + 1's transactions in it (measured: 5–8% of reads at the head while transactions arrive
 * continuously). A past block is served exactly, so the second read is. With `confirmations` the
 * compared block is never the head, and the second read only costs a call for the (rare) accounts that
 * differ.
 */
export async function accountDifferences({ store, ledger, chains, accounts, settleMs = 250 }: AccountDifferencesParameters): Promise<AccountDifference[]> {
  const { blocks, accounts: states } = await store.snapshot(ledger, accounts);
  const first = await compareWithChains(store, chains, states, blocks);
  if (first.length === 0) return first;
  const key = (difference: AccountDifference) => `${difference.account}\n${difference.eid}\n${difference.field}`;
  const suspects = new Set(first.map(key));
  const drifted = new Set(first.map((difference) => difference.account));
  const eids = new Set(first.map((difference) => difference.eid));
  const again = new Map([...blocks].filter(([eid]) => eids.has(eid)));
  await minedPast(chains.filter((chain) => again.has(chain.deployment.eid)), again, settleMs);
  const second = await compareWithChains(store, chains, states.filter((state) => drifted.has(state.account)), again);
  return second.filter((difference) => suspects.has(key(difference)));
}

/** Waits until each of `chains` has a block above its entry in `blocks`, for at most `timeoutMs` in all. */
async function minedPast(chains: IngestChain[], blocks: ReadonlyMap<number, bigint>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await Promise.all(
    chains.map(async (chain) => {
      const block = blocks.get(chain.deployment.eid) as bigint;
      while ((await chain.publicClient.getBlockNumber({ cacheTime: 0 })) <= block && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }),
  );
}

/** The differences between stored `states` and the chains, each chain in `blocks` read at its block. */
async function compareWithChains(store: ReconcileStore, chains: IngestChain[], states: AccountState[], blocks: ReadonlyMap<number, bigint>): Promise<AccountDifference[]> {
  const differences: AccountDifference[] = [];
  const onChainStates = await readAccountsOnChain({
    chains,
    accounts: states.map((state) => state.account),
    blocks,
    assets: new Map(states.map((state) => [state.account, Object.keys(state.collateral) as Address[]])),
  });
  for (const [index, stored] of states.entries()) {
    const onChain = onChainStates[index] as AccountState;
    const compare = (eid: number, field: string, storedValue: bigint | undefined, onChainValue: bigint | undefined) => {
      const block = blocks.get(eid);
      if (block === undefined || (storedValue ?? 0n) === (onChainValue ?? 0n)) return;
      differences.push({ account: stored.account, eid, field, stored: storedValue ?? 0n, onChain: onChainValue ?? 0n, block });
    };
    for (const asset of new Set([...Object.keys(stored.collateral), ...Object.keys(onChain.collateral)] as Address[])) {
      compare(store.homeEid, `collateral:${asset}`, stored.collateral[asset], onChain.collateral[asset]);
    }
    compare(store.homeEid, 'epoch', BigInt(stored.epoch), BigInt(onChain.epoch));
    for (const eid of store.remoteEids) {
      compare(store.homeEid, `exported:${eid}`, stored.exported[eid], onChain.exported[eid]);
      for (const field of ['line', 'drawn', 'parked'] as const) compare(eid, field, stored.lines[eid]?.[field], onChain.lines[eid]?.[field]);
    }
  }
  return differences;
}
