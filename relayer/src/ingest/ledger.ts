// Ingest's records in Redis, one key space per chain, and every Redis-side step of ingest in one Lua
// script. Under `<prefix>:{chain:<eid>}:` (the braces are a Redis Cluster hash tag: one chain's keys
// share a slot, so one script can touch them all):
//
//   ingest:cursor      hash   block (last applied), hash (its block hash), seq (commit count)
//   ingest:blocks      zset   block hashes of recent applied blocks (score = number): the reorg window
//   ingest:undo        hash   "<block>\n<key>\n<field>" → the field's value before that block ("=v", or "-" for absent)
//   ingest:undo-index  zset   the undo fields by block, to prune and roll back by range
//
// A consumer's state lives under the same tag. A batch's state writes, its undo entries, the new
// window entries and the cursor are committed by one script, only if the cursor's `seq` is still the
// one the batch was read at: apply and cursor move together or not at all, and of two processes that
// read the same batch only one commits it. A rollback restores every field written above the common
// block from the undo entries, in the same kind of compare-and-set commit.
import type { Redis } from 'ioredis';
import type { Hash } from 'viem';
import { IngestConflictError, StateKeyOutsideChainError } from './errors.ts';

/** The start of every key of chain `eid` under `prefix`; keys built on it share one Redis Cluster slot. */
export function chainKeyPrefix(prefix: string, eid: number): string {
  return `${prefix}:{chain:${eid}}:`;
}

/** A key of chain `eid`, e.g. `chainKey('ballast', 40101, 'reconcile', 'accounts')` → `ballast:{chain:40101}:reconcile:accounts`. */
export function chainKey(prefix: string, eid: number, ...parts: string[]): string {
  return `${chainKeyPrefix(prefix, eid)}${parts.join(':')}`;
}

/**
 * One hash-field write of a consumer's state: `value` null deletes the field. `block` is the block of
 * the event that caused it; the field's previous value is kept per block for rollback.
 */
export type StateWrite = { key: string; field: string; value: string | null; block: bigint };

/** A hash field a rollback restored. */
export type RestoredField = { key: string; field: string };

export type ChainCursor = {
  /** Last block whose events are applied. */
  block: bigint;
  /** Its hash; undefined before the first commit. */
  hash: Hash | undefined;
  /** Number of commits so far: the compare-and-set token of the next one. */
  seq: number;
};

export type BlockRef = { number: bigint; hash: Hash };

export type CommitBatchParameters = {
  /** `seq` of the cursor the batch was read at. */
  seq: number;
  block: BlockRef;
  /** Hashes of the batch's blocks to add to the reorg window (the last block and every block with events). */
  blocks: BlockRef[];
  writes: StateWrite[];
  /** Window entries and undo entries below this block may go (the newest entry below it stays as an anchor). */
  keepFrom: bigint;
};

export type CommitRollbackParameters = { seq: number; block: BlockRef };

const COMMIT_SCRIPT = `
local cursor, window, undo, undoIndex = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local seq = redis.call('HGET', cursor, 'seq') or '0'
if seq ~= ARGV[1] then return -1 end
local mode, block, hash, keepFrom = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local i = 6
if mode == 'rollback' then
  redis.call('ZREMRANGEBYSCORE', window, '(' .. block, '+inf')
  local undone = redis.call('ZRANGEBYSCORE', undoIndex, '(' .. block, '+inf')
  for _, field in ipairs(undone) do redis.call('HDEL', undo, field) end
  redis.call('ZREMRANGEBYSCORE', undoIndex, '(' .. block, '+inf')
end
local blocks = tonumber(ARGV[i]); i = i + 1
for _ = 1, blocks do
  redis.call('ZREMRANGEBYSCORE', window, ARGV[i], ARGV[i])
  redis.call('ZADD', window, ARGV[i], ARGV[i + 1])
  i = i + 2
end
-- The lowest block a rollback can go back to: the newest window entry below keepFrom (the anchor),
-- else keepFrom. Writes at or below it need no undo entry.
local lowest = keepFrom
if mode == 'apply' then
  local anchor = redis.call('ZREVRANGEBYSCORE', window, '(' .. keepFrom, '-inf', 'WITHSCORES', 'LIMIT', 0, 1)
  if #anchor > 0 then lowest = anchor[2] end
end
local writes = tonumber(ARGV[i]); i = i + 1
for _ = 1, writes do
  local key, field, value, at = KEYS[tonumber(ARGV[i])], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  i = i + 4
  if mode == 'apply' and tonumber(at) > tonumber(lowest) then
    local undoField = at .. '\\n' .. key .. '\\n' .. field
    if redis.call('HEXISTS', undo, undoField) == 0 then
      local previous = redis.call('HGET', key, field)
      if previous then redis.call('HSET', undo, undoField, '=' .. previous) else redis.call('HSET', undo, undoField, '-') end
      redis.call('ZADD', undoIndex, at, undoField)
    end
  end
  if string.sub(value, 1, 1) == '=' then redis.call('HSET', key, field, string.sub(value, 2)) else redis.call('HDEL', key, field) end
end
local nextSeq = tonumber(seq) + 1
redis.call('HSET', cursor, 'block', block, 'hash', hash, 'seq', nextSeq)
if mode == 'apply' then
  redis.call('ZREMRANGEBYSCORE', window, '-inf', '(' .. lowest)
  local pruned = redis.call('ZRANGEBYSCORE', undoIndex, '-inf', lowest)
  for _, field in ipairs(pruned) do redis.call('HDEL', undo, field) end
  redis.call('ZREMRANGEBYSCORE', undoIndex, '-inf', lowest)
end
return nextSeq
`;

type Keys = { cursor: string; blocks: string; undo: string; undoIndex: string };

/** The commit script as an ioredis command (sent by SHA once loaded). */
type WithCommitCommand = Redis & { ballastIngestCommit: (numberOfKeys: number, ...keysAndArgs: (string | number)[]) => Promise<number> };

export class IngestLedger {
  readonly redis: Redis;
  readonly prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.prefix = prefix;
    if (!('ballastIngestCommit' in redis)) redis.defineCommand('ballastIngestCommit', { lua: COMMIT_SCRIPT });
  }

  keys(eid: number): Keys {
    return {
      cursor: chainKey(this.prefix, eid, 'ingest', 'cursor'),
      blocks: chainKey(this.prefix, eid, 'ingest', 'blocks'),
      undo: chainKey(this.prefix, eid, 'ingest', 'undo'),
      undoIndex: chainKey(this.prefix, eid, 'ingest', 'undo-index'),
    };
  }

  /** The applied cursor of `eid`, or undefined before its first commit. */
  async cursor(eid: number): Promise<ChainCursor | undefined> {
    const { block, hash, seq } = await this.redis.hgetall(this.keys(eid).cursor);
    if (block === undefined || seq === undefined) return undefined;
    return { block: BigInt(block), hash: hash ? (hash as Hash) : undefined, seq: Number(seq) };
  }

  /** The reorg window of `eid`, newest block first. */
  async window(eid: number): Promise<BlockRef[]> {
    const flat = await this.redis.zrevrange(this.keys(eid).blocks, 0, -1, 'WITHSCORES');
    const refs: BlockRef[] = [];
    for (let index = 0; index < flat.length; index += 2) refs.push({ hash: flat[index] as Hash, number: BigInt(flat[index + 1] as string) });
    return refs;
  }

  /** Commits a batch: its state writes (journaled for rollback), window entries and the new cursor. */
  async commitBatch(eid: number, { seq, block, blocks, writes, keepFrom }: CommitBatchParameters): Promise<number> {
    const tag = chainKeyPrefix(this.prefix, eid);
    for (const write of writes) if (!write.key.startsWith(tag)) throw new StateKeyOutsideChainError(write.key, tag);
    return this.#commit(eid, seq, 'apply', block, keepFrom, blocks, writes);
  }

  /**
   * What rolling `eid` back to `block` restores: per state field written above `block`, its value at the
   * end of `block` (from the undo entry of the lowest block above it). Read-only; `commitRollback` writes.
   */
  async planRollback(eid: number, block: bigint): Promise<StateWrite[]> {
    const keys = this.keys(eid);
    const flat = await this.redis.zrangebyscore(keys.undoIndex, `(${block}`, '+inf', 'WITHSCORES');
    const earliest = new Map<string, { undoField: string; block: bigint; key: string; field: string }>();
    for (let index = 0; index < flat.length; index += 2) {
      const undoField = flat[index] as string;
      const at = BigInt(flat[index + 1] as string);
      const [, key, field] = splitUndoField(undoField);
      const id = `${key}\n${field}`;
      const seen = earliest.get(id);
      if (!seen || at < seen.block) earliest.set(id, { undoField, block: at, key, field });
    }
    const entries = [...earliest.values()];
    if (entries.length === 0) return [];
    const values = await this.redis.hmget(keys.undo, ...entries.map((entry) => entry.undoField));
    // A missing entry means another process changed the journal since the index was read; its seq check fails then.
    return entries.map((entry, index) => ({ key: entry.key, field: entry.field, value: values[index]?.startsWith('=') ? values[index].slice(1) : null, block }));
  }

  /**
   * Rolls `eid` back to `block` (the last block still on the chain): writes `restores` (from
   * `planRollback` at the same `seq`), drops the window and undo entries above it, moves the cursor.
   */
  async commitRollback(eid: number, { seq, block }: CommitRollbackParameters, restores: StateWrite[]): Promise<number> {
    return this.#commit(eid, seq, 'rollback', block, block.number, [], restores);
  }

  async #commit(eid: number, seq: number, mode: 'apply' | 'rollback', block: BlockRef, keepFrom: bigint, blocks: BlockRef[], writes: StateWrite[]): Promise<number> {
    const keys = this.keys(eid);
    const stateKeys: string[] = [];
    const keyIndex = new Map<string, number>();
    const args: (string | number)[] = [seq, mode, block.number.toString(), block.hash, keepFrom.toString(), blocks.length];
    for (const ref of blocks) args.push(ref.number.toString(), ref.hash);
    args.push(writes.length);
    for (const write of writes) {
      let index = keyIndex.get(write.key);
      if (index === undefined) {
        stateKeys.push(write.key);
        index = 4 + stateKeys.length;
        keyIndex.set(write.key, index);
      }
      args.push(index, write.field, write.value === null ? '-' : `=${write.value}`, write.block.toString());
    }
    const allKeys = [keys.cursor, keys.blocks, keys.undo, keys.undoIndex, ...stateKeys];
    const result = await (this.redis as WithCommitCommand).ballastIngestCommit(allKeys.length, ...allKeys, ...args);
    if (result === -1) {
      throw new IngestConflictError(`Another ingest process committed chain ${eid} first (this one read seq ${seq}); re-reading from its cursor.`, { meta: { eid, seq } });
    }
    return result;
  }
}

function splitUndoField(undoField: string): [string, string, string] {
  const first = undoField.indexOf('\n');
  const second = undoField.indexOf('\n', first + 1);
  return [undoField.slice(0, first), undoField.slice(first + 1, second), undoField.slice(second + 1)];
}
