// Redis connections of the operator commands: connected up front with a bounded wait, so a wrong URL
// or a Redis that is down is one clear message instead of a command hanging on retries. Passwords in
// URLs never reach a message. TLS settings (CA, client certificate, server name) come from the config
// file's `redis.tls` and apply to every connection built with `redisOptions`.
import { readFileSync } from 'node:fs';
import { BallastError } from '@ballast/protocol';
import { Redis, type RedisOptions } from 'ioredis';
import { ConfigError } from '../config.ts';
import type { RedisTlsFiles } from './config-file.ts';

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

/** ioredis options for `redis.tls` (none: `{}`; a `rediss://` URL alone still turns TLS on with the system CAs). */
export function redisOptions(tls: RedisTlsFiles | undefined): RedisOptions {
  if (!tls) return {};
  const read = (field: string, path: string | undefined) => {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (cause) {
      throw new ConfigError(`Cannot read redis.tls.${field} ${path} (${(cause as NodeJS.ErrnoException).code ?? 'unreadable'}).`, {
        details: 'Put the path of a PEM file, relative to the config file.',
        docsPath: 'OPERATIONS.md#config-file',
        cause,
      });
    }
  };
  const [ca, cert, key] = [read('caFile', tls.caFile), read('certFile', tls.certFile), read('keyFile', tls.keyFile)];
  return { tls: { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), ...(tls.serverName ? { servername: tls.serverName } : {}) } };
}

/** Connects to `url` and waits until it answers (at most `timeoutMs`); the caller disconnects. */
export async function connectRedis(url: string, { timeoutMs = 3_000, tls }: { timeoutMs?: number; tls?: RedisTlsFiles | undefined } = {}): Promise<Redis> {
  const redis = new Redis(url, { ...redisOptions(tls), lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 1, retryStrategy: () => null });
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
