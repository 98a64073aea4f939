// A test file's Redis when it needs no chains: Redis (started if none answers), one shared connection,
// a key prefix unique to this run, and clean-up once the file's tests are done (what the tests registered
// to close, newest first, then every key under the prefix; the Redis may be shared with other work).
import { type LocalRedis, ensureRedis } from '@ballast/devnet';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';

export type RedisSuite = {
  /** The Redis URL; set in `beforeAll`. */
  readonly url: string;
  /** The shared connection (`maxRetriesPerRequest: null`, as BullMQ asks); set in `beforeAll`. */
  readonly redis: Redis;
  /** `test-<name>-<pid>-<time>`: every key starting with it is deleted at the end. */
  readonly prefix: string;
  /** Opens another connection (a BullMQ worker's, say), disconnected at the end. */
  connection: () => Redis;
  /** Runs `close` at the end, before the keys are deleted; errors are ignored. */
  onClose: (close: () => Promise<unknown>) => void;
};

/** Registers the file's `beforeAll` and `afterAll` for a Redis suite and returns it. */
export function redisSuite(name: string): RedisSuite {
  const prefix = `test-${name}-${process.pid}-${Date.now()}`;
  const closers: (() => Promise<unknown>)[] = [];
  let local: LocalRedis | undefined;
  let redis: Redis | undefined;
  const started = () => {
    if (!local || !redis) throw new Error('The Redis suite is used before its beforeAll ran.');
    return { url: local.url, redis };
  };

  beforeAll(async () => {
    local = await ensureRedis();
    redis = new Redis(local.url, { maxRetriesPerRequest: null });
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    if (redis) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
    await local?.stop();
  });

  return {
    get url() {
      return started().url;
    },
    get redis() {
      return started().redis;
    },
    prefix,
    connection: () => {
      const connection = new Redis(started().url, { maxRetriesPerRequest: null });
      closers.push(async () => connection.disconnect());
      return connection;
    },
    onClose: (close) => {
      closers.push(close);
    },
  };
}
