// Reconcile's check: what the store says each account holds against what the chains say, each chain
// read at the block the store has applied up to (so messages in flight and blocks not yet ingested
// never show as differences). An empty list means ingest and the chains agree.
import { collateralVaultAbi, creditMirrorAbi } from '@ballast/abi';
import { contractAddress } from '@ballast/protocol';
import { type Address, getAddress } from 'viem';
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

export type ReadAccountOnChainParameters = {
  chains: IngestChain[];
  account: Address;
  /** Block to read each chain at, by eid; a chain without one is not read. */
  blocks: ReadonlyMap<number, bigint>;
  /** Assets to read collateral of besides the account's `assetsOf`. */
  assets?: Address[];
};

/** What the chains say `account` holds: `vault.collateralOf`, `exportedTo` and `epochOf` on home, `mirror.lineOf` and `parkedOf` on each remote. */
export async function readAccountOnChain({ chains, account, blocks, assets = [] }: ReadAccountOnChainParameters): Promise<AccountState> {
  const state: AccountState = { account, collateral: {}, exported: {}, lines: {}, epoch: 0 };
  const home = chains.find((chain) => chain.deployment.role === 'home');
  const remotes = chains.filter((chain) => chain.deployment.role === 'remote');
  const homeBlock = home && blocks.get(home.deployment.eid);
  await Promise.all([
    (async () => {
      if (!home || homeBlock === undefined) return;
      const vault = contractAddress(home.deployment, INGEST_CONTRACT_NAMES.vault);
      const read = home.publicClient;
      const held = await read.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'assetsOf', args: [account], blockNumber: homeBlock });
      const all = [...new Set([...held, ...assets].map((asset) => getAddress(asset)))];
      const [collateral, exported, epoch] = await Promise.all([
        Promise.all(all.map((asset) => read.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'collateralOf', args: [account, asset], blockNumber: homeBlock }))),
        Promise.all(remotes.map((remote) => read.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'exportedTo', args: [account, remote.deployment.eid], blockNumber: homeBlock }))),
        read.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'epochOf', args: [account], blockNumber: homeBlock }),
      ]);
      state.epoch = epoch;
      all.forEach((asset, index) => {
        state.collateral[asset] = collateral[index] ?? 0n;
      });
      remotes.forEach((remote, index) => {
        state.exported[remote.deployment.eid] = exported[index] ?? 0n;
      });
    })(),
    ...remotes.map(async (remote) => {
      const block = blocks.get(remote.deployment.eid);
      if (block === undefined) return;
      const mirror = contractAddress(remote.deployment, INGEST_CONTRACT_NAMES.mirror);
      const [line, parked] = await Promise.all([
        remote.publicClient.readContract({ address: mirror, abi: creditMirrorAbi, functionName: 'lineOf', args: [account], blockNumber: block }),
        remote.publicClient.readContract({ address: mirror, abi: creditMirrorAbi, functionName: 'parkedOf', args: [account], blockNumber: block }),
      ]);
      state.lines[remote.deployment.eid] = { line: line.line, drawn: line.drawn, parked };
    }),
  ]);
  return state;
}

/** Accounts whose on-chain reads are in flight at once. */
const READ_CONCURRENCY = 20;

export type AccountDifferencesParameters = {
  store: ReconcileStore;
  ledger: IngestLedger;
  chains: IngestChain[];
  /** @defaultValue every account the store has seen */
  accounts?: Address[];
};

/**
 * Every value on which the store and the chains disagree, per account, each chain read at the block the
 * store reflects (from one consistent snapshot per chain, so ingest may keep running). Chains not
 * ingested yet are skipped.
 */
export async function accountDifferences({ store, ledger, chains, accounts }: AccountDifferencesParameters): Promise<AccountDifference[]> {
  const { blocks, accounts: states } = await store.snapshot(ledger, accounts);
  const differences: AccountDifference[] = [];
  // Accounts are read `READ_CONCURRENCY` at a time: their reads leave in one JSON-RPC batch per chain.
  const onChainStates: AccountState[] = [];
  for (let start = 0; start < states.length; start += READ_CONCURRENCY) {
    const group = states.slice(start, start + READ_CONCURRENCY);
    onChainStates.push(...(await Promise.all(group.map((stored) => readAccountOnChain({ chains, account: stored.account, blocks, assets: Object.keys(stored.collateral) as Address[] })))));
  }
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
