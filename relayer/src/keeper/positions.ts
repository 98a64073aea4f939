// The keeper's in-memory copy of what it scores from, so that a price tick re-scores every holder of the
// asset in one pass, without a Redis round trip per account: each account's position as last read from
// the reconcile store (re-read for the accounts a batch applied in this process touched, and for every
// account at each sweep), the bucket and assets of its last stored score, and the asset → holders index
// those scores make (only here: a keeper builds it from the scores of its first sweep).
//
// A batch that another relayer of the prefix committed reaches this copy at the next sweep (as it reaches
// the keeper's scores at all); the workers check every action on chain before sending, so a stale position
// costs at most a skipped job or an action one sweep late, never a wrong one.
import type { Address } from 'viem';
import type { AccountState } from '../reconcile/account-store.ts';
import type { KeeperHealthBucket } from './ledger.ts';
import { type PositionTotals, heldAssets, positionTotals } from './scoring.ts';

/** One account as the keeper knows it. */
export type CachedAccount = {
  readonly account: Address;
  /** Its position as last read from the store; undefined until read. */
  state: AccountState | undefined;
  /** `heldAssets(state)`, one array shared by every account holding the same assets. */
  assets: readonly Address[];
  /** `positionTotals(state)`: a price tick does not move them. */
  totals: PositionTotals;
  /** Bucket and assets of its last stored score (any keeper's), if known. */
  stored: { bucket: KeeperHealthBucket; assets: readonly Address[] } | undefined;
  /** Its latest score's stored line while it waits to be written to the ledger. */
  unwritten: string | undefined;
  /** Bumped whenever a batch's writes patch `state`: a store read started before is older and is dropped. */
  version: number;
  /** Queued to be scored again from `state` (the keeper's repriced list holds it once). */
  repricing: boolean;
};

const NO_TOTALS: PositionTotals = Object.freeze({ totalExported: 0n, totalDrawn: 0n });

export class PositionCache {
  readonly #accounts = new Map<Address, CachedAccount>();
  readonly #holders = new Map<Address, Set<CachedAccount>>();
  /** The shared asset arrays, by their assets joined. */
  readonly #assetSets = new Map<string, readonly Address[]>();
  readonly #interned = new WeakSet<readonly Address[]>();

  get size(): number {
    return this.#accounts.size;
  }

  /** The account's entry, created empty on first use. */
  entry(account: Address): CachedAccount {
    let entry = this.#accounts.get(account);
    if (!entry) this.#accounts.set(account, (entry = { account, state: undefined, assets: [], totals: NO_TOTALS, stored: undefined, unwritten: undefined, version: 0, repricing: false }));
    return entry;
  }

  /** Caches `state`, just read from the store, as the account's position. */
  setPosition(entry: CachedAccount, state: AccountState): void {
    entry.state = state;
    entry.assets = this.#intern(heldAssets(state));
    entry.totals = positionTotals(state);
  }

  /** Sums `state`'s totals again after a patch that wrote no collateral (the assets held are the same). */
  setTotals(entry: CachedAccount, state: AccountState): void {
    entry.state = state;
    entry.totals = positionTotals(state);
  }

  /** Records the account's stored score and moves it in the holders index: out of assets it no longer holds, into new ones. */
  setStored(entry: CachedAccount, bucket: KeeperHealthBucket, assets: readonly Address[]): void {
    const interned = this.#intern(assets);
    const before = entry.stored?.assets;
    if (before !== interned) {
      for (const asset of before ?? []) if (!interned.includes(asset)) this.#holders.get(asset)?.delete(entry);
      for (const asset of interned) {
        let holders = this.#holders.get(asset);
        if (!holders) this.#holders.set(asset, (holders = new Set()));
        holders.add(entry);
      }
    }
    if (entry.stored) {
      entry.stored.bucket = bucket;
      entry.stored.assets = interned;
    } else entry.stored = { bucket, assets: interned };
  }

  /** Accounts whose last stored score holds `asset`. */
  holders(asset: Address): ReadonlySet<CachedAccount> {
    return this.#holders.get(asset) ?? new Set();
  }

  /** Drops every cached position (a rollback undid values they hold): each is read whole before it is scored or patched again. */
  forgetStates(): void {
    for (const entry of this.#accounts.values()) entry.state = undefined;
  }

  /** Forgets every account not in `accounts` (a sweep: what the store no longer lists). */
  retain(accounts: ReadonlySet<Address>): void {
    for (const [account, entry] of [...this.#accounts]) {
      if (accounts.has(account)) continue;
      for (const asset of entry.stored?.assets ?? []) this.#holders.get(asset)?.delete(entry);
      this.#accounts.delete(account);
    }
  }

  #intern(assets: readonly Address[]): readonly Address[] {
    if (this.#interned.has(assets)) return assets;
    const key = assets.join(',');
    let shared = this.#assetSets.get(key);
    if (!shared) {
      shared = Object.freeze([...assets]);
      this.#assetSets.set(key, shared);
      this.#interned.add(shared);
    }
    return shared;
  }
}
