// Reconcile's check: what the store says each account holds against what the chains say, each chain
// read at the block the store has applied up to (so messages in flight and blocks not yet ingested
// never show as differences). An empty list means ingest and the chains agree.
import { type BallastBaseClient, getAccountStates } from '@ballast/sdk';
import type { Address } from 'viem';
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

export type AccountDifferencesParameters = {
  store: ReconcileStore;
  ledger: IngestLedger;
  /** The SDK client the chains are read through (`getAccountStates`). */
  sdk: BallastBaseClient;
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
export async function accountDifferences({ store, ledger, sdk, accounts, settleMs = 250 }: AccountDifferencesParameters): Promise<AccountDifference[]> {
  const { blocks, accounts: states } = await store.snapshot(ledger, accounts);
  const first = await compareWithChains(store, sdk, states, blocks);
  if (first.length === 0) return first;
  const key = (difference: AccountDifference) => `${difference.account}\n${difference.eid}\n${difference.field}`;
  const suspects = new Set(first.map(key));
  const drifted = new Set(first.map((difference) => difference.account));
  const eids = new Set(first.map((difference) => difference.eid));
  const again = new Map([...blocks].filter(([eid]) => eids.has(eid)));
  await minedPast(sdk, again, settleMs);
  const second = await compareWithChains(store, sdk, states.filter((state) => drifted.has(state.account)), again);
  return second.filter((difference) => suspects.has(key(difference)));
}

/** Waits until each chain in `blocks` has a block above its entry there, for at most `timeoutMs` in all. */
async function minedPast(sdk: BallastBaseClient, blocks: ReadonlyMap<number, bigint>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await Promise.all(
    [...blocks].map(async ([eid, block]) => {
      const chain = sdk.ballast.chains.get(eid);
      while (chain && (await chain.publicClient.getBlockNumber({ cacheTime: 0 })) <= block && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }),
  );
}

/**
 * The differences between stored `states` and the chains, each chain in `blocks` read at its block. The
 * assets the store holds are read in the first round trip on home; one the store missed costs a second.
 */
async function compareWithChains(store: ReconcileStore, sdk: BallastBaseClient, states: AccountState[], blocks: ReadonlyMap<number, bigint>): Promise<AccountDifference[]> {
  const differences: AccountDifference[] = [];
  const { accounts: onChainStates } = await getAccountStates(sdk, {
    accounts: states.map((state) => state.account),
    blockNumbers: Object.fromEntries(blocks),
    assets: [...new Set(states.flatMap((state) => Object.keys(state.collateral) as Address[]))],
  });
  for (const [index, stored] of states.entries()) {
    const onChain = onChainStates[index] as (typeof onChainStates)[number];
    const compare = (eid: number, field: string, storedValue: bigint | undefined, onChainValue: bigint | undefined) => {
      const block = blocks.get(eid);
      if (block === undefined || (storedValue ?? 0n) === (onChainValue ?? 0n)) return;
      differences.push({ account: stored.account, eid, field, stored: storedValue ?? 0n, onChain: onChainValue ?? 0n, block });
    };
    for (const asset of new Set([...Object.keys(stored.collateral), ...Object.keys(onChain.collateral)] as Address[])) {
      compare(store.homeEid, `collateral:${asset}`, stored.collateral[asset], onChain.collateral[asset]);
    }
    compare(store.homeEid, 'epoch', BigInt(stored.epoch), BigInt(onChain.epoch ?? 0));
    for (const eid of store.remoteEids) {
      compare(store.homeEid, `exported:${eid}`, stored.exported[eid], onChain.exported[eid]);
      for (const field of ['line', 'drawn', 'parked'] as const) compare(eid, field, stored.lines[eid]?.[field], onChain.lines[eid]?.[field]);
    }
  }
  return differences;
}
