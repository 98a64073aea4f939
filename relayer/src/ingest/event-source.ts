// One chain's events, in order, in batches of whole blocks, from the applied cursor kept in Redis to
// `confirmations` blocks behind the head. Each `next()` first checks that the last applied block is
// still on the chain; if not, it walks the reorg window down to the last block that is, and asks for a
// rollback to it. A batch is read between two reads of its last block's hash: if the hash changed, the
// chain moved during the read and the batch is dropped (a reorg cannot change an earlier block without
// changing every later hash). `commit` moves the cursor, atomically with the consumer's writes.
import type { ChainDeployment } from '@ballast/protocol';
import { type Address, BlockNotFoundError, type Chain, type Hash, type PublicClient, type Transport, getAddress, withRetry } from 'viem';
import { type ContractRole, type FollowedContract, type IngestedEvent, compareEventPositions, decodeIngestedLog, followedContracts } from './contracts.ts';
import { ChainMovedError, ReorgTooDeepError } from './errors.ts';
import type { BlockRef, IngestLedger, RestoredField, StateWrite } from './ledger.ts';
import { AdaptiveLogRange } from '../poll-pacing.ts';
import type { ResolvedIngestSettings } from './settings.ts';

/** A chain to ingest: its entry in the deployments file and a client to read it through. */
export type IngestChain = { deployment: ChainDeployment; publicClient: PublicClient<Transport, Chain> };

/** Every followed event of blocks `fromBlock..toBlock` of one chain, ordered by `(blockNumber, logIndex)`. */
export type EventBatch = {
  eid: number;
  fromBlock: bigint;
  toBlock: bigint;
  toBlockHash: Hash;
  /** The chain's head when the batch was read. */
  headBlock: bigint;
  events: IngestedEvent[];
};

/** Blocks `toBlock + 1..fromBlock` of chain `eid` left the chain; state goes back to the end of `toBlock`. */
export type RollbackNotice = {
  eid: number;
  /** The last applied block before the rollback. */
  fromBlock: bigint;
  /** The last block still on the chain (the new cursor). */
  toBlock: bigint;
  /** State fields the rollback restores (every field a consumer wrote above `toBlock`). */
  restored: RestoredField[];
};

export type IngestStep =
  | { kind: 'idle'; eid: number; headBlock: bigint; appliedBlock: bigint }
  | { kind: 'batch'; batch: EventBatch; seq: number; blocks: BlockRef[] }
  | { kind: 'rollback'; rollback: RollbackNotice; seq: number; to: BlockRef; restores: StateWrite[]; headBlock: bigint };

export type EventSourceOptions = {
  chain: IngestChain;
  ledger: IngestLedger;
  settings: ResolvedIngestSettings;
  /** @defaultValue `followedContracts(chain.deployment)` */
  contracts?: FollowedContract[];
};

/** Longest time a caught-up chain goes without checking its applied block's hash while the head stands still. */
const IDLE_HASH_CHECK_MS = 1_000;

export class EventSource {
  readonly eid: number;
  readonly confirmations: bigint;
  readonly startBlock: bigint;
  readonly settings: ResolvedIngestSettings;
  readonly #client: PublicClient<Transport, Chain>;
  readonly #ledger: IngestLedger;
  readonly #settings: ResolvedIngestSettings;
  readonly #roles: Map<Address, ContractRole>;
  readonly #addresses: Address[];
  readonly #range: AdaptiveLogRange;
  /** `<applied>:<head>` of the last idle poll that checked the applied block's hash, and when. */
  #checkedIdle = '';
  #checkedIdleAt = 0;

  constructor({ chain, ledger, settings, contracts = followedContracts(chain.deployment) }: EventSourceOptions) {
    this.eid = chain.deployment.eid;
    this.confirmations = BigInt(settings.confirmations ?? chain.deployment.confirmations);
    this.startBlock = BigInt(settings.startBlock ?? chain.deployment.startBlock);
    this.#client = chain.publicClient;
    this.#ledger = ledger;
    this.#settings = settings;
    this.settings = settings;
    this.#roles = new Map(contracts.map(({ role, address }) => [getAddress(address), role]));
    this.#addresses = [...this.#roles.keys()];
    this.#range = new AdaptiveLogRange(settings.maxBlockRange);
  }

  /** What to do next on this chain: nothing yet, roll back, or apply a batch. Reads only; `commit` writes. */
  async next(): Promise<IngestStep> {
    const cursor = await this.#ledger.cursor(this.eid);
    const applied = cursor?.block ?? this.startBlock - 1n;
    const seq = cursor?.seq ?? 0;
    const head = await this.#read(() => this.#client.getBlockNumber({ cacheTime: 0 }));
    const safe = head - this.confirmations;
    const toBlock = this.#range.end(applied, safe);

    if (toBlock <= applied) {
      // Caught up: while the head stands still a poll is one eth_blockNumber. The applied block's hash is
      // checked when the head moves, and at least every IDLE_HASH_CHECK_MS (a reorg that keeps the height).
      const idle = `${applied}:${head}`;
      if (cursor?.hash && (idle !== this.#checkedIdle || Date.now() - this.#checkedIdleAt >= IDLE_HASH_CHECK_MS)) {
        if ((await this.#hashAt(applied)) !== cursor.hash) return this.#rollback(applied, seq, head);
        this.#checkedIdle = idle;
        this.#checkedIdleAt = Date.now();
      }
      return { kind: 'idle', eid: this.eid, headBlock: head, appliedBlock: applied };
    }

    // The last applied block is checked after `toBlock` is first read, and the logs are read before it
    // is read again: if both reads agree, the applied block and the logs were on one chain.
    const before = await this.#hashAt(toBlock);
    const [appliedHash, logs] = await Promise.all([
      cursor?.hash ? this.#hashAt(applied) : undefined,
      this.#getLogs(applied + 1n, toBlock),
    ]);
    if (cursor?.hash && appliedHash !== cursor.hash) return this.#rollback(applied, seq, head);
    const after = await this.#hashAt(toBlock);
    if (!before || before !== after) throw new ChainMovedError(`Chain ${this.eid} changed while blocks ${applied + 1n}..${toBlock} were read; reading them again.`);

    const events: IngestedEvent[] = [];
    const blocks = new Map<bigint, Hash>([[toBlock, before]]);
    for (const log of logs) {
      if (log.blockNumber === toBlock && log.blockHash !== before) {
        throw new ChainMovedError(`Chain ${this.eid} returned logs of block ${toBlock} from another fork; reading it again.`);
      }
      blocks.set(log.blockNumber, log.blockHash);
      const event = decodeIngestedLog(this.eid, this.#roles, log);
      if (event) events.push(event);
    }
    events.sort(compareEventPositions);
    return {
      kind: 'batch',
      seq,
      blocks: [...blocks].map(([number, hash]) => ({ number, hash })),
      batch: { eid: this.eid, fromBlock: applied + 1n, toBlock, toBlockHash: before, headBlock: head, events },
    };
  }

  /**
   * Commits a step: a batch moves the cursor to its last block with `writes` (the consumer's state
   * changes); a rollback restores state and moves the cursor back. Throws `IngestConflictError` when
   * another process committed this chain since the step was read: nothing was written then.
   */
  async commit(step: Exclude<IngestStep, { kind: 'idle' }>, writes: StateWrite[] = []): Promise<void> {
    if (step.kind === 'batch') {
      const { batch, seq, blocks } = step;
      const keepFrom = batch.toBlock - BigInt(this.#settings.reorgDepth);
      await this.#ledger.commitBatch(this.eid, { seq, block: { number: batch.toBlock, hash: batch.toBlockHash }, blocks, writes, keepFrom });
      return;
    }
    await this.#ledger.commitRollback(this.eid, { seq: step.seq, block: step.to }, step.restores);
  }

  async #rollback(applied: bigint, seq: number, head: bigint): Promise<IngestStep> {
    const window = await this.#ledger.window(this.eid);
    for (const ref of window) {
      if (ref.number > head) continue;
      if ((await this.#hashAt(ref.number)) === ref.hash) {
        const restores = await this.#ledger.planRollback(this.eid, ref.number);
        const restored = restores.map(({ key, field }) => ({ key, field }));
        return { kind: 'rollback', seq, to: ref, restores, headBlock: head, rollback: { eid: this.eid, fromBlock: applied, toBlock: ref.number, restored } };
      }
    }
    throw new ReorgTooDeepError(this.eid, applied, window.at(-1)?.number);
  }

  /** An RPC read, retried `rpcRetries` times (reads are idempotent; a missing block is an answer, not a failure). */
  #read<result>(read: () => Promise<result>): Promise<result> {
    return withRetry(read, {
      retryCount: this.#settings.rpcRetries,
      delay: ({ count }) => 50 * 2 ** count,
      shouldRetry: ({ error }) => !(error instanceof BlockNotFoundError),
    });
  }

  /** The hash of block `number` on the chain now, or undefined if the chain has no such block. */
  async #hashAt(number: bigint): Promise<Hash | undefined> {
    try {
      return (await this.#read(() => this.#client.getBlock({ blockNumber: number }))).hash;
    } catch (error) {
      if (error instanceof BlockNotFoundError) return undefined;
      throw error;
    }
  }

  /** getLogs of every followed contract over a range; a failure (after retries) halves the next range (a node's result limit). */
  async #getLogs(fromBlock: bigint, toBlock: bigint) {
    if (this.#addresses.length === 0) return [];
    try {
      const logs = await this.#read(() => this.#client.getLogs({ address: this.#addresses, fromBlock, toBlock }));
      this.#range.succeeded();
      return logs;
    } catch (error) {
      this.#range.failed();
      throw error;
    }
  }
}
