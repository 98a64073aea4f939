// Redis connections of the operator commands: connected up front with a bounded wait, so a wrong URL
// or a Redis that is down is one clear message instead of a command hanging on retries. Passwords in
// URLs never reach a message.
import { BallastError } from '@ballast/protocol';
import { Redis } from 'ioredis';

/** No Redis answered at the URL. */
export class RedisUnreachableError extends BallastError {
  override name = 'RedisUnreachableError';
}

/** `url` with any password replaced by `***`. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable redis url>';
  }
}

/** Connects to `url` and waits until it answers (at most `timeoutMs`); the caller disconnects. */
export async function connectRedis(url: string, { timeoutMs = 3_000 }: { timeoutMs?: number } = {}): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 1, retryStrategy: () => null });
  let lastError: unknown;
  redis.on('error', (error) => {
    lastError = error;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new RedisUnreachableError(`Cannot reach Redis at ${redactRedisUrl(url)}: ${((lastError ?? error) as Error).message}.`, {
      details: 'Start Redis, or pass the right URL with --redis (or redis.url in the config file, or $REDIS_URL).',
      cause: error,
      docsPath: 'OPERATIONS.md#configuring',
    });
  }
  return redis;
}

/** Resolves with `promise`, or rejects after `timeoutMs` with `message`. */
export async function withTimeout<value>(promise: Promise<value>, timeoutMs: number, message: string): Promise<value> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
