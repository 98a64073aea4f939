// The reconcile store: what the events say each account holds, kept in Redis by ingest (it is an
// IngestConsumer). On home, from the vault: collateral per asset (Deposited − Withdrawn −
// CollateralSeized), credit exported per remote (CreditExported − CreditReleased − SeizeApplied's
// repaid) and the liquidation epoch (AccountFlagged and AccountCleared carry the new one; odd while
// flagged); the latest answer of each price feed. On each remote, from the mirror:
//   line    CreditGranted − voluntary CreditReleased − Liquidated − CreditParked with lineShrank (a
//           RECALL, a LIQUIDATABLE or a BAD_DEBT took the credit off the line)
//   drawn   Drawn − Restored − Liquidated − BadDebtWrittenOff
//   parked  CreditParked − CreditReleased of parked credit (every reason but voluntary)
// The mirror says in CreditParked whether the line shrank: a GRANT that reaches a flagged line or lands
// late is parked without ever being on it (lineShrank false).
//
// Amounts are decimal strings (Redis integers stop at 2^63; credit is 1e18-scaled). Every field of a
// chain lives under that chain's hash tag, so ingest commits it with the chain's cursor and rolls it
// back after a reorg. A value below zero is kept as is: it means events are missing (a start block
// after the account's first event) and `accountDifferences` shows it.
import { type ChainDeployment, DeploymentsError, RELEASE_REASONS } from '@ballast/protocol';
import type { Redis } from 'ioredis';
import { type Address, getAddress } from 'viem';
import { checksummed } from '../checksum-cache.ts';
import type { EventBatch } from '../ingest/event-source.ts';
import type { IngestConsumer } from '../ingest/ingest.ts';
import { type IngestLedger, type StateWrite, chainKey } from '../ingest/ledger.ts';

export type RemoteLine = { line: bigint; drawn: bigint; parked: bigint };

/** One account across the chains: home's record and each remote's line. */
export type AccountState = {
  account: Address;
  /** Collateral by asset, in token units (home). */
  collateral: Record<Address, bigint>;
  /** Credit exported per remote eid, 1e18 USD (home). */
  exported: Record<number, bigint>;
  /** Line, drawn and parked credit per remote eid, 1e18 USD. */
  lines: Record<number, RemoteLine>;
  /** Home's liquidation epoch (odd: flagged); 0 until the account is first flagged. */
  epoch: number;
};

export type FeedAnswer = { answer: bigint; roundId: bigint; updatedAt: bigint };

/** Accounts' states and, per chain, the applied block they reflect. */
export type StoreSnapshot = { blocks: Map<number, bigint>; accounts: AccountState[] };

const VOLUNTARY = RELEASE_REASONS.indexOf('voluntary');

type Change = { key: string; field: string; block: bigint } & ({ add: bigint } | { set: string });

export type ReconcileStoreOptions = {
  redis: Redis;
  /** The deployment's chains (`deployments.chains`): one home, the rest remotes. */
  chains: readonly Pick<ChainDeployment, 'eid' | 'role'>[];
  /** Redis key prefix, the ingest's. @defaultValue 'ballast' */
  prefix?: string;
};

export class ReconcileStore implements IngestConsumer {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly homeEid: number;
  readonly remoteEids: number[];
  /** `accountWrites` of each batch's writes, while someone holds them. */
  readonly #grouped = new WeakMap<readonly StateWrite[], { eid: number; byAccount: ReadonlyMap<Address, readonly StateWrite[]> }>();

  constructor({ redis, chains, prefix = 'ballast' }: ReconcileStoreOptions) {
    const home = chains.find((chain) => chain.role === 'home');
    if (!home) throw new DeploymentsError('The reconcile store needs the home chain among its chains (role "home").');
    this.#redis = redis;
    this.#prefix = prefix;
    this.homeEid = home.eid;
    this.remoteEids = chains.filter((chain) => chain.role === 'remote').map((chain) => chain.eid);
  }

  #accountKey(eid: number, account: Address): string {
    return chainKey(this.#prefix, eid, 'reconcile', 'account', account);
  }

  #indexKey(eid: number): string {
    return chainKey(this.#prefix, eid, 'reconcile', 'accounts');
  }

  #feedsKey(): string {
    return chainKey(this.#prefix, this.homeEid, 'reconcile', 'feeds');
  }

  /** @inheritdoc IngestConsumer.apply */
  async apply(batch: EventBatch): Promise<StateWrite[]> {
    const changes: Change[] = [];
    const touched = new Map<Address, bigint>();
    const add = (account: Address, field: string, amount: bigint, block: bigint) => {
      changes.push({ key: this.#accountKey(batch.eid, account), field, add: amount, block });
      if (!touched.has(account)) touched.set(account, block);
    };
    const set = (account: Address, field: string, value: string, block: bigint) => {
      changes.push({ key: this.#accountKey(batch.eid, account), field, set: value, block });
      if (!touched.has(account)) touched.set(account, block);
    };
    for (const event of batch.events) {
      const block = event.blockNumber;
      if (event.contract === 'vault') {
        if (event.eventName === 'Deposited') add(event.args.account, `collateral:${event.args.asset}`, event.args.amount, block);
        else if (event.eventName === 'Withdrawn') add(event.args.account, `collateral:${event.args.asset}`, -event.args.amount, block);
        else if (event.eventName === 'CollateralSeized') add(event.args.account, `collateral:${event.args.asset}`, -event.args.amount, block);
        else if (event.eventName === 'CreditExported') add(event.args.account, `exported:${event.args.dstEid}`, event.args.amount, block);
        else if (event.eventName === 'CreditReleased') add(event.args.account, `exported:${event.args.srcEid}`, -event.args.amount, block);
        else if (event.eventName === 'SeizeApplied') add(event.args.account, `exported:${event.args.srcEid}`, -event.args.repaid, block);
        else if (event.eventName === 'AccountFlagged' || event.eventName === 'AccountCleared') set(event.args.account, 'epoch', String(event.args.epoch), block);
      } else if (event.contract === 'mirror') {
        if (event.eventName === 'CreditGranted') add(event.args.account, 'line', event.args.amount, block);
        else if (event.eventName === 'Drawn') add(event.args.account, 'drawn', event.args.amount, block);
        else if (event.eventName === 'Restored') add(event.args.account, 'drawn', -event.args.amount, block);
        else if (event.eventName === 'BadDebtWrittenOff') add(event.args.account, 'drawn', -event.args.amount, block);
        else if (event.eventName === 'Liquidated') {
          add(event.args.account, 'drawn', -event.args.amount, block);
          add(event.args.account, 'line', -event.args.amount, block);
        } else if (event.eventName === 'CreditParked') {
          const { account, amount, lineShrank } = event.args;
          add(account, 'parked', amount, block);
          if (lineShrank) add(account, 'line', -amount, block);
        } else if (event.eventName === 'CreditReleased') {
          add(event.args.account, event.args.reason === VOLUNTARY ? 'line' : 'parked', -event.args.amount, block);
        }
      } else if (event.contract === 'feed' && event.eventName === 'AnswerUpdated') {
        const { current, roundId, updatedAt } = event.args;
        changes.push({ key: this.#feedsKey(), field: event.address, set: `${current}:${roundId}:${updatedAt}`, block });
      }
    }
    for (const [account, block] of touched) changes.push({ key: this.#indexKey(batch.eid), field: account, set: '1', block });
    return this.#writes(changes);
  }

  /**
   * Turns changes into absolute writes in event order, from the values committed so far. A write that
   * leaves a field as it was (an account already in the index) is dropped: it would change nothing, and
   * a rollback needs no undo entry for it.
   */
  async #writes(changes: Change[]): Promise<StateWrite[]> {
    const id = (change: Change) => `${change.key}\n${change.field}`;
    // The fields to read, grouped by key: one HMGET per hash (the index's for every account of the batch).
    const fieldsByKey = new Map<string, Set<string>>();
    for (const change of changes) {
      let fields = fieldsByKey.get(change.key);
      if (!fields) fieldsByKey.set(change.key, (fields = new Set()));
      fields.add(change.field);
    }
    const current = new Map<string, string | null>();
    if (fieldsByKey.size > 0) {
      const pipeline = this.#redis.pipeline();
      for (const [key, fields] of fieldsByKey) pipeline.hmget(key, ...fields);
      const results = (await pipeline.exec()) ?? [];
      [...fieldsByKey].forEach(([key, fields], index) => {
        const [error, values] = results[index] ?? [new Error('no reply'), null];
        if (error) throw error;
        let field = 0;
        for (const name of fields) current.set(`${key}\n${name}`, (values as (string | null)[])[field++] ?? null);
      });
    }
    const writes: StateWrite[] = [];
    for (const change of changes) {
      const before = current.get(id(change));
      const value = 'add' in change ? (BigInt(before ?? '0') + change.add).toString() : change.set;
      if (value === before) continue;
      current.set(id(change), value);
      writes.push({ key: change.key, field: change.field, value, block: change.block });
    }
    return writes;
  }

  /** Every account seen on any chain. */
  async accounts(): Promise<Address[]> {
    const lists = await Promise.all(this.#eids().map((eid) => this.#redis.hkeys(this.#indexKey(eid))));
    // Deduplicated before checksumming: an account is in the index of every chain it has used.
    return [...new Set([...new Set(lists.flat())].map((account) => checksummed(account)))].sort();
  }

  /** What the events say `account` holds (each chain's part as last committed; see `snapshot` for a consistent read). */
  async account(account: Address): Promise<AccountState> {
    const address = getAddress(account);
    const fields = await Promise.all(this.#eids().map((eid) => this.#redis.hgetall(this.#accountKey(eid, address))));
    return this.#parse(address, fields);
  }

  /**
   * What the events say each of `accounts` holds, in order (each chain's part as last committed, like
   * `account`), read with one pipeline per `chunkSize` accounts instead of a round trip per account.
   */
  async accountStates(accounts: readonly Address[], { chunkSize = 1_000 }: { chunkSize?: number } = {}): Promise<AccountState[]> {
    const eids = this.#eids();
    const states: AccountState[] = [];
    for (let start = 0; start < accounts.length; start += chunkSize) {
      const chunk = accounts.slice(start, start + chunkSize).map((account) => checksummed(account));
      const pipeline = this.#redis.pipeline();
      for (const account of chunk) for (const eid of eids) pipeline.hgetall(this.#accountKey(eid, account));
      const results = (await pipeline.exec()) ?? [];
      chunk.forEach((account, index) => {
        const fields = eids.map((_, chain) => {
          const [error, value] = results[index * eids.length + chain] ?? [new Error('no reply'), null];
          if (error) throw error;
          return (value ?? {}) as Record<string, string>;
        });
        states.push(this.#parse(account, fields));
      });
    }
    return states;
  }

  /**
   * The states of `accounts` (default: every account seen) with each chain's applied block, each
   * chain's part read in one MULTI with that chain's cursor: while ingest runs, every chain's values are
   * exactly those at its block.
   */
  async snapshot(ledger: IngestLedger, accounts?: Address[]): Promise<StoreSnapshot> {
    const addresses = (accounts ?? (await this.accounts())).map((account) => checksummed(account));
    const blocks = new Map<number, bigint>();
    const byChain = await Promise.all(
      this.#eids().map(async (eid) => {
        const multi = this.#redis.multi().hget(ledger.keys(eid).cursor, 'block');
        for (const address of addresses) multi.hgetall(this.#accountKey(eid, address));
        const results = (await multi.exec()) ?? [];
        const [, block] = results[0] ?? [];
        if (typeof block === 'string') blocks.set(eid, BigInt(block));
        return addresses.map((_, index) => (results[index + 1]?.[1] ?? {}) as Record<string, string>);
      }),
    );
    return { blocks, accounts: addresses.map((address, index) => this.#parse(address, byChain.map((fields) => fields[index] ?? {}))) };
  }

  #eids(): number[] {
    return [this.homeEid, ...this.remoteEids];
  }

  /** Builds an account's state from its hash on each chain, in `#eids()` order. */
  #parse(account: Address, [home, ...remotes]: Record<string, string>[]): AccountState {
    const state: AccountState = { account, collateral: {}, exported: {}, lines: {}, epoch: 0 };
    this.#parseHome(state, home ?? {});
    this.remoteEids.forEach((eid, index) => {
      state.lines[eid] = this.#parseLine(remotes[index] ?? {});
    });
    return state;
  }

  /** Home's part of a state (collateral, exports, epoch) from the account's home hash, into `state`. */
  #parseHome(state: AccountState, fields: Record<string, string>): void {
    for (const [field, value] of Object.entries(fields)) this.#setHome(state, field, value);
  }

  /** One field of an account's home hash into `state` (null: the field is gone); true for a collateral amount. */
  #setHome(state: AccountState, field: string, value: string | null): boolean {
    const [kind, key] = field.split(':') as [string, string];
    if (kind === 'collateral') {
      if (value === null) delete state.collateral[checksummed(key)];
      else state.collateral[checksummed(key)] = BigInt(value);
      return true;
    }
    if (kind === 'exported') {
      if (value === null) delete state.exported[Number(key)];
      else state.exported[Number(key)] = BigInt(value);
    } else if (kind === 'epoch') state.epoch = Number(value ?? '0');
    return false;
  }

  #parseLine(fields: Record<string, string>): RemoteLine {
    return { line: BigInt(fields.line ?? '0'), drawn: BigInt(fields.drawn ?? '0'), parked: BigInt(fields.parked ?? '0') };
  }

  /**
   * The writes among `writes` (a batch of chain `eid`, as `apply` returned them and ingest committed them)
   * that change an account's record, by account: absolute values, so a copy of the account's state can be
   * brought up to date without reading Redis (`patch`). Grouped once per batch: the keeper and the commit
   * notice publisher of one process get the same map (read it, do not change it).
   */
  accountWrites(eid: number, writes: readonly StateWrite[]): ReadonlyMap<Address, readonly StateWrite[]> {
    const grouped = this.#grouped.get(writes);
    if (grouped?.eid === eid) return grouped.byAccount;
    const prefix = this.#accountKey(eid, '' as Address);
    const byAccount = new Map<Address, StateWrite[]>();
    for (const write of writes) {
      if (!write.key.startsWith(prefix)) continue;
      const account = checksummed(write.key.slice(prefix.length));
      let list = byAccount.get(account);
      if (!list) byAccount.set(account, (list = []));
      list.push(write);
    }
    this.#grouped.set(writes, { eid, byAccount });
    return byAccount;
  }

  /**
   * Applies `writes` of chain `eid` (from `accountWrites`, in order) to `state`, in place: what the account
   * holds once they are committed. (In place: the keeper patches its copy of every account a batch touched,
   * and fresh objects for each would all outlive the young generation.) Returns whether a collateral
   * amount was written, i.e. whether the assets the account holds may have changed.
   */
  patch(state: AccountState, eid: number, writes: readonly StateWrite[]): boolean {
    if (eid === this.homeEid) {
      let collateral = false;
      for (const { field, value } of writes) if (this.#setHome(state, field, value)) collateral = true;
      return collateral;
    }
    if (!this.remoteEids.includes(eid)) throw new DeploymentsError(`The reconcile store does not follow chain ${eid}.`);
    let line = state.lines[eid];
    if (!line) state.lines[eid] = line = { line: 0n, drawn: 0n, parked: 0n };
    for (const { field, value } of writes) {
      if (field === 'line' || field === 'drawn' || field === 'parked') line[field] = BigInt(value ?? '0');
    }
    return false;
  }

  /** The latest `AnswerUpdated` of each followed feed on home. */
  async feeds(): Promise<Record<Address, FeedAnswer>> {
    const entries = await this.#redis.hgetall(this.#feedsKey());
    const feeds: Record<Address, FeedAnswer> = {};
    for (const [feed, value] of Object.entries(entries)) {
      const [answer, roundId, updatedAt] = value.split(':') as [string, string, string];
      feeds[getAddress(feed)] = { answer: BigInt(answer), roundId: BigInt(roundId), updatedAt: BigInt(updatedAt) };
    }
    return feeds;
  }
}
