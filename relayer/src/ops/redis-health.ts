// Whether the relayer's Redis can do its job, beyond answering PING: an error reply (OOM at maxmemory
// under noeviction, WRONGPASS or NOPERM after an ACL change, READONLY after a failover) is an outage to
// report on /healthz and ride out, never a crash. Also the start-up refusal of a Redis that evicts keys
// (evicted jobs, cursors and reorg windows lose work and double-apply events) and the memory metrics.
import { randomUUID } from 'node:crypto';
import { BallastError } from '@ballast/protocol';
import type { Redis } from 'ioredis';
import { type Logger, shortErrorMessage } from '../logging.ts';
import type { MetricsRegistry } from './metrics.ts';
import { withTimeout } from './redis-connection.ts';

/** Redis evicts keys: the relayer refuses to run on it. */
export class UnsafeRedisPolicyError extends BallastError {
  override name = 'UnsafeRedisPolicyError';
}

/** The only eviction policy under which Redis never drops the relayer's keys. */
export const SAFE_MAXMEMORY_POLICY = 'noeviction';

/** The error reply kinds that mean Redis refuses work while it is up (the first word of the reply). */
export const REDIS_REFUSALS = ['OOM', 'WRONGPASS', 'NOPERM', 'READONLY', 'NOAUTH', 'LOADING', 'MASTERDOWN', 'MISCONF'] as const;

/** The first word of a Redis error reply when it is one of `REDIS_REFUSALS`. */
export function redisRefusal(error: unknown): (typeof REDIS_REFUSALS)[number] | undefined {
  const word = (error instanceof Error ? error.message : String(error)).trim().split(/\s/)[0];
  return (REDIS_REFUSALS as readonly string[]).includes(word ?? '') ? (word as (typeof REDIS_REFUSALS)[number]) : undefined;
}

export type RedisPolicyCheck = { policy: string; safe: true } | { policy: undefined; safe: 'unknown'; reason: string };

/**
 * Reads `maxmemory-policy`. A policy other than `noeviction` throws `UnsafeRedisPolicyError` naming it and
 * the fix; a `CONFIG GET` the server refuses (an ACL without `+config`, a managed Redis that renamed the
 * command) or a Redis that does not answer in `timeoutMs` is `safe: 'unknown'` with the reason — the
 * caller warns and goes on.
 */
export async function checkRedisPolicy(redis: Redis, { timeoutMs = 5_000 }: { timeoutMs?: number } = {}): Promise<RedisPolicyCheck> {
  let reply: unknown;
  try {
    reply = await withTimeout(redis.config('GET', 'maxmemory-policy'), timeoutMs, `Redis did not answer within ${timeoutMs} ms`);
  } catch (error) {
    return { policy: undefined, safe: 'unknown', reason: shortErrorMessage(error) };
  }
  const policy = Array.isArray(reply) ? String(reply[1] ?? '') : '';
  if (policy === '') return { policy: undefined, safe: 'unknown', reason: 'CONFIG GET maxmemory-policy returned nothing' };
  if (policy !== SAFE_MAXMEMORY_POLICY) {
    throw new UnsafeRedisPolicyError(`Redis maxmemory-policy is "${policy}": Redis may evict the relayer's keys (jobs, cursors, reorg windows) and lose or double-apply work.`, {
      details: `Set it to "${SAFE_MAXMEMORY_POLICY}" (redis.conf \`maxmemory-policy noeviction\`, or \`CONFIG SET maxmemory-policy noeviction\` and \`CONFIG REWRITE\`; on a managed Redis, its parameter group), give Redis the memory docs/OPERATIONS.md#redis-memory sizes, then start again.`,
      docsPath: 'OPERATIONS.md#redis-memory',
    });
  }
  return { policy, safe: true };
}

export type RedisHealthOptions = {
  redis: Redis;
  /** The relayers' key prefix: the write probe's key lives under it. */
  prefix: string;
  logger: Logger;
  /** @defaultValue 1_000 */
  timeoutMs?: number;
};

export type RedisHealthReport = { ok: boolean; latencyMs?: number; error?: string };

/**
 * Follows one connection's errors (logged once per outage, not per retry) and probes it for `/healthz`:
 * a PING, then a short-lived write under the prefix — PING still answers while writes are refused (OOM,
 * READONLY, NOPERM), so only a write shows that the roles can work.
 */
export class RedisHealth {
  readonly #redis: Redis;
  readonly #probeKey: string;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  /** The connection's last error while it is down (cleared when it is ready again). */
  #connectionError: string | undefined;
  #down = false;

  constructor({ redis, prefix, logger, timeoutMs = 1_000 }: RedisHealthOptions) {
    this.#redis = redis;
    this.#probeKey = `${prefix}:health:${randomUUID()}`;
    this.#logger = logger.child({ component: 'redis' });
    this.#timeoutMs = timeoutMs;
    redis.on('error', (error: unknown) => {
      this.#connectionError = shortErrorMessage(error);
      if (!this.#down) this.#logger.warn({ err: error, refusal: redisRefusal(error) }, 'redis connection failed; reconnecting');
      this.#down = true;
    });
    redis.on('ready', () => {
      if (this.#down) this.#logger.info('redis connection back');
      this.#down = false;
      this.#connectionError = undefined;
      // A failover may land on a server configured otherwise: check the policy again on every connection.
      void this.#checkPolicy();
    });
  }

  /** Why the policy is unsafe, found at the last connection (undefined: noeviction or not readable). */
  #policyProblem: string | undefined;

  async #checkPolicy(): Promise<void> {
    try {
      await checkRedisPolicy(this.#redis, { timeoutMs: this.#timeoutMs * 5 });
      this.#policyProblem = undefined;
    } catch (error) {
      this.#policyProblem = error instanceof BallastError ? error.shortMessage : shortErrorMessage(error);
      this.#logger.error({ err: error }, 'redis may evict keys; set maxmemory-policy noeviction (OPERATIONS.md#redis-memory)');
    }
  }

  /** PING and a write, each within the timeout; the error names the reply (e.g. `OOM command not allowed …`). */
  async check(): Promise<RedisHealthReport> {
    const started = Date.now();
    const timeout = () => `no answer within ${this.#timeoutMs} ms${this.#connectionError ? ` (last connection error: ${this.#connectionError})` : ''}`;
    try {
      await withTimeout(this.#redis.ping(), this.#timeoutMs, timeout());
    } catch (error) {
      return { ok: false, error: `PING failed (${shortErrorMessage(error)})` };
    }
    try {
      await withTimeout(this.#redis.set(this.#probeKey, String(started), 'PX', 60_000), this.#timeoutMs, timeout());
    } catch (error) {
      return { ok: false, error: `writes refused (${shortErrorMessage(error)})` };
    }
    if (this.#policyProblem) return { ok: false, error: this.#policyProblem };
    return { ok: true, latencyMs: Date.now() - started };
  }
}

/** Parses `INFO` output into fields. */
function infoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** Redis' own memory figures on /metrics: used and allowed memory and the keys it has evicted (any above 0 is lost work). */
export function registerRedisMemoryMetrics({ metrics, redis, timeoutMs = 1_000 }: { metrics: MetricsRegistry; redis: Redis; timeoutMs?: number }): void {
  const used = metrics.gauge({ name: 'ballast_redis_used_memory_bytes', help: "Redis' used_memory (INFO memory)." });
  const max = metrics.gauge({ name: 'ballast_redis_maxmemory_bytes', help: "Redis' maxmemory (0: no limit)." });
  const evicted = metrics.counter({ name: 'ballast_redis_evicted_keys_total', help: 'Keys Redis evicted since it started (INFO stats). Anything above 0 lost relayer state: alert on it.' });
  metrics.collect('redis-memory', async () => {
    const [memory, stats] = await withTimeout(Promise.all([redis.info('memory'), redis.info('stats')]), timeoutMs, 'no answer');
    const memoryFields = infoFields(memory);
    used.set({}, Number(memoryFields.get('used_memory') ?? 0));
    max.set({}, Number(memoryFields.get('maxmemory') ?? 0));
    evicted.setTotal({}, Number(infoFields(stats).get('evicted_keys') ?? 0));
  });
}
